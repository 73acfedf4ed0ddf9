"""The indices as a labelled, CF-annotated dataset (written as NetCDF by the command).

Dimensions ``outcome`` and ``parameter`` (text coordinates), ``quantile``. Variables:
``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``dgsm``, ``dgsm_conf`` on (``outcome``,
``parameter``), dimensionless; per outcome ``O`` its uncertainty band ``O_band`` (on
``quantile``), ``O_mean`` and ``O_sd`` in the outcome's units. Attributes: the design
(``samples``, ``model_runs``, ``spin_ups``, ``gradient_points``, the bootstrap), the
timings, the factors with their ranges (``factors_json``), the sensitivity file
(``sensitivity_config``) and the provenance of the base run
(:func:`experiments._provenance.provenance_attrs`) with the CF global attributes.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from experiments._outputs import OUTPUTS
from experiments._provenance import cf_global_attrs, provenance_attrs
from experiments.sensitivity._analysis import QUANTILES, Indices
from experiments.sensitivity._space import factors_json

__all__ = ["indices_dataset"]

_INDEX_NAMES = {
    "S1": "first-order Sobol index",
    "ST": "total Sobol index",
    "dgsm": "derivative-based index nu (b - a)^2 / (pi^2 V): upper bound of the total index",
}


def indices_dataset(ix: Indices, config, counts: dict, timings: dict) -> xr.Dataset:
    """The dataset of :func:`experiments.sensitivity.sensitivity` (see the module docstring).

    ``config``: the :class:`SensitivityConfig`; ``counts``: ``runs``, ``spin_ups``,
    ``drift_max``; ``timings``: seconds per stage (``evaluate_s``, ``gradients_s``, ``total_s``).
    """
    pct = f"{100 * ix.confidence:g} %"
    coords = {
        "outcome": ("outcome", np.asarray(ix.outcomes, dtype=object), {"long_name": "outcome of the course"}),
        "parameter": ("parameter", np.asarray(ix.factors, dtype=object), {"long_name": "varied input (skin parameter or session setting)"}),
        "quantile": ("quantile", np.asarray(QUANTILES, float), {"units": "1", "long_name": "quantile over the factor ranges"}),
        "parameter_units": ("parameter", np.asarray([f.units for f in config.factors], dtype=object),
                            {"long_name": "units of the input"}),
        "parameter_range_kind": ("parameter", np.asarray([f.range_kind for f in config.factors], dtype=object),
                                 {"long_name": "where the range comes from (literature, assumption, hardware, config)"}),
    }
    data = {}
    for key, long_name in _INDEX_NAMES.items():
        data[key] = (("outcome", "parameter"), getattr(ix, key), {"units": "1", "long_name": long_name})
        data[f"{key}_conf"] = (("outcome", "parameter"), getattr(ix, f"{key}_conf"),
                               {"units": "1", "long_name": f"half-width of the {pct} bootstrap interval of the {long_name}"})
    for k, name in enumerate(ix.outcomes):
        out = OUTPUTS[name]
        data[f"{name}_band"] = (("quantile",), ix.quantiles[k],
                                {"units": out.units, "long_name": f"{out.long_name}: quantiles over the factor ranges"})
        data[f"{name}_mean"] = ((), ix.mean[k], {"units": out.units, "long_name": f"{out.long_name}: mean over the factor ranges"})
        data[f"{name}_sd"] = ((), ix.sd[k], {"units": out.units,
                                             "long_name": f"{out.long_name}: standard deviation over the factor ranges"})
    ds = xr.Dataset(data, coords=coords)
    made = provenance_attrs(config.base)
    title = (f"epiturn sensitivity: {config.base.skin_name} skin, {config.base.device.name}, "
             f"{len(config.factors)} factors, N = {ix.n}")
    ds.attrs.update({**cf_global_attrs(title, "experiments.sensitivity", made["created_utc"]), **made})
    ds.attrs.update({
        "sensitivity_name": config.name,
        "sensitivity_config": config.to_json(),
        "sensitivity_hash": config.hash,
        "factors_json": factors_json(config.factors),
        "samples": int(ix.n),
        "model_runs": int(counts["runs"]),
        "spin_ups": int(counts["spin_ups"]),
        "spin_up_drift_max": float(counts["drift_max"]),
        "gradient_points": int(ix.gradient_points),
        "gradient_grid": config.gradient_grid,
        "bootstrap_resamples": int(ix.resamples),
        "confidence_level": float(ix.confidence),
        "seed": int(config.seed),
        "sampler": "Saltelli (SALib sample.sobol, scrambled Sobol' sequence, no second-order terms)",
        **{k: float(v) for k, v in timings.items()},
    })
    return ds
