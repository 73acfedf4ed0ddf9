"""Figures of a comparison of run configs: overlaid time courses and their trade-off."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._figures import axis_label, finite_part, save_figure
from ._scenarios import session_days
from ._compare import stacked_sessions
from ._summaries import outcome_table
from ._timecourse import TIMECOURSE_SERIES
from ._tradeoff import plot_tradeoff

__all__ = ["plot_compare"]


def plot_compare(datasets: Sequence[xr.Dataset], names: Sequence[str], outdir: str | os.PathLike) -> tuple[list[Path], list[str]]:
    """Figures of a comparison (:func:`~experiments.report.compare_configs`): the time
    courses of the runs overlaid (``compare_timecourse``) and the trade-off of the
    configs, each point labelled with its name (``compare_tradeoff``). Returns (files, notes)."""
    outdir = Path(outdir)
    series = [n for n in TIMECOURSE_SERIES if any(n in ds for ds in datasets)]
    files: list[Path] = []
    if series:
        fig = Figure(figsize=(8, 3.2 * len(series)), layout="constrained")
        axs = fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0]
        for ax, name in zip(axs, series):
            for i, (ds, label) in enumerate(zip(datasets, names)):
                if name not in ds:
                    continue
                color = f"C{i % 10}"
                da = finite_part(ds[name])
                if da.sizes["time"] == 0:
                    continue
                ax.plot(da["time"].values, da.values, color=color, label=label, lw=1.4)
                days = session_days(ds)
                days = days[days <= float(da["time"].values[-1]) + 1e-9]
                if days.size:
                    ax.plot(days, np.interp(days, da["time"].values, da.values), ls="none", marker="v", ms=5, color=color)
            ax.set_ylabel(axis_label(datasets[0][name], name))
            ax.grid(alpha=0.3)
        axs[0].legend(fontsize=8)
        axs[-1].set_xlabel(axis_label(datasets[0]["time"], "time"))
        fig.suptitle("comparison (triangles: sessions)", fontsize=10)
        files += save_figure(fig, outdir, "compare_timecourse")
    combined = outcome_table(datasets, names)
    sessions = stacked_sessions(datasets, names)
    if sessions is not None:  # the trade-off then knows which configs are safe (the decision of compare)
        combined = xr.merge([combined, sessions], compat="override", join="outer")
    combined.attrs["sweep_dims"] = ["config"]
    got, notes = plot_tradeoff(combined, outdir, labels=list(names), stem="compare_tradeoff")
    return files + got, notes
