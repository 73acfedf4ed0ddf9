"""The pipeline: design -> batched evaluation -> indices -> dataset, figure, NetCDF.

:func:`global_sensitivity` is the generic part (any batched function of the factors:
the model, or a test function with known indices such as Ishigami's);
:func:`sensitivity` applies it to a sensitivity file's base run
(:class:`experiments.sensitivity._model.ModelProblem`) and labels the result.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import xarray as xr

from experiments.config import load_run_config
from experiments.errors import SimulationError
from experiments._activity import reporting, say, step
from experiments._homeostasis import MAX_DRIFT
from experiments._jaxconfig import configure_jax
from experiments.sensitivity._analysis import Indices, analyse
from experiments.sensitivity._batching import in_batches
from experiments.sensitivity._config import SensitivityConfig, load_sensitivity_config
from experiments.sensitivity._dataset import indices_dataset
from experiments.sensitivity._figure import indices_figure
from experiments.sensitivity._model import ModelProblem
from experiments.sensitivity._outcomes import ROUGHNESS_OUTCOMES
from experiments.sensitivity._sampling import saltelli_sample

__all__ = ["GRADIENT_BATCH", "batched", "global_sensitivity", "sensitivity"]

GRADIENT_BATCH = 2
"""Points per batch of the reverse-mode gradients: each holds the whole record of its spin-up and
run in memory (~1.5 GB per point on a single column at dt = 1 h), so few go at once."""


def batched(fn: Callable, batch_size: int, what: str = "points") -> Callable[[np.ndarray], np.ndarray]:
    """``rows -> fn(rows)`` evaluated ``batch_size`` rows at a time (``fn``: a jitted, vmapped function)."""
    return lambda rows: np.asarray(in_batches(fn, rows, batch_size, what), float)


def global_sensitivity(evaluate: Callable[[np.ndarray], np.ndarray], names: Sequence[str],
                       bounds: Sequence[tuple[float, float]], outcomes: Sequence[str], n: int, seed: int = 0, *,
                       gradient: Callable[[np.ndarray], np.ndarray] | None = None, gradient_points: int = 0,
                       resamples: int = 200, confidence: float = 0.95) -> tuple[Indices, np.ndarray, np.ndarray]:
    """Sobol' (and derivative-based) indices of ``evaluate`` over the box ``bounds``.

    ``evaluate``: rows ``(m, D)`` -> outcomes ``(m, n_outcomes)`` (or ``(m,)``);
    ``gradient``: rows -> ``(m, n_outcomes, D)``, taken at the first ``gradient_points``
    base points ``A_j`` of the design. Returns ``(indices, design, outputs)``.
    """
    design = saltelli_sample(names, bounds, n, seed)
    y = np.asarray(evaluate(design), float)
    grads = None
    if gradient is not None and gradient_points > 0:
        a_rows = design[:: len(names) + 2][:gradient_points]
        grads = np.asarray(gradient(a_rows), float)
        if grads.ndim == 2:
            grads = grads[:, None, :]
    ix = analyse(y, names, bounds, outcomes, n, grads=grads, resamples=resamples, confidence=confidence, seed=seed)
    return ix, design, y


def _check_finite(y: np.ndarray, design: np.ndarray, names, outcomes) -> None:
    bad = np.argwhere(~np.isfinite(y))
    if bad.size:
        row, k = bad[0]
        point = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, design[row]))
        raise SimulationError(f"the run at {point} produced a non-finite {outcomes[k]} "
                              f"({len(np.unique(bad[:, 0]))} of {y.shape[0]} runs non-finite); try a smaller grid.dt_hours")


def _gradient_problem(cfg: SensitivityConfig) -> tuple[ModelProblem | None, list[int]]:
    """The problem the gradients are taken on (the base, or its single column) and its outcome indices."""
    if cfg.gradient_points == 0:
        return None, []
    base = cfg.base
    if cfg.gradient_grid == "column" and base.grid.lateral != "column":
        base = load_run_config(base.to_dict(), ["grid.lateral=column"])
    keep = [k for k, o in enumerate(cfg.outcomes) if not (base.grid.lateral == "column" and o in ROUGHNESS_OUTCOMES)]
    if not keep:
        return None, []
    return ModelProblem.shared(base, cfg.factors, [cfg.outcomes[k] for k in keep], cfg.spin_up_stage_days), keep


def sensitivity(config: Any, output: str | Path | None = None, *, figure: str | Path | None = None,
                progress: Any = None) -> xr.Dataset:
    """Global sensitivity of a course's outcomes to skin parameters and session settings.

    ``config``: a sensitivity file, a sweep file or a run config (a path or a mapping; see
    :mod:`experiments.sensitivity._config`), or a loaded :class:`SensitivityConfig`.
    Runs the Saltelli design (``N (D + 2)`` runs, a spin-up per distinct skin vector) in
    vmapped batches, the gradients at ``gradient_points`` base points, and returns the
    indices as a dataset (:mod:`experiments.sensitivity._dataset`). ``output``: NetCDF
    file to write; ``figure``: PNG to write. ``progress``: as :func:`experiments.run`.
    Raises :class:`experiments.ConfigError` on a bad file, :class:`experiments.SimulationError`
    when a run is non-finite.
    """
    configure_jax()
    cfg = config if isinstance(config, SensitivityConfig) else load_sensitivity_config(config)
    names = [f.name for f in cfg.factors]
    bounds = [(f.low, f.high) for f in cfg.factors]
    start = time.perf_counter()
    with reporting(progress):
        say(f"sensitivity {cfg.name}: {len(names)} factors, N = {cfg.samples}: {cfg.model_runs} model runs"
            f" + gradients at {cfg.gradient_points} points")
        problem = ModelProblem.shared(cfg.base, cfg.factors, cfg.outcomes, cfg.spin_up_stage_days)
        counts: dict = {}

        def evaluate(rows):
            with step(f"running the design ({rows.shape[0]} runs)", "ran the design"):
                y, c = problem.evaluate(rows, cfg.batch_size)
            counts.update(c)
            return y

        grad_problem, keep = _gradient_problem(cfg)
        times = {}

        def gradient(rows):
            t0 = time.perf_counter()
            full = np.full((rows.shape[0], len(cfg.outcomes), len(names)), np.nan)
            with step(f"gradients at {rows.shape[0]} points ({grad_problem.grid.lateral.kind} grid)", "took the gradients"):
                full[:, keep, :] = grad_problem.gradients(rows, min(cfg.batch_size, GRADIENT_BATCH))
            times["gradients_s"] = time.perf_counter() - t0
            return full

        t0 = time.perf_counter()
        design = saltelli_sample(names, bounds, cfg.samples, cfg.seed)
        y = evaluate(design)
        times["evaluate_s"] = time.perf_counter() - t0
        _check_finite(y, design, names, cfg.outcomes)
        if counts.get("drift_max", 0.0) > MAX_DRIFT:
            warnings.warn(f"spin_up_stage_days = {cfg.spin_up_stage_days:g}: a spin-up drifted by "
                          f"{counts['drift_max']:.3g} (> {MAX_DRIFT:g}); raise spin_up_stage_days", RuntimeWarning, stacklevel=2)
        ix, _, _ = global_sensitivity(lambda rows: y, names, bounds, cfg.outcomes, cfg.samples, cfg.seed,
                                      gradient=gradient if grad_problem is not None else None,
                                      gradient_points=cfg.gradient_points, resamples=cfg.bootstrap,
                                      confidence=cfg.confidence)
        times["total_s"] = time.perf_counter() - start
        times.setdefault("gradients_s", 0.0)
        ds = indices_dataset(ix, cfg, counts, {f"time_{k}": v for k, v in times.items()})
        if output is not None:
            from experiments.storage import write_netcdf

            say(f"writing {output}")
            write_netcdf(ds, output)
        if figure is not None:
            indices_figure(ds, Path(figure))
    return ds
