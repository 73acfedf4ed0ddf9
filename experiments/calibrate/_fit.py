"""The fit: weighted least squares through the model, bounds by transformation, several starts,
Laplace standard errors and the identifiability of each parameter.

Parameters ``theta`` (``(D,)``, table units) live in their boxes ``[lo, hi]`` through
the logistic map of unbounded ``z``::

    theta = lo + (hi - lo) sigmoid(z),   d theta / d z = (hi - lo) s (1 - s),  s = sigmoid(z)

so the optimiser works on ``z`` without constraints. The residuals are
``r_i = (m_i(theta) - y_i) / sd_i`` (``sd_i = 1`` when the data give none) and
``chi2 = sum r_i^2``. ``levenberg_marquardt`` (:class:`optimistix.LevenbergMarquardt`)
minimises ``chi2`` with the Jacobian of ``r`` in reverse mode (``jac="bwd"``);
``bfgs`` (:class:`optimistix.BFGS`) minimises ``chi2 / 2`` with its reverse-mode
gradient. Each start is one compiled solve (the same program for every start and for
data of the same times); the best ``chi2`` wins.

Laplace approximation at the optimum: with ``J = d r / d theta`` (``(n, D)``), the
Gauss-Newton Hessian of ``chi2 / 2`` is ``H = J^T J`` and the covariance of the
estimate ``C = s2 H^-1`` with ``s2 = 1`` for given sd, else the residual variance
``chi2 / (n - D)``. ``J`` in ``theta`` is ``J_z / (d theta / d z)`` (the chain rule,
column by column). The inverse is taken on the box-scaled Hessian
``H~ = S H S``, ``S = diag(hi - lo)``, by its eigen-decomposition; a parameter with
weight in an eigen-direction of ``H~`` whose eigenvalue is below ``EIGEN_RTOL x`` the
largest (or zero) gets an infinite standard error.

Identifiability (docs/calibrate.md): a parameter is *not determined* by the data when
(a) its standard error exceeds the width of its box, (b) its correlation with another
fitted parameter exceeds ``CORRELATION_LIMIT`` in magnitude, or (c) it has weight
(``|v_k| > 0.1``) in a near-zero eigen-direction of ``H~`` (eigenvalue below
``EIGEN_RTOL x`` the largest, or below 1: a move by a whole box width along it changes
``chi2`` by less than 1). The best value is still reported, flagged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

__all__ = ["CORRELATION_LIMIT", "EIGEN_RTOL", "Fit", "Laplace", "fit", "laplace", "to_box", "from_box"]

CORRELATION_LIMIT = 0.95
EIGEN_RTOL = 1e-8
_EIGEN_WEIGHT = 0.1
_EDGE = 1e-3  # a fitted value within this fraction of its box of a bound is reported as at the bound


def to_box(z, lo, hi):
    """``theta = lo + (hi - lo) sigmoid(z)`` (elementwise, ``(D,)``)."""
    return lo + (hi - lo) * jax.nn.sigmoid(z)


def from_box(theta, lo, hi):
    """The inverse of :func:`to_box`: ``z = logit((theta - lo) / (hi - lo))``, clipped inside the box."""
    u = np.clip((np.asarray(theta, float) - lo) / (hi - lo), 1e-9, 1 - 1e-9)
    return np.log(u) - np.log1p(-u)


@dataclass
class Start:
    """One start: the point it began at and ended at (``theta``), its ``chi2``, steps and result."""

    theta0: np.ndarray
    theta: np.ndarray
    chi2: float
    steps: int
    result: str


@dataclass
class Fit:
    """The best of the starts: ``theta`` (``(D,)``), residuals ``r`` (``(n,)``), ``J = d r / d theta``
    (``(n, D)``), ``chi2``; ``starts`` every start; ``evaluations``: model evaluations with
    their derivative (one per optimiser step); ``time_s``: wall time of the solves
    (compilation included); ``at_bound``: ``(D,)`` booleans."""

    theta: np.ndarray
    r: np.ndarray
    J: np.ndarray
    chi2: float
    starts: list[Start]
    evaluations: int
    time_s: float
    at_bound: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


@dataclass
class Laplace:
    """Standard errors ``se`` (``(D,)``, table units, inf where undetermined), correlation
    ``corr`` (``(D, D)``, NaN where a standard error is infinite), the eigenvalues of the
    box-scaled Gauss-Newton Hessian ``eigenvalues`` (``(D,)``, ascending, in chi2 units per
    box width squared), the variance scale ``s2`` and per parameter the reasons it is not
    determined (empty: determined)."""

    se: np.ndarray
    corr: np.ndarray
    eigenvalues: np.ndarray
    s2: float
    reasons: list[list[str]]

    @property
    def determined(self) -> list[bool]:
        return [not r for r in self.reasons]


def _solver(method: str, tolerance: float):
    if method == "levenberg_marquardt":
        return optx.LevenbergMarquardt(rtol=tolerance, atol=tolerance)
    return optx.BFGS(rtol=tolerance, atol=tolerance)


def _compiled_solve(point, lo, hi, method: str, tolerance: float, max_steps: int):
    """``solve(z0, y, w) -> (z, residuals, d r / d z, steps, result)``, jit-compiled once."""
    lo, hi = jnp.asarray(lo), jnp.asarray(hi)

    def residuals(z, args):
        y, w = args
        return (point(to_box(z, lo, hi)) - y) * w

    jac_z = jax.jacrev(residuals)
    solver = _solver(method, tolerance)

    def solve(z0, y, w):
        if method == "levenberg_marquardt":
            sol = optx.least_squares(residuals, solver, z0, args=(y, w), options={"jac": "bwd"},
                                     max_steps=max_steps, throw=False)
            # the residuals and the Jacobian (materialised by jac="bwd") at the returned point
            r, J = sol.state.f_info.residual, sol.state.f_info.jac.as_matrix()
        else:
            sol = optx.minimise(lambda z, args: 0.5 * jnp.sum(residuals(z, args) ** 2), solver, z0, args=(y, w),
                                max_steps=max_steps, throw=False)
            r, J = residuals(sol.value, (y, w)), jac_z(sol.value, (y, w))
        return sol.value, r, J, sol.stats["num_steps"], sol.result._value

    return jax.jit(solve)


_RESULTS = {int(item._value): name for name, item in optx.RESULTS._name_to_item.items()}


def start_points(nominal, lo, hi, starts: int, seed: int) -> np.ndarray:
    """``(starts, D)``: the base values, then ``starts - 1`` points uniform in the middle 80 % of the box (seeded)."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(0.1, 0.9, size=(starts - 1, len(lo)))
    return np.vstack([np.asarray(nominal, float)[None], lo + (hi - lo) * u])


def fit(point, y, w, nominal, lo, hi, *, method: str = "levenberg_marquardt", tolerance: float = 1e-6,
        max_steps: int = 40, starts: int = 4, seed: int = 0, solve=None, say=None) -> Fit:
    """Fit ``point(theta)`` (traceable, ``(D,) -> (n,)``) to ``y`` with weights ``w = 1 / sd`` (module docstring).

    ``solve``: a compiled solve of :func:`_compiled_solve` for the same ``point``, box and
    options, to reuse (the tests fit several data sets with one compilation); ``say``: a
    callable receiving a line per start.
    """
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    solve = solve or _compiled_solve(point, lo, hi, method, tolerance, max_steps)
    t0 = time.perf_counter()
    runs, best = [], None
    for k, theta0 in enumerate(start_points(nominal, lo, hi, starts, seed)):
        z, r, J, steps, result = jax.block_until_ready(solve(jnp.asarray(from_box(theta0, lo, hi)), jnp.asarray(y), jnp.asarray(w)))
        z, r, J = np.asarray(z), np.asarray(r), np.asarray(J)
        theta = np.asarray(to_box(z, lo, hi))
        chi2 = float(np.sum(r**2)) if np.all(np.isfinite(r)) else float("inf")
        runs.append(Start(theta0, theta, chi2, int(steps), _RESULTS.get(int(result), str(int(result)))))
        if say is not None:
            say(f"start {k + 1}/{starts}: chi2 {chi2:.4g} after {int(steps)} steps ({runs[-1].result})")
        if best is None or chi2 < best[0] - 1e-9 * max(1.0, best[0]):  # a tie keeps the earlier start (the base first)
            s = np.asarray(jax.nn.sigmoid(z))
            best = (chi2, theta, r, J / ((hi - lo) * s * (1.0 - s))[None, :], s)
    chi2, theta, r, J, s = best
    return Fit(theta, r, J, chi2, runs, sum(s_.steps for s_ in runs), time.perf_counter() - t0,
               at_bound=(s < _EDGE) | (s > 1 - _EDGE))


def laplace(J: np.ndarray, chi2: float, width: np.ndarray, sd_given: bool, names, at_bound=None) -> Laplace:
    """Standard errors, correlations and identifiability from ``J = d r / d theta`` (module docstring).

    ``width``: ``(D,)`` box widths ``hi - lo``; ``names``: the parameters (for the reasons).
    """
    n, d = J.shape
    width = np.asarray(width, float)
    s2 = 1.0 if sd_given else (chi2 / (n - d) if n > d else float("nan"))
    H = (J * width[None, :]).T @ (J * width[None, :])  # box-scaled Gauss-Newton Hessian of chi2 / 2
    lam, V = np.linalg.eigh(H)
    top = max(float(lam[-1]), 0.0)
    flat = (lam <= EIGEN_RTOL * top) | (lam <= 0.0)
    Cs = (V[:, ~flat] / lam[~flat]) @ V[:, ~flat].T * s2  # covariance of theta / width
    in_flat = np.sqrt(np.sum(V[:, flat] ** 2, axis=1)) > 1e-6 if flat.any() else np.zeros(d, bool)
    se = np.where(in_flat, np.inf, np.sqrt(np.maximum(np.diag(Cs), 0.0)) * width)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_s = np.sqrt(np.maximum(np.diag(Cs), 0.0))
        corr = Cs / np.outer(sd_s, sd_s)
    corr[in_flat, :] = np.nan
    corr[:, in_flat] = np.nan
    np.fill_diagonal(corr, 1.0)
    reasons: list[list[str]] = [[] for _ in range(d)]
    weak = (lam < max(EIGEN_RTOL * top, 1.0 / max(s2, 1e-300))) | flat
    for k in range(d):
        if not np.isfinite(se[k]):
            reasons[k].append("the data do not change the model along it (zero Hessian eigenvalue)")
        elif se[k] > width[k]:
            reasons[k].append(f"standard error {se[k]:.3g} exceeds the width of its range {width[k]:.3g}")
        for j in range(d):
            if j != k and np.isfinite(corr[k, j]) and abs(corr[k, j]) > CORRELATION_LIMIT:
                reasons[k].append(f"correlation {corr[k, j]:+.3f} with {names[j]}")
        if np.isfinite(se[k]) and np.any(weak & (np.abs(V[k, :]) > _EIGEN_WEIGHT)):
            j = int(np.flatnonzero(weak & (np.abs(V[k, :]) > _EIGEN_WEIGHT))[0])
            reasons[k].append(f"weight {abs(V[k, j]):.2f} in a direction with Hessian eigenvalue {lam[j]:.3g} "
                              "(a whole-range move there changes chi2 by < 1)")
        if at_bound is not None and at_bound[k]:
            reasons[k].append("the best value is at a bound of its range")
    return Laplace(se, corr, lam, float(s2), reasons)
