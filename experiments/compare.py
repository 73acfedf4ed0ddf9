"""Side-by-side comparison of scenarios, and the summary outcomes that plots and tables use.

:func:`summary_outcomes` reduces a run (or every scenario of a sweep) to scalars: the
scalar outputs the model already gives (``tewl_baseline``, and the device outcomes of
interface.md such as ``irritation_burden_days`` once present) plus these, computed from
the saved time series (NaN-aware: a sweep scenario shorter than the longest is NaN
after its end):

=======================  ============  ==============================================
name                     units         definition
=======================  ============  ==============================================
``tewl_peak``            g m-2 h-1     max_t TEWL(t), with the TEWL right after each
                                       device session (``tewl_after_session``) when
                                       the run has it: TEWL jumps at a session and
                                       falls within hours, so the saved series
                                       (e.g. daily) alone misses the peak
``tewl_peak_ratio``      1             tewl_peak / TEWL_baseline
``tewl_excess_days``     d             int max(TEWL/TEWL_baseline - 1, 0) dt  (trapezoid
                                       rule on the save points)
``erythema_peak``        1             max_t erythema(t)
``erythema_days``        d             int erythema dt (trapezoid rule)
``sc_layers_min``        1             min_t SC layers
``ra_change_pct_end``    %             100 (Ra(t_end) - Ra(0)) / Ra(0), t_end the last
                                       saved time
``injury_depth_max_um``  um            max_t injury depth
=======================  ============  ==============================================

:func:`compare_configs` runs several run configs (batched, one compilation per grid),
writes each result as NetCDF and returns the outcome table along a ``config`` dimension.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xarray as xr

__all__ = ["SUMMARY", "summary_outcomes", "smoothness_gain", "irritation_burden", "compare_configs", "CompareResult"]

# name: (units, long_name)
SUMMARY: dict[str, tuple[str, str]] = {
    "tewl_peak": ("g m-2 h-1", "peak TEWL"),
    "tewl_peak_ratio": ("1", "peak TEWL / untreated TEWL"),
    "tewl_excess_days": ("d", "barrier-disruption burden: time integral of relative TEWL excess"),
    "erythema_peak": ("1", "peak erythema index"),
    "erythema_days": ("d", "time integral of the erythema index"),
    "sc_layers_min": ("1", "fewest stratum corneum layers"),
    "ra_change_pct_end": ("%", "change of Ra from the start to the end of the run"),
    "injury_depth_max_um": ("um", "deepest injury of living epidermis"),
}


def _last_finite(values: np.ndarray) -> np.ndarray:
    """Last finite entry along the last axis (NaN where there is none)."""
    finite = np.isfinite(values)
    idx = values.shape[-1] - 1 - np.argmax(finite[..., ::-1], axis=-1)
    out = np.take_along_axis(values, idx[..., None], axis=-1)[..., 0]
    return np.where(finite.any(axis=-1), out, np.nan)


def _integral(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Trapezoid integral along the last axis over segments with both ends finite."""
    seg = 0.5 * (values[..., 1:] + values[..., :-1]) * np.diff(t)
    ok = np.isfinite(values[..., 1:]) & np.isfinite(values[..., :-1])
    total = np.where(ok, seg, 0.0).sum(axis=-1)
    return np.where(np.isfinite(values).any(axis=-1), total, np.nan)


def _nan_reduce(fn, values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values).any(axis=-1)
    filled = np.where(np.isfinite(values), values, np.nan)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = fn(filled, axis=-1)
    return np.where(finite, out, np.nan)


def _with_session_peaks(ds: xr.Dataset, tewl: xr.DataArray, values: np.ndarray) -> np.ndarray:
    """The saved TEWL series with the TEWL right after each session appended along time.

    ``tewl_after_session`` (dims ``... session``) is the value at the session's end, the
    top of the jump; a series saved every 24 h lands hours later, on the way down (the
    main job's daily series showed 1.43 x baseline where the sessions reached 1.86 x).
    """
    if "tewl_after_session" not in ds or ds["tewl_after_session"].dims[-1:] != ("session",):
        return values
    after = ds["tewl_after_session"]
    lead = tewl.dims[:-1]
    if set(after.dims[:-1]) != set(lead):
        return values
    extra = np.asarray(after.load().transpose(*lead, "session").values, float)
    return np.concatenate([values, extra], axis=-1)


def summary_outcomes(ds: xr.Dataset) -> xr.Dataset:
    """Scalar outcomes per scenario (see the module docstring); dims = ``ds``'s non-run dims."""
    run_dims = {"time", "session", "event", "x", "y", "z"}
    out: dict[str, xr.DataArray] = {}
    for name, var in ds.data_vars.items():
        if name == "all_finite" or set(var.dims) & run_dims:
            continue
        out[name] = var.load() if hasattr(var, "load") else var
    if "time" in ds.dims:
        t = np.asarray(ds["time"].values, dtype=float)

        def series(name: str) -> xr.DataArray | None:
            if name not in ds or ds[name].dims[-1:] != ("time",):
                return None
            return ds[name].load()

        def scalar(template: xr.DataArray, values: np.ndarray, name: str) -> xr.DataArray:
            units, long_name = SUMMARY[name]
            return xr.DataArray(values, dims=template.dims[:-1], coords={k: v for k, v in template.coords.items() if "time" not in v.dims},
                                attrs={"units": units, "long_name": long_name})

        tewl = series("tewl")
        if tewl is not None:
            v = np.asarray(tewl.values, float)
            peak = _nan_reduce(np.nanmax, _with_session_peaks(ds, tewl, v))
            out["tewl_peak"] = scalar(tewl, peak, "tewl_peak")
            if "tewl_baseline" in ds:
                base = np.asarray(ds["tewl_baseline"].values, float)
                out["tewl_peak_ratio"] = scalar(tewl, peak / base, "tewl_peak_ratio")
                out["tewl_excess_days"] = scalar(tewl, _integral(np.maximum(v / base[..., None] - 1.0, 0.0), t), "tewl_excess_days")
        ery = series("erythema")
        if ery is not None:
            v = np.asarray(ery.values, float)
            out["erythema_peak"] = scalar(ery, _nan_reduce(np.nanmax, v), "erythema_peak")
            out["erythema_days"] = scalar(ery, _integral(v, t), "erythema_days")
        sc = series("sc_layers")
        if sc is not None:
            out["sc_layers_min"] = scalar(sc, _nan_reduce(np.nanmin, np.asarray(sc.values, float)), "sc_layers_min")
        ra = series("ra_um")
        if ra is not None:
            v = np.asarray(ra.values, float)
            with np.errstate(all="ignore"):
                change = 100.0 * (_last_finite(v) - v[..., 0]) / v[..., 0]
            out["ra_change_pct_end"] = scalar(ra, change, "ra_change_pct_end")
        inj = series("injury_depth_um")
        if inj is not None:
            out["injury_depth_max_um"] = scalar(inj, _nan_reduce(np.nanmax, np.asarray(inj.values, float)), "injury_depth_max_um")
    return xr.Dataset(out)


def smoothness_gain(outcomes: xr.Dataset) -> tuple[xr.DataArray, str]:
    """Reduction of Ra in % (positive = smoother) and the label saying what it is."""
    for name, when in (("ra_change_pct_end_followup", "end of follow-up"), ("ra_change_pct_end_course", "end of course"),
                       ("ra_change_pct_end", "end of run")):
        if name in outcomes:
            return -outcomes[name], f"smoothness gain, Ra reduction at {when} (%)"
    raise KeyError("no roughness outcome (ra_um) in this result")


def irritation_burden(outcomes: xr.Dataset) -> tuple[xr.DataArray, str]:
    """The model's irritation burden (d) when present, else the erythema time integral."""
    if "irritation_burden_days" in outcomes:
        units = outcomes["irritation_burden_days"].attrs.get("units", "d")
        return outcomes["irritation_burden_days"], f"irritation burden ({units})"
    if "erythema_days" in outcomes:
        return outcomes["erythema_days"], "irritation burden: erythema time integral (d)"
    raise KeyError("no irritation outcome (irritation_burden_days or erythema) in this result")


class CompareResult:
    """The outcome table (``config`` dimension), the run datasets and their files."""

    def __init__(self, names: list[str], table: xr.Dataset, datasets: list[xr.Dataset], files: list[Path], settings: list[dict]):
        self.names = names
        self.table = table
        self.datasets = datasets
        self.files = files
        self.settings = settings


def _names(paths: Sequence[Any]) -> list[str]:
    stems = [Path(str(p)).stem if isinstance(p, (str, os.PathLike)) else f"config{i + 1}" for i, p in enumerate(paths)]
    out = []
    for i, s in enumerate(stems):
        out.append(s if stems.count(s) == 1 else f"{s}#{i + 1}")
    return out


def _settings_row(resolved: Any) -> dict[str, str]:
    row = {"skin": resolved.skin_name, "device": resolved.device.name if resolved.device is not None else "none"}
    if resolved.protocol is not None:
        p = resolved.protocol
        row["sessions"] = f"{p.sessions} every {p.interval_days:g} d"
        s = p.settings
        for key, unit in (("vacuum_kpa", "kPa"), ("passes", ""), ("speed_mm_s", "mm/s"), ("load_n", "N"), ("crystal_flow_g_min", "g/min")):
            v = getattr(s, key, None)
            if v is None or (key == "load_n" and resolved.device.kind != "diamond") or (key == "crystal_flow_g_min" and resolved.device.kind != "crystal"):
                continue
            row[key] = (", ".join(f"{x:g}" for x in v) if isinstance(v, list) else f"{v:g}") + (f" {unit}" if unit else "")
    else:
        row["sessions"] = "untreated"
    row["duration"] = f"{resolved.duration_days:g} d"
    return row


def compare_configs(configs: Sequence[Any], outdir: str | os.PathLike | None = None, overrides: Sequence[str] = ()) -> CompareResult:
    """Run each config (batched per grid: one compilation), tabulate the outcomes side by side.

    ``configs``: paths, mappings or config objects. With ``outdir`` each run is written
    to ``outdir/<name>.nc``. Raises ConfigError (one line, naming the config) on bad input.
    """
    from experiments.config import ConfigError, load_run_config
    from experiments.output import write_netcdf
    from experiments.provenance import provenance_attrs
    from experiments.runner import check_finite
    from experiments.sweep import run_scenarios

    if len(configs) < 1:
        raise ConfigError("CONFIG", [], "is empty", "one or more run configs")
    names = _names(configs)
    resolved = []
    for name, c in zip(names, configs):
        try:
            resolved.append(load_run_config(c, overrides))
        except ConfigError as exc:
            file = exc.file or (str(c) if isinstance(c, (str, os.PathLike)) else name)
            raise ConfigError(exc.field, exc.value, exc.problem, exc.allowed, file) from None
    datasets = run_scenarios(resolved)
    files: list[Path] = []
    for name, r, ds in zip(names, resolved, datasets):
        check_finite(ds)
        ds.attrs.update(provenance_attrs(r))
        ds.attrs["skin_profile"] = r.skin_name
        ds.attrs["Conventions"] = "CF-1.10"
        ds.attrs["title"] = f"epiturn run {name}"
        if outdir is not None:
            files.append(write_netcdf(ds, Path(outdir) / f"{name}.nc"))
    tables = [summary_outcomes(ds) for ds in datasets]
    table = xr.concat(tables, dim="config", join="outer", coords="minimal", compat="override", combine_attrs="drop_conflicts")
    table = table.assign_coords(config=("config", names))
    for name in table.data_vars:
        for t in tables:
            if name in t:
                table[name].attrs = dict(t[name].attrs)
                break
    return CompareResult(names, table, datasets, files, [_settings_row(r) for r in resolved])
