"""The explorer's Bokeh figures of one scenario: time courses, surface, SC cohorts.

:class:`CoursePlots` holds the figures and their data sources; :meth:`CoursePlots.show`
puts a scenario's dataset (run dimensions only: ``time``, ``session``, ``x``; as
``experiments.run`` returns it or one cell of a sweep) into the sources, so the browser
redraws without new figures. Every source has a ``name`` (``tewl_source``, ...), by which
the browser's Bokeh document finds it (the end-to-end test reads the data from there).

Labels carry the units of the output table (docs/interface.md); TEWL is drawn with each
session's peak merged in (:func:`experiments.report.series_with_session_peaks`), its
untreated baseline and the recovery band (baseline to +10 %,
:data:`experiments.report.RECOVERY_TOLERANCE`), as the report's time-course figure does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from bokeh.models import BoxAnnotation, ColorBar, ColumnDataSource, LinearAxis, LinearColorMapper, Range1d, Span
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from experiments.report import RECOVERY_TOLERANCE, series_with_session_peaks, session_days

__all__ = ["CohortPlot", "CoursePlots", "LINES"]

WIDTH = 420
HEIGHT = 210
# figure -> (title, y label, [(variable, legend, colour)])
LINES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "tewl": ("Transepidermal water loss", "TEWL (g/m²/h)", [("tewl", "TEWL", "#1f77b4")]),
    "sc": ("Stratum corneum", "SC layers", [("sc_layers", "SC layers", "#8c564b")]),
    "ve": ("Viable epidermis", "VE thickness (µm)", [("ve_thickness_um", "VE thickness", "#2ca02c")]),
    "renewal": ("Renewal", "layers per day (1/d)", [("basal_proliferation", "basal proliferation", "#9467bd"),
                                                    ("sc_production_rate", "SC production", "#ff7f0e")]),
    "inflammation": ("Inflammation", "index (normalised, 0..1)", [("cytokine", "cytokine", "#d62728"),
                                                                  ("erythema", "erythema", "#e377c2")]),
    "roughness": ("Roughness (short transect)", "Ra (µm)", [("ra_um", "Ra", "#17becf")]),
}
SURFACE_LINES = (("start", "day 0", "#7f7f7f"), ("after", "after the last session", "#d62728"), ("end", "end", "#1f77b4"))


def _values(ds: xr.Dataset | None, name: str) -> tuple[np.ndarray, np.ndarray]:
    if ds is None or name not in ds:
        return np.zeros(0), np.zeros(0)
    if name == "tewl":
        return series_with_session_peaks(ds, "tewl")
    t = np.asarray(ds["time"].values, float)
    v = np.asarray(ds[name].values, float)
    keep = np.isfinite(v)
    return t[keep], v[keep]


def _scalar(ds: xr.Dataset | None, name: str) -> float:
    if ds is None or name not in ds:
        return float("nan")
    values = np.asarray(ds[name].values, float).ravel()
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


class CoursePlots:
    """The time-course figures of one scenario (one per entry of :data:`LINES`) and the surface profile.

    ``prefix`` makes the source names unique when two sets live in one page (``sweep_``).
    ``surface``: draw the roughness and surface-profile figures (the live mode's transect).
    """

    def __init__(self, prefix: str = "", surface: bool = True):
        self.prefix = prefix
        self.sources: dict[str, ColumnDataSource] = {}
        self.figures: dict[str, Any] = {}
        x_range = None
        for key, (title, ylabel, lines) in LINES.items():
            if key == "roughness" and not surface:
                continue
            fig = figure(title=title, width=WIDTH, height=HEIGHT, x_axis_label="time (d)", y_axis_label=ylabel,
                         tools="pan,wheel_zoom,box_zoom,reset,hover,save", name=f"{prefix}{key}_figure",
                         **({"x_range": x_range} if x_range is not None else {}))
            x_range = x_range or fig.x_range
            data = {"time": []} | {var: [] for var, _, _ in lines}
            src = ColumnDataSource(data, name=f"{prefix}{key}_source")
            for var, legend, colour in lines:
                fig.line("time", var, source=src, legend_label=legend, color=colour, line_width=2)
            fig.legend.location = "top_right"
            fig.legend.label_text_font_size = "8pt"
            fig.legend.background_fill_alpha = 0.6
            self.sources[key], self.figures[key] = src, fig
        # SC thickness on a second axis of the SC figure
        sc = self.figures["sc"]
        sc.extra_y_ranges = {"um": Range1d(0, 1)}
        sc.add_layout(LinearAxis(y_range_name="um", axis_label="SC thickness (µm)"), "right")
        self.sources["sc"].data = {"time": [], "sc_layers": [], "sc_thickness_um": []}
        sc.line("time", "sc_thickness_um", source=self.sources["sc"], y_range_name="um", legend_label="SC thickness",
                color="#bcbd22", line_width=2, line_dash="dashed")
        tewl = self.figures["tewl"]
        self.baseline = Span(location=0, dimension="width", line_color="black", line_dash="dotted", line_width=1.5,
                             name=f"{prefix}tewl_baseline")
        self.band = BoxAnnotation(bottom=0, top=0, fill_color="#2ca02c", fill_alpha=0.12, name=f"{prefix}tewl_band")
        tewl.add_layout(self.baseline)
        tewl.add_layout(self.band)
        self.session_source = ColumnDataSource({"day": []}, name=f"{prefix}session_source")
        for fig in self.figures.values():
            fig.vspan(x="day", source=self.session_source, line_color="#999999", line_dash="dashed", line_width=1)
        if surface:
            fig = figure(title="Surface profile (short transect)", width=WIDTH, height=HEIGHT,
                         x_axis_label="lateral position (µm)", y_axis_label="surface height (µm)",
                         tools="pan,wheel_zoom,box_zoom,reset,hover,save", name=f"{prefix}surface_figure")
            src = ColumnDataSource({"x": []} | {k: [] for k, _, _ in SURFACE_LINES}, name=f"{prefix}surface_source")
            for key, legend, colour in SURFACE_LINES:
                fig.line("x", key, source=src, legend_label=legend, color=colour, line_width=2)
            fig.legend.label_text_font_size = "8pt"
            fig.legend.background_fill_alpha = 0.6
            self.sources["surface"], self.figures["surface"] = src, fig

    def show(self, column: xr.Dataset, transect: xr.Dataset | None = None) -> None:
        """Put a scenario's time courses (``column``) into the sources, and when given its transect's roughness
        and surface profile (:meth:`show_transect`)."""
        for key, (_, _, lines) in LINES.items():
            if key not in self.sources or key == "roughness":
                continue
            if key == "tewl":
                t, v = _values(column, "tewl")
                self.sources[key].data = {"time": t, "tewl": v}
                continue
            names = [var for var, _, _ in lines] + (["sc_thickness_um"] if key == "sc" else [])
            t = np.asarray(column["time"].values, float)
            data = {"time": t}
            for var in names:
                data[var] = np.asarray(column[var].values, float) if var in column else np.full(t.shape, np.nan)
            self.sources[key].data = data
        thickness = np.asarray(self.sources["sc"].data["sc_thickness_um"], float)
        finite = thickness[np.isfinite(thickness)]
        if finite.size:
            self.figures["sc"].extra_y_ranges["um"].update(start=0.0, end=float(finite.max()) * 1.1)
        base = _scalar(column, "tewl_baseline")
        if np.isfinite(base):
            self.baseline.location = base
            self.band.update(bottom=base, top=base * (1 + RECOVERY_TOLERANCE))
        self.days = session_days(column)
        self.session_source.data = {"day": self.days}
        if transect is not None:
            self.show_transect(transect)

    def show_transect(self, transect: xr.Dataset) -> None:
        """The transect's roughness (Ra) against time and its surface profiles (day 0, after the last session, end)."""
        if "roughness" in self.sources:
            t, v = _values(transect, "ra_um")
            self.sources["roughness"].data = {"time": t, "ra_um": v}
        if "surface" in self.sources:
            self.sources["surface"].data = _surface_lines(transect, session_days(transect))


def _surface_lines(transect: xr.Dataset | None, days: np.ndarray) -> dict[str, np.ndarray]:
    """The surface at day 0, the first save after the last session and the end (µm, mean-free)."""
    if transect is None or "surface_um" not in transect:
        return {"x": np.zeros(0)} | {k: np.zeros(0) for k, _, _ in SURFACE_LINES}
    surf = transect["surface_um"]
    t = np.asarray(transect["time"].values, float)
    after = int(np.searchsorted(t, days[-1], side="right")) if days.size else 0
    picks = {"start": 0, "after": min(after, t.size - 1), "end": t.size - 1}
    out = {"x": np.asarray(transect["x"].values, float)}
    for key, i in picks.items():
        profile = np.asarray(surf.isel(time=i).values, float)
        out[key] = profile - profile.mean()
    return out


class CohortPlot:
    """The SC as its age cohorts against time: a column of stacked boxes per time point, the youngest cohort
    at the bottom (just out of the viable epidermis), older ones above, the surface on top; each box as high as
    its layers, coloured by its cohesion or barrier lipid (0..1). Sessions are dashed lines."""

    def __init__(self, prefix: str = ""):
        self.mapper = LinearColorMapper(palette=Viridis256, low=0.0, high=1.0)
        self.source = ColumnDataSource({k: [] for k in ("left", "right", "bottom", "top", "value", "cohesion", "lipid",
                                                        "age")}, name=f"{prefix}cohort_source")
        fig = figure(title="SC cohorts: born at the bottom, ageing upward, shed at the top", width=2 * WIDTH,
                     height=int(1.3 * HEIGHT), x_axis_label="time (d)", y_axis_label="SC layers (bottom → surface)",
                     tools="pan,wheel_zoom,box_zoom,reset,hover,save", name=f"{prefix}cohort_figure",
                     tooltips=[("age", "@age d"), ("cohesion", "@cohesion{0.00}"), ("lipid", "@lipid{0.00}")])
        fig.quad(left="left", right="right", bottom="bottom", top="top", source=self.source,
                 fill_color={"field": "value", "transform": self.mapper}, line_color=None)
        self.colour_bar = ColorBar(color_mapper=self.mapper, title="cohesion", width=10)
        fig.add_layout(self.colour_bar, "right")
        self.session_source = ColumnDataSource({"day": []}, name=f"{prefix}cohort_session_source")
        fig.vspan(x="day", source=self.session_source, line_color="white", line_dash="dashed", line_width=1.5)
        self.figure = fig
        self.colour_by = "cohesion"

    def show(self, cohorts, days: np.ndarray, colour_by: str | None = None) -> None:
        """Draw ``cohorts`` (:class:`experiments.explore._live.Cohorts`); ``colour_by``: ``cohesion`` or ``lipid``."""
        self.colour_by = colour_by or self.colour_by
        layers = np.clip(cohorts.layers, 0.0, None)
        top = np.cumsum(layers, axis=1)
        bottom = top - layers
        t = cohorts.time_days
        left = np.concatenate([[0.0], t[:-1]])
        m, a = layers.shape
        keep = (layers > 1e-3).ravel()
        rep = lambda v: np.repeat(v, a)[keep]  # noqa: E731
        data = {"left": rep(left), "right": rep(t), "bottom": bottom.ravel()[keep], "top": top.ravel()[keep],
                "cohesion": cohorts.cohesion.ravel()[keep], "lipid": cohorts.lipid.ravel()[keep],
                "age": np.tile(cohorts.bin_age_days, m)[keep]}
        data["value"] = data[self.colour_by]
        self.source.data = data
        self.colour_bar.title = self.colour_by
        self.session_source.data = {"day": np.asarray(days, float)}

    def recolour(self, colour_by: str) -> None:
        """Colour the boxes by ``cohesion`` or ``lipid`` (no re-simulation)."""
        self.colour_by = colour_by
        data = dict(self.source.data)
        data["value"] = data[colour_by]
        self.source.data = data
        self.colour_bar.title = colour_by
