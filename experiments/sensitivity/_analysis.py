r"""The indices: Sobol' first-order and total (SALib), derivative-based, uncertainty bands.

* **Sobol' indices** of outcome ``Y`` and factor ``X_i`` (SALib ``analyze.sobol`` with
  ``calc_second_order=False``, Saltelli 2010 / Jansen estimators):
  ``S1_i = V[E(Y | X_i)] / V(Y)``, ``ST_i = E[V(Y | X_~i)] / V(Y)``; the confidence
  interval half-widths ``S1_conf``, ``ST_conf`` are ``z_{(1+c)/2}`` times the standard
  deviation of the estimates over ``resamples`` bootstrap resamples of the base points
  (SALib's convention: ``estimate +- conf`` is the ``c`` interval).
* **Derivative-based indices** (DGSM, Sobol' & Kucherenko 2009) from autodiff gradients
  at ``M`` of the base points: ``nu_i = E[(dY/dX_i)^2]`` and the normalised
  ``dgsm_i = nu_i (b_i - a_i)^2 / (pi^2 V(Y))``, which bounds the total index of a
  uniform factor on ``[a_i, b_i]`` from above (``ST_i <= dgsm_i``); its interval is
  bootstrapped over the ``M`` points the same way.
* **Uncertainty bands**: mean, standard deviation and quantiles of ``Y`` over the ``2N``
  independent points of the design (``A`` and ``B``): the outcome's spread when every
  factor ranges over its range.

An outcome with zero (or non-finite) variance over the design has NaN indices.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.stats import norm

from experiments.sensitivity._sampling import _salib, base_rows, problem

__all__ = ["QUANTILES", "Indices", "analyse"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Indices:
    """The result of :func:`analyse`; index arrays are ``(n_outcomes, n_factors)``, bands ``(n_outcomes, ...)``."""

    outcomes: tuple[str, ...]
    factors: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    dgsm: np.ndarray
    dgsm_conf: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    quantiles: np.ndarray  # (n_outcomes, len(QUANTILES))
    n: int
    gradient_points: int
    resamples: int
    confidence: float


def _sobol(prob: dict, y: np.ndarray, resamples: int, confidence: float, seed: int):
    sobol = _salib("analyze")
    d = prob["num_vars"]
    base = y[base_rows(y.size, d)]
    if not np.all(np.isfinite(y)) or not np.var(base) > 0:
        nan = np.full(d, np.nan)
        return nan, nan, nan, nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(prob, y, calc_second_order=False, num_resamples=int(resamples),
                            conf_level=float(confidence), seed=int(seed))
    return (np.asarray(res["S1"], float), np.asarray(res["S1_conf"], float),
            np.asarray(res["ST"], float), np.asarray(res["ST_conf"], float))


def _dgsm(grads: np.ndarray, widths: np.ndarray, variance: float, resamples: int, confidence: float, seed: int):
    """``(dgsm, conf)`` of one outcome from gradients ``(M, D)``."""
    d = grads.shape[1]
    if grads.shape[0] == 0 or not np.all(np.isfinite(grads)) or not variance > 0:
        return np.full(d, np.nan), np.full(d, np.nan)
    scale = widths**2 / (np.pi**2 * variance)
    sq = grads**2
    est = sq.mean(axis=0) * scale
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, sq.shape[0], size=(int(resamples), sq.shape[0]))
    boot = sq[idx].mean(axis=1) * scale
    return est, norm.ppf(0.5 + confidence / 2) * boot.std(axis=0, ddof=1)


def analyse(y: np.ndarray, factors: Sequence[str], bounds: Sequence[tuple[float, float]], outcomes: Sequence[str],
            n: int, *, grads: np.ndarray | None = None, resamples: int = 200, confidence: float = 0.95,
            seed: int = 0) -> Indices:
    """The indices of outcomes ``y`` (``(n (D + 2), n_outcomes)``, on the Saltelli design of
    :func:`experiments.sensitivity.saltelli_sample`) for ``factors`` with ``bounds``.

    ``grads``: ``(M, n_outcomes, D)`` gradients of the outcomes at ``M`` points (factor
    units), or None (no derivative-based indices: NaN). ``resamples``, ``confidence``:
    the bootstrap. ``seed``: of the bootstrap resampling.
    """
    y = np.asarray(y, float)
    if y.ndim == 1:
        y = y[:, None]
    d = len(factors)
    if y.shape[0] != n * (d + 2):
        raise ValueError(f"{y.shape[0]} outputs for a Saltelli design of {n} x ({d} + 2) points")
    prob = problem(factors, bounds)
    widths = np.asarray([hi - lo for lo, hi in bounds], float)
    base = y[base_rows(y.shape[0], d)]
    out = {k: np.full((y.shape[1], d), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf", "dgsm", "dgsm_conf")}
    for k in range(y.shape[1]):
        out["S1"][k], out["S1_conf"][k], out["ST"][k], out["ST_conf"][k] = _sobol(prob, y[:, k], resamples, confidence, seed)
        if grads is not None:
            out["dgsm"][k], out["dgsm_conf"][k] = _dgsm(np.asarray(grads, float)[:, k, :], widths,
                                                        float(np.var(base[:, k], ddof=1)), resamples, confidence, seed)
    return Indices(tuple(outcomes), tuple(factors), **out, mean=base.mean(axis=0), sd=base.std(axis=0, ddof=1),
                   quantiles=np.quantile(base, QUANTILES, axis=0).T, n=int(n),
                   gradient_points=0 if grads is None else int(np.asarray(grads).shape[0]),
                   resamples=int(resamples), confidence=float(confidence))
