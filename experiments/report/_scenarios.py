"""The scenarios a result holds: its sweep dimensions and axes, the lines to draw, session days.

A run has only the dimensions of one run (``time``, ``session``, ``x``, ...); a sweep
store puts its own in front (attribute ``sweep_dims``): axes such as ``interval_days``
and ``vacuum_kpa`` (grid mode), ``scenario`` (zip, lhs, sobol), and ``replicate``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import xarray as xr

from ._figures import format_value
from ._summaries import RUN_DIMS

__all__ = ["is_sweep", "sweep_dims", "axis_dims", "axis_paths", "lines", "fixed_note", "session_days"]

# the axes drawn first (x of a heat map, lines of a time course) when they are swept
PREFERRED_AXES = ("interval_days", "vacuum_kpa")


def sweep_dims(ds: xr.Dataset) -> list[str]:
    """The sweep's dimensions (attribute ``sweep_dims``, else every dimension not of one run)."""
    dims = ds.attrs.get("sweep_dims")
    if isinstance(dims, str):
        dims = json.loads(dims)
    if dims:
        return [d for d in dims if d in ds.dims]
    return [d for d in ds.dims if d not in RUN_DIMS]


def is_sweep(ds: xr.Dataset) -> bool:
    return bool(sweep_dims(ds))


def axis_dims(ds: xr.Dataset) -> list[str]:
    """Sweep dimensions that are axes (not replicate); preferred order interval, vacuum."""
    dims = [d for d in sweep_dims(ds) if d != "replicate"]
    return sorted(dims, key=lambda d: (PREFERRED_AXES.index(d) if d in PREFERRED_AXES else len(PREFERRED_AXES), dims.index(d)))


def axis_paths(ds: xr.Dataset) -> dict[str, str]:
    """Sweep axis name: config path it sets (attribute ``sweep_axes`` and coordinates' ``sweep_path``)."""
    raw = ds.attrs.get("sweep_axes")
    paths = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    for name in ds.coords:
        p = ds[name].attrs.get("sweep_path")
        if p:
            paths[name] = p
    return paths


def session_days(ds: xr.Dataset, point: dict[str, Any] | None = None) -> np.ndarray:
    """Session days of a run, or of one sweep scenario (``point``: coordinate values).

    Read from the output ``session_day`` (dims ``session``, the sweep dimensions in front
    for a sweep): ``point`` selects along the dimensions it names, and the days of the
    scenarios it leaves (the replicates of a scenario share theirs) are merged. Empty when
    the result has no device sessions (untreated, strips only).
    """
    if "session_day" not in ds:
        return np.array([])
    da = ds["session_day"]
    if point:
        da = da.sel({k: v for k, v in point.items() if k in da.dims})
    values = np.asarray(da.values, float).ravel()
    return np.unique(values[np.isfinite(values)])


def lines(ds: xr.Dataset, max_lines: int = 10) -> list[tuple[str, xr.Dataset, dict]]:
    """(label, scenario dataset with run dims only, coordinate point) of the lines to draw.

    A sweep draws one line per value of its first axis (at most ``max_lines``), the other
    axes at their middle value, replicates averaged.
    """
    if not is_sweep(ds):
        return [("", ds, {})]
    base = ds
    note = ""
    if "replicate" in sweep_dims(ds):
        base = ds.mean("replicate", keep_attrs=True)
        note = f" (mean of {ds.sizes['replicate']} replicates)"
    axes = axis_dims(ds)
    if not axes:
        return [("all" + note, base, {})]
    first = axes[0]
    fixed = {d: base.sizes[d] // 2 for d in axes[1:]}
    sub = base.isel(fixed) if fixed else base
    n = sub.sizes[first]
    out = []
    for i in np.unique(np.linspace(0, n - 1, min(n, max_lines)).round().astype(int)):
        one = sub.isel({first: int(i)})
        point = {first: one[first].values.item()} if first in one.coords else {}
        for d, j in fixed.items():
            if d in base.coords:
                point[d] = base[d].values[j].item()
        if first == "scenario":
            paths = axis_paths(ds)
            label = ", ".join(f"{k}={format_value(one[k].values.item())}" for k in paths if k in one.coords) or f"scenario {i}"
            point.update({k: one[k].values.item() for k in paths if k in one.coords})
        else:
            units = ds[first].attrs.get("units", "")
            label = f"{first} = {format_value(point.get(first))}" + (f" {units}" if units and units != "1" else "")
        out.append((label, one, point))
    return out


def fixed_note(ds: xr.Dataset, varied: Sequence[str]) -> str:
    """``"vacuum = 30 kPa; mean of 2 replicates"``: the axes held at their middle value."""
    parts = []
    for d in axis_dims(ds):
        if d in varied:
            continue
        v = ds[d].values[ds.sizes[d] // 2] if d in ds.coords else ds.sizes[d] // 2
        attrs = ds[d].attrs if d in ds.coords else {}
        units = attrs.get("units", "")
        # "vacuum = 30 kPa" (long name and units of the sweep coordinate), else "vacuum_kpa = 30"
        parts.append(f"{attrs.get('long_name', d)} = {format_value(v.item() if hasattr(v, 'item') else v)}"
                     + (f" {units}" if units and units != "1" else ""))
    if "replicate" in sweep_dims(ds):
        parts.append(f"mean of {ds.sizes['replicate']} replicates")
    return "; ".join(parts)
