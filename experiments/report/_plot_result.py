"""The figures of a result: every figure kind that applies to a run or a sweep."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from experiments.errors import InputError

from ._heatmap import heatmap_outcomes, plot_decision_map, plot_heatmaps
from ._profiles import plot_profiles
from ._scenarios import axis_dims, is_sweep
from ._summaries import summary_outcomes
from ._timecourse import plot_timecourses, timecourse_notes
from ._tradeoff import plot_tradeoff

__all__ = ["KINDS", "plot_result"]

# the figure kinds, in the order they are drawn
KINDS = ("timecourse", "heatmap", "tradeoff", "profiles", "decision")


def _is_grid(ds) -> bool:
    axes = axis_dims(ds)
    return is_sweep(ds) and ds.attrs.get("sweep_mode", "grid") == "grid" and len(axes) >= 2 and "scenario" not in axes[:2]


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

    ds = open_result(result, load=True) if isinstance(result, (str, os.PathLike)) else result
    kinds = [kind] if isinstance(kind, str) else list(kind or ())
    explicit = bool(kinds)
    kinds = kinds or list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise InputError(f"kind: {k!r} is not a figure kind; allowed: {', '.join(KINDS)}", parameter="kind")
    outdir = Path(outdir)
    files: list[Path] = []
    notes: list[str] = []

    def not_here(k: str, needs: str) -> InputError:
        allowed = ", ".join(x for x in KINDS if x not in ("heatmap", "decision") or _is_grid(ds)
                            if x != "tradeoff" or is_sweep(ds))
        return InputError(f"kind: {k} needs {needs}; allowed: {allowed} for this result", parameter="kind")

    if "timecourse" in kinds:
        got = plot_timecourses(ds, outdir)
        if not got:
            notes.append("timecourse: no tewl or ra_um in this result; skipped")
        else:
            notes += timecourse_notes(ds)
        files += got
    if "heatmap" in kinds:
        if _is_grid(ds):
            if outcome is not None:
                allowed = heatmap_outcomes(ds, summary_outcomes(ds))
                if outcome not in allowed:
                    raise InputError(f"outcome: {outcome!r} is not an outcome of this result; allowed: {', '.join(allowed)}",
                                     parameter="outcome")
            got, more = plot_heatmaps(ds, outdir, [outcome] if outcome else None)
            files += got
            notes += more
        elif explicit:
            raise not_here("heatmap", "a grid sweep with at least two axes")
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
    if "decision" in kinds:
        if _is_grid(ds):
            got, more = plot_decision_map(ds, outdir)
            files += got
            if explicit or "heatmap" not in kinds:
                notes += more
        elif explicit:
            raise not_here("decision", "a grid sweep with at least two axes and device sessions")
    return files, notes
