"""Profile figures: surface and depth profiles at the start, after the last session, at the end."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._figures import axis_label, display_units, format_value, save_figure
from ._scenarios import axis_dims, is_sweep, session_days, sweep_dims

__all__ = ["plot_profiles"]


def plot_profiles(ds: xr.Dataset, outdir: str | os.PathLike) -> tuple[list[Path], list[str]]:
    """Surface profiles (``surface_um``) and depth profiles (variables on ``z``) at start,
    one day after the last session and at the end, when the run saved them.

    A sweep shows its middle scenario. Returns (files, notes).
    """
    one, point = ds, {}
    if is_sweep(ds):
        for d in sweep_dims(ds):
            one = one.isel({d: ds.sizes[d] // 2})
        point = {d: ds[d].values[ds.sizes[d] // 2].item() for d in axis_dims(ds) if d in ds.coords}
    seed_note = ""
    if is_sweep(ds) and "replicate" in sweep_dims(ds) and "replicate" in ds.coords:
        seed_note = f", seed = {ds['replicate'].values[ds.sizes['replicate'] // 2]}"
    names = [n for n in one.data_vars if "time" in one[n].dims and ({"x", "z"} & set(one[n].dims))]
    if not names:
        return [], ["profiles: the result has no saved profiles (run with save.profiles: true)"]
    t = np.asarray(one["time"].values, float)
    finite_t = t[np.isfinite(np.asarray(one[names[0]].isel({d: 0 for d in one[names[0]].dims if d != "time"}).values, float))]
    t_end = float(finite_t[-1]) if finite_t.size else float(t[-1])
    days = session_days(ds, point)
    picks = [("start", 0.0)]
    if days.size:
        picks.append((f"1 d after last session (day {days[-1] + 1:g})", float(days[-1]) + 1.0))
    picks.append((f"end (day {t_end:g})", t_end))
    files = []
    for name in names:
        da = one[name]
        spatial = [d for d in da.dims if d != "time"]
        fig = Figure(figsize=(7, 3.6), layout="constrained")
        ax = fig.subplots()
        if len(spatial) == 1:
            dim = spatial[0]
            coord = np.asarray(one[dim].values, float) if dim in one.coords else np.arange(da.sizes[dim])
            scale, unit = (1e-3, "mm") if dim in ("x", "y") and one[dim].attrs.get("units") == "um" else (1.0, one[dim].attrs.get("units", "1") if dim in one.coords else "1")
            for label, day in picks:
                k = int(np.argmin(np.abs(t - day)))
                ax.plot(coord * scale, np.asarray(da.isel(time=k).values, float), label=label, lw=1.2)
            name_of = one[dim].attrs.get('long_name', dim) if dim in one.coords else dim
            unit = display_units(unit)
            ax.set_xlabel(f"{name_of} ({unit})" if unit else str(name_of))
            ax.set_ylabel(axis_label(da, name))
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        else:
            k = int(np.argmin(np.abs(t - t_end)))
            im = ax.imshow(np.asarray(da.isel(time=k).values, float), origin="lower", aspect="equal", cmap="viridis")
            fig.colorbar(im, ax=ax, label=axis_label(da, name))
            ax.set_xlabel(f"{spatial[1]} (index)")
            ax.set_ylabel(f"{spatial[0]} (index)")
        title = da.attrs.get("long_name", name)
        if point:
            title += "\n" + ", ".join(f"{k} = {format_value(v)}" for k, v in point.items()) + seed_note
        ax.set_title(title, fontsize=9)
        files += save_figure(fig, Path(outdir), f"profile_{name}")
    return files, []
