"""The parameter-uncertainty band of a report: what the skin's unknowns do to the outcomes.

``epiturn report RESULT --uncertainty SENS.nc`` puts the outcome bands of an ``epiturn
sensitivity`` dataset (:mod:`experiments.sensitivity._dataset`: per outcome ``O`` its
quantiles ``O_band`` on ``quantile``, ``O_mean``, ``O_sd``, over the factor ranges) beside
the recommendation. Per outcome the page shows the 5 %, 50 % and 95 % quantiles, mean ± SD
and the factor with the largest total Sobol index (``ST``, with its bootstrap half-width),
the one most of the spread comes from.

A band belongs to the setting its analysis ran at: the sensitivity's base run (its
resolved config, attribute ``config_json``). :func:`uncertainty_section` compares that
base with the recommended setting -- the skin, the device and every swept config path
(``protocol.interval_days``, ``protocol.settings.vacuum_kpa``, a dial ``level`` by its
settings) -- and says whether the band is the recommendation's own or another setting's
(then: which values differ, and that the band describes the spread at that other setting).

A path that is not a sensitivity dataset raises :class:`~experiments.errors.InputError`
with ``parameter="uncertainty"`` (one line).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from experiments.config import format_value
from experiments.errors import InputError

from ._figures import display_units
from ._numbers import format_mean_sd, format_quantity
from ._scenarios import axis_paths, level_settings, setting_values

__all__ = ["open_sensitivity", "uncertainty_section"]

ALLOWED = "a NetCDF file written by `epiturn sensitivity` (variables S1, ST and <outcome>_band)"


def open_sensitivity(path: str | Path) -> xr.Dataset:
    """The sensitivity dataset at ``path``, loaded; a one-line :class:`InputError` when it is not one."""
    p = Path(path).expanduser()
    shown = format_value(str(path), limit=120)  # a long path keeps its end, the file's name
    if not p.is_file():
        raise InputError(f"uncertainty: {shown} is not a file; allowed: {ALLOWED}", parameter="uncertainty")
    try:
        with xr.open_dataset(p) as ds:
            ds = ds.load()
    except Exception:  # noqa: BLE001 -- any reader failure is "not a sensitivity dataset"
        raise InputError(f"uncertainty: {shown} is not a NetCDF file; allowed: {ALLOWED}",
                         parameter="uncertainty") from None
    if not ({"ST", "ST_conf"} <= set(ds.data_vars) and "outcome" in ds.dims and "quantile" in ds.dims
            and any(f"{o}_band" in ds for o in ds.outcome.values)):
        raise InputError(f"uncertainty: {shown} holds no sensitivity indices and outcome bands; allowed: {ALLOWED}",
                         parameter="uncertainty")
    return ds


def _json(ds: xr.Dataset, name: str) -> dict:
    try:
        data = json.loads(ds.attrs.get(name) or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _at(config: dict, path: str) -> Any:
    node: Any = config
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return str(a) == str(b)


def _text(value: Any) -> str:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return format_quantity(float(value))
    return str(value)


def _differences(result: xr.Dataset, base: dict, setting: dict[str, Any]) -> list[str]:
    """How the sensitivity's base run differs from the recommended setting of ``result``: ``["vacuum_kpa 30 (recommended 20)"]``."""
    config = _json(result, "config_json")
    sweep_base = config.get("base") if isinstance(config.get("base"), dict) else config
    out = []
    for key in ("skin", "device"):
        theirs, ours = _name(base.get(key)), _name(sweep_base.get(key))
        if theirs is not None and ours is not None and not _same(theirs, ours):
            out.append(f"{key} {_text(theirs)} (recommended {_text(ours)})")
    if not axis_paths(result):  # one run (or a comparison's chosen run): its whole protocol
        for path in ("protocol.interval_days", "protocol.sessions"):
            theirs, ours = _at(base, path), _at(sweep_base, path)
            if theirs is not None and ours is not None and not _same(theirs, ours):
                out.append(f"{path.rsplit('.', 1)[1]} {_text(theirs)} (recommended {_text(ours)})")
        theirs, ours = _at(base, "protocol.settings") or {}, _at(sweep_base, "protocol.settings") or {}
        out += [f"{k} {_text(theirs[k])} (recommended {_text(v)})" for k, v in ours.items() if k in theirs and not _same(theirs[k], v)]
        return out
    paths = axis_paths(result)
    levels = level_settings(result)
    for name, value in setting_values(result, setting).items():
        value = value.item() if hasattr(value, "item") else value
        if name == "replicate":
            continue
        path = paths.get(name, "")
        if name == "level" or path.endswith(".level"):
            wanted = levels.get(str(value), {})
            got = _at(base, "protocol.settings") or {}
            for k, v in wanted.items():
                if k in got and not _same(got[k], v):
                    out.append(f"{k} {_text(got[k])} (recommended level {value}: {_text(v)})")
            continue
        got = _at(base, path) if path else None
        if got is None and path.startswith("protocol.settings."):
            got = (_at(base, "protocol.settings") or {}).get(path.rsplit(".", 1)[1])
        if got is not None and not _same(got, value):
            out.append(f"{name} {_text(got)} (recommended {_text(value)})")
    return out


def uncertainty_section(path: str | Path, result: xr.Dataset, best: dict[str, Any] | None,
                        objective: str | None = None, objective_label: str | None = None) -> dict[str, Any]:
    """The page content of the parameter-uncertainty band (see the module docstring).

    ``result``: the dataset of the recommended setting (a sweep: the whole store); ``best``:
    the recommended setting of a sweep (``{dim: value}``), ``{}`` for a single run, None
    without a recommendation; ``objective``: the decision's objective (its row is marked). Returns ``rows`` (one per outcome: name, units, quantiles, mean ±
    SD, dominant factor), ``factors`` (with their range kinds), the design size, whether
    the band is the recommended setting's (``matches``) and the differences when not.
    """
    from experiments._outputs import OUTPUTS

    ds = open_sensitivity(path)
    q = [float(v) for v in ds["quantile"].values]

    def at(quantile: float) -> int:
        return int(np.argmin(np.abs(np.asarray(q) - quantile)))

    factors = [str(p) for p in ds.parameter.values]
    kinds = ([str(k) for k in ds["parameter_range_kind"].values] if "parameter_range_kind" in ds.coords
             else ["" for _ in factors])
    units_of = ([str(u) for u in ds["parameter_units"].values] if "parameter_units" in ds.coords
                else ["" for _ in factors])
    rows = []
    for outcome in [str(o) for o in ds.outcome.values]:
        if f"{outcome}_band" not in ds:
            continue
        band = np.asarray(ds[f"{outcome}_band"].values, float)
        units = str(ds[f"{outcome}_band"].attrs.get("units", ""))
        st = np.asarray(ds["ST"].sel(outcome=outcome).values, float)
        conf = np.asarray(ds["ST_conf"].sel(outcome=outcome).values, float)
        top = int(np.nanargmax(st)) if np.any(np.isfinite(st)) else None
        rows.append({
            "name": OUTPUTS[outcome].long_name if outcome in OUTPUTS else outcome.replace("_", " "),
            "key": outcome,
            "units": display_units(units) or "1",
            "low": format_quantity(band[at(0.05)], units), "median": format_quantity(band[at(0.5)], units),
            "high": format_quantity(band[at(0.95)], units),
            "mean_sd": format_mean_sd(float(ds[f"{outcome}_mean"]), float(ds[f"{outcome}_sd"]), units)
            if f"{outcome}_mean" in ds and f"{outcome}_sd" in ds else "–",
            "driver": (f"{factors[top]} (ST {format_quantity(st[top], '', 2)} ± {format_quantity(conf[top], '', 2)})"
                       if top is not None else "–"),
            "objective": outcome == objective,
        })
    if not rows:
        raise InputError(f"uncertainty: {str(path)!r} holds no outcome bands; allowed: {ALLOWED}", parameter="uncertainty")
    base = _json(ds, "config_json")
    differences = _differences(result, base, best) if best is not None and base else []
    device = base.get("device") if isinstance(base.get("device"), dict) else {}
    settings = _at(base, "protocol.settings") or {}
    protocol = base.get("protocol") if isinstance(base.get("protocol"), dict) else {}
    at_setting = ", ".join(
        [str(_name(base.get("skin")) or "?") + " skin", str(device.get("name") or _name(base.get("device")) or "?")]
        + ([f"every {format_quantity(protocol['interval_days'], 'd')}"] if protocol.get("interval_days") else [])
        + ([f"{protocol['sessions']} sessions"] if protocol.get("sessions") else [])
        + [f"{k} {format_quantity(v)}" for k, v in settings.items() if isinstance(v, (int, float)) and not isinstance(v, bool)])
    objective_row = next((r for r in rows if r["objective"]), None)
    return {
        "path": str(path),
        "rows": rows,
        "factors": [{"name": f, "kind": k, "units": display_units(u) or "1"} for f, k, u in zip(factors, kinds, units_of)],
        "samples": int(ds.attrs.get("samples", 0)),
        "model_runs": int(ds.attrs.get("model_runs", 0)),
        "at_setting": at_setting,
        "has_decision": best is not None,
        "matches": best is not None and bool(base) and not differences,
        "differences": differences,
        "objective": objective_row,
        "objective_label": objective_label,
    }
