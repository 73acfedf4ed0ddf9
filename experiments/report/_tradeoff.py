"""Trade-off figure: smoothness gain against irritation burden per setting, the safe Pareto front marked.

One point per setting (the sweep's axes; replicates reduced): the mean over the seeds,
with error bars of one standard deviation both ways. The colour is the first axis
(interval), the marker the second (vacuum, or the dial level with its settings). When
the result has the per-session outputs, the decision (:func:`~experiments.report.decide`)
says which settings are safe: the others are hollow and carry their reasons (``h``: the
barrier does not heal before the next session, ``i``: injures, ``p``: petechiae risk at
or above the limit). The Pareto front (no other safe setting is smoother at no more
burden) is drawn over the safe settings only, and the best safe setting is a star. The
gain is the decision's objective as a reduction (Ra reduction when the next session
would be due, by default); without a decision, the Ra reduction at the end of follow-up.

Artists carry ids: ``setting-{k}`` (the point of setting k, in the order of
:func:`tradeoff_points`), ``unsafe-{k}``, ``front-{k}``, ``best-setting``, ``pareto-front``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._decision import Decision, decision_or_note
from ._figures import format_value, save_figure, tidy_label
from ._scenarios import axis_dims, axis_paths, setting_label, setting_values, value_label
from ._summaries import irritation_burden, smoothness_gain, summary_outcomes

__all__ = ["MAX_DISCRETE_COLOURS", "TradeoffPoints", "pareto_front", "plot_tradeoff", "tradeoff_points"]

# the trade-off colours its points by the first axis: one colour per value up to this many
MAX_DISCRETE_COLOURS = 10
# the second axis gets one marker per value (up to as many as there are markers)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")

# the decision's objective as a gain (up = better): label of -objective
_GAIN_LABELS = {
    "ra_change_pct_end_course": "smoothness gain: Ra reduction when the next session would be due (%)",
    "ra_change_pct_end_followup": "smoothness gain: Ra reduction at the end of follow-up (%)",
    "fine_line_change_pct_end_course": "fine-line gain: depth reduction when the next session would be due (%)",
    "fine_line_change_pct_end_followup": "fine-line gain: depth reduction at the end of follow-up (%)",
}


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


@dataclass
class TradeoffPoints:
    """The points of the trade-off, one per setting (flattened in the order of ``dims``).

    ``safe`` is None when the result cannot say (no per-session outputs); ``reasons``
    the letters of what excludes an unsafe setting; ``front`` the Pareto front over the
    safe settings (over all without a decision); ``best`` the index of the best safe
    setting (or None).
    """

    dims: tuple[str, ...]
    settings: list[dict[str, Any]]
    burden: np.ndarray
    burden_sd: np.ndarray
    gain: np.ndarray
    gain_sd: np.ndarray
    safe: np.ndarray | None
    reasons: list[str]
    front: np.ndarray
    best: int | None
    burden_label: str
    gain_label: str
    seeds: int
    decision: Decision | None


def _gain(table: xr.Dataset, decision: Decision | None) -> tuple[xr.DataArray, str]:
    if decision is not None and decision.rule.objective in table and decision.rule.objective != "irritation_burden_days":
        name = decision.rule.objective
        sign = -1.0 if decision.rule.sense == "min" else 1.0
        label = _GAIN_LABELS.get(name, tidy_label(f"{decision.objective_label} ({decision.objective_units})"))
        if sign > 0:
            label = tidy_label(f"{decision.objective_label} ({decision.objective_units})")
        return sign * table[name], label
    gain, label = smoothness_gain(table)
    return gain, tidy_label(label)


def tradeoff_points(ds: xr.Dataset) -> TradeoffPoints:
    """The trade-off's points of ``ds`` (a sweep, or an outcome table along ``config``). Raises KeyError
    (with what is missing) when the result lacks the gain or the burden."""
    table = summary_outcomes(ds)
    decision, _ = decision_or_note(ds, table)
    gain, gain_label = _gain(table, decision)
    burden, burden_label = irritation_burden(table)
    burden_label = tidy_label(burden_label)
    seeds = gain.sizes.get("replicate", 1)

    def reduce(da):
        if "replicate" in da.dims:
            sd = da.std("replicate", ddof=1) if seeds > 1 else xr.zeros_like(da.mean("replicate"))
            return da.mean("replicate"), sd
        return da, xr.zeros_like(da)

    g, gs = reduce(gain)
    b, bs = reduce(burden)
    dims = tuple(d for d in g.dims)
    b, bs, gs = (x.transpose(*dims) for x in (b, bs, gs))
    coords = [np.asarray(g[d].values) if d in g.coords else np.arange(g.sizes[d]) for d in dims]
    settings = [{d: (c[i].item() if hasattr(c[i], "item") else c[i]) for d, c, i in zip(dims, coords, idx)}
                for idx in np.ndindex(*[g.sizes[d] for d in dims])]
    flat = lambda da: np.asarray(da.values, float).ravel()  # noqa: E731
    safe = None
    reasons = [""] * len(settings)
    if decision is not None and set(decision.setting_dims) == set(dims):
        t = decision.table.transpose(*dims)
        safe = flat(t["safe"]) > 0.5
        letters = [(flat(t["heals"]) < 0.5, "h"), (flat(t["injures"]) > 0.5, "i"), (flat(t["petechiae"]) > 0.5, "p")]
        if not decision.rule.require_healing:
            letters = letters[1:]
        reasons = ["".join(ch for mask, ch in letters if mask[k]) for k in range(len(settings))]
    else:
        decision = None
    gv, bv = flat(g), flat(b)
    ok = np.isfinite(gv) & np.isfinite(bv)
    eligible = ok & (safe if safe is not None else True)
    front = np.zeros(gv.size, bool)
    if eligible.any():
        front[eligible] = pareto_front(bv[eligible], gv[eligible])
    best = None
    if decision is not None and decision.best is not None:
        best = next((k for k, s in enumerate(settings) if all(s[d] == decision.best[d] for d in dims)), None)
    return TradeoffPoints(dims=dims, settings=settings, burden=bv, burden_sd=flat(bs), gain=gv, gain_sd=flat(gs),
                          safe=safe, reasons=reasons, front=front, best=best, burden_label=burden_label,
                          gain_label=gain_label, seeds=seeds, decision=decision)


def _short(ds: xr.Dataset, setting: dict[str, Any]) -> str:
    """``"2 d, moderate"``: a setting's values with their units, for an annotation."""
    parts = []
    for d, v in setting_values(ds, setting).items():
        units = ds[d].attrs.get("units", "") if d in ds.coords else ""
        parts.append(format_value(v) + (f" {units}" if units and units != "1" and d != "replicate" else ""))
    return ", ".join(parts)


def _colour_values(ds: xr.Dataset, pts: TradeoffPoints) -> tuple[str | None, np.ndarray | None]:
    """The first axis as one number per point: a dimension (grid sweeps) or a coordinate on ``scenario``."""
    for name in [d for d in axis_dims(ds) if d in pts.dims and d != "scenario"]:
        if ds[name].dtype.kind in "fiu":
            return name, np.array([float(s[name]) for s in pts.settings])
    for name in axis_paths(ds):
        coord = ds.coords.get(name)
        if coord is not None and coord.ndim and set(coord.dims) <= set(pts.dims) and coord.dtype.kind in "fiu":
            full = ds[name].broadcast_like(xr.DataArray(np.zeros([ds.sizes[d] for d in pts.dims]), dims=pts.dims))
            return name, np.asarray(full.transpose(*pts.dims).values, float).ravel()
    return None, None


def plot_tradeoff(ds: xr.Dataset, outdir: str | os.PathLike, labels: Sequence[str] | None = None,
                  stem: str = "tradeoff") -> tuple[list[Path], list[str]]:
    """Smoothness gain against irritation burden per setting, the safe Pareto front and the best safe setting.

    ``labels`` (one per setting) annotate every point (a comparison names its configs);
    otherwise the front and the best setting are annotated with their values. Returns
    (files, notes); a result without both outcomes is a note, no figure.
    """
    import matplotlib
    from matplotlib.lines import Line2D

    try:
        pts = tradeoff_points(ds)
    except KeyError as exc:
        return [], [f"tradeoff: {exc.args[0]}; skipped"]
    ok = np.isfinite(pts.gain) & np.isfinite(pts.burden)
    if not ok.any():
        return [], ["tradeoff: no scenario has both a finite smoothness gain and burden (e.g. roughness is undefined on a single column); skipped"]
    fig = Figure(figsize=(9.6, 6.0), layout="constrained")
    ax = fig.subplots()
    n = len(pts.settings)
    # colour: the first axis, one colour per value up to MAX_DISCRETE_COLOURS (in the legend), else a colour bar
    color_name, cvals = _colour_values(ds, pts)
    colours = np.array([matplotlib.colors.to_rgba("C0")] * n)
    colour_handles = []
    bar = None
    if cvals is not None:
        levels = np.unique(cvals[ok])
        base = matplotlib.colormaps["viridis"]
        if levels.size <= MAX_DISCRETE_COLOURS:
            # a few swept values (intervals 2, 4, 7, 14, 21 d): one colour each, listed at their values
            palette = [base(x) for x in (np.linspace(0.0, 0.85, levels.size) if levels.size > 1 else [0.0])]
            colours = np.array([palette[int(np.searchsorted(levels, v))] if np.isfinite(v) else (0.5, 0.5, 0.5, 1.0)
                                for v in cvals])
            units = ds[color_name].attrs.get("units", "") if color_name in ds.coords else ""
            colour_handles = [Line2D([], [], ls="none", marker="s", ms=8, mfc=c, mec=c,
                                     label=format_value(v) + (f" {units}" if units and units != "1" else ""))
                              for v, c in zip(levels, palette)]
        else:
            norm = matplotlib.colors.Normalize(np.nanmin(cvals), np.nanmax(cvals))
            cmap = matplotlib.colors.ListedColormap(base(np.linspace(0, 0.85, 256)))
            colours = cmap(norm(cvals))
            bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, location="left", pad=0.1,
                               label=tidy_label(_axis_label(ds, color_name)))
            bar.ax.set_gid("colour-bar")
    # marker: the second axis
    marker_dim = next((d for d in axis_dims(ds)[1:2] if d in pts.dims and ds.sizes[d] <= len(MARKERS)), None)
    marker_values = list(ds[marker_dim].values) if marker_dim else []
    markers = [MARKERS[marker_values.index(s[marker_dim])] if marker_dim else "o" for s in pts.settings]
    for k in np.flatnonzero(ok):
        c = colours[k]
        unsafe = pts.safe is not None and not pts.safe[k]
        ax.errorbar(pts.burden[k], pts.gain[k], xerr=pts.burden_sd[k] or None, yerr=pts.gain_sd[k] or None, fmt="none",
                    ecolor=c, elinewidth=0.9, alpha=0.45 if unsafe else 0.8, capsize=2, zorder=2)
        ax.plot([pts.burden[k]], [pts.gain[k]], ls="none", marker=markers[k], ms=7.5, mew=1.4, mec=c,
                mfc="white" if unsafe else c, zorder=3, gid=f"{'unsafe' if unsafe else 'setting'}-{k}")
        if unsafe and pts.reasons[k]:
            ax.annotate(pts.reasons[k], (pts.burden[k], pts.gain[k]), textcoords="offset points", xytext=(5, -9),
                        fontsize=7, color="0.35")
    # the Pareto front over the safe settings
    front = np.flatnonzero(pts.front & ok)
    order = front[np.argsort(pts.burden[front])]
    front_label = "Pareto front of the safe settings" if pts.safe is not None else "Pareto front"
    if order.size:
        ax.step(pts.burden[order], pts.gain[order], where="post", color="C3", lw=1.4, zorder=1, gid="pareto-front")
        for k in order:
            ax.plot([pts.burden[k]], [pts.gain[k]], ls="none", marker="o", ms=14, mfc="none", mec="C3", mew=1.4, zorder=4,
                    gid=f"front-{k}")
    annotate = set(range(n)) if labels is not None else set(order.tolist()) | ({pts.best} if pts.best is not None else set())
    for k in sorted(annotate):
        if not ok[k]:
            continue
        text = str(np.asarray(labels).ravel()[k]) if labels is not None else _short(ds, pts.settings[k])
        # up and to the left of a front point lies no safe setting (it would dominate the point): room for the name
        ax.annotate(text, (pts.burden[k], pts.gain[k]), textcoords="offset points", xytext=(-8, 7), ha="right",
                    fontsize=7.5, color="black", zorder=6)
    if pts.best is not None:
        ax.plot([pts.burden[pts.best]], [pts.gain[pts.best]], ls="none", marker="*", ms=19, mfc="#00b000", mec="black",
                mew=0.8, zorder=5, gid="best-setting")
    # legend: the colours of the first axis, the markers of the second, then what the symbols mean
    def header(text):
        return Line2D([], [], ls="none", label=text)

    handles = []
    if colour_handles:
        handles += [header(tidy_label(_axis_label(ds, color_name)) + ":")] + colour_handles
    if marker_dim:
        handles.append(header(tidy_label(_axis_label(ds, marker_dim)) + ":"))
        units = ds[marker_dim].attrs.get("units", "")
        for v in marker_values:
            text = value_label(ds, marker_dim, v).replace("\n", ": ")
            handles.append(Line2D([], [], ls="none", marker=MARKERS[marker_values.index(v)], mfc="0.45", mec="0.45", ms=7,
                                  label=text + (f" {units}" if units and units != "1" else "")))
    handles.append(header(" "))
    handles.append(Line2D([], [], color="C3", lw=1.4, marker="o", ms=10, mfc="none", mec="C3", label=front_label))
    if pts.best is not None:
        handles.append(Line2D([], [], ls="none", marker="*", ms=13, mfc="#00b000", mec="black", label="best safe setting"))
    if pts.safe is not None:
        r = pts.decision.rule
        handles.append(Line2D([], [], ls="none", marker="o", ms=7, mfc="0.45", mec="0.45", label="safe (filled)"))
        handles.append(Line2D([], [], ls="none", marker="o", ms=7, mfc="white", mec="0.45",
                              label="not safe (hollow), because\n"
                                    + ("h: barrier not healed before the next session\n" if r.require_healing else "")
                                    + f"i: injures (> {r.max_injury_um:g} µm)\np: petechiae risk ≥ {r.max_petechiae_risk:g}"))
    handles.append(Line2D([], [], color="0.4", lw=0.9, marker="|", ms=6,
                          label=f"bars: ± 1 SD over {pts.seeds} seeds" if pts.seeds > 1 else "one seed: no spread"))
    legend = ax.legend(handles=handles, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                       handlelength=1.6)
    legend.set_gid("legend")
    # room on the left for the names of the front's first points
    lo, hi = float(np.nanmin(pts.burden[ok] - pts.burden_sd[ok])), float(np.nanmax(pts.burden[ok] + pts.burden_sd[ok]))
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.22 * span, hi + 0.05 * span)
    ax.set_xlabel(pts.burden_label)
    ax.set_ylabel(pts.gain_label)
    ax.grid(alpha=0.3)
    what = pts.gain_label.split(":")[0].split(",")[0].split(" (")[0]
    head = f"{what} vs irritation burden: {int(ok.sum())} settings"
    if pts.seeds > 1:
        head += f", mean ± SD over {pts.seeds} seeds"
    lines = [head]
    if pts.decision is not None:
        d = pts.decision
        if d.best is not None:
            lines.append(f"★ best safe setting: {setting_label(ds, d.best)}")
        else:
            lines.append("no safe setting")
    else:
        lines.append("safety not assessed (the result has no per-session outputs)")
    ax.set_title("\n".join(lines), fontsize=9, loc="left")
    return save_figure(fig, Path(outdir), stem), []


def _axis_label(ds: xr.Dataset, name: str | None) -> str:
    if name is None or name not in ds.coords:
        return str(name)
    attrs = ds[name].attrs
    units = attrs.get("units", "")
    return f"{attrs.get('long_name', name)} ({units})" if units and units != "1" else str(attrs.get("long_name", name))
