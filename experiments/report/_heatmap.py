"""Heat maps: an outcome over the first two axes of a grid sweep, with the decision drawn on it.

Each cell is a setting (interval x vacuum, or interval x dial level, ...): its colour the
replicate mean of the outcome, its text the mean and, below, ``± SD`` over the seeds. The
decision (:func:`~experiments.report.decide`, under the sweep file's ``decision:`` rule)
is drawn on every heat map when the result has the per-session outputs:

* a thick outline around the settings whose barrier heals before every next session;
* hatching over the settings that injure (``xx``) and those at or above the petechiae
  limit (``oo``), in some seed;
* a box and a star on the best safe setting (named in the title), a dashed box on the
  runner-up.

Colours say what the outcome means: a signed change (Ra change, %) on a diverging map
centred at 0 with its good end in blue, a magnitude where more is worse (burden,
recovery hours, risk, injury) on a sequential map from light (little) to dark red (much);
the colour bar's ends say which way is better. The title says when the outcome is read
(the end of the course or of follow-up, the whole run, the worst session) and on which
day that falls for each interval.

:func:`plot_decision_map` draws the decision's four heat maps on one page: the
objective, the longest barrier recovery, the petechiae risk and the injury.

The SVG's artists carry ids for tests and readers: ``cell-{y}-{j}-{x}-{i}`` (the mean),
``sd-...`` (the spread), ``injures-...``, ``petechiae-...``, ``best-...``,
``runner-up-...`` and ``heals-outline``.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from experiments.errors import InputError

from ._decision import Decision, decision_or_note
from ._figures import display_units, format_value, save_figure, text_colour, tidy_label
from ._scenarios import axis_dims, course_end_days, fixed_note, run_end_days, setting_label, value_label
from ._summaries import outcome_and_label, outcome_names, summary_outcomes

__all__ = ["DEFAULT_HEATMAPS", "SESSION_MAXIMA", "Style", "heatmap_cells", "heatmap_figure", "heatmap_outcomes", "outline_segments",
           "plot_heatmaps", "plot_decision_map", "style_of"]

# the outcomes drawn when none is asked for (those the result has; the decision's objective first)
DEFAULT_HEATMAPS = ("ra_change_pct_end_course", "smoothness_gain", "irritation_burden", "tewl_peak_ratio",
                    "barrier_recovery_hours_max", "petechiae_risk_max", "injury_max_um", "max_injury_um")

# heat-map outcomes read from the per-session outputs: name -> (session variable, units, long name)
SESSION_MAXIMA = {
    "petechiae_risk_max": ("petechiae_risk", "1", "highest petechiae risk of a session"),
    "injury_max_um": ("injury_max_um", "um", "deepest living epidermis removed by a session"),
}

HATCH_INJURES = "xx"
HATCH_PETECHIAE = "oo"
HEALS_COLOUR = "black"


@dataclass(frozen=True)
class Style:
    """A colour map by meaning: ``diverging`` maps are centred at 0; ``low``/``high`` name the colour bar's ends."""

    cmap: str
    diverging: bool
    low: str
    high: str


_MORE_IS_WORSE = Style("YlOrRd", False, "better", "worse")
_NEUTRAL = Style("viridis", False, "", "")
_STYLES = {
    "smoothness_gain": Style("RdBu", True, "rougher", "smoother"),
    "ve_thickness_change_pct_end_course": Style("PuOr", True, "thinner", "thicker"),
    "sc_layers_min": Style("YlOrRd_r", False, "worse", "better"),
    "tewl_baseline": _NEUTRAL,
}
for _name in ("irritation_burden", "irritation_burden_days", "tewl_peak", "tewl_peak_ratio", "tewl_excess_days",
              "erythema_peak", "erythema_days", "barrier_recovery_hours_max", "max_injury_um", "injury_max_um",
              "petechiae_risk_max", "exposed_fraction"):
    _STYLES[_name] = _MORE_IS_WORSE


def style_of(name: str) -> Style:
    """The colour map of an outcome (see the module docstring)."""
    if name.startswith("ra_change_pct"):
        return Style("RdBu_r", True, "smoother", "rougher")
    if name.startswith("fine_line_change_pct"):
        return Style("RdBu_r", True, "shallower lines", "deeper lines")
    return _STYLES.get(name, _NEUTRAL)


def _when(name: str, table: xr.Dataset) -> str:
    """When an outcome is read: ``course`` (end of the course), ``followup`` (end of the run),
    ``run`` (over the whole run), ``sessions`` (the worst session), or ``""``."""
    if name == "smoothness_gain":
        return "followup" if "ra_change_pct_end_followup" in table else "course"
    if name.endswith("_end_course"):
        return "course"
    if name.endswith("_end_followup"):
        return "followup"
    if name in ("barrier_recovery_hours_max", *SESSION_MAXIMA):
        return "sessions"
    if name in ("irritation_burden", "irritation_burden_days", "tewl_peak", "tewl_peak_ratio", "tewl_excess_days",
                "erythema_peak", "erythema_days", "sc_layers_min", "max_injury_um", "exposed_fraction"):
        return "run"
    return ""


_WHEN_TEXT = {
    "course": "at the end of the course = when the next session would be due (last session + interval)",
    "followup": "at the end of follow-up = the end of the run (last session + follow-up)",
    "run": "over the whole run, course and follow-up",
    "sessions": "the worst session of the course",
}
# how the day of each cell is said: (the day under/beside each tick, one day, a range)
_DAY_TEXT = {"course": "day", "followup": "day", "run": "to day"}


def heatmap_outcomes(ds: xr.Dataset, table: xr.Dataset | None = None) -> list[str]:
    """The outcome names :func:`plot_heatmaps` accepts for ``ds``: those of :func:`outcome_names`
    and the session maxima (:data:`SESSION_MAXIMA`) the result has."""
    table = summary_outcomes(ds) if table is None else table
    names = outcome_names(table)
    return names + [n for n, (var, _, _) in SESSION_MAXIMA.items() if var in ds and "session" in ds[var].dims and n not in names]


def _outcome(ds: xr.Dataset, table: xr.Dataset, name: str) -> tuple[xr.DataArray, str]:
    """The per-scenario outcome and its label (units as a reader writes them). KeyError if absent."""
    if name in SESSION_MAXIMA:
        var, units, long_name = SESSION_MAXIMA[name]
        if var not in ds or "session" not in ds[var].dims:
            raise KeyError(name)
        da = ds[var].load().max("session")
        da.attrs = {"units": units, "long_name": long_name}
        return da, tidy_label(f"{long_name} ({units})")
    da, label = outcome_and_label(table, name)
    return da, tidy_label(label)


@dataclass
class Cells:
    """An outcome on the cells of a heat map: arrays ``[y, x]``."""

    mean: np.ndarray
    sd: np.ndarray | None
    seeds: int


def _slice(da: xr.DataArray, xdim: str, ydim: str) -> xr.DataArray:
    others = {d: da.sizes[d] // 2 for d in da.dims if d not in (xdim, ydim, "replicate")}
    return da.isel(others)


def _cells(da: xr.DataArray, xdim: str, ydim: str) -> Cells:
    da = _slice(da, xdim, ydim)
    if "replicate" in da.dims:
        n = da.sizes["replicate"]
        mean = da.mean("replicate").transpose(ydim, xdim).values
        sd = da.std("replicate", ddof=1).transpose(ydim, xdim).values if n > 1 else None
        return Cells(np.asarray(mean, float), None if sd is None else np.asarray(sd, float), n)
    return Cells(np.asarray(da.transpose(ydim, xdim).values, float), None, 1)


@dataclass
class Overlay:
    """The decision on the cells of a heat map: masks ``[y, x]``, best and runner-up cells ``(j, i)``."""

    heals: np.ndarray | None
    injures: np.ndarray
    petechiae: np.ndarray
    best: tuple[int, int] | None
    runner_up: tuple[int, int] | None
    decision: Decision
    off_slice: bool = False  # the best setting lies on another value of a further axis


def _overlay(decision: Decision | None, xdim: str, ydim: str) -> Overlay | None:
    if decision is None or not {xdim, ydim} <= set(decision.setting_dims):
        return None
    table = _slice(decision.table, xdim, ydim)

    def mask(name):
        return np.asarray(table[name].transpose(ydim, xdim).values, float) > 0.5

    fixed = {d: decision.table[d].values[decision.table.sizes[d] // 2] for d in decision.setting_dims if d not in (xdim, ydim)}

    def cell(setting):
        if setting is None or any(setting.get(d) != (v.item() if hasattr(v, "item") else v) for d, v in fixed.items()):
            return None
        i = int(np.flatnonzero(np.asarray(table[xdim].values) == setting[xdim])[0])
        j = int(np.flatnonzero(np.asarray(table[ydim].values) == setting[ydim])[0])
        return j, i

    best = cell(decision.best)
    return Overlay(heals=mask("heals"), injures=mask("injures"),
                   petechiae=mask("petechiae"), best=best, runner_up=cell(decision.runner_up), decision=decision,
                   off_slice=decision.best is not None and best is None)


def outline_segments(mask: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The outline of the ``True`` cells of ``mask`` ``[y, x]``: the cell edges between a True cell and
    a False cell or the border, in cell coordinates (cell ``(j, i)`` spans ``i ± 0.5``, ``j ± 0.5``)."""
    mask = np.asarray(mask, bool)
    ny, nx = mask.shape
    segs = []
    for j, i in zip(*np.nonzero(mask)):
        x0, x1, y0, y1 = i - 0.5, i + 0.5, j - 0.5, j + 0.5
        if j == 0 or not mask[j - 1, i]:
            segs.append(((x0, y0), (x1, y0)))
        if j == ny - 1 or not mask[j + 1, i]:
            segs.append(((x0, y1), (x1, y1)))
        if i == 0 or not mask[j, i - 1]:
            segs.append(((x0, y0), (x0, y1)))
        if i == nx - 1 or not mask[j, i + 1]:
            segs.append(((x1, y0), (x1, y1)))
    return segs


def _days_of(ds: xr.Dataset, when: str, xdim: str, ydim: str) -> np.ndarray | None:
    """The day an outcome refers to, per cell ``[y, x]`` (end of the course or of the run)."""
    if when == "course":
        days = course_end_days(ds)
    elif when in ("followup", "run"):
        days = run_end_days(ds)
    else:
        return None
    if not {xdim, ydim} & set(days.dims):
        v = float(days.max()) if days.size else np.nan
        return np.full((ds.sizes[ydim], ds.sizes[xdim]), v) if np.isfinite(v) else None
    days = _slice(days, xdim, ydim)
    if "replicate" in days.dims:
        days = days.max("replicate")
    days = days.broadcast_like(xr.DataArray(np.zeros((ds.sizes[ydim], ds.sizes[xdim])), dims=(ydim, xdim)))
    values = np.asarray(days.transpose(ydim, xdim).values, float)
    return values if np.isfinite(values).any() else None


def _when_line(when: str, days: np.ndarray | None, along: str | None, ds: xr.Dataset, xdim: str, ydim: str) -> str:
    if not when:
        return ""
    text = _WHEN_TEXT[when]
    if days is None or when == "sessions":
        return text
    word = _DAY_TEXT[when]
    if along in ("x", "y"):
        dim = xdim if along == "x" else ydim
        place = "under" if along == "x" else "beside"
        return text + f" ({'its last day' if when == 'run' else 'the day'} is {place} each {_short(ds, dim)})"
    finite = days[np.isfinite(days)]
    if finite.size and np.all(finite == finite[0]):
        return text + f" ({word} {format_value(float(finite[0]))})"
    return text + (f" ({word} {format_value(float(finite.min()))} to {format_value(float(finite.max()))})" if finite.size else "")


def _short(ds: xr.Dataset, dim: str) -> str:
    """``interval_days`` -> ``interval``, ``level`` -> ``level``: the first word of the axis' long name."""
    return str(ds[dim].attrs.get("long_name", dim) if dim in ds.coords else dim).split(" ")[0]


def _varies_along(days: np.ndarray | None) -> str | None:
    """``"x"`` when the day changes only from column to column, ``"y"`` only from row to row."""
    if days is None or not np.isfinite(days).all():
        return None
    by_col = np.all(days == days[:1, :])
    by_row = np.all(days == days[:, :1])
    if by_col and not by_row:
        return "x"
    if by_row and not by_col:
        return "y"
    return None


def _norm(values: np.ndarray, style: Style):
    from matplotlib.colors import Normalize

    finite = values[np.isfinite(values)]
    if not finite.size:
        return Normalize(-1, 1)
    if style.diverging:
        m = float(np.max(np.abs(finite))) or 1.0
        return Normalize(-m, m)
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - (abs(lo) * 0.1 or 0.5), hi + (abs(hi) * 0.1 or 0.5)
    return Normalize(lo, hi)


def _fmt(v: float) -> str:
    """A cell's mean: 3 significant digits; a value that rounds to nothing as a bound (``<0.001``)."""
    if 0 < abs(v) < 1e-3:
        return "<0.001" if v > 0 else ">-0.001"
    return f"{v:.3g}"


def _fmt_sd(sd: float, mean: float) -> str:
    """The spread to the precision of the mean's last digit (at least 1 significant digit)."""
    if not np.isfinite(sd):
        return ""
    if sd <= 1e-9 * max(1.0, abs(mean)):  # rounding noise of identical seeds
        return "± 0"
    text = _fmt(mean)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return f"± {sd:.{decimals}f}" if round(sd, decimals) > 0 else f"± {sd:.1g}"


def draw_heatmap(fig: Figure, ax, ds: xr.Dataset, name: str, da: xr.DataArray, label: str, xdim: str, ydim: str,
                 overlay: Overlay | None, table: xr.Dataset, title: str | None = None, compact: bool = False) -> list[str]:
    """Draw one heat map of ``da`` on ``ax`` (colour bar, texts, the decision's marks). Returns the title lines."""
    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    style = style_of(name)
    cells = _cells(da, xdim, ydim)
    values = cells.mean
    cmap = matplotlib.colormaps[style.cmap].with_extremes(bad="0.85")
    norm = _norm(values, style)
    im = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap=cmap, norm=norm)
    when = _when(name, table)
    days = _days_of(ds, when, xdim, ydim) if when in ("course", "followup", "run") else None
    along = _varies_along(days)
    xs, ys = ds[xdim].values, ds[ydim].values
    xt = [value_label(ds, xdim, v) for v in xs]
    yt = [value_label(ds, ydim, v) for v in ys]
    word = _DAY_TEXT.get(when, "day")
    if along == "x":
        xt = [f"{t}\n{word} {format_value(float(d))}" for t, d in zip(xt, days[0])]
    elif along == "y":
        yt = [f"{t}\n{word} {format_value(float(d))}" for t, d in zip(yt, days[:, 0])]
    ax.set_xticks(range(len(xs)), xt, fontsize=8)
    ax.set_yticks(range(len(ys)), yt, fontsize=8 if ydim != "level" else 7)
    ax.set_xlabel(tidy_label(_axis_name(ds, xdim)))
    ax.set_ylabel(tidy_label(_axis_name(ds, ydim)))
    hatched = np.zeros(values.shape, bool)
    if overlay is not None:
        hatched = overlay.injures | overlay.petechiae
    for (j, i), v in np.ndenumerate(values):
        if not np.isfinite(v):
            continue
        rgba = cmap(norm(v))
        colour = text_colour(rgba)
        # on hatching, a box of the cell's own colour keeps the numbers readable (text stays text in the SVG)
        box = dict(boxstyle="round,pad=0.15", fc=rgba, ec="none", alpha=0.85) if hatched[j, i] else None
        has_sd = cells.sd is not None and np.isfinite(cells.sd[j, i])
        ax.text(i, j + (0.13 if has_sd else 0.0), _fmt(v), ha="center", va="center", fontsize=8 if not compact else 7.5,
                color=colour, gid=f"cell-{ydim}-{j}-{xdim}-{i}", bbox=box, zorder=3)
        if has_sd:
            ax.text(i, j - 0.2, _fmt_sd(float(cells.sd[j, i]), float(v)), ha="center", va="center", fontsize=6.5,
                    color=colour, gid=f"sd-{ydim}-{j}-{xdim}-{i}", bbox=box, zorder=3)
    bar = fig.colorbar(im, ax=ax, label=label if not compact else textwrap.fill(label, 40), shrink=0.95)
    if style.high:
        bar.ax.set_title(style.high, fontsize=7)
        bar.ax.set_xlabel(style.low, fontsize=7)
    bar.ax.set_gid(f"colour-bar-{name}")
    lines = [title or (label + (f", mean ± SD over {cells.seeds} seeds" if cells.seeds > 1 else ""))]
    line = _when_line(when, days, along, ds, xdim, ydim)
    if line:
        lines.append(line)
    if overlay is not None:
        for mask, hatch, kind in ((overlay.injures, HATCH_INJURES, "injures"), (overlay.petechiae, HATCH_PETECHIAE, "petechiae")):
            for j, i in zip(*np.nonzero(mask)):
                ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, hatch=hatch, lw=0, edgecolor="0.15",
                                       hatchcolor="0.15", gid=f"{kind}-{ydim}-{j}-{xdim}-{i}", zorder=2))
        if overlay.heals is not None and overlay.heals.any():
            segs = outline_segments(overlay.heals)
            ax.add_collection(LineCollection(segs, colors=HEALS_COLOUR, linewidths=3.2, capstyle="projecting", zorder=4,
                                             gid="heals-outline"))
        for cell, kind, ls in ((overlay.runner_up, "runner-up", "--"), (overlay.best, "best", "-")):
            if cell is None:
                continue
            j, i = cell
            ax.add_patch(Rectangle((i - 0.46, j - 0.46), 0.92, 0.92, fill=False, lw=2.0 if kind == "best" else 1.4,
                                   ls=ls, edgecolor="#00b000" if kind == "best" else "#00b000", zorder=5,
                                   gid=f"{kind}-{ydim}-{j}-{xdim}-{i}"))
            if kind == "best":
                ax.plot([i - 0.32], [j + 0.3], marker="*", ms=11, color="#00b000", mec="black", mew=0.6, zorder=6,
                        gid="best-star")
        for spine in ax.spines.values():
            spine.set_edgecolor("0.6")
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
    return lines


def _axis_name(ds: xr.Dataset, dim: str) -> str:
    attrs = ds[dim].attrs if dim in ds.coords else {}
    units = attrs.get("units", "")
    return f"{attrs.get('long_name', dim)} ({units})" if units and units != "1" else str(attrs.get("long_name", dim))


def _decision_lines(overlay: Overlay | None, note: str, ds: xr.Dataset) -> list[str]:
    if overlay is None:
        return ["no safety marks: the decision cannot be made on this result (see the notes)"] if note else []
    d = overlay.decision
    if not _objective_defined(d):
        return [f"no best setting: the objective ({d.objective_label}) has no finite value "
                "(e.g. roughness is undefined on a single column)"]
    if d.best is None:
        return ["no safe setting: none heals before every next session without injury or petechiae risk"]
    mean, sd = d.value("objective_mean", d.best), d.value("objective_sd", d.best)
    units = display_units(d.objective_units)
    text = (f"★ best safe setting: {setting_label(ds, d.best)}: "
            f"{d.objective_label} {_fmt(mean)}{_spread(d, sd, mean)}{(' ' + units) if units else ''}")
    if overlay.off_slice:
        text += "; not on this slice"
    if d.runner_up is not None and d.distinguishable is False:
        text += "; the runner-up (dashed) is not distinguishable with these seeds"
    return [text]


def _objective_defined(d: Decision) -> bool:
    return bool(np.isfinite(np.asarray(d.table["objective_mean"].values, float)).any())


def _spread(d: Decision, sd: float, mean: float) -> str:
    """`` ± SD`` of the best setting's objective, nothing with one seed (the spread is not known)."""
    one_seed = any(n.startswith("One seed") for n in d.notes)
    return "" if one_seed or not np.isfinite(sd) else " " + _fmt_sd(sd, mean)


def _legend_handles(overlay: Overlay | None) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if overlay is None:
        return []
    r = overlay.decision.rule
    handles = []
    if overlay.heals is not None and overlay.heals.any():
        handles.append(Line2D([], [], color=HEALS_COLOUR, lw=3.2, label="inside: barrier heals before every next session"))
    if overlay.injures.any():
        handles.append(Patch(facecolor="white", edgecolor="0.15", hatch=HATCH_INJURES,
                             label=f"injures: > {r.max_injury_um:g} µm of living epidermis (some seed)"))
    if overlay.petechiae.any():
        handles.append(Patch(facecolor="white", edgecolor="0.15", hatch=HATCH_PETECHIAE,
                             label=f"petechiae risk ≥ {r.max_petechiae_risk:g} (some seed)"))
    if overlay.best is not None:
        handles.append(Line2D([], [], ls="none", marker="*", ms=11, color="#00b000", mec="black", mew=0.6,
                              label="best safe setting"))
    if overlay.runner_up is not None:
        handles.append(Patch(facecolor="none", edgecolor="#00b000", ls="--", lw=1.4, label="runner-up"))
    return handles


def _fixed(ds: xr.Dataset, xdim: str, ydim: str) -> str:
    """The axes held at their middle value (the seeds are said with the spread)."""
    return "; ".join(p for p in fixed_note(ds, (xdim, ydim)).split("; ") if p and not p.startswith("mean of "))


def _wrap(lines: Sequence[str], width: int) -> str:
    return "\n".join(textwrap.fill(x, width) for x in lines if x)


def _grid_axes(ds: xr.Dataset) -> tuple[str, str]:
    axes = axis_dims(ds)
    if ds.attrs.get("sweep_mode", "grid") != "grid" or len(axes) < 2 or "scenario" in axes[:2]:
        raise InputError("a heat map needs a grid sweep with at least two axes")
    return axes[0], axes[1]


def heatmap_cells(ds: xr.Dataset, name: str, table: xr.Dataset | None = None) -> tuple[str, str, Cells, str]:
    """``(x dim, y dim, cells, label)`` of the heat map of outcome ``name`` (:func:`heatmap_outcomes`) of a
    grid sweep: the cells as :func:`plot_heatmaps` colours them (``[y, x]``: seed mean and SD, further axes at
    their middle) and the outcome's label with units. KeyError when the result lacks the outcome."""
    xdim, ydim = _grid_axes(ds)
    table = summary_outcomes(ds) if table is None else table
    da, label = _outcome(ds, table, name)
    return xdim, ydim, _cells(da, xdim, ydim), label


def plot_heatmaps(ds: xr.Dataset, outdir: str | os.PathLike, outcomes: Sequence[str] | None = None) -> tuple[list[Path], list[str]]:
    """Heat maps of outcomes over the first two axes of a grid sweep, the decision drawn on each.

    Replicates are averaged (the spread shown as ``± SD``), further axes held at their
    middle value. ``outcomes``: names of :func:`heatmap_outcomes`; default
    :data:`DEFAULT_HEATMAPS` (the decision's objective first), those the result has; an
    outcome that is the same in every scenario is a note instead of a one-colour figure.
    Returns (files, notes).
    """
    xdim, ydim = _grid_axes(ds)
    table = summary_outcomes(ds)
    if outcomes:
        allowed = heatmap_outcomes(ds, table)
        for name in outcomes:
            if name not in allowed:
                raise InputError(f"outcomes: {name!r} is not an outcome of this result; allowed: {', '.join(allowed)}",
                                 parameter="outcomes")
    decision, why = decision_or_note(ds, table)
    names = list(outcomes) if outcomes else list(dict.fromkeys(
        ((decision.rule.objective,) if decision is not None else ()) + DEFAULT_HEATMAPS))
    files, notes = [], []
    for name in names:
        try:
            fig, note = heatmap_figure(ds, name, table, (decision, why), skip_constant=not outcomes)
        except KeyError:  # a default outcome this result does not have
            continue
        if note:
            notes.append(note)
        if fig is not None:
            files += save_figure(fig, Path(outdir), f"heatmap_{name}")
    if decision is None and why and not outcomes:
        notes.append(f"heatmap: no safety marks ({why})")
    return files, notes


def heatmap_figure(ds: xr.Dataset, name: str, table: xr.Dataset | None = None,
                   decided: tuple[Decision | None, str] | None = None,
                   skip_constant: bool = False) -> tuple[Figure | None, str]:
    """One heat map (see :func:`plot_heatmaps`) and a note; no figure (a note why) when the outcome has no
    finite value, or is the same everywhere and ``skip_constant``. KeyError when the result lacks it."""
    xdim, ydim = _grid_axes(ds)
    table = summary_outcomes(ds) if table is None else table
    decision, why = decision_or_note(ds, table) if decided is None else decided
    overlay = _overlay(decision, xdim, ydim)
    da, label = _outcome(ds, table, name)
    values = np.asarray(_slice(da, xdim, ydim).values, float)
    if not np.isfinite(values).any():
        return None, f"heatmap {name}: no finite values (e.g. roughness is undefined on a single column); skipped"
    finite = values[np.isfinite(values)]
    constant = bool(np.all(finite == finite[0]))
    units = display_units(da.attrs.get("units", ""))
    same = f"{format_value(float(finite[0]))}{(' ' + units) if units else ''}"
    if constant and skip_constant:
        # one colour with a meaningless colour bar: say it in one line instead
        return None, f"heatmap {name}: {same} in every scenario; skipped"
    fig = Figure(figsize=(7.6, 6.4 if ydim == "level" else 5.8), layout="constrained")
    ax = fig.subplots()
    lines = draw_heatmap(fig, ax, ds, name, da, label, xdim, ydim, overlay, table)
    lines += _decision_lines(overlay, why, ds)
    note = _fixed(ds, xdim, ydim)
    if constant:
        note = "; ".join(x for x in (f"the same in every scenario: {same}", note) if x)
    if note:
        lines.append(note)
    ax.set_title(_wrap(lines, 95), fontsize=8.5, loc="left")
    handles = _legend_handles(overlay)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7.5, frameon=False)
    return fig, ""


# the four panels of the decision map (the objective is the rule's)
DECISION_PANELS = ("barrier_recovery_hours_max", "petechiae_risk_max", "injury_max_um")


def plot_decision_map(ds: xr.Dataset, outdir: str | os.PathLike, stem: str = "decision") -> tuple[list[Path], list[str]]:
    """The decision on one page: heat maps of the objective, the longest barrier recovery,
    the petechiae risk and the injury depth, each with the decision's marks, titled with
    the best safe setting. Returns (files, notes); a result without the per-session outputs
    is a note, no figure."""
    xdim, ydim = _grid_axes(ds)
    table = summary_outcomes(ds)
    decision, why = decision_or_note(ds, table)
    overlay = _overlay(decision, xdim, ydim)
    if decision is None or overlay is None:
        return [], [f"decision: {why or 'the decision is not on the first two axes'}; skipped"]
    if not _objective_defined(decision):
        return [], [f"decision: the objective {decision.rule.objective} has no finite value (e.g. roughness is "
                    "undefined on a single column); skipped"]
    panels = []
    for name in (decision.rule.objective,) + DECISION_PANELS:
        try:
            panels.append((name,) + _outcome(ds, table, name))
        except KeyError:
            continue
    tall = ydim == "level"
    rows = (len(panels) + 1) // 2
    fig = Figure(figsize=(14, (5.6 if tall else 5.0) * rows + 1.2), layout="constrained")
    axs = np.atleast_1d(fig.subplots(rows, 2, squeeze=False).ravel())
    for ax, (name, da, label) in zip(axs, panels):
        lines = draw_heatmap(fig, ax, ds, name, da, label, xdim, ydim, overlay, table, compact=True)
        ax.set_title(_wrap(lines, 80), fontsize=8.5, loc="left")
    for ax in axs[len(panels):]:
        ax.set_visible(False)
    head = [f"Decision: {line}" if k == 0 else line for k, line in enumerate(_decision_lines(overlay, why, ds))]
    c, n = decision.counts(), decision.n_settings
    head.append(f"safe: {c['safe']} of {n} settings; do not heal between sessions: {n - c['heals']}; injure: {c['injures']}; "
                f"petechiae risk ≥ {decision.rule.max_petechiae_risk:g}: {c['petechiae']}")
    note = _fixed(ds, xdim, ydim)
    if note:
        head.append(note)
    fig.suptitle(_wrap(head, 150), fontsize=10)
    handles = _legend_handles(overlay)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    return save_figure(fig, Path(outdir), stem), []
