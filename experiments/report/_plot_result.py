"""The figures of a result: every figure kind that applies to a run or a sweep."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from experiments.errors import InputError

from ._heatmap import plot_heatmaps
from ._profiles import plot_profiles
from ._scenarios import axis_dims, is_sweep
from ._summaries import outcome_names, summary_outcomes
from ._timecourse import plot_timecourses
from ._tradeoff import plot_tradeoff

__all__ = ["KINDS", "plot_result"]

# the figure kinds, in the order they are drawn
KINDS = ("timecourse", "heatmap", "tradeoff", "profiles")


def plot_result(result: Any, kind: str | Sequence[str] | None = None, outdir: str | os.PathLike = "figures",
                outcome: str | None = None) -> tuple[list[Path], list[str]]:
    """Write the figures of a run or sweep. Returns ``(files, notes)``.

    ``result``: a dataset or a path (NetCDF run, Zarr sweep). ``kind``: one of
    :data:`KINDS` or several (default: every kind that applies). ``outcome``: the heat
    map outcome (default: a standard set). A kind asked for that does not apply, or an
    unknown kind or outcome, is an :class:`~experiments.errors.InputError` naming the
    parameter (``kind``, ``outcome``) and what is allowed.
    """
    from experiments.storage import open_result

    ds = open_result(result) if isinstance(result, (str, os.PathLike)) else result
    kinds = [kind] if isinstance(kind, str) else list(kind or ())
    explicit = bool(kinds)
    kinds = kinds or list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise InputError(f"kind: {k!r} is not a figure kind; allowed: {', '.join(KINDS)}", parameter="kind")
    outdir = Path(outdir)
    files: list[Path] = []
    notes: list[str] = []
    if "timecourse" in kinds:
        got = plot_timecourses(ds, outdir)
        if not got:
            notes.append("timecourse: no tewl or ra_um in this result; skipped")
        files += got
    if "heatmap" in kinds:
        if is_sweep(ds) and ds.attrs.get("sweep_mode", "grid") == "grid" and len(axis_dims(ds)) >= 2:
            if outcome is not None:
                allowed = outcome_names(summary_outcomes(ds))
                if outcome not in allowed:
                    raise InputError(f"outcome: {outcome!r} is not an outcome of this result; allowed: {', '.join(allowed)}",
                                     parameter="outcome")
            got, more = plot_heatmaps(ds, outdir, [outcome] if outcome else None)
            files += got
            notes += more
        elif explicit:
            allowed = ", ".join(k for k in KINDS if k != "heatmap" and (k != "tradeoff" or is_sweep(ds)))
            raise InputError(f"kind: heatmap needs a grid sweep with at least two axes; allowed: {allowed} for this result",
                             parameter="kind")
    if "tradeoff" in kinds:
        if is_sweep(ds):
            got, more = plot_tradeoff(ds, outdir)
            files += got
            notes += more
        elif explicit:
            raise InputError("kind: tradeoff needs several scenarios (a sweep, or a comparison of run configs); allowed: "
                             "timecourse, profiles for a single run", parameter="kind")
    if "profiles" in kinds:
        got, more = plot_profiles(ds, outdir)
        files += got
        if explicit or not got:
            notes += more
    return files, notes
