"""The interactive browser explorer (``epiturn explore``), for students: Panel pages served on this machine.

* Live mode (:func:`live_app`): controls for the skin profile, the device, the session
  intensity (vacuum, passes, hand speed or crystal flow), the course (interval, sessions)
  and a tape strip; each change re-simulates one column and a short transect with a model
  compiled once (:class:`LiveModel`) and redraws the time courses, the surface and the SC
  as its age cohorts.
* Sweep mode (:func:`sweep_app`): a sweep store's heat maps and trade-off; a click shows
  that scenario's time courses.

:func:`serve` serves a page on ``127.0.0.1``; only the ``explore`` command imports this
package. Modules: ``_controls`` (the controls, their ranges, the run configs they make),
``_live`` (the compiled live model), ``_plots`` (the Bokeh figures of one scenario),
``_app`` (the live page), ``_sweep_view`` (the sweep page), ``_serve`` (the server). The names are imported on first use: the live model
(:class:`LiveModel`, :class:`Controls`) needs neither Panel nor Bokeh; the pages do.
"""

import importlib

# public name -> the private module that defines it (imported on first use: the model layer needs no Panel)
_LAZY = {
    **dict.fromkeys(("FOLLOW_UP_DAYS", "LIMITS", "Controls", "check_controls", "column_config", "transect_config"),
                    "_controls"),
    **dict.fromkeys(("Cohorts", "LiveModel", "LiveResult"), "_live"),
    **dict.fromkeys(("CohortPlot", "CoursePlots"), "_plots"),
    **dict.fromkeys(("LABELS", "live_app"), "_app"),
    **dict.fromkeys(("scenario", "sweep_app"), "_sweep_view"),
    **dict.fromkeys(("DEFAULT_HOST", "DEFAULT_PORT", "allowed_origins", "free_port", "serve"), "_serve"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    """The public names of :data:`_LAZY`, imported on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
