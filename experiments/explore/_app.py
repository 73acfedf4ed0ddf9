"""The live explorer's page: controls on the left, the re-simulated course on the right.

:func:`live_app` builds one browser session's page around a shared
:class:`~experiments.explore._live.LiveModel` (compiled once at server start). Each
change of a control re-simulates in a worker thread (the page stays responsive; a lock
keeps one simulation at a time across sessions) and puts the result into the figures'
data sources (:mod:`experiments.explore._plots`). Bad input (a value outside the
explorer's or the device's range, a typed ``name=value`` that is not a control) and a
failed run show their one-line message in the status line; the server keeps running and
the figures keep the last good course.
"""

from __future__ import annotations

import asyncio
import html
import threading
from dataclasses import asdict
from typing import Any

import panel as pn

from experiments.config import list_devices, list_profiles, load_device
from experiments.errors import EpiturnError
from experiments.explore._controls import LIMITS, Controls, check_controls
from experiments.explore._live import LiveModel, LiveResult
from experiments.explore._plots import CohortPlot, CoursePlots

__all__ = ["LABELS", "live_app"]

# control -> the label of its widget (the browser test finds the widgets by it)
LABELS = {
    "skin": "skin profile",
    "device": "device",
    "vacuum_kpa": "vacuum (kPa)",
    "passes": "passes",
    "speed_mm_s": "hand speed (mm/s)",
    "crystal_flow_g_min": "crystal flow (g/min)",
    "interval_days": "interval (d)",
    "sessions": "sessions",
    "follow_up_days": "follow-up after the last session (d)",
    "strip_fraction": "tape strip: fraction of SC removed (0 = none)",
    "strip_day": "tape strip: day",
}
SET_LABEL = "set a value (control=value, e.g. vacuum_kpa=35)"
_RUN_LOCK = threading.Lock()


def _status_html(text: str, kind: str) -> str:
    colour = {"ok": "#1a7f37", "busy": "#9a6700", "error": "#cf222e"}[kind]
    text = html.escape(text, quote=False)
    return f'<div class="epiturn-status epiturn-{kind}" style="color:{colour};font-weight:600">{text}</div>'


class LivePage:
    """One session's page: widgets, figures, status line (see the module docstring)."""

    def __init__(self, model: LiveModel, first: LiveResult | None = None):
        self.model = model
        self.controls = model.controls
        self.doc = pn.state.curdoc  # the session's document: changes after an await go through its next tick
        self.course = CoursePlots(surface=model.transect is not None)
        self.cohorts = CohortPlot()
        self.status = pn.pane.HTML(_status_html("ready", "ok"), sizing_mode="stretch_width")
        self._status_token: object = None  # the run whose summary the status line may show (see _draw)
        self.widgets: dict[str, Any] = {}
        c = self.controls
        self.widgets["skin"] = pn.widgets.Select(name=LABELS["skin"], options=list_profiles(), value=c.skin)
        self.widgets["device"] = pn.widgets.Select(name=LABELS["device"], options=list_devices(), value=c.device)
        for name in ("vacuum_kpa", "passes", "speed_mm_s", "crystal_flow_g_min", "interval_days", "sessions",
                     "follow_up_days", "strip_fraction", "strip_day"):
            lim = LIMITS[name]
            cls = pn.widgets.IntSlider if lim.integer else pn.widgets.FloatSlider
            self.widgets[name] = cls(name=LABELS[name], start=lim.low, end=lim.high, step=lim.step,
                                     value=getattr(c, name))
        self.set_box = pn.widgets.TextInput(name=SET_LABEL, placeholder="vacuum_kpa=35")
        self.colour_by = pn.widgets.RadioButtonGroup(name="colour the cohorts by", options=["cohesion", "lipid"],
                                                     value="cohesion")
        for name, widget in self.widgets.items():
            prop = "value_throttled" if isinstance(widget, (pn.widgets.IntSlider, pn.widgets.FloatSlider)) else "value"
            widget.param.watch(self._on_widget(name), prop)
        self.set_box.param.watch(self._on_set, "value")
        self.colour_by.param.watch(lambda e: self.cohorts.recolour(e.new), "value")
        self._kind_visibility()
        if first is not None:
            self._draw(first)

    # ------------------------------------------------------------------ callbacks
    def _on_widget(self, name: str):
        async def changed(event) -> None:
            await self.apply({name: event.new})
        return changed

    async def _on_set(self, event) -> None:
        text = (event.new or "").strip()
        if not text:
            return
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or key not in asdict(self.controls):
            self._error(f"{key or text!r}: not a control of the explorer; allowed: control=value with control one of "
                        f"{', '.join(asdict(self.controls))}")
            return
        value: Any = raw.strip()
        if key not in ("skin", "device"):
            try:
                value = float(value)
            except ValueError:
                pass  # check_controls names it
        await self.apply({key: value})

    async def apply(self, changes: dict[str, Any]) -> None:
        """Re-simulate with ``changes`` (control -> value); on bad input say why, keep the last course."""
        try:
            controls = check_controls(self.controls.updated(**changes))
        except EpiturnError as exc:
            self._error(str(exc))
            self._sync_widgets()
            return
        if controls == self.controls:
            return  # nothing changed (e.g. a widget set back to the course shown)
        note = ""
        if "skin" in changes and changes["skin"] != self.controls.skin:
            note = f" (first use of {changes['skin']}: its spin-up takes ~30 s, then it is cached)"
        self.status.object = _status_html(f"simulating…{note}", "busy")
        token = self._status_token = object()  # this run's status; a newer message outranks it
        loop = asyncio.get_running_loop()
        try:  # the column first (the time courses and cohorts), drawn at once; then the slower transect
            result = await loop.run_in_executor(None, self._run, controls)
            self.controls = controls
            self._later(self._draw, result, token)
            if self.model.transect is not None:
                transect = await loop.run_in_executor(None, self._run_transect, controls)
                self._later(self._draw_transect, transect, result, token)
        except EpiturnError as exc:
            self._later(self._error, str(exc))
        except Exception as exc:  # a failed run must not end the server: say what went wrong
            self._later(self._error, f"the simulation failed: {type(exc).__name__}: {' '.join(str(exc).split())}")
        self._later(self._sync_widgets)

    def _sync_widgets(self) -> None:
        """Show the setting of the course drawn: a refused value goes back to the last good one, a typed one
        moves its widget (a slider set from here does not re-simulate; a select set back to it is a no-op)."""
        for name, widget in self.widgets.items():
            value = getattr(self.controls, name)
            if widget.value != value:
                widget.value = value

    def _later(self, func, *args) -> None:
        """Call ``func(*args)`` holding the document's lock (after an await the callback no longer holds it)."""
        if self.doc is None:
            func(*args)
        else:
            self.doc.add_next_tick_callback(lambda: func(*args))

    def _run(self, controls: Controls) -> LiveResult:
        with _RUN_LOCK:
            return self.model.run(controls, transect=False)

    def _run_transect(self, controls: Controls):
        with _RUN_LOCK:
            return self.model.run_transect(controls)

    # ------------------------------------------------------------------ drawing
    def _error(self, text: str) -> None:
        self._status_token = object()  # runs still in flight draw their figures but leave this message
        self.status.object = _status_html("error: " + " ".join(text.split()) + " (the course shown is the last good "
                                          "setting)", "error")

    def _kind_visibility(self) -> None:
        try:
            crystal = load_device(self.controls.device).kind == "crystal"
        except EpiturnError:
            crystal = False
        self.widgets["speed_mm_s"].visible = not crystal
        self.widgets["crystal_flow_g_min"].visible = crystal

    def _draw(self, result: LiveResult, token: object = None) -> None:
        """Draw a run; its summary replaces the status line unless a newer message (an error, a newer
        run) was shown after the run started (``token`` is that run's; None: the first course)."""
        self._kind_visibility()
        self.course.show(result.column, result.transect)
        self.cohorts.show(result.cohorts, self.course.days, self.colour_by.value)
        if token is None or token is self._status_token:
            self._summary(result, "re-simulated", result.seconds, pending=self.model.transect is not None
                          and result.transect is None)

    def _draw_transect(self, transect, result: LiveResult, token: object = None) -> None:
        if self.controls != result.controls:
            return  # a newer setting is on its way
        self.course.show_transect(transect)
        if token is None or token is self._status_token:
            self._summary(result, "re-simulated", result.seconds, pending=False)

    def _summary(self, result: LiveResult, what: str, seconds: float, pending: bool) -> None:
        ds, c = result.column, result.controls
        recovery = float(ds["barrier_recovery_hours_max"]) if "barrier_recovery_hours_max" in ds else float("nan")
        tail = " · surface transect…" if pending else ""
        self.status.object = _status_html(
            f"{what} in {seconds:.2f} s · {c.sessions} sessions every {c.interval_days} d · TEWL peak "
            f"{float(ds['tewl'].max()):.1f} g/m²/h · longest barrier recovery {recovery:.0f} h{tail}", "ok")

    def view(self) -> pn.template.BaseTemplate:
        sidebar = [pn.pane.Markdown("### Controls\nEach change re-simulates the course."),
                   *self.widgets.values(), self.set_box, pn.pane.Markdown("**SC cohorts coloured by**"), self.colour_by]
        f = self.course.figures
        rows = [pn.Row(f["tewl"], f["sc"]), pn.Row(f["ve"], f["renewal"]), pn.Row(f["inflammation"], f.get("roughness")
                                                                               or pn.Spacer())]
        if "surface" in f:
            rows.append(pn.Row(f["surface"]))
        main = [self.status, *rows, pn.pane.Bokeh(self.cohorts.figure)]
        return pn.template.BootstrapTemplate(title="epiturn explore: live", sidebar=sidebar, main=main)


def live_app(model: LiveModel, first: LiveResult | None = None) -> pn.template.BaseTemplate:
    """The page of one browser session (``first``: the course to show at once, computed at start)."""
    return LivePage(model, first).view()
