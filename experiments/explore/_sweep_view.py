"""The sweep mode of the explorer: a sweep store's heat maps and trade-off; a click shows a scenario's course.

:func:`sweep_app` builds the page of a sweep store (:func:`experiments.storage.open_result`).
The numbers are the report's (:mod:`experiments.report`): the heat map's cells are
:func:`experiments.report.heatmap_cells` (seed mean, further axes at their middle), the
trade-off's points :func:`experiments.report.tradeoff_points` (smoothness gain against
irritation burden, the Pareto front, unsafe settings hollow), and the report's own heat map
figure (with the decision's marks) is shown beside the interactive one. Clicking a cell or a
point (a Bokeh tap: the source's selection, which syncs to the server) draws that scenario's
time courses (replicates averaged) with :class:`experiments.explore._plots.CoursePlots`.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import panel as pn
import xarray as xr
from bokeh.models import ColorBar, ColumnDataSource, LinearColorMapper
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from experiments.errors import EpiturnError
from experiments.explore._plots import CoursePlots
from experiments.report import (axis_dims, heatmap_cells, heatmap_figure, heatmap_outcomes, setting_label, summary_outcomes,
                                sweep_dims, tradeoff_points, value_label)

__all__ = ["SweepPage", "scenario", "sweep_app"]


def scenario(ds: xr.Dataset, setting: dict[str, Any]) -> xr.Dataset:
    """One scenario of a sweep with run dimensions only: ``setting`` (dim -> coordinate value) selected,
    further axes at their middle, replicates averaged."""
    one = ds.sel({k: v for k, v in setting.items() if k in ds.dims})
    rest = {d: one.sizes[d] // 2 for d in sweep_dims(one) if d != "replicate"}
    one = one.isel(rest) if rest else one
    if "replicate" in one.dims:
        one = one.mean("replicate", keep_attrs=True)
    return one


class SweepPage:
    """The page of one sweep store (see the module docstring)."""

    def __init__(self, ds: xr.Dataset, title: str = "sweep"):
        self.ds = ds
        self.title = title
        self.table = summary_outcomes(ds)
        self.status = pn.pane.HTML("click a cell of the heat map or a point of the trade-off", sizing_mode="stretch_width")
        self.course = CoursePlots(prefix="sweep_", surface=False)
        self.heat_source = ColumnDataSource({k: [] for k in ("x", "y", "value", "text", "xi", "yi")},
                                            name="heatmap_source")
        self.heat_fig = None
        self.report_pane = pn.pane.Matplotlib(None, dpi=72, tight=True, height=420, sizing_mode="fixed")
        self.outcome = None
        try:
            names = heatmap_outcomes(ds, self.table)
            self.xdim, self.ydim, _, _ = heatmap_cells(ds, names[0], self.table)
            first = next((n for n in names if self._informative(n)), names[0])
            self.outcome = pn.widgets.Select(name="outcome of the heat map", options=names, value=first)
            self._build_heatmap()
            self.outcome.param.watch(lambda e: self._show_heatmap(e.new), "value")
            self._show_heatmap(first)
        except (EpiturnError, KeyError, IndexError) as exc:
            self.xdim = self.ydim = None
            self.heat_note = f"no heat map: {exc}"
        self.trade_source = ColumnDataSource({k: [] for k in ("burden", "gain", "label", "fill", "index")},
                                             name="tradeoff_source")
        self.trade_fig = None
        try:
            self.points = tradeoff_points(ds)
            self._build_tradeoff()
        except (KeyError, EpiturnError) as exc:
            self.points = None
            self.trade_note = f"no trade-off: {exc}"

    # ------------------------------------------------------------------ heat map
    def _labels(self, dim: str) -> list[str]:
        return [value_label(self.ds, dim, v, with_settings=False) for v in self.ds[dim].values]

    def _informative(self, name: str) -> bool:
        """True when outcome ``name`` has finite values that differ between the cells (worth a first look)."""
        values = heatmap_cells(self.ds, name, self.table)[2].mean
        finite = values[np.isfinite(values)]
        return finite.size > 1 and bool(np.ptp(finite) > 0)

    def _build_heatmap(self) -> None:
        xs, ys = self._labels(self.xdim), self._labels(self.ydim)
        fig = figure(title="heat map (click a cell)", x_range=xs, y_range=ys, width=460, height=360,
                     x_axis_label=self.xdim, y_axis_label=self.ydim, tools="tap,hover,save",
                     tooltips=[("value", "@text")], name="heatmap_figure")
        self.mapper = LinearColorMapper(palette=Viridis256)
        fill = {"field": "value", "transform": self.mapper}
        fig.rect("x", "y", 1, 1, source=self.heat_source, fill_color=fill, line_color="white", nonselection_fill_color=fill,
                 nonselection_fill_alpha=0.85, selection_line_color="#d62728", selection_line_width=4)
        fig.text("x", "y", text="text", source=self.heat_source, text_align="center", text_baseline="middle",
                 text_font_size="8pt", text_color="white", nonselection_text_alpha=1.0)
        self.colour_bar = ColorBar(color_mapper=self.mapper, width=10)
        fig.add_layout(self.colour_bar, "right")
        self.heat_source.selected.on_change("indices", self._on_cell)
        self.heat_fig = fig

    def _show_heatmap(self, name: str) -> None:
        _, _, cells, label = heatmap_cells(self.ds, name, self.table)
        xs, ys = self._labels(self.xdim), self._labels(self.ydim)
        yi, xi = np.meshgrid(np.arange(len(ys)), np.arange(len(xs)), indexing="ij")
        values = cells.mean.ravel()
        self.heat_source.data = {"x": [xs[i] for i in xi.ravel()], "y": [ys[j] for j in yi.ravel()],
                                 "value": values, "text": [f"{v:.3g}" for v in values],
                                 "xi": xi.ravel(), "yi": yi.ravel()}
        finite = values[np.isfinite(values)]
        if finite.size:
            self.mapper.update(low=float(finite.min()), high=float(finite.max()) if finite.max() > finite.min()
                               else float(finite.min()) + 1e-12)
        self.colour_bar.title = label
        self.heat_fig.title.text = f"{label} (click a cell)"
        try:
            fig, _ = heatmap_figure(self.ds, name, self.table)
            self.report_pane.object = fig
        except Exception:  # the report's figure is an extra: the interactive map stands alone
            self.report_pane.object = None

    def _on_cell(self, attr, old, new) -> None:
        if not new:
            return
        k = new[0]
        xi, yi = int(self.heat_source.data["xi"][k]), int(self.heat_source.data["yi"][k])
        self.show({self.xdim: self.ds[self.xdim].values[xi], self.ydim: self.ds[self.ydim].values[yi]})

    # ------------------------------------------------------------------ trade-off
    def _build_tradeoff(self) -> None:
        p = self.points
        fill = []
        for k in range(len(p.settings)):
            unsafe = p.safe is not None and not p.safe[k]
            fill.append("white" if unsafe else ("#d62728" if p.best == k else ("#ff7f0e" if p.front[k] else "#1f77b4")))
        self.trade_source.data = {"burden": p.burden, "gain": p.gain, "index": np.arange(len(p.settings)),
                                  "label": [setting_label(self.ds, s, with_settings=False) for s in p.settings],
                                  "fill": fill}
        fig = figure(title="trade-off (click a point): orange = Pareto front, red = best safe, hollow = unsafe",
                     width=460, height=360, x_axis_label=p.burden_label, y_axis_label=p.gain_label,
                     tools="tap,hover,pan,wheel_zoom,reset,save", tooltips=[("setting", "@label")],
                     name="tradeoff_figure")
        fig.scatter("burden", "gain", source=self.trade_source, size=11, fill_color="fill", line_color="#1f77b4",
                    nonselection_fill_alpha=0.7, selection_line_color="#d62728", selection_line_width=3)
        if not (np.isfinite(p.burden) & np.isfinite(p.gain)).any():
            fig.title.text = "trade-off: no point with a finite gain and burden (roughness is undefined on a single column)"
        self.trade_source.selected.on_change("indices", self._on_point)
        self.trade_fig = fig

    def _on_point(self, attr, old, new) -> None:
        if new:
            self.show(self.points.settings[int(new[0])])

    # ------------------------------------------------------------------ a scenario
    def show(self, setting: dict[str, Any]) -> None:
        """Draw the time courses of the scenario at ``setting`` (dim -> coordinate value)."""
        try:
            one = scenario(self.ds, setting)
            self.course.show(one)
        except Exception as exc:  # a store that lacks a series: say so, keep the page
            self.status.object = f"<b style='color:#cf222e'>error: {html.escape(f'{type(exc).__name__}: {exc}')}</b>"
            return
        self.status.object = f"<b>scenario: {html.escape(setting_label(self.ds, setting, with_settings=False))}</b>"

    def view(self) -> pn.template.BaseTemplate:
        top = []
        if self.heat_fig is not None:
            top.append(pn.Column(self.outcome, self.heat_fig))
        else:
            top.append(pn.pane.Markdown(self.heat_note))
        top.append(self.trade_fig if self.trade_fig is not None else pn.pane.Markdown(self.trade_note))
        f = self.course.figures
        main = [pn.Row(*top), pn.pane.Markdown("#### The report's heat map (decision marks)"), self.report_pane,
                self.status, pn.Row(f["tewl"], f["sc"]), pn.Row(f["ve"], f["renewal"]), pn.Row(f["inflammation"])]
        axes = ", ".join(axis_dims(self.ds))
        side = [pn.pane.Markdown(f"### {self.title}\n{self.ds.attrs.get('sweep_name', '')}\n\naxes: {axes}\n\n"
                                 f"{self.ds.attrs.get('n_scenarios', '?')} scenarios")]
        return pn.template.BootstrapTemplate(title="epiturn explore: sweep", sidebar=side, main=main)


def sweep_app(ds: xr.Dataset, title: str = "sweep") -> pn.template.BaseTemplate:
    """The page of one browser session for the sweep store ``ds``."""
    return SweepPage(ds, title).view()
