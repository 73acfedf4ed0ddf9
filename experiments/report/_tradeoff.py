"""Trade-off figure: smoothness gain against irritation burden, the Pareto front marked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._figures import axis_label, format_value, save_figure
from ._scenarios import axis_dims, axis_paths, sweep_dims
from ._summaries import irritation_burden, smoothness_gain, summary_outcomes

__all__ = ["MAX_DISCRETE_COLOURS", "pareto_front", "plot_tradeoff"]

# the trade-off colours its points by the first axis: one colour per value up to this many
MAX_DISCRETE_COLOURS = 10


def pareto_front(burden: Any, gain: Any) -> np.ndarray:
    """Mask of the Pareto-optimal points: least ``burden`` for their ``gain``.

    A point is on the front when no other point has ``burden <=`` and ``gain >=`` with
    at least one strict. Points with a NaN coordinate are never on the front.
    """
    b = np.asarray(burden, float).ravel()
    g = np.asarray(gain, float).ravel()
    ok = np.isfinite(b) & np.isfinite(g)
    front = np.zeros(b.size, bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (b <= b[i]) & (g >= g[i]) & ((b < b[i]) | (g > g[i]))
        front[i] = not dominated.any()
    return front.reshape(np.shape(burden))


def plot_tradeoff(ds: xr.Dataset, outdir: str | os.PathLike, labels: Sequence[str] | None = None,
                  stem: str = "tradeoff") -> tuple[list[Path], list[str]]:
    """Smoothness gain against irritation burden, every scenario, Pareto front marked.

    Points are coloured by the first sweep axis; ``labels`` (one per scenario) annotate
    them. Returns (files, notes); a result without both outcomes is a note, no figure.
    """
    table = summary_outcomes(ds)
    try:
        gain, gain_label = smoothness_gain(table)
        burden, burden_label = irritation_burden(table)
    except KeyError as exc:
        return [], [f"tradeoff: {exc.args[0]}; skipped"]
    if "replicate" in gain.dims:
        gain, burden = gain.mean("replicate"), burden.mean("replicate")
    g = np.asarray(gain.values, float).ravel()
    b = np.asarray(burden.values, float).ravel()
    ok = np.isfinite(g) & np.isfinite(b)
    if not ok.any():
        return [], ["tradeoff: no scenario has both a finite smoothness gain and burden (e.g. roughness is undefined on a single column); skipped"]
    front = pareto_front(b, g)
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.subplots()
    # colour by the first axis: a dimension (grid sweeps) or a coordinate on `scenario` (zip, lhs, sobol)
    color_name, color_values = None, None
    candidates = [d for d in axis_dims(ds) if d in gain.dims and d != "scenario"]
    candidates += [n for n in axis_paths(ds) if n in ds.coords and set(ds[n].dims) <= set(gain.dims)]
    for name in candidates:
        coord = ds[name]
        if coord.dtype.kind in "fiu":
            color_name = name
            color_values = np.asarray(coord.broadcast_like(gain).transpose(*gain.dims).values, float).ravel()
            break
    if color_values is not None:
        levels = np.unique(color_values[ok])
        if levels.size <= MAX_DISCRETE_COLOURS:
            # a few swept values (intervals 2, 4, 7, 14, 21 d): one colour each, ticked at the values
            import matplotlib
            from matplotlib.colors import BoundaryNorm

            cmap = matplotlib.colormaps["viridis"].resampled(levels.size)
            norm = BoundaryNorm(np.arange(levels.size + 1) - 0.5, levels.size)
            sc = ax.scatter(b[ok], g[ok], c=np.searchsorted(levels, color_values[ok]), cmap=cmap, norm=norm, s=36, zorder=2)
            bar = fig.colorbar(sc, ax=ax, label=axis_label(ds[color_name], color_name), ticks=np.arange(levels.size))
            bar.ax.set_yticklabels([format_value(v) for v in levels])
        else:
            sc = ax.scatter(b[ok], g[ok], c=color_values[ok], cmap="viridis", s=36, zorder=2)
            bar = fig.colorbar(sc, ax=ax, label=axis_label(ds[color_name], color_name))
        bar.ax.set_gid("colour-bar")
    else:
        ax.scatter(b[ok], g[ok], s=36, color="C0", zorder=2)
    order = np.argsort(b[front])
    fb, fg = b[front][order], g[front][order]
    ax.step(fb, fg, where="post", color="C3", lw=1.5, zorder=1, label="Pareto front")
    ax.scatter(fb, fg, s=90, facecolors="none", edgecolors="C3", lw=1.5, zorder=3)
    if labels is not None:
        for text, x, y in zip(np.asarray(labels).ravel()[ok], b[ok], g[ok]):
            ax.annotate(str(text), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel(burden_label)
    ax.set_ylabel(gain_label)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    note = "; ".join(x for x in (f"{int(ok.sum())} scenarios", "mean of replicates" if "replicate" in sweep_dims(ds) else "") if x)
    ax.set_title(f"smoothness gain vs irritation burden ({note})", fontsize=9)
    return save_figure(fig, Path(outdir), stem), []
