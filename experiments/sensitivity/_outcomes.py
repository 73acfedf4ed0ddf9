"""The headline outcomes of a course as differentiable JAX functions of one run's record.

The same definitions as :mod:`models.outcomes` (docs/outcomes.md), which the runner
applies in NumPy after a run, written here on traced arrays so that the sensitivity
analysis can evaluate them inside ``jit(vmap(...))`` and differentiate them
(``jax.jacrev``) through the run. Everything that depends only on the time grid and the
schedule (sample times, the session steps, the interpolation weights at the end of the
course) is fixed once, in NumPy, by :class:`OutcomeGrid`; only the readouts are traced.
``tests/experiments/test_sensitivity.py`` checks that both give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from models import HOURS_PER_DAY, RECOVERY_TOLERANCE

__all__ = ["HEADLINE_OUTCOMES", "ROUGHNESS_OUTCOMES", "SAFETY_OUTCOMES", "OutcomeGrid", "course_outcomes"]

HEADLINE_OUTCOMES = ("ra_change_pct_end_course", "ra_change_pct_end_followup", "irritation_burden_days",
                     "barrier_recovery_hours_max", "max_injury_um", "ve_thickness_change_pct_end_course")
"""The outcomes analysed by default (names, units and meaning: the output table, docs/outcomes.md)."""

ROUGHNESS_OUTCOMES = ("ra_change_pct_end_course", "ra_change_pct_end_followup",
                      "fine_line_change_pct_end_course", "fine_line_change_pct_end_followup")
"""Outcomes of the surface profile: NaN by definition on a single column."""

SUPPORTED_OUTCOMES = HEADLINE_OUTCOMES + ROUGHNESS_OUTCOMES[2:]

SAFETY_OUTCOMES: dict[str, str] = {
    "healing_excess_max": "1",
    "injury_max_um": "µm",
    "petechiae_risk_max": "1",
}
"""The course reductions of the per-session outputs the decision reads (name -> units), as
smooth functions for the optimiser's constraints (:mod:`experiments.optimise`):

* ``healing_excess_max`` = ``max_k min_j TEWL_kj / ((1 + tol) TEWL_0) - 1`` over the samples
  ``j`` of session ``k``'s recovery window (TEWL right after the session, then every step end
  up to the next session or the end of the run: the samples of
  :func:`models.recovery_after`); ``<= 0`` exactly when every session's barrier recovered
  (``barrier_recovered`` = 1 for all sessions);
* ``injury_max_um`` = ``max_k`` of the session's ``injury_max_um`` (µm of living epidermis removed);
* ``petechiae_risk_max`` = ``max_k`` of the session's ``petechiae_risk`` (0..1).

The names are those of the columns of :attr:`experiments.report.Decision.table`."""


def _interp_weights(t_h: np.ndarray, when_h: float) -> tuple[int, int, float]:
    """``(i0, i1, w)`` with ``value(when) = (1 - w) v[i0] + w v[i1]`` (:func:`models.value_at`)."""
    idx = int(np.searchsorted(t_h, when_h, side="right"))
    if idx == 0:
        return 0, 0, 0.0
    if idx >= t_h.size:
        return t_h.size - 1, t_h.size - 1, 0.0
    t0, t1 = t_h[idx - 1], t_h[idx]
    return idx - 1, idx, 0.0 if t1 == t0 else float((when_h - t0) / (t1 - t0))


@dataclass(frozen=True)
class OutcomeGrid:
    """What the outcomes need from the time grid and the schedule (static, NumPy).

    ``t_h`` (``n + 1``,): the initial time and the step ends (h); ``session_steps``: the step
    of each device session; ``interval_h``: the protocol interval (h), which sets the end
    of the course (last session + interval, capped at the end of the run).
    """

    t_h: np.ndarray
    session_steps: tuple[int, ...]
    interval_h: float

    @classmethod
    def of(cls, t_end_h, session_steps, interval_days: float) -> "OutcomeGrid":
        return cls(np.concatenate([[0.0], np.asarray(t_end_h, float)]), tuple(int(i) for i in session_steps),
                   float(interval_days) * HOURS_PER_DAY)

    @property
    def starts_h(self) -> np.ndarray:
        return self.t_h[list(self.session_steps)]

    @property
    def end_course_h(self) -> float:
        return float(min(self.starts_h[-1] + self.interval_h, self.t_h.max()))


def _dense(out0, outs, name):
    """Per-step series, the initial state first (``(n + 1,)``, aligned with ``OutcomeGrid.t_h``)."""
    return jnp.concatenate([jnp.reshape(getattr(out0.diag, name), (1,)), jnp.reshape(getattr(outs.diag, name), (-1,))])


def _change_pct(grid: OutcomeGrid, series, when_h: float):
    i0, i1, w = _interp_weights(grid.t_h, when_h)
    x0 = series[0]
    return 100.0 * ((1.0 - w) * series[i0] + w * series[i1] - x0) / x0


def _window(grid: OutcomeGrid, tewl, k: int, tewl_after):
    """Session ``k``'s recovery window: ``(start, stop, ts, vs)``, the samples of
    :func:`models.recovery_after` (TEWL right after the session, then every step end up to
    the next session or the end of the run; ``ts`` in h, ``(m,)``)."""
    starts = grid.starts_h
    start = float(starts[k])
    stop = float(starts[k + 1]) if k + 1 < starts.size else float(grid.t_h.max())
    sel = np.flatnonzero((grid.t_h > start) & (grid.t_h <= stop))
    ts = jnp.asarray(np.concatenate([[start], grid.t_h[sel]]))
    return start, stop, ts, jnp.concatenate([jnp.reshape(tewl_after, (1,)), tewl[sel]])


def _recovery_hours(grid: OutcomeGrid, tewl, baseline, k: int, tewl_after):
    """Barrier recovery after session ``k`` (h): :func:`models.recovery_after` on traced TEWL."""
    start, stop, ts, vs = _window(grid, tewl, k, tewl_after)
    thr = (1.0 + RECOVERY_TOLERANCE) * baseline
    ok = vs <= thr
    first = jnp.maximum(jnp.argmax(ok), 1)
    v0, v1, t0, t1 = vs[first - 1], vs[first], ts[first - 1], ts[first]
    den = v0 - v1
    frac = jnp.where(den != 0, (v0 - thr) / jnp.where(den != 0, den, 1.0), 1.0)
    crossing = t0 + frac * (t1 - t0) - start
    return jnp.where(ok[0], 0.0, jnp.where(jnp.any(ok), crossing, stop - start))


def _healing_excess(grid: OutcomeGrid, tewl, baseline, k: int, tewl_after):
    """``min_j TEWL_kj / thr - 1`` over session ``k``'s recovery window (<= 0: recovered)."""
    vs = _window(grid, tewl, k, tewl_after)[3]
    return jnp.min(vs) / ((1.0 + RECOVERY_TOLERANCE) * baseline) - 1.0


def course_outcomes(grid: OutcomeGrid, out0, outs, names=HEADLINE_OUTCOMES) -> dict:
    """The course outcomes ``names`` of one run (0-d arrays, units of the output table).

    ``out0``, ``outs``: the initial and per-step outputs of :func:`models.simulate`
    (``run.initial``, ``run.steps``) of a run with device sessions on ``grid``.
    Definitions: docs/outcomes.md (end of course = last session + interval); the
    safety reductions: :data:`SAFETY_OUTCOMES`.
    """
    tewl = _dense(out0, outs, "tewl")
    baseline = tewl[0]
    steps = list(grid.session_steps)
    tewl_after = jnp.reshape(outs.event.tewl_after, (-1,))[np.asarray(steps)]
    values = {}
    if "irritation_burden_days" in names:
        t_all = np.concatenate([grid.t_h, grid.starts_h])
        order = np.argsort(t_all, kind="stable")
        v = jnp.concatenate([tewl, tewl_after])[order]
        e = jnp.maximum(v / baseline - 1.0, 0.0)
        values["irritation_burden_days"] = jnp.sum(0.5 * (e[1:] + e[:-1]) * np.diff(t_all[order])) / HOURS_PER_DAY
    if "barrier_recovery_hours_max" in names:
        hours = jnp.stack([_recovery_hours(grid, tewl, baseline, k, tewl_after[k]) for k in range(len(steps))])
        values["barrier_recovery_hours_max"] = jnp.max(hours)
    if "healing_excess_max" in names:
        values["healing_excess_max"] = jnp.max(jnp.stack([_healing_excess(grid, tewl, baseline, k, tewl_after[k])
                                                          for k in range(len(steps))]))
    for name, record in (("injury_max_um", "injury_um"), ("petechiae_risk_max", "petechiae_risk")):
        if name in names:
            values[name] = jnp.max(jnp.reshape(getattr(outs.event, record), (-1,))[np.asarray(steps)])
    if "max_injury_um" in names:
        values["max_injury_um"] = jnp.max(_dense(out0, outs, "injury_depth_um"))
    end = {"end_course": grid.end_course_h, "end_followup": float(grid.t_h.max())}
    for prefix, diag in (("ra", "ra_um"), ("fine_line", "fine_line_depth_um"), ("ve_thickness", "ve_thickness_um")):
        for label, when in end.items():
            name = f"{prefix}_change_pct_{label}"
            if name in names:
                values[name] = _change_pct(grid, _dense(out0, outs, diag), when)
    return {name: values[name] for name in names}
