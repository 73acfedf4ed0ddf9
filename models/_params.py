"""Skin parameters in internal units, built from the parameter table.

Every field of :class:`SkinParams` is named by its entry of
:data:`models.SKIN_PARAMETERS`: the table name itself where the table's units are the
internal ones (hours, µm), else :attr:`models.ParameterSpec.internal_name` (the unit
suffix replaced: ``ve_transit_days`` -> ``ve_transit_hours``). :func:`make_params`
converts each value with the entry's ``to_internal`` factor (one multiplication) and adds
the seeded lateral fields and the homeostatic references.

64-bit floats are required (see docs/numerics.md): :func:`make_params` raises when
``jax_enable_x64`` is off instead of computing in float32.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from models import _topography as topography
from models._grid import ModelGrid
from models._tables import SKIN_MECHANICS_PARAMETERS, SKIN_PARAMETERS

HETEROGENEITY_KEYS = ("heterogeneity_cv", "heterogeneity_length_um")
TOPOGRAPHY_KEYS = ("line_depth_um", "line_width_um", "line_spacing_um", "roughness_rq_um", "roughness_length_um")
# table entries that are scalar fields of SkinParams: all but the seeded-field inputs and the
# skin mechanics (those go to models.DeviceParams)
SCALAR_KEYS = tuple(k for k in SKIN_PARAMETERS
                    if k not in SKIN_MECHANICS_PARAMETERS and k not in HETEROGENEITY_KEYS + TOPOGRAPHY_KEYS)


class SkinParams(eqx.Module):
    """Skin parameters in internal units (h, µm) plus seeded lateral fields.

    Every field is a traced array (scalars ``()`` unless stated), so one compilation
    serves all parameter values. The scalar fields are the entries of
    :data:`models.SKIN_PARAMETERS` in internal units, named as the module docstring says;
    their meaning and range are in that table and docs/model.md.
    """

    ve_transit_hours: jax.Array
    basal_flux_layers_per_hour: jax.Array
    ve_thickness_um: jax.Array
    feedback_hill: jax.Array
    growth_factor_gain: jax.Array
    ve_lateral_diffusivity_um2_per_hour: jax.Array
    mitogen_barrier_gain: jax.Array
    mitogen_cytokine_gain: jax.Array
    mitogen_wound_gain: jax.Array
    mitogen_hours: jax.Array
    differentiation_hours: jax.Array
    transit_speedup_gain: jax.Array
    sc_layer_thickness_um: jax.Array
    cohesion_loss_per_hour: jax.Array
    cohesion_surface_boost: jax.Array
    cohesion_surface_depth_layers: jax.Array
    cohesion_critical: jax.Array
    cohesion_threshold_width: jax.Array
    desquamation_rate_per_hour: jax.Array
    exposure_depth_layers: jax.Array
    lipid_at_birth: jax.Array
    lipid_processing_per_hour: jax.Array
    lipid_processing_depth_layers: jax.Array
    layer_resistance_s_per_m: jax.Array
    lipid_resistance_exponent: jax.Array
    ve_resistance_s_per_m: jax.Array
    water_vapour_drop_g_per_m3: jax.Array
    lb_secretion_per_hour: jax.Array
    lb_refill_hours: jax.Array
    lb_secretion_exponent: jax.Array
    lb_lipid_yield: jax.Array
    lb_deposit_age_hours: jax.Array
    calcium_diffusivity_um2_per_hour: jax.Array
    calcium_retention_per_hour: jax.Array
    calcium_basal: jax.Array
    calcium_ceiling: jax.Array
    calcium_washout_um_per_hour_per_tewl: jax.Array
    calcium_set_point_fraction: jax.Array
    cytokine_diffusivity_um2_per_hour: jax.Array
    cytokine_decay_per_hour: jax.Array
    cytokine_clearance_um_per_hour: jax.Array
    cytokine_store_release_per_hour: jax.Array
    cytokine_store_refill_hours: jax.Array
    cytokine_barrier_threshold: jax.Array
    cytokine_barrier_width: jax.Array
    cytokine_basal_release_per_hour: jax.Array
    fibroblast_half_activation: jax.Array
    fibroblast_hours: jax.Array
    growth_factor_hours: jax.Array
    erythema_half_activation: jax.Array
    erythema_hours: jax.Array
    remodelling_um2_per_hour: jax.Array
    remodelling_threshold: jax.Array
    relapse_hours: jax.Array
    # seeded lateral fields, shape L
    cohesion_heterogeneity: jax.Array  # multiplier of the cohesion-loss rate (mean 1)
    dermis_template_um: jax.Array  # template dermal surface (µm, zero mean)
    fine_line_weights: jax.Array  # weights of the fine-line depth readout (sum 0)
    # homeostatic references, scalars or shape L (set by the spin-up, models.spin_up)
    tewl_reference: jax.Array  # TEWL of the untreated steady state (g m^-2 h^-1)
    calcium_top_reference: jax.Array  # Ca under the SC at the steady state (normalised)
    cytokine_basal_reference: jax.Array  # basal cytokine at the steady state (normalised)
    # 1 during the spin-up: the secretion set point follows the current Ca_top (the tonic
    # homeostatic secretion, whatever the reference), 0 in every run
    reference_tracking: jax.Array


assert tuple(SKIN_PARAMETERS[k].internal_name for k in SCALAR_KEYS) == tuple(SkinParams.__dataclass_fields__)[:len(SCALAR_KEYS)]


def require_x64() -> None:
    """Raise when 64-bit floats are off (the model is not meant to run in float32)."""
    if not jax.config.jax_enable_x64:
        raise RuntimeError("epiturn needs 64-bit floats: call jax.config.update('jax_enable_x64', True) "
                           "at the start of the process, before building parameters")


def make_params(values: dict, grid: ModelGrid, seed: int = 0) -> SkinParams:
    """Build :class:`SkinParams` from a validated ``{table name: value}`` mapping.

    Each scalar field is ``float(value) * spec.to_internal`` of its table entry. ``seed``
    fixes the lateral heterogeneity and the template roughness. The homeostatic
    references (``tewl_reference``...) start as placeholders; :func:`models.spin_up`
    sets them. Raises ``RuntimeError`` when 64-bit floats are off.
    """
    require_x64()
    missing = set(SKIN_PARAMETERS) - set(values)
    if missing:
        raise KeyError(f"missing skin parameters: {sorted(missing)}")
    fields = {SKIN_PARAMETERS[k].internal_name: jnp.asarray(float(values[k]) * SKIN_PARAMETERS[k].to_internal)
              for k in SCALAR_KEYS}
    lat = grid.lateral
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 20261125]))
    cv = float(values["heterogeneity_cv"])
    sigma = math.sqrt(math.log1p(cv**2))
    z = topography.correlated_field(lat, float(values["heterogeneity_length_um"]), rng)
    eta = np.exp(sigma * z - 0.5 * sigma**2) if lat.ndim else np.ones(())
    template = topography.template_surface(lat, rng=rng, **{k: float(values[k]) for k in TOPOGRAPHY_KEYS})
    weights = topography.fine_line_weights(lat, float(values["line_width_um"]), float(values["line_spacing_um"]))
    return SkinParams(
        **fields,
        cohesion_heterogeneity=jnp.asarray(eta),
        dermis_template_um=jnp.asarray(template),
        fine_line_weights=jnp.asarray(weights),
        tewl_reference=jnp.asarray(10.0),
        calcium_top_reference=jnp.asarray(1.0),
        cytokine_basal_reference=jnp.asarray(0.0),
        reference_tracking=jnp.asarray(0.0),
    )
