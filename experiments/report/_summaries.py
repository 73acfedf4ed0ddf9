"""Summary outcomes: a run, or every scenario of a sweep, reduced to scalars.

:func:`summary_outcomes` keeps the scalar outputs of the result (``tewl_baseline``, the
course outcomes of docs/outcomes.md such as ``irritation_burden_days``) and adds these,
computed from the saved time series (NaN-aware: a sweep scenario shorter than the
longest is NaN after its end):

=======================  ============  ==============================================
name                     units         definition
=======================  ============  ==============================================
``tewl_peak``            g m-2 h-1     max_t TEWL(t), with the TEWL right after each
                                       device session (``tewl_after_session``) when
                                       the result has it: TEWL jumps at a session and
                                       falls within hours, so the saved series
                                       (e.g. daily) alone misses the peak
``tewl_peak_ratio``      1             tewl_peak / TEWL_baseline
``erythema_peak``        1             max_t erythema(t)
``erythema_days``        d             int erythema dt (trapezoid rule)
``sc_layers_min``        1             min_t SC layers
=======================  ============  ==============================================

A result that lacks one of the run's course outcomes below (a dataset not written by
:func:`experiments.run`) gets it from its saved time series instead, under the run's
name, with a ``comment`` attribute saying so. The definition is the run's
(docs/outcomes.md); only the samples differ: the run reads every time step and the
TEWL jump at each session, the saved series only the save points.

==============================  =====  ==============================================
``irritation_burden_days``      d      int max(TEWL/TEWL_baseline - 1, 0) dt (trapezoid
                                       rule on the save points)
``max_injury_um``               um     max_t injury depth
``ra_change_pct_end_followup``  %      100 (Ra(t_end) - Ra(0)) / Ra(0), t_end the last
                                       saved time
==============================  =====  ==============================================
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import xarray as xr

from experiments._outputs import OUTPUTS

__all__ = ["SUMMARY_OUTCOMES", "RUN_OUTCOMES_FROM_SAVES", "summary_outcomes", "outcome_table", "smoothness_gain", "irritation_burden",
           "outcome_and_label", "outcome_names"]

# name: (units, long_name) of the outcomes that only the summary computes
SUMMARY_OUTCOMES: dict[str, tuple[str, str]] = {
    "tewl_peak": ("g m-2 h-1", "peak TEWL"),
    "tewl_peak_ratio": ("1", "peak TEWL / untreated TEWL"),
    "erythema_peak": ("1", "peak erythema index"),
    "erythema_days": ("d", "time integral of the erythema index"),
    "sc_layers_min": ("1", "fewest stratum corneum layers"),
}

# name: (units, long_name) of the run's course outcomes (from the output table), computed
# from the saved series when a result lacks them
RUN_OUTCOMES_FROM_SAVES: dict[str, tuple[str, str]] = {
    name: (OUTPUTS[name].units, OUTPUTS[name].long_name)
    for name in ("irritation_burden_days", "max_injury_um", "ra_change_pct_end_followup")}
FROM_SAVES_COMMENT = "computed from the saved time points, not every time step (the result has no run value)"

# dimensions of one run: a variable on none of these is a scalar outcome of its scenario
RUN_DIMS = ("time", "session", "event", "x", "y", "z")

# outcomes that stand for one of several variables, with the label saying which
DERIVED_OUTCOMES = ("smoothness_gain", "irritation_burden")


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
    """``fn`` (nanmax, nanmin) along the last axis; NaN where every entry is NaN."""
    finite = np.isfinite(values).any(axis=-1)
    filled = np.where(np.isfinite(values), values, np.nan)  # +-inf counts as missing
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = fn(filled, axis=-1)
    return np.where(finite, out, np.nan)


def _with_session_peaks(ds: xr.Dataset, tewl: xr.DataArray, values: np.ndarray) -> np.ndarray:
    """The saved TEWL series with the TEWL right after each session appended along time.

    ``tewl_after_session`` (dims ``... session``) is the value at the session's end, the
    top of the jump; a series saved every 24 h lands hours later, on the way down (a
    daily series showed 1.43 x baseline where the sessions reached 1.86 x).
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
    out: dict[str, xr.DataArray] = {}
    for name, var in ds.data_vars.items():
        if name == "all_finite" or set(var.dims) & set(RUN_DIMS):
            continue
        out[name] = var.load()
    if "time" not in ds.dims:
        return xr.Dataset(out)
    t = np.asarray(ds["time"].values, dtype=float)

    def series(name: str) -> xr.DataArray | None:
        if name not in ds or ds[name].dims[-1:] != ("time",):
            return None
        return ds[name].load()

    def add(name: str, template: xr.DataArray, values: np.ndarray) -> None:
        if name in SUMMARY_OUTCOMES:
            units, long_name = SUMMARY_OUTCOMES[name]
            attrs = {"units": units, "long_name": long_name}
        elif name in out:  # the run gives it (from every time step): keep the run's
            return
        else:
            units, long_name = RUN_OUTCOMES_FROM_SAVES[name]
            attrs = {"units": units, "long_name": long_name, "comment": FROM_SAVES_COMMENT}
        coords = {k: v for k, v in template.coords.items() if "time" not in v.dims}
        out[name] = xr.DataArray(values, dims=template.dims[:-1], coords=coords, attrs=attrs)

    tewl = series("tewl")
    if tewl is not None:
        v = np.asarray(tewl.values, float)
        peak = _nan_reduce(np.nanmax, _with_session_peaks(ds, tewl, v))
        add("tewl_peak", tewl, peak)
        if "tewl_baseline" in ds:
            base = np.asarray(ds["tewl_baseline"].values, float)
            add("tewl_peak_ratio", tewl, peak / base)
            add("irritation_burden_days", tewl, _integral(np.maximum(v / base[..., None] - 1.0, 0.0), t))
    ery = series("erythema")
    if ery is not None:
        v = np.asarray(ery.values, float)
        add("erythema_peak", ery, _nan_reduce(np.nanmax, v))
        add("erythema_days", ery, _integral(v, t))
    sc = series("sc_layers")
    if sc is not None:
        add("sc_layers_min", sc, _nan_reduce(np.nanmin, np.asarray(sc.values, float)))
    ra = series("ra_um")
    if ra is not None:
        v = np.asarray(ra.values, float)
        with np.errstate(all="ignore"):
            change = 100.0 * (_last_finite(v) - v[..., 0]) / v[..., 0]
        add("ra_change_pct_end_followup", ra, change)
    injury = series("injury_depth_um")
    if injury is not None:
        add("max_injury_um", injury, _nan_reduce(np.nanmax, np.asarray(injury.values, float)))
    return xr.Dataset(out)


def outcome_table(datasets: Sequence[xr.Dataset], names: Sequence[str]) -> xr.Dataset:
    """:func:`summary_outcomes` of each dataset along a ``config`` dimension (coordinate ``names``)."""
    tables = [summary_outcomes(ds) for ds in datasets]
    table = xr.concat(tables, dim="config", join="outer", coords="minimal", compat="override", combine_attrs="drop_conflicts")
    table = table.assign_coords(config=("config", list(names)))
    for name in table.data_vars:
        table[name].attrs = next((dict(t[name].attrs) for t in tables if name in t), {})
    return table


def _from_saves_note(da: xr.DataArray) -> str:
    return ", from the saved time points" if da.attrs.get("comment") == FROM_SAVES_COMMENT else ""


def smoothness_gain(outcomes: xr.Dataset) -> tuple[xr.DataArray, str]:
    """Reduction of Ra in % (positive = smoother) and the label saying what it is."""
    for name, when in (("ra_change_pct_end_followup", "end of follow-up"), ("ra_change_pct_end_course", "end of course")):
        if name in outcomes:
            return -outcomes[name], f"smoothness gain, Ra reduction at {when}{_from_saves_note(outcomes[name])} (%)"
    raise KeyError("no roughness outcome (ra_um) in this result")


def irritation_burden(outcomes: xr.Dataset) -> tuple[xr.DataArray, str]:
    """The irritation burden (d) when the result has TEWL, else the erythema time integral."""
    if "irritation_burden_days" in outcomes:
        da = outcomes["irritation_burden_days"]
        return da, f"irritation burden{_from_saves_note(da)} ({da.attrs.get('units', 'd')})"
    if "erythema_days" in outcomes:
        return outcomes["erythema_days"], "irritation burden: erythema time integral (d)"
    raise KeyError("no irritation outcome (irritation_burden_days or erythema) in this result")


def outcome_and_label(outcomes: xr.Dataset, name: str) -> tuple[xr.DataArray, str]:
    """An outcome of :func:`summary_outcomes` (or a derived one) and its axis label.

    ``name``: a variable of ``outcomes``, ``"smoothness_gain"`` or ``"irritation_burden"``.
    Raises KeyError when the result does not have it.
    """
    if name == "smoothness_gain":
        return smoothness_gain(outcomes)
    if name == "irritation_burden":
        return irritation_burden(outcomes)
    da = outcomes[name]
    units = da.attrs.get("units", "1") or "1"
    return da, f"{da.attrs.get('long_name', name)} ({units})"


def outcome_names(outcomes: xr.Dataset) -> list[str]:
    """The names :func:`outcome_and_label` accepts for ``outcomes``, derived ones first."""
    names = []
    for name in DERIVED_OUTCOMES:
        try:
            outcome_and_label(outcomes, name)
        except KeyError:
            continue
        names.append(name)
    return names + [str(n) for n in outcomes.data_vars]
