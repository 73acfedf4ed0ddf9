"""The calibration pipeline: config + data -> fit -> profile, residuals, figure.

1. the data are read and checked (:func:`load_observations`; times inside the base run);
2. :class:`SeriesProblem` gives the model at the data points as a function of the
   fitted parameters; the fit (:func:`experiments.calibrate._fit.fit`) runs every start
   through one compiled optimiser;
3. Laplace standard errors, correlations and identifiability
   (:func:`experiments.calibrate._fit.laplace`);
4. the profile is written and loaded back as ``epiturn run`` loads it: the fitted and the
   base profile are run exactly (:func:`experiments.run_config`, the cached 90-day spin-up
   of every run) for the figure and the base model's residuals.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from experiments.config import load_run_config
from experiments.errors import InputError
from experiments._activity import reporting, say, step
from experiments._jaxconfig import configure_jax
from experiments._provenance import provenance_attrs
from experiments._run import run_config
from experiments.calibrate._config import CalibrationConfig, load_calibration_config
from experiments.calibrate._data import Observations, check_against_run, load_observations
from experiments.calibrate._fit import CORRELATION_LIMIT, EIGEN_RTOL, Fit, Laplace, fit, laplace
from experiments.calibrate._model import SeriesProblem
from experiments.calibrate._profile import fit_figure, fmt_value, profile_mapping, write_profile, write_residuals

__all__ = ["IDENTIFIABILITY_RULE", "CalibrationResult", "calibrate"]

IDENTIFIABILITY_RULE = (
    f"a parameter is not determined by the data when its Laplace standard error exceeds the width of its range, "
    f"or |correlation| > {CORRELATION_LIMIT:g} with another fitted parameter, or it has weight > 0.1 in an "
    f"eigen-direction of the range-scaled Gauss-Newton Hessian whose eigenvalue is below {EIGEN_RTOL:g} x the largest "
    f"or below 1 (a whole-range move there changes chi2 by less than 1)")


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns: the config, the data, the fit and its Laplace analysis,
    the model at the data points (``model``, ``model_base``: ``(n,)``), the profile mapping,
    its ``calibration`` block and the files written (``paths``: profile, residuals, figure)."""

    config: CalibrationConfig
    obs: Observations
    fit: Fit
    laplace: Laplace
    model: np.ndarray
    model_base: np.ndarray
    profile: dict
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.config.factors]

    @property
    def block(self) -> dict:
        return self.profile["calibration"]

    def summary_lines(self) -> list[str]:
        """The result for a terminal: a line per parameter, the fit, what is not determined."""
        lines = []
        for k, f in enumerate(self.config.factors):
            verdict = "determined" if not self.laplace.reasons[k] else "NOT DETERMINED: " + "; ".join(self.laplace.reasons[k])
            lines.append(f"{f.name} = {fmt_value(self.fit.theta[k], self.laplace.se[k])}{_units(f)} "
                         f"(base {f.nominal:.4g}, range {f.low:.4g}-{f.high:.4g}): {verdict}")
        fb = self.block["fit"]
        lines.append(f"chi2 {fb['chi2']:.4g} for {fb['dof']} degrees of freedom ({self.obs.size} points, "
                     f"{len(self.names)} parameters), chi2/dof {fb['reduced_chi2']:.3g}; base profile chi2 {fb['chi2_base']:.4g}")
        lines.append(f"{fb['evaluations']} model evaluations with gradients over {len(fb['starts'])} starts, {fb['time_s']:.0f} s")
        undetermined = self.block["identifiability"]["not_determined"]
        if undetermined:
            lines.append(f"not determined by these data: {', '.join(undetermined)}")
        return lines


def _units(f) -> str:
    """`` units`` of a factor for a line of text (nothing for a dimensionless one)."""
    return "" if f.units == "1" else f" {f.units}"


def _base_at_points(ds: xr.Dataset, obs: Observations) -> np.ndarray:
    """The run ``ds`` at the data points, interpolated linearly between its save points."""
    t = ds.time.values
    return np.asarray([np.interp(ti, t, ds[v].values) for ti, v in zip(obs.time_days, obs.variable)], float)


def _profile_text_source(f, value: float, se: float, determined: bool, data_name: str, created: str, old: str) -> str:
    flag = "" if determined else "; NOT DETERMINED by the data (docs/calibrate.md)"
    return (f"calibration: fitted to {data_name} by epiturn calibrate ({created[:10]}): {fmt_value(value, se)}{_units(f)} "
            f"(Laplace SE){flag}; base value {f.nominal:g} ({old})")


def _block(cfg: CalibrationConfig, obs: Observations, best: Fit, lap: Laplace, model_base: np.ndarray,
           created: dict, files: dict[str, str]) -> dict:
    n, d = obs.size, len(cfg.factors)
    dof = n - d
    w = obs.weights()
    chi2_base = float(np.sum(((model_base - obs.value) * w) ** 2))
    p_value = None
    if obs.sd is not None and dof > 0:
        from scipy.stats import chi2 as chi2_dist

        p_value = float(chi2_dist.sf(best.chi2, dof))
    names = [f.name for f in cfg.factors]
    return {
        "method": cfg.method,
        "parameters": {
            f.name: {"value": best.theta[k], "standard_error": lap.se[k], "base_value": f.nominal, "units": f.units,
                     "low": f.low, "high": f.high, "range_kind": f.range_kind, "determined": not lap.reasons[k],
                     "reasons": lap.reasons[k]}
            for k, f in enumerate(cfg.factors)},
        "correlation": {"parameters": names, "matrix": [[None if not math.isfinite(c) else float(c) for c in row]
                                                         for row in lap.corr]},
        "hessian_eigenvalues": list(lap.eigenvalues),
        "fit": {
            "chi2": best.chi2, "dof": dof, "reduced_chi2": best.chi2 / dof if dof > 0 else None, "p_value": p_value,
            "chi2_base": chi2_base, "variance_scale": lap.s2,
            "weights": "1/sd from the data" if obs.sd is not None else "none (no sd in the data): standard errors scaled by chi2/dof",
            "residual_rms": float(np.sqrt(np.mean(best.r**2))), "residual_max_abs": float(np.max(np.abs(best.r))),
            "evaluations": best.evaluations, "time_s": best.time_s,
            "starts": [{"start": s.theta0, "value": s.theta, "chi2": s.chi2, "steps": s.steps, "result": s.result}
                       for s in best.starts],
            "max_steps": cfg.max_steps, "tolerance": cfg.tolerance, "seed": cfg.seed,
            "spin_up_stage_days": cfg.spin_up_stage_days,
        },
        "identifiability": {"rule": IDENTIFIABILITY_RULE,
                            "not_determined": [nm for nm, r in zip(names, lap.reasons) if r]},
        "data": {"file": str(obs.path), "sha256": obs.sha256, "points": n, "variables": list(obs.variables),
                 "sd_given": obs.sd is not None},
        "files": files,
        "provenance": {
            "calibration_name": cfg.name, "config_file": str(cfg.file) if cfg.file else None,
            "config_hash": created["config_hash"], "base_run_hash": cfg.base.hash,
            "config": json.loads(created["config_json"]),
            "epiturn_version": created["epiturn_version"], "git_commit": created["git_commit"],
            "library_versions": json.loads(created["library_versions"]), "created_utc": created["created_utc"],
        },
    }


def calibrate(config: Any, data: str | Path, output: str | Path | None = None, *, parameters: list | None = None,
              figure: bool = True, problem: SeriesProblem | None = None, solve=None, progress=None) -> CalibrationResult:
    """Fit the skin parameters of ``config`` to the time courses in ``data`` (docs/calibrate.md).

    ``config``: a calibration file, a run config (path or mapping) or a
    :class:`CalibrationConfig`; ``parameters`` replace its parameters. ``output``: the
    profile YAML to write (with ``<stem>_residuals.csv`` and, with ``figure``, ``<stem>.png``
    beside it); None writes nothing. ``problem``, ``solve``: a :class:`SeriesProblem` and
    its compiled solve to reuse (same config and data times). ``progress``: as
    :func:`experiments.run`. Raises :class:`experiments.ConfigError` /
    :class:`experiments.errors.InputError` (one line) for a bad config or data file.
    """
    configure_jax()
    cfg = config if isinstance(config, CalibrationConfig) else load_calibration_config(config, parameters=parameters)
    obs = load_observations(data)
    check_against_run(obs, cfg.base.duration_days, cfg.base.grid.lateral == "column")
    if obs.size < len(cfg.factors) + (0 if obs.sd is not None else 1):
        raise InputError(f"data {obs.path}: {obs.size} points cannot determine {len(cfg.factors)} parameters; "
                         f"allowed: at least {len(cfg.factors) + (0 if obs.sd is not None else 1)} points")
    output = Path(output) if output is not None else None
    with reporting(progress):
        if problem is None:
            with step("preparing the base run", "prepared the base run"):
                problem = SeriesProblem(cfg.base, cfg.factors, obs, cfg.spin_up_stage_days)
        lo = np.asarray([f.low for f in cfg.factors])
        hi = np.asarray([f.high for f in cfg.factors])
        nominal = np.asarray([f.nominal for f in cfg.factors])
        with step(f"fitting {', '.join(f.name for f in cfg.factors)} to {obs.size} points ({cfg.starts} starts)", "fitted"):
            best = fit(problem.point, obs.value, obs.weights(), nominal, lo, hi, method=cfg.method,
                       tolerance=cfg.tolerance, max_steps=cfg.max_steps, starts=cfg.starts, seed=cfg.seed, solve=solve,
                       say=say)
        if not math.isfinite(best.chi2):
            raise InputError(f"data {obs.path}: the model gave non-finite values at every start; allowed: a narrower "
                             "parameter range ({min, max}) or another base run")
        lap = laplace(best.J, best.chi2, hi - lo, obs.sd is not None, [f.name for f in cfg.factors], best.at_bound)
        created = provenance_attrs(cfg)
        model = obs.value + best.r / obs.weights()
        files = {}
        if output is not None:
            files = {"residuals": output.with_name(output.stem + "_residuals.csv").name}
            if figure:
                files["figure"] = output.with_suffix(".png").name
        fitted = {f.name: float(best.theta[k]) for k, f in enumerate(cfg.factors)}
        sources = {f.name: _profile_text_source(f, best.theta[k], lap.se[k], not lap.reasons[k], obs.path.name,
                                                created["created_utc"], cfg.base.skin_sources[f.name])
                   for k, f in enumerate(cfg.factors)}
        name = output.stem if output is not None else f"{cfg.base.skin_name}_calibrated"
        description = (f"{cfg.base.skin_description or cfg.base.skin_name} Calibrated by epiturn calibrate: "
                       f"{', '.join(fitted)} fitted to {obs.path.name}.")
        with step("running the base profile", "ran the base profile"):
            base_ds = run_config(cfg.base)
        model_base = _base_at_points(base_ds, obs)
        block = _block(cfg, obs, best, lap, model_base, created, files)
        profile = profile_mapping(cfg.base, name, description, fitted, sources, block)
        result = CalibrationResult(cfg, obs, best, lap, model, model_base, profile)
        if output is not None:
            result.paths["profile"] = write_profile(profile, output)
            result.paths["residuals"] = write_residuals(output.with_name(files["residuals"]), obs, model, model_base, best.r)
            if figure:
                with step("running the fitted profile", "ran the fitted profile"):
                    # the written file, loaded as `epiturn run` loads a profile
                    fitted_ds = run_config(load_run_config({**cfg.base.to_dict(), "skin": str(output.resolve())}))
                chi2 = block["fit"]["chi2"]
                title = (f"{cfg.name}: {', '.join(f'{k} {fmt_value(v, lap.se[i])}' for i, (k, v) in enumerate(fitted.items()))}"
                         f"\nchi2 {chi2:.3g} / {block['fit']['dof']} dof")
                result.paths["figure"] = fit_figure(output.with_name(files["figure"]), obs, fitted_ds, base_ds, title)
    return result
