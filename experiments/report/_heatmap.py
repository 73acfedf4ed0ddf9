"""Heat maps: an outcome over the first two axes of a grid sweep, one figure per outcome."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from experiments.errors import InputError

from ._figures import axis_label, format_value, save_figure
from ._scenarios import axis_dims, fixed_note
from ._summaries import outcome_and_label, outcome_names, summary_outcomes

__all__ = ["DEFAULT_HEATMAPS", "plot_heatmaps"]

# the outcomes drawn when none is asked for (those the result has; see summary_outcomes)
DEFAULT_HEATMAPS = ("smoothness_gain", "irritation_burden", "tewl_peak_ratio", "barrier_recovery_hours_max", "max_injury_um")


def plot_heatmaps(ds: xr.Dataset, outdir: str | os.PathLike, outcomes: Sequence[str] | None = None) -> tuple[list[Path], list[str]]:
    """Heat maps of outcomes over the first two axes of a grid sweep. Returns (files, notes).

    Replicates are averaged, further axes held at their middle value. ``outcomes``: names
    of :func:`~experiments.report.summary_outcomes` (or ``smoothness_gain``,
    ``irritation_burden``); default :data:`DEFAULT_HEATMAPS`, those the result has, and an
    outcome that is the same in every scenario is a note instead of a one-colour figure.
    """
    axes = axis_dims(ds)
    if ds.attrs.get("sweep_mode", "grid") != "grid" or len(axes) < 2:
        raise InputError("a heat map needs a grid sweep with at least two axes")
    xdim, ydim = axes[0], axes[1]
    table = summary_outcomes(ds)
    if outcomes:
        allowed = outcome_names(table)
        for name in outcomes:
            if name not in allowed:
                raise InputError(f"outcomes: {name!r} is not an outcome of this result; allowed: {', '.join(allowed)}",
                                 parameter="outcomes")
    files, notes = [], []
    for name in list(outcomes) if outcomes else DEFAULT_HEATMAPS:
        try:
            da, label = outcome_and_label(table, name)
        except KeyError:  # a default outcome this result does not have
            continue
        if "replicate" in da.dims:
            da = da.mean("replicate", keep_attrs=True)
        others = {d: da.sizes[d] // 2 for d in da.dims if d not in (xdim, ydim)}
        da = da.isel(others).transpose(ydim, xdim)
        values = np.asarray(da.values, float)
        if not np.isfinite(values).any():
            notes.append(f"heatmap {name}: no finite values (e.g. roughness is undefined on a single column); skipped")
            continue
        finite = values[np.isfinite(values)]
        constant = bool(np.all(finite == finite[0]))
        units = da.attrs.get("units") or label.rsplit("(", 1)[-1].rstrip(")")
        if constant and not outcomes:
            # one colour with a meaningless colour bar: say it in one line instead
            notes.append(f"heatmap {name}: {format_value(float(finite[0]))} {units} in every scenario; skipped")
            continue
        fig = Figure(figsize=(6.4, 4.8), layout="constrained")
        ax = fig.subplots()
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
        xs, ys = ds[xdim].values, ds[ydim].values
        ax.set_xticks(range(len(xs)), [format_value(v) for v in xs])
        ax.set_yticks(range(len(ys)), [format_value(v) for v in ys])
        ax.set_xlabel(axis_label(ds[xdim], xdim))
        ax.set_ylabel(axis_label(ds[ydim], ydim))
        mid = 0.5 * (finite.min() + finite.max())
        for (j, i), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(i, j, f"{v:.3g}", ha="center", va="center", fontsize=8, color="white" if v < mid else "black",
                        gid=f"cell-{ydim}-{j}-{xdim}-{i}")
        fig.colorbar(im, ax=ax, label=label)
        note = fixed_note(ds, (xdim, ydim))
        if constant:
            note = "; ".join(x for x in (f"the same in every scenario: {format_value(float(finite[0]))} {units}", note) if x)
        ax.set_title(label + (f"\n{note}" if note else ""), fontsize=9)
        files += save_figure(fig, Path(outdir), f"heatmap_{name}")
    return files, notes
