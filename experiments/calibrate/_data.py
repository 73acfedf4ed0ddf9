"""Measured time courses for a calibration: a CSV or NetCDF file -> :class:`Observations`.

CSV (UTF-8; lines starting with ``#`` are comments): one row per measured point, the
columns ``time_days`` (time since the start of the run, d), ``variable`` (an output of
the output table, :data:`SERIES_VARIABLES`), ``value`` (in that output's units) and the
optional ``sd`` (the standard deviation of the value, same units, > 0), ``units`` (the
value's units: when given they must be the output table's) and ``source`` (free text)::

    # Ghadially et al. 1995 ...
    time_days,variable,value,sd,units
    2,tewl,14.85,1.29,g m-2 h-1

NetCDF: every data variable on the dimension ``time_days`` (or ``time``; its coordinate in
days since the start of the run) is a measured output, ``<variable>_sd`` its standard deviation (optional); a NaN is a time at
which that output was not measured (CF ``_FillValue``); a ``units`` attribute must be the
output table's. Either every point has an ``sd`` or none has (an empty ``sd`` column is
none): without one the residuals
are unweighted and the standard errors are scaled by the residual variance
(docs/calibrate.md).

Every problem is an :class:`experiments.errors.InputError` with a one-line message that
names the file, the row or variable and what is allowed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models import Diagnostics
from experiments._outputs import OUTPUTS, ROUGHNESS_OUTPUTS
from experiments.errors import InputError

__all__ = ["DERIVED_SERIES", "Observations", "SERIES_VARIABLES", "load_observations"]

DERIVED_SERIES = {"sc_transit_days": ("sc_layers", "sc_production_rate")}
"""Outputs on ``time`` computed from two per-step readouts (numerator, denominator), as the run does."""

# the time series of the output table that a calibration can compare with data: those read
# straight from the per-step readouts (models.Diagnostics) and the ratios of DERIVED_SERIES
SERIES_VARIABLES = tuple(n for n, o in OUTPUTS.items()
                         if o.dims == ("time",) and (n in Diagnostics._fields or n in DERIVED_SERIES))
"""The output variables a data file may hold (names and units: the output table)."""

REQUIRED_COLUMNS = ("time_days", "variable", "value")
OPTIONAL_COLUMNS = ("sd", "units", "source")


@dataclass(frozen=True)
class Observations:
    """The measured points, in file order.

    ``time_days``, ``value`` (``(n,)``, days and the output's units); ``variable``: the
    output of each point (``n`` names); ``sd``: ``(n,)`` standard deviations, or None when
    the file gives none; ``path`` and ``sha256`` (of the file's bytes) for provenance.
    """

    time_days: np.ndarray
    variable: tuple[str, ...]
    value: np.ndarray
    sd: np.ndarray | None
    path: Path
    sha256: str

    @property
    def size(self) -> int:
        return int(self.value.size)

    @property
    def variables(self) -> tuple[str, ...]:
        """The distinct outputs, in order of first appearance."""
        return tuple(dict.fromkeys(self.variable))

    def weights(self) -> np.ndarray:
        """``1 / sd`` per point (ones when the file gives no sd)."""
        return np.ones(self.size) if self.sd is None else 1.0 / self.sd


def _fail(path: Path, where: str, problem: str, allowed: str) -> InputError:
    at = f" {where}" if where else ""
    return InputError(f"data {path}:{at} {problem}; allowed: {allowed}")


def _variable_problem(name: str) -> str | None:
    if name in SERIES_VARIABLES:
        return None
    if name in OUTPUTS:
        return f"{name!r} is an output but not a time series a calibration can fit"
    return f"{name!r} is not an output variable"


def _check_units(path: Path, where: str, name: str, units: str) -> None:
    want = OUTPUTS[name].units
    if " ".join(str(units).split()) != want:
        raise _fail(path, where, f"units {units!r} are not those of {name}", f"{want!r} (the output table, docs/interface.md)")


def _number(path: Path, where: str, column: str, text: str) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise _fail(path, where, f"{column} {text!r} is not a number", f"a finite number in column {column}") from None
    if not math.isfinite(v):
        raise _fail(path, where, f"{column} {text!r} is not finite", f"a finite number in column {column}")
    return v


def _read_text(path: Path) -> tuple[bytes, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"data {path}: cannot be read ({exc.strerror or exc}); allowed: a CSV or NetCDF file") from None
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, "", f"is not UTF-8 text (byte {exc.start})", "a UTF-8 CSV file, or NetCDF (.nc)") from None


def _load_csv(path: Path) -> tuple[bytes, list, list, list, list | None]:
    raw, text = _read_text(path)
    lines = [(k + 1, line) for k, line in enumerate(text.splitlines()) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise _fail(path, "", "is empty (no header and no rows)", f"a header {','.join(REQUIRED_COLUMNS)}[,sd][,units] and rows")
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise _fail(path, f"line {lines[0][0]}:", f"the header has no column {', '.join(missing)}",
                    f"the columns {', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown or len(set(header)) != len(header):
        what = f"column {unknown[0]!r} is not known" if unknown else "a column is named twice"
        raise _fail(path, f"line {lines[0][0]}:", what, f"the columns {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}, each once")
    if len(rows) == 1:
        raise _fail(path, "", "has a header but no rows", "one row per measured point")
    col = {c: header.index(c) for c in header}
    t, names, values, sds = [], [], [], []
    for (lineno, _), row in zip(lines[1:], rows[1:]):
        where = f"line {lineno}:"
        if len(row) != len(header):
            raise _fail(path, where, f"has {len(row)} fields, the header {len(header)}", "one field per column")
        cell = {c: row[i].strip() for c, i in col.items()}
        name = cell["variable"]
        problem = _variable_problem(name)
        if problem:
            raise _fail(path, where, problem, ", ".join(SERIES_VARIABLES))
        if "units" in cell and cell["units"]:
            _check_units(path, where, name, cell["units"])
        t.append(_number(path, where, "time_days", cell["time_days"]))
        values.append(_number(path, where, "value", cell["value"]))
        names.append(name)
        if "sd" in cell:
            if not cell["sd"]:
                sds.append(None)
                continue
            sds.append(_number(path, where, "sd", cell["sd"]))
            if not sds[-1] > 0:
                raise _fail(path, where, f"sd {cell['sd']} is not positive", "sd > 0")
    if "sd" in col and all(v is None for v in sds):
        sds = None  # an empty sd column: no standard deviations
    elif "sd" in col and None in sds:
        lineno = lines[1 + sds.index(None)][0]
        raise _fail(path, f"line {lineno}:", "sd is empty while other rows have one", "an sd on every row, or on none")
    return raw, t, names, values, (sds if "sd" in col else None)


def _load_netcdf(path: Path) -> tuple[bytes, list, list, list, list | None]:
    import xarray as xr

    raw = path.read_bytes()
    try:
        ds = xr.open_dataset(path, decode_times=False).load()
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise _fail(path, "", f"is not a readable NetCDF file ({type(exc).__name__})", "a NetCDF file with variables on time_days") from None
    dim = next((d for d in ("time_days", "time") if d in ds.dims), None)
    if dim is None:
        raise _fail(path, "", "has no dimension time_days (or time)", "variables on a time_days coordinate (days since the start of the run)")
    if dim in ds.coords and str(ds[dim].attrs.get("units", "d")) not in ("d", "day", "days"):
        raise _fail(path, f"coordinate {dim}:", f"units {ds[dim].attrs['units']!r} are not days", "'d' (days since the start of the run)")
    measured = [v for v in ds.data_vars if not str(v).endswith("_sd") and ds[v].dims == (dim,)]
    if not measured:
        raise _fail(path, "", f"has no variable on {dim}", ", ".join(SERIES_VARIABLES))
    time = np.asarray(ds[dim].values, float)
    with_sd = [f"{v}_sd" in ds for v in measured]
    if any(with_sd) and not all(with_sd):
        name = measured[with_sd.index(False)]
        raise _fail(path, f"variable {name}:", f"has no {name}_sd while others have one", "an sd for every variable, or none")
    t, names, values, sds = [], [], [], []
    for name in measured:
        where = f"variable {name}:"
        problem = _variable_problem(str(name))
        if problem:
            raise _fail(path, where, problem, ", ".join(SERIES_VARIABLES))
        if "units" in ds[name].attrs:
            _check_units(path, where, str(name), ds[name].attrs["units"])
        v = np.asarray(ds[name].values, float)
        sd = np.asarray(ds[f"{name}_sd"].values, float) if all(with_sd) else None
        for k in np.flatnonzero(np.isfinite(v)):  # NaN: not measured at that time
            if not np.isfinite(time[k]):
                raise _fail(path, where, f"time_days[{k}] is not finite", "finite times")
            t.append(float(time[k]))
            names.append(str(name))
            values.append(float(v[k]))
            if sd is not None:
                if not (np.isfinite(sd[k]) and sd[k] > 0):
                    raise _fail(path, where, f"{name}_sd at time_days {time[k]:g} is {sd[k]:g}", "a finite sd > 0 where the value is given")
                sds.append(float(sd[k]))
    if not values:
        raise _fail(path, "", "has no measured value (all NaN)", "at least one finite value")
    return raw, t, names, values, (sds if all(with_sd) else None)


def load_observations(path: str | Path) -> Observations:
    """Read and check a data file (CSV, or NetCDF by the suffix ``.nc``/``.nc4``/``.cdf``); see the module docstring."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"data {path}: is not a file; allowed: a CSV or NetCDF file of measured time courses")
    netcdf = path.suffix.lower() in (".nc", ".nc4", ".cdf")
    raw, t, names, values, sds = (_load_netcdf if netcdf else _load_csv)(path)
    return Observations(np.asarray(t, float), tuple(names), np.asarray(values, float),
                        None if sds is None else np.asarray(sds, float), path, hashlib.sha256(raw).hexdigest())


def check_against_run(obs: Observations, duration_days: float, column: bool) -> None:
    """Raise :class:`InputError` for a point outside the run (``0 <= t <= duration``) or a
    roughness output on a single column (NaN by definition there)."""
    for k, (t, name) in enumerate(zip(obs.time_days, obs.variable)):
        if not 0.0 <= t <= duration_days:
            raise _fail(obs.path, f"point {k + 1} ({name}):", f"time_days {t:g} is outside the run",
                        f"0 <= time_days <= {duration_days:g} (the base run's duration_days)")
        if column and name in ROUGHNESS_OUTPUTS:
            raise _fail(obs.path, f"point {k + 1}:", f"{name} is NaN by definition on a single column",
                        "another output, or base.grid.lateral: 1d")
