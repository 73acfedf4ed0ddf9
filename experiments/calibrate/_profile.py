"""What a calibration writes: the new skin profile (YAML), its residuals (CSV) and its figure (PNG).

The profile has the format of ``configs/skin/*.yaml`` (``name``, ``site``,
``description``, ``parameters: {name: {value, source}}``, every parameter of
``models.SKIN_PARAMETERS``), so ``epiturn run`` loads it as any profile; the fitted values
carry a source saying how they were fitted. Its ``calibration:`` mapping is the record
of the fit (the profile loader accepts and ignores it, :class:`experiments.config.SkinProfile`):
the fitted values with their Laplace standard errors, the correlation matrix, the
Hessian eigenvalues, chi2 and the degrees of freedom, the starts, the identifiability
verdicts and the provenance (config and data hashes, version, git commit).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from experiments._outputs import OUTPUTS

__all__ = ["fit_figure", "fmt_value", "profile_mapping", "write_profile", "write_residuals"]


def _plain(v: Any) -> Any:
    """``v`` as YAML-safe Python data (NumPy scalars and arrays to floats and lists)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return v


def profile_mapping(base, name: str, description: str, fitted: dict[str, float], sources: dict[str, str],
                    block: dict) -> dict:
    """The profile: every parameter of ``base`` (a :class:`ResolvedRunConfig`), ``fitted`` replacing
    the fitted ones (with ``sources``), and the ``calibration`` block."""
    params = {}
    for key, value in base.skin.items():
        if key in fitted:
            params[key] = {"value": float(fitted[key]), "source": sources[key]}
        else:
            params[key] = {"value": float(value), "source": base.skin_sources[key]}
    out = {"name": name}
    if base.skin_site is not None:
        out["site"] = base.skin_site
    out["description"] = description
    out["parameters"] = params
    out["calibration"] = _plain(block)
    return out


def write_profile(mapping: dict, path: Path) -> Path:
    """Write the profile YAML (a header comment, then the mapping in its order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (f"# Skin profile '{mapping['name']}', written by epiturn calibrate. Units are in the parameter names;\n"
            "# see docs/model.md. The calibration: block is the record of the fit (docs/calibrate.md).\n")
    path.write_text(head + yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return path


def write_residuals(path: Path, obs, model: np.ndarray, model_base: np.ndarray, residuals: np.ndarray) -> Path:
    """The per-point table: ``time_days, variable, units, value, sd, model, model_base, residual``.

    ``residual`` is the weighted ``(model - value) / sd`` (``sd = 1`` without sds);
    ``model_base`` the base profile's value at the point.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["time_days", "variable", "units", "value", "sd", "model", "model_base", "residual"])
        for k in range(obs.size):
            sd = "" if obs.sd is None else f"{obs.sd[k]:.10g}"
            w.writerow([f"{obs.time_days[k]:.10g}", obs.variable[k], OUTPUTS[obs.variable[k]].units,
                        f"{obs.value[k]:.10g}", sd, f"{model[k]:.10g}", f"{model_base[k]:.10g}", f"{residuals[k]:.6g}"])
    return path


def fit_figure(path: Path, obs, fitted_ds, base_ds, title: str) -> Path:
    """Write ``path`` (PNG): per measured output, the data (error bars: sd) against the fitted
    and the base profile's runs (``fitted_ds``, ``base_ds``: datasets of ``experiments.run``)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    names = list(obs.variables)
    fig = Figure(figsize=(6.0, 3.2 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        sel = np.asarray([v == name for v in obs.variable])
        t_fit, t_base = fitted_ds.time.values, base_ds.time.values
        ax.plot(t_base, base_ds[name].values, color="0.55", lw=1.2, ls="--", label="base profile")
        ax.plot(t_fit, fitted_ds[name].values, color="tab:blue", lw=1.6, label="fitted profile")
        yerr = None if obs.sd is None else obs.sd[sel]
        ax.errorbar(obs.time_days[sel], obs.value[sel], yerr=yerr, fmt="o", color="k", ms=4, capsize=3, label="data")
        ax.set_xlabel("time since the start of the run (d)")
        ax.set_ylabel(f"{name} ({OUTPUTS[name].units})")
        ax.set_title(OUTPUTS[name].long_name, fontsize=9)
        ax.legend(fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def fmt_value(value: float, se: float) -> str:
    """``value +- se`` with the precision the standard error supports (``1.71 +- 0.12``; ``inf`` shown)."""
    if not math.isfinite(se) or se <= 0:
        return f"{value:.4g} +- {'inf' if not math.isfinite(se) else '0'}"
    digits = max(0, 1 - int(math.floor(math.log10(se)))) if se < 10 else 0
    return f"{value:.{digits}f} +- {se:.{digits}f}"
