"""Time-course figure: TEWL and roughness (Ra) against time, device sessions marked."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._figures import axis_label, finite_part, save_figure
from ._scenarios import axis_dims, fixed_note, is_sweep, lines, session_days

__all__ = ["TIMECOURSE_SERIES", "plot_timecourses"]

# the series drawn, one panel each
TIMECOURSE_SERIES = ("tewl", "ra_um")


def plot_timecourses(ds: xr.Dataset, outdir: str | os.PathLike, stem: str = "timecourse") -> list[Path]:
    """TEWL and Ra against time (days) with session markers.

    Sessions are vertical lines for a run, triangles in each line's colour for a sweep. A
    sweep draws one line per value of its first axis, the other axes at their middle
    value, replicates averaged. Returns the files ([] when the result has neither series).
    """
    names = [n for n in TIMECOURSE_SERIES if n in ds]
    if not names:
        return []
    drawn = lines(ds)
    fig = Figure(figsize=(8, 3.2 * len(names)), layout="constrained")
    axs = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    colors = [f"C{i % 10}" for i in range(len(drawn))]
    for ax, name in zip(axs, names):
        any_finite = False
        for (label, one, point), color in zip(drawn, colors):
            da = finite_part(one[name])
            if da.sizes["time"] == 0:
                continue
            any_finite = True
            ax.plot(da["time"].values, da.values, color=color, label=label or None, lw=1.4)
            days = session_days(ds, point) if point or not is_sweep(ds) else np.array([])
            days = days[days <= float(da["time"].values[-1]) + 1e-9]
            if len(drawn) == 1:
                for k, d in enumerate(days):
                    ax.axvline(d, color="0.5", ls="--", lw=0.8, label="session" if k == 0 else None)
            elif days.size:
                ax.plot(days, np.interp(days, da["time"].values, da.values), ls="none", marker="v", ms=5, color=color)
        if not any_finite:
            comment = ds[name].attrs.get("comment", "no finite values")
            ax.text(0.5, 0.5, f"{name}: {comment}", ha="center", va="center", transform=ax.transAxes, fontsize=9, wrap=True)
        ax.set_ylabel(axis_label(ds[name], name))
        ax.grid(alpha=0.3)
    axs[-1].set_xlabel(axis_label(ds["time"], "time") if "time" in ds.coords else "time (d)")
    _, labels = axs[0].get_legend_handles_labels()
    if labels:
        axs[0].legend(fontsize=8, ncol=2 if len(labels) > 5 else 1)
    note = fixed_note(ds, axis_dims(ds)[:1]) if is_sweep(ds) else ""
    title = ds.attrs.get("title", "") + (f"\n{note}" if note else "")
    if len(drawn) > 1:
        title += ("\n" if title else "") + "triangles: sessions"
    if title.strip():
        fig.suptitle(title.strip(), fontsize=10)
    return save_figure(fig, Path(outdir), stem)
