r"""Constrained gradient search in a box: an augmented Lagrangian minimised by Adam.

The problem, for ``x`` in the box ``low <= x <= high`` (``(D,)``, table units)::

    minimise f(x)   subject to   g_i(x) <= 0,   i = 1..C

with ``f = s (y_0(x)) / f_scale`` (``s = +1`` to minimise the objective outcome ``y_0``,
``-1`` to maximise it) and ``g_i = (y_i(x) - limit_i) / scale_i + margin``: outcome ``i``
against its limit, in units of ``scale_i``, ``margin`` (in those units) a safety margin so
that the answer is strictly inside the limits. The box is removed by the sigmoid
transformation ``x = low + (high - low) sigma(z)`` (``z`` unconstrained, ``dx/dz = (high -
low) sigma (1 - sigma)``). The constraints enter the Powell-Hestenes-Rockafellar augmented
Lagrangian

.. math::  L(z) = f(x) + \sum_i \frac{1}{2\rho}\left[\max(0, \lambda_i + \rho g_i(x))^2 - \lambda_i^2\right],

whose gradient ``dL/dz = (df/dx + sum_i max(0, lambda_i + rho g_i) dg_i/dx) dx/dz`` is
assembled from the model's outcomes and their Jacobian (one reverse-mode pass per point).
Adam (``optax.adam``, its step decaying from ``learning_rate`` to ``final_fraction`` of it on
a cosine schedule, so that the iterates settle on the limits) takes ``iterations`` steps on ``z``; every ``update_every`` steps the
multipliers are updated, ``lambda_i <- max(0, lambda_i + rho g_i)``, and ``rho`` doubles
(up to ``rho_max``) while a start is infeasible. All starts run as one batch (``(S, D)``).
The answer of each start is the best *feasible* point it visited (every visited point is
evaluated exactly, so this costs nothing), or its least infeasible point when it found none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["SearchResult", "constrained_search", "from_box", "to_box"]

ValuesAndJacobian = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""rows ``(S, D)`` -> outcomes ``(S, 1 + C)`` (objective first) and their Jacobian ``(S, 1 + C, D)``."""


def to_box(z: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``low + (high - low) sigma(z)``."""
    return low + (high - low) / (1.0 + np.exp(-z))


def from_box(x: np.ndarray, low: np.ndarray, high: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """The inverse of :func:`to_box` (``x`` clipped to ``eps`` of the box's width inside it)."""
    u = np.clip((np.asarray(x, float) - low) / (high - low), eps, 1.0 - eps)
    return np.log(u / (1.0 - u))


@dataclass(frozen=True)
class SearchResult:
    """``x`` (``(S, D)``): each start's answer; ``y`` (``(S, 1 + C)``) its outcomes; ``feasible``
    (``(S,)``) whether it satisfies the limits; ``history`` (``(iterations, S)``): the
    objective outcome at every iterate; ``violation`` (``(iterations, S)``): ``max_i (y_i -
    limit_i) / scale_i`` (<= 0: feasible); ``evaluations``: points evaluated (value and gradient)."""

    x: np.ndarray
    y: np.ndarray
    feasible: np.ndarray
    history: np.ndarray
    violation: np.ndarray
    evaluations: int


def feasible(y: np.ndarray, limits: np.ndarray, strict: np.ndarray) -> np.ndarray:
    """Rows of ``y`` (``(m, 1 + C)``) within every limit (``y_i < limit_i`` where ``strict``, else ``<=``)."""
    c = y[:, 1:]
    ok = np.where(strict, c < limits, c <= limits)
    return np.all(ok & np.isfinite(c), axis=1) & np.isfinite(y[:, 0])


def constrained_search(values_and_jacobian: ValuesAndJacobian, x0: np.ndarray, low: np.ndarray, high: np.ndarray,
                       limits: np.ndarray, scales: np.ndarray, strict: np.ndarray, *, sense: str = "min",
                       iterations: int = 40, learning_rate: float = 0.25, margin: float = 0.05,
                       rho: float = 3.0, rho_max: float = 30.0, update_every: int = 5,
                       final_fraction: float = 0.05, b1: float = 0.5, b2: float = 0.9) -> SearchResult:
    """Minimise (``sense="min"``) or maximise the objective outcome over the box under the limits.

    ``x0``: the starts ``(S, D)``; ``limits``, ``scales``, ``strict``: ``(C,)`` (see the module
    docstring). ``iterations`` = 0 evaluates the starts only.
    """
    low, high = np.asarray(low, float), np.asarray(high, float)
    limits, scales, strict = np.asarray(limits, float), np.asarray(scales, float), np.asarray(strict, bool)
    sign = 1.0 if sense == "min" else -1.0
    z = jnp.asarray(from_box(x0, low, high))
    opt = optax.adam(optax.cosine_decay_schedule(learning_rate, max(iterations, 1), alpha=final_fraction), b1=b1, b2=b2)
    state = opt.init(z)
    n_starts, n_con = x0.shape[0], limits.size
    lam = np.zeros((n_starts, n_con))
    rho_s = np.full(n_starts, float(rho))
    best_x, best_y = None, None
    best_key = np.full(n_starts, np.inf)  # (feasible: objective; else: 1e30 + violation) -- lower is better
    history, violation = [], []
    f_scale = None
    evaluations = 0
    for it in range(max(iterations, 1)):
        x = to_box(np.asarray(z), low, high)
        y, jac = values_and_jacobian(x)
        evaluations += x.shape[0]
        if f_scale is None:  # the objective's unit: its size at the starts (at least 1e-3 of one unit)
            f_scale = max(float(np.nanmedian(np.abs(y[:, 0]))), 1e-3)
        g = (y[:, 1:] - limits) / scales
        ok = feasible(y, limits, strict)
        viol = np.nanmax(np.where(np.isfinite(g), g, np.inf), axis=1)
        key = np.where(ok, sign * y[:, 0], 1e30 + viol)
        better = key < best_key
        best_x = x.copy() if best_x is None else np.where(better[:, None], x, best_x)
        best_y = y.copy() if best_y is None else np.where(better[:, None], y, best_y)
        best_key = np.where(better, key, best_key)
        history.append(y[:, 0].copy())
        violation.append(viol)
        if iterations == 0 or it == iterations - 1:
            break
        c = g + margin
        weight = np.maximum(0.0, lam + rho_s[:, None] * c)  # (S, C)
        grad_x = sign * jac[:, 0, :] / f_scale + np.einsum("sc,scd->sd", weight / scales, jac[:, 1:, :])
        grad_x = np.where(np.isfinite(grad_x), grad_x, 0.0)
        u = (x - low) / (high - low)
        grad_z = grad_x * (high - low) * u * (1.0 - u)
        updates, state = opt.update(jnp.asarray(grad_z), state, z)
        z = optax.apply_updates(z, updates)
        if (it + 1) % update_every == 0:
            lam = weight
            rho_s = np.where(np.max(c, axis=1) > 0, np.minimum(2.0 * rho_s, rho_max), rho_s)
    return SearchResult(best_x, best_y, feasible(best_y, limits, strict), np.asarray(history), np.asarray(violation),
                        evaluations)
