r"""Outcomes of a treatment course, read from the per-step record of a run (NumPy).

The scan records, at every step end, the lateral-mean readouts (``t_h``: hours since
the start, with the initial state at ``t = 0``) and what the event at the start of the
step did. From these, with ``TEWL_0`` the untreated steady state (``tewl_baseline``) and
the tolerance ``tol = 0.1`` (docs/interface.md: "back within 10 %"):

* **barrier recovery time** of a session at ``t_s``: the first time after ``t_s`` at
  which ``TEWL <= (1 + tol) TEWL_0``, minus ``t_s`` (h), found on the piecewise-linear
  interpolant of the samples ``(t_s, TEWL right after the session), (t_k, TEWL_k)`` for
  ``t_s < t_k <= t_stop``; 0 when the session left TEWL within the band. ``t_stop`` is
  the next session or the end of the run. If TEWL is still above the band at
  ``t_stop``, the time available ``t_stop - t_s`` is reported and ``recovered`` is False
  (never NaN);
* **recovered at start**: ``TEWL(t_s^-) <= (1 + tol) TEWL_0`` just before the session;
* **irritation burden** (days): ``int_0^T (TEWL(t) / TEWL_0 - 1)_+ dt``, the time
  integral of the relative TEWL excess (a day at twice the baseline adds 1 d), by the
  trapezoidal rule on the samples (session jumps included);
* **change at a time** (%): ``100 (X(t) - X(0)) / X(0)`` of a series, linearly
  interpolated; NaN where ``X`` is NaN (roughness on a single column).

Every function takes plain arrays and returns floats; nothing here reads files.
"""

from __future__ import annotations

import numpy as np

from models._tables import HOURS_PER_DAY

RECOVERY_TOLERANCE = 0.1


def recovery_after(t_h, tewl, baseline, start_h, tewl_after, stop_h, tol: float = RECOVERY_TOLERANCE):
    """Barrier recovery after one session: ``(hours, recovered)`` (see module docstring).

    ``t_h``, ``tewl``: samples (nondecreasing times, h); ``tewl_after``: TEWL right after
    the session at ``start_h``; ``stop_h``: next session or end of run.
    """
    t_h = np.asarray(t_h, float)
    tewl = np.asarray(tewl, float)
    thr = (1.0 + tol) * float(baseline)
    sel = (t_h > start_h) & (t_h <= stop_h)
    ts = np.concatenate([[start_h], t_h[sel]])
    vs = np.concatenate([[tewl_after], tewl[sel]])
    ok = vs <= thr
    if ok[0]:
        return 0.0, True
    if not ok.any():
        return float(stop_h - start_h), False
    k = int(np.argmax(ok))
    v0, v1, t0, t1 = vs[k - 1], vs[k], ts[k - 1], ts[k]
    frac = (v0 - thr) / (v0 - v1) if v0 != v1 else 1.0
    return float(t0 + frac * (t1 - t0) - start_h), True


def recovered_at(tewl_before, baseline, tol: float = RECOVERY_TOLERANCE) -> bool:
    """Whether TEWL just before a session is within the recovery band."""
    return bool(tewl_before <= (1.0 + tol) * baseline)


def irritation_burden_days(t_h, tewl, baseline) -> float:
    """``int (TEWL / TEWL_0 - 1)_+ dt`` in days (trapezoidal on the samples, sorted by time)."""
    t_h = np.asarray(t_h, float)
    excess = np.maximum(np.asarray(tewl, float) / float(baseline) - 1.0, 0.0)
    order = np.argsort(t_h, kind="stable")
    t, e = t_h[order], excess[order]
    return float(np.sum(0.5 * (e[1:] + e[:-1]) * np.diff(t)) / HOURS_PER_DAY)


def value_at(t_h, values, when_h) -> float:
    """Series value at ``when_h`` (linear interpolation; the last sample at equal times)."""
    t_h = np.asarray(t_h, float)
    values = np.asarray(values, float)
    if not np.all(np.isfinite(values)):
        return float("nan")
    # with repeated times (zero-length steps) take the latest sample at that time
    idx = np.searchsorted(t_h, when_h, side="right")
    if idx == 0:
        return float(values[0])
    if idx >= t_h.size:
        return float(values[-1])
    t0, t1 = t_h[idx - 1], t_h[idx]
    v0, v1 = values[idx - 1], values[idx]
    return float(v0 if t1 == t0 else v0 + (v1 - v0) * (when_h - t0) / (t1 - t0))


def change_pct(t_h, values, when_h) -> float:
    """``100 (X(when) - X(0)) / X(0)``; NaN when the series is undefined (NaN) or ``X(0) = 0``."""
    x0 = float(np.asarray(values, float)[0])
    x = value_at(t_h, values, when_h)
    if not np.isfinite(x0) or not np.isfinite(x) or x0 == 0.0:
        return float("nan")
    return 100.0 * (x - x0) / x0
