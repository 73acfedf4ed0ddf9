"""Figures of the literature validation: an experiment's time courses with its checks drawn on them.

One figure per validation experiment (:mod:`experiments.validation`). Its input is an
experiment result (duck-typed: ``config`` with ``name``, ``description``, ``profiles``;
``measurements``, ``{profile: Measurement}`` with ``series``, an :class:`xarray.Dataset`
with CF ``units`` and ``long_name``, and ``at``, where each scalar was read; ``rows``, the
evaluated checks with ``id, profile, quantity, value, target, low, high, passed``).

A figure is a list of :class:`Panel` s, each a plain-language axis over some series
variables. A check whose quantity was read off a series (``Measurement.at``) is drawn on
the panel of that variable, at its time: the published target and its accepted range in
black (an error bar; a bound with an arrow pointing into the accepted side when the check
is one-sided; a band over the run for a time mean), the model value as a dot, green when
it passes and red, labelled FAIL, when it does not. A panel is drawn when it is marked
``always`` or holds a check; a check that is not read off a series (a transit time, a
renewal time) is drawn in a panel of its units below the time courses (value, target and
range per row). Lines are one colour per profile, one line style per variable.

Adding an experiment kind: one function ``plot_<kind>_checks(result) -> Figure`` that
calls :func:`plot_checks` with the kind's panels (and is registered beside its measure
function in :data:`experiments.validation.EXPERIMENTS`).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, MultipleLocator, NullLocator

from ._figures import display_units

__all__ = ["BARRIER_DISRUPTION_PANELS", "HOMEOSTASIS_PANELS", "REGENERATION_PANELS", "Panel",
           "plot_barrier_disruption_checks", "plot_checks", "plot_homeostasis_checks", "plot_regeneration_checks"]

PASS_COLOUR, FAIL_COLOUR, TARGET_COLOUR = "#1a9850", "#d73027", "black"
LINE_STYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class Panel:
    """One axis of a validation figure.

    ``variables``: series variables drawn on it (all in the units of ``ylabel``);
    ``ylabel``: what the axis shows, in plain words with its units; ``title``: the panel
    title; ``labels``: one legend label per variable (when there are several);
    ``xscale``: ``linear`` or ``log`` (time from ``xmin`` on); ``xmin``: the left end of
    the time axis (None: the start of the series); ``always``: drawn even without a check.
    """

    variables: tuple[str, ...]
    ylabel: str
    title: str = ""
    labels: tuple[str, ...] = ()
    xscale: str = "linear"
    xmin: float | None = None
    always: bool = False


HOMEOSTASIS_PANELS = (
    Panel(("sc_layers",), "stratum corneum (layers)", "SC cell layers", always=True),
    Panel(("sc_thickness_um",), "SC thickness (µm)", "SC thickness", always=True),
    Panel(("tewl",), "TEWL (g m⁻² h⁻¹)", "Transepidermal water loss", always=True),
    Panel(("ve_thickness_um",), "viable-epidermis thickness (µm)", "Viable-epidermis thickness", always=True),
)

ONE_MINUTE_H = 1 / 60
BARRIER_DISRUPTION_PANELS = (
    Panel(("recovery",), "barrier recovery (fraction)",
          "Barrier recovery (TEWL_after − TEWL) / (TEWL_after − TEWL_baseline)", xmin=0.0, always=True),
    Panel(("tewl_ratio",), "TEWL / pre-strip TEWL (ratio)", "TEWL relative to before the strip", xmin=-3.0),
    Panel(("cytokine_excess_of_peak",), "cytokine excess (fraction of its peak)",
          "Alarm cytokine (IL-1α-like) above its pre-strip level", xscale="log", xmin=ONE_MINUTE_H),
    Panel(("lb_secreted",), "store secreted (fraction)", "Lamellar-body store secreted",
          xscale="log", xmin=ONE_MINUTE_H),
    Panel(("lower_sc_lipid_rise", "upper_sc_lipid_rise"), "lipid rise since the strip (0–1 scale)",
          "New lipid in the SC left by the strip", labels=("lower (younger) half", "upper half"),
          xscale="log", xmin=0.5),
    Panel(("calcium_gradient_loss",), "gradient lost (fraction)",
          "Calcium gradient under the SC lost", xscale="log", xmin=ONE_MINUTE_H),
    Panel(("calcium_recovery_from_1h", "barrier_recovery_from_1h"), "recovery since 1 h (fraction)",
          "Calcium gradient back in step with the barrier", labels=("calcium gradient", "barrier (TEWL)"), xmin=0.0),
)

# plain names of quantities drawn beside the time courses (others: the name with spaces)
QUANTITY_NAMES = {
    "sc_transit_days": "SC transit time", "sc_shedding_age_days": "age of a cohort at shedding",
    "ve_renewal_days": "VE renewal (pulse label)", "ve_renewal_days_steady": "VE renewal (content / production)",
    "desquamation_rate_per_day": "shedding rate", "production_rate_per_day": "SC production rate",
    "tewl_after": "TEWL after the strip", "remove_fraction": "SC fraction removed",
    "proliferation_peak_hours": "time of peak proliferation", "proliferation_baseline_days": "proliferation back within 10 %",
    "sc_regrowth_um_per_day_4d": "SC regrowth, first 4 days", "sc_rebuilt_80pct_days": "SC back to 80 %",
    "ve_thickness_max_day": "day of thickest VE", "barrier_recovered_days": "TEWL back within 10 %",
}

LOG_TICKS_H = ((1 / 60, "1 min"), (10 / 60, "10 min"), (1, "1 h"), (3, "3 h"), (6, "6 h"),
               (24, "24 h"), (72, "72 h"), (168, "1 wk"), (504, "3 wk"))


REGENERATION_PANELS = (
    Panel(("proliferation_fold",), "basal proliferation (× before)", "Basal proliferation", always=True),
    Panel(("sc_production_fold",), "SC production (× before)", "Corneocyte production into the SC", always=True),
    Panel(("sc_thickness_um",), "SC thickness (µm)", "Stratum corneum", always=True),
    Panel(("ve_thickness_change_pct",), "viable-epidermis thickness change (%)", "Viable epidermis", always=True),
    Panel(("tewl_ratio",), "TEWL / TEWL before (ratio)", "Transepidermal water loss", always=True),
)


def plot_regeneration_checks(result: Any) -> Figure:
    """Proliferation, SC production, SC and VE thickness and TEWL after the stimulus, with the published points."""
    return plot_checks(result, REGENERATION_PANELS, band=False)


def plot_homeostasis_checks(result: Any) -> Figure:
    """SC layers, SC thickness, TEWL and VE thickness over the untreated run, targets as bands."""
    return plot_checks(result, HOMEOSTASIS_PANELS, band=True)


def plot_barrier_disruption_checks(result: Any) -> Figure:
    """Barrier recovery (T12) after the strip, and the panels its checks call for (T6-T9)."""
    return plot_checks(result, BARRIER_DISRUPTION_PANELS, band=False)


# --------------------------------------------------------------------------- the figure


def _placement(result: Any, row: Mapping[str, Any]) -> tuple[str, Any] | None:
    at = getattr(result.measurements[row["profile"]], "at", {}) or {}
    return at.get(row["quantity"])


def _time_label(series) -> str:
    coord = series["time"]
    name = coord.attrs.get("long_name", "time")
    units = display_units(coord.attrs.get("units", ""))
    return f"{name} ({units})" if units else name


def plot_checks(result: Any, panels: Sequence[Panel], band: bool = False) -> Figure:
    """The time courses of ``result`` on ``panels`` with its checks drawn (see the module docstring).

    ``band``: a check read over a window (a time mean) is a band across the panel, the
    target a dashed line (homeostasis); otherwise the accepted range spans the window.
    """
    cfg, rows = result.config, list(result.rows)
    profiles = list(cfg.profiles)
    colours = {p: f"C{i % 10}" for i, p in enumerate(profiles)}
    placed: dict[int, list[tuple[Mapping[str, Any], Any]]] = {}
    beside: list[Mapping[str, Any]] = []
    panel_of = {v: i for i, panel in enumerate(panels) for v in panel.variables}
    for row in rows:
        where = _placement(result, row)
        if where is not None and where[0] in panel_of:
            placed.setdefault(panel_of[where[0]], []).append((row, where))
        else:
            beside.append(row)
    shown = [i for i, panel in enumerate(panels) if panel.always or i in placed]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in beside:
        groups.setdefault(display_units(str(row["units"])), []).append(row)

    ncols = 2 if len(shown) > 1 else 1
    nrows = math.ceil(len(shown) / ncols)
    beside_heights = [0.9 + 0.42 * len(g) for g in groups.values()]
    fig = Figure(figsize=(11 if ncols == 2 else 7.5, 3.0 * nrows + sum(beside_heights) + 1.3), layout="constrained")
    # two sub-figures, so that the long row labels beside do not narrow the time courses
    top, bottom = (fig.subfigures(2, 1, height_ratios=[3.0 * nrows, sum(beside_heights)]) if groups else (fig, None))
    axes = top.subplots(nrows, ncols, squeeze=False).ravel()
    first = next(iter(result.measurements.values())).series
    for ax, i in zip(axes, shown):
        _draw_panel(ax, panels[i], result, profiles, colours, placed.get(i, []), band)
        ax.set_xlabel(_time_label(first) + (", log scale" if panels[i].xscale == "log" else ""))
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    if groups:
        beside_axes = bottom.subplots(len(groups), 1, squeeze=False, height_ratios=beside_heights)[:, 0]
        for ax, (units, group) in zip(beside_axes, groups.items()):
            _draw_beside(ax, group, units, colours if len(profiles) > 1 else None)

    handles = [Line2D([], [], color=TARGET_COLOUR, marker="D", ms=5, lw=1.2, label="published target and accepted range"),
               Line2D([], [], color=PASS_COLOUR, marker="o", ls="none", ms=7, label="model value at the check: pass")]
    if any(not r["passed"] for r in rows):
        handles.append(Line2D([], [], color=FAIL_COLOUR, marker="o", ls="none", ms=7, label="model value: FAIL"))
    if len(profiles) > 1:
        handles += [Line2D([], [], color=colours[p], lw=2, label=p) for p in profiles]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8, frameon=False)
    n_pass = sum(bool(r["passed"]) for r in rows)
    head = f"{cfg.name}: {n_pass} of {len(rows)} checks pass" + ("" if n_pass == len(rows) else " (FAIL)")
    desc = "\n".join(textwrap.wrap(str(cfg.description), 120))
    fig.suptitle(head + ("\n" + desc if desc else ""), fontsize=10,
                 color=FAIL_COLOUR if n_pass < len(rows) else "black")
    return fig


def _series_xy(series, variable: str, panel: Panel):
    da = series[variable]
    x = np.asarray(da[da.dims[0]].values, float)
    y = np.asarray(da.values, float)
    keep = np.isfinite(y)
    if panel.xmin is not None:
        keep &= x >= panel.xmin - 1e-12
    if panel.xscale == "log":
        keep &= x > 0
    return x[keep], y[keep]


def _draw_panel(ax, panel: Panel, result, profiles, colours, checks, band: bool) -> None:
    many = len(profiles) > 1
    x_end = 0.0
    for profile in profiles:
        series = result.measurements[profile].series
        for j, variable in enumerate(panel.variables):
            if variable not in series:
                continue
            x, y = _series_xy(series, variable, panel)
            if x.size == 0:
                continue
            x_end = max(x_end, float(x[-1]))
            label = panel.labels[j] if j < len(panel.labels) else None
            if many:
                label = f"{profile}" + (f", {label}" if label else "")
            marker = "o" if series[variable].dims[0] != "time" else None
            ax.plot(x, y, color=colours[profile], ls=LINE_STYLES[j % len(LINE_STYLES)], lw=1.6,
                    marker=marker, ms=4, label=label)
    ax.set_xscale(panel.xscale)
    if panel.xscale == "log":
        left = panel.xmin or ONE_MINUTE_H
        ticks = [(t, s) for t, s in LOG_TICKS_H if left * 0.999 <= t <= x_end * 1.001]
        ax.xaxis.set_major_locator(FixedLocator([t for t, _ in ticks]))
        ax.set_xticklabels([s for _, s in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(left * 0.8, x_end * 1.15)
    else:
        left = panel.xmin if panel.xmin is not None else ax.get_xlim()[0]
        ax.set_xlim(left, x_end + 0.02 * (x_end - left))
        hours = next(iter(result.measurements.values())).series["time"].attrs.get("units") == "h"
        if hours and 24 < x_end <= 120:
            ax.xaxis.set_major_locator(MultipleLocator(12))
        elif hours and 6 < x_end <= 24.5:
            ax.xaxis.set_major_locator(MultipleLocator(6))
        ax.ticklabel_format(axis="y", useOffset=False)
    _fit_ylim(ax, checks)
    _draw_checks(ax, checks, colours, band)
    ax.set_ylabel(panel.ylabel)
    if panel.title:
        ax.set_title(panel.title, fontsize=9)
    ax.grid(alpha=0.3)
    if len(panel.variables) > 1 and len(ax.get_legend_handles_labels()[1]) > 1:  # profiles: the figure's legend
        ax.legend(fontsize=7, loc="best")


def _fit_ylim(ax, checks) -> None:
    """Include every finite target bound and model value; pad a near-constant series."""
    lo, hi = ax.get_ylim()
    data = [v for line in ax.get_lines() for v in np.asarray(line.get_ydata(), float) if np.isfinite(v)]
    if data:
        lo, hi = min(data), max(data)
    for row, _ in checks:
        for v in (row["value"], row["low"], row["high"], row["target"]):
            v = float(v) if v is not None else math.nan
            if math.isfinite(v):
                lo, hi = min(lo, v), max(hi, v)
    span = hi - lo
    if span < 0.02 * max(abs(hi), abs(lo), 1e-12):
        mid = 0.5 * (hi + lo)
        span = 0.1 * max(abs(mid), 1e-6)
        lo, hi = mid - span / 2, mid + span / 2
    ax.set_ylim(lo - 0.12 * span, hi + 0.15 * span)


def _bound_arrow(ax, x, bound: float, up: bool) -> None:
    lo, hi = ax.get_ylim()
    d = 0.12 * (hi - lo) * (1 if up else -1)
    ax.plot([x], [bound], marker="_", ms=14, mew=2, color=TARGET_COLOUR, zorder=4)
    ax.annotate("", xy=(x, bound + d), xytext=(x, bound),
                arrowprops={"arrowstyle": "->", "color": TARGET_COLOUR, "lw": 1.2}, zorder=4)


def _draw_checks(ax, checks, colours, band: bool) -> None:
    stacked: dict[Any, int] = {}
    ylo, yhi = ax.get_ylim()
    for row, (variable, when) in checks:
        value, low, high = float(row["value"]), float(row["low"]), float(row["high"])
        target = float(row["target"]) if row["target"] is not None else math.nan
        colour = PASS_COLOUR if row["passed"] else FAIL_COLOUR
        window = isinstance(when, (tuple, list))
        if band:
            lo_b, hi_b = (low if math.isfinite(low) else ylo), (high if math.isfinite(high) else yhi)
            ax.axhspan(lo_b, hi_b, color=colours[row["profile"]], alpha=0.12, lw=0, zorder=0)
            for edge in (low, high):
                if math.isfinite(edge):
                    ax.axhline(edge, color=colours[row["profile"]], lw=0.6, alpha=0.6, zorder=1)
            if math.isfinite(target):
                ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=0.9, zorder=1)
            ax.annotate(f"{row['id']}: {row['target_text']} ({row['tolerance']})", (0.01, hi_b),
                        xycoords=("axes fraction", "data"), xytext=(2, -2), textcoords="offset points",
                        va="top", fontsize=6.5, color="0.35", zorder=6)
            x = 0.5 * (when[0] + when[1]) if window else float(when)
        elif window:
            a, b = float(when[0]), float(when[1])
            if math.isfinite(low) and math.isfinite(high):
                ax.fill_between([a, b], [low, low], [high, high], color=TARGET_COLOUR, alpha=0.12, lw=0)
            for edge, up in ((low, True), (high, False)):
                if math.isfinite(edge):
                    ax.plot([a, b], [edge, edge], color=TARGET_COLOUR, lw=1.6, zorder=4)
                    if not (math.isfinite(low) and math.isfinite(high)):
                        _bound_arrow(ax, math.sqrt(a * b) if ax.get_xscale() == "log" else 0.5 * (a + b), edge, up)
            x = _time_of_value(ax, a, b, value)
        else:
            x = float(when)
            if math.isfinite(low) and math.isfinite(high):
                ax.errorbar([x], [target], yerr=[[target - low], [high - target]], color=TARGET_COLOUR,
                            marker="D", ms=5, capsize=5, lw=1.4, zorder=4)
            elif math.isfinite(low):
                _bound_arrow(ax, x, low, up=True)
            elif math.isfinite(high):
                _bound_arrow(ax, x, high, up=False)
        if math.isfinite(value):
            ax.plot([x], [value], marker="o", ms=7, color=colour, mec="white", mew=0.8, zorder=5)
        k = stacked.get(round(x, 6), 0)
        stacked[round(x, 6)] = k + 1
        text = f"{row['id']} {'pass' if row['passed'] else 'FAIL'}"
        if len(colours) > 1:
            text += f" ({row['profile']})"
        ax.annotate(text, (x, value if math.isfinite(value) else target), xytext=(6, 4 + 10 * k),
                    textcoords="offset points", fontsize=7, color=colour,
                    fontweight="normal" if row["passed"] else "bold", zorder=6)


def _time_of_value(ax, a: float, b: float, value: float) -> float:
    """Where, within [a, b], a drawn line comes closest to ``value`` (the window's extreme)."""
    best, x_best = math.inf, 0.5 * (a + b)
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), float)
        y = np.asarray(line.get_ydata(), float)
        inside = (x >= a) & (x <= b) & np.isfinite(y)
        if inside.sum() > 2:
            j = int(np.argmin(np.abs(y[inside] - value)))
            if abs(y[inside][j] - value) < best:
                best, x_best = abs(y[inside][j] - value), float(x[inside][j])
    return x_best


def _draw_beside(ax, group, units: str, colours) -> None:
    """Checks not read off a time series: one row each, target range in black, model value as a dot."""
    labels = []
    for k, row in enumerate(group):
        y = len(group) - 1 - k
        value, low, high = float(row["value"]), float(row["low"]), float(row["high"])
        target = float(row["target"]) if row["target"] is not None else math.nan
        if math.isfinite(low) and math.isfinite(high):
            ax.plot([low, high], [y, y], color=TARGET_COLOUR, lw=2.2, solid_capstyle="butt")
            ax.plot([low, high], [y, y], ls="none", marker="|", ms=12, mew=2, color=TARGET_COLOUR)
        if math.isfinite(target):
            ax.plot([target], [y], marker="D", ms=5, color=TARGET_COLOUR)
        ax.plot([value], [y], marker="o", ms=8, color=PASS_COLOUR if row["passed"] else FAIL_COLOUR,
                mec="white", mew=0.8, zorder=5)
        name = QUANTITY_NAMES.get(row["quantity"], str(row["quantity"]).replace("_", " "))
        reference = str(row["target_text"]).split(" (")[0] if " of " in str(row["target_text"]) else ""
        relation = {"> target": ">", "< target": "<", "≥ target": "≥", "≤ target": "≤"}.get(str(row["tolerance"]), "vs")
        versus = f" {relation} {reference.split(' of ')[-1]}" if reference else ""
        labels.append((y, f"{row['id']} {name}" + (f" ({row['profile']}{versus})" if colours else "")
                       + ("" if row["passed"] else "  FAIL")))
    lo, hi = ax.get_xlim()
    for row, (y, _) in zip(group, labels):
        low, high = float(row["low"]), float(row["high"])
        if math.isfinite(low) != math.isfinite(high):  # one-sided: the bound and an arrow into the accepted side
            bound, up = (low, True) if math.isfinite(low) else (high, False)
            d = 0.08 * (hi - lo) * (1 if up else -1)
            ax.plot([bound], [y], marker="|", ms=12, mew=2, color=TARGET_COLOUR)
            ax.annotate("", xy=(bound + d, y), xytext=(bound, y), arrowprops={"arrowstyle": "->", "color": TARGET_COLOUR})
    ax.set_yticks([y for y, _ in labels], [t for _, t in labels], fontsize=8)
    for tick in ax.get_yticklabels():
        if tick.get_text().endswith("FAIL"):
            tick.set_color(FAIL_COLOUR)
    ax.set_ylim(-0.6, len(group) - 0.4)
    ax.set_xlabel(f"model value and published target ({units})" if units else "model value and published target")
    ax.grid(alpha=0.3, axis="x")
    ax.ticklabel_format(axis="x", useOffset=False)
