"""Time-course figure: TEWL and roughness (Ra) against time, device sessions marked.

TEWL jumps at a session and falls within hours, so a series saved every day lands on the
way down and misses the peaks (a sawtooth). The TEWL line merges the saved series with
each session's peak (``tewl_after_session`` at ``session_day``: the state the session
leaves, before any recovery), so it rises to every peak. The TEWL panel also shows the
untreated baseline (``tewl_baseline``) and the recovery band (up to 1.1 x baseline:
"back within 10 %", docs/outcomes.md). A roughness panel with no finite value (a single
column has no lateral profile) is left out, with a note.

Artists carry ids: ``tewl-line-{k}`` (line k), ``tewl-baseline``, ``recovery-band``,
``sessions``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._figures import axis_label, save_figure, time_days
from ._scenarios import axis_dims, fixed_note, is_sweep, lines, run_title, session_days

__all__ = ["TIMECOURSE_SERIES", "RECOVERY_TOLERANCE", "plot_timecourses", "timecourse_figure", "timecourse_notes",
           "series_with_session_peaks"]

# the series drawn, one panel each
TIMECOURSE_SERIES = ("tewl", "ra_um")
# "recovered": TEWL within this fraction above the untreated baseline (docs/outcomes.md)
RECOVERY_TOLERANCE = 0.1


def series_with_session_peaks(one: xr.Dataset, name: str = "tewl") -> tuple[np.ndarray, np.ndarray]:
    """``(days, values)`` of one scenario's saved series, with each session's peak merged in.

    For ``tewl``: ``tewl_after_session`` at ``session_day`` (NaN sessions dropped),
    placed after the saved point of the same time (a save at a session's time is the
    state before it), so the line climbs at each session. Other series: the saved points.
    NaN saves (a sweep scenario shorter than the longest) are dropped.
    """
    t = time_days(one["time"]) if "time" in one.coords else np.arange(one.sizes["time"], dtype=float)
    v = np.asarray(one[name].values, float)
    keep = np.isfinite(v)
    t, v = t[keep], v[keep]
    if name != "tewl" or "tewl_after_session" not in one or "session_day" not in one or not t.size:
        return t, v
    days = np.asarray(one["session_day"].values, float).ravel()
    peaks = np.asarray(one["tewl_after_session"].values, float).ravel()
    ok = np.isfinite(days) & np.isfinite(peaks) & (days <= t[-1] + 1e-9)
    tt = np.concatenate([t, days[ok]])
    vv = np.concatenate([v, peaks[ok]])
    is_peak = np.concatenate([np.zeros(t.size), np.ones(int(ok.sum()))])
    order = np.lexsort((is_peak, tt))
    return tt[order], vv[order]


def _column_roughness(ds: xr.Dataset, name: str) -> bool:
    """True for a roughness series with no finite value (a single column: NaN by definition)."""
    return name != "tewl" and name in ds and not bool(np.isfinite(np.asarray(ds[name].values, float)).any())


def timecourse_notes(ds: xr.Dataset) -> list[str]:
    """What the time-course figure leaves out (a roughness panel with no finite value), one line each."""
    return [f"timecourse: {name}: {ds[name].attrs.get('comment', 'no finite values')}; panel left out"
            for name in TIMECOURSE_SERIES if _column_roughness(ds, name)]


def _baseline(one: xr.Dataset) -> float | None:
    if "tewl_baseline" not in one:
        return None
    values = np.asarray(one["tewl_baseline"].values, float).ravel()
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else None


def timecourse_figure(ds: xr.Dataset) -> Figure | None:
    """The time-course figure of a run or sweep (None when it has neither series); see :func:`plot_timecourses`."""
    present = [n for n in TIMECOURSE_SERIES if n in ds]
    if not present:
        return None
    names = [n for n in present if not _column_roughness(ds, n)] or present[:1]
    left_out = [n for n in present if n not in names]
    drawn = lines(ds)
    fig = Figure(figsize=(8.5, 3.4 * len(names) + 0.6), layout="constrained")
    axs = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    colors = [f"C{i % 10}" for i in range(len(drawn))]
    single = len(drawn) == 1
    for ax, name in zip(axs, names):
        any_finite = False
        baselines = []
        for k, ((label, one, point), color) in enumerate(zip(drawn, colors)):
            t, v = series_with_session_peaks(one, name)
            if not t.size:
                continue
            any_finite = True
            ax.plot(t, v, color=color, label=None if single else (label or name.upper()), lw=1.3,
                    gid=f"{name.replace('_', '-')}-line-{k}")
            days = session_days(ds, point) if point or not is_sweep(ds) else np.array([])
            days = days[days <= float(t[-1]) + 1e-9]
            if single:
                for d_k, d in enumerate(days):
                    ax.axvline(d, color="0.55", ls="--", lw=0.7, label="session" if d_k == 0 else None, zorder=0,
                               gid="sessions" if d_k == 0 else None)
            elif days.size:
                # the triangle sits on the line at the session: on the peak for TEWL
                at = [v[np.flatnonzero(np.isclose(t, d))[-1]] if np.isclose(t, d).any() else np.interp(d, t, v) for d in days]
                ax.plot(days, at, ls="none", marker="v", ms=5, color=color, gid=f"sessions-{k}")
            if name == "tewl":
                b = _baseline(one)
                if b is not None:
                    baselines.append(b)
        if name == "tewl" and baselines:
            b = float(np.mean(baselines))
            ax.axhspan(b, (1 + RECOVERY_TOLERANCE) * b, color="0.55", alpha=0.22, lw=0, zorder=0,
                       label=f"recovered: within {RECOVERY_TOLERANCE * 100:g} % of untreated", gid="recovery-band")
            ax.axhline(b, color="black", ls=":", lw=1.2, zorder=1, label="untreated baseline", gid="tewl-baseline")
        if not any_finite:
            comment = ds[name].attrs.get("comment", "no finite values")
            ax.text(0.5, 0.5, f"{name}: {comment}", ha="center", va="center", transform=ax.transAxes, fontsize=9, wrap=True)
        ax.set_ylabel(axis_label(ds[name], name))
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if labels and ax is axs[0]:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    axs[-1].set_xlabel(axis_label(ds["time"], "time") if "time" in ds.coords and ds["time"].attrs.get("units")
                       else "time (d)")
    if is_sweep(ds):
        title = ds.attrs.get("title", "")
        note = fixed_note(ds, axis_dims(ds)[:1])
        title += (f"\n{note}" if note else "")
        if len(drawn) > 1:
            title += ("\n" if title else "") + "triangles: sessions"
    else:
        title = run_title(ds) or "epiturn run"
    if "tewl_after_session" in ds:
        title += ("\n" if title else "") + "TEWL: the saved points and each session's peak (right after the session)"
    for name in left_out:
        title += ("\n" if title else "") + f"{axis_label(ds[name], name)} not shown: {ds[name].attrs.get('comment', 'no finite values')}"
    if title.strip():
        fig.suptitle(title.strip(), fontsize=9.5)
    return fig


def plot_timecourses(ds: xr.Dataset, outdir: str | os.PathLike, stem: str = "timecourse") -> list[Path]:
    """TEWL and Ra against time (days) with session markers, baseline and recovery band.

    Sessions are vertical lines for a run, triangles in each line's colour for a sweep. A
    sweep draws one line per value of its first axis, the other axes at their middle
    value, replicates averaged. A run's title is its name (:func:`run_title`). Returns
    the files ([] when the result has neither series).
    """
    fig = timecourse_figure(ds)
    return [] if fig is None else save_figure(fig, Path(outdir), stem)
