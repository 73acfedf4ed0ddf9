"""Parameter tables: the names, units, allowed ranges and meaning of every input.

The tables are the single source of truth that ``experiments`` validates configs
against and that ``docs/model.md`` lists. Values live in ``configs/skin/*.yaml`` (one
file per profile, each value with its source); this module holds no values and reads
no files. Names carry their units (``_um``, ``_days``, ``_hours``, ``_kpa`` ...); the
model converts to internal units (µm, hours) in :func:`models.skin.make_params`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    units: str
    low: float
    high: float
    description: str
    low_inclusive: bool = True

    def check(self, value) -> str | None:
        """Return a one-line problem description, or None when ``value`` is allowed."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return f"{self.name}={value!r} is not a number ({self.units}); allowed {self.allowed()}"
        if v != v or v in (float("inf"), float("-inf")):
            return f"{self.name}={value!r} is not finite; allowed {self.allowed()}"
        below = v < self.low if self.low_inclusive else v <= self.low
        if below or v > self.high:
            return f"{self.name}={value!r} is outside the allowed range {self.allowed()}"
        return None

    def allowed(self) -> str:
        lo = "[" if self.low_inclusive else "("
        return f"{lo}{self.low:g}, {self.high:g}] {self.units}"


def _table(*specs: ParameterSpec) -> dict[str, ParameterSpec]:
    return {s.name: s for s in specs}


P = ParameterSpec

SKIN_PARAMETERS: dict[str, ParameterSpec] = _table(
    # --- viable epidermis (VE) renewal
    P("ve_transit_days", "d", 3, 60, "mean transit basal layer -> SC through the maturation chain (tau_VE)", False),
    P("basal_flux_layers_per_day", "layers/d", 0.05, 5, "homeostatic corneocyte flux into the SC (= basal proliferation P0)", False),
    P("ve_thickness_um", "um", 10, 200, "homeostatic viable-epidermis thickness", False),
    P("feedback_hill", "1", 0.5, 10, "Hill exponent of the homeostatic proliferation feedback F(M)", False),
    P("growth_factor_gain", "1", 0, 20, "a_g: relative proliferation gain per unit growth factor g"),
    P("ve_lateral_diffusivity_um2_per_day", "um2/d", 0, 1e4, "lateral spreading of keratinocytes"),
    # --- stratum corneum (SC) cohorts
    P("sc_layer_thickness_um", "um", 0.2, 5, "thickness of one corneocyte layer (in vivo, hydrated)", False),
    P("cohesion_loss_per_day", "1/d", 0, 5, "corneodesmosome degradation rate in the deep SC"),
    P("cohesion_surface_boost", "1", 0, 100, "relative increase of the degradation rate at the surface"),
    P("cohesion_surface_depth_layers", "layers", 0.1, 50, "e-folding depth (layers from the surface) of the surface boost", False),
    P("cohesion_critical", "1", 0.001, 1, "cohesion below which a surface cohort desquamates", False),
    P("cohesion_threshold_width", "1", 1e-4, 0.5, "width of the smooth desquamation threshold", False),
    P("desquamation_rate_per_day", "1/d", 0.1, 1000, "detachment rate of a fully exposed cohort below the critical cohesion", False),
    P("exposure_depth_layers", "layers", 0.05, 5, "e-folding depth of the exposure of a cohort to detachment", False),
    P("heterogeneity_cv", "1", 0, 1, "coefficient of variation of the cohesion-loss rate across the surface"),
    P("heterogeneity_length_um", "um", 1, 2000, "correlation length of that heterogeneity", False),
    # --- barrier lipids, water loss
    P("lipid_at_birth", "1", 0, 1, "barrier-lipid content of a newly formed cohort"),
    P("lipid_processing_per_day", "1/d", 0, 10, "lipid loss rate of the outer cohorts (processing, desquamation zone)"),
    P("lipid_processing_depth_layers", "layers", 0.1, 50, "e-folding depth of lipid processing from the surface", False),
    P("layer_resistance_s_per_m", "s/m", 1, 1e5, "water-diffusion resistance of one layer at lipid content 0.5", False),
    P("lipid_resistance_exponent", "1", 0, 20, "beta in r(lambda) = r_half exp(beta (lambda - 1/2))"),
    P("ve_resistance_s_per_m", "s/m", 1, 1e5, "resistance of viable epidermis + boundary layer (SC fully removed)", False),
    P("water_vapour_drop_g_per_m3", "g/m3", 1, 100, "water-vapour concentration drop skin -> ambient driving TEWL", False),
    # --- lamellar bodies (LB)
    P("lb_secretion_per_hour", "1/h", 0, 100, "k_LB: maximal secretion rate of the LB store"),
    P("lb_refill_hours", "h", 0.5, 500, "time constant of LB store refill", False),
    P("lb_secretion_exponent", "1", 0.5, 8, "p in s = k_LB B (1 - Ca_top/Ca_top*)_+^p", False),
    P("lb_lipid_yield", "1", 0, 100, "lipid content delivered to the receiving cohorts per unit store secreted"),
    P("lb_deposit_age_hours", "h", 1, 500, "e-folding age of the cohorts that receive secreted lipid", False),
    # --- calcium
    P("calcium_diffusivity_um2_per_s", "um2/s", 0.01, 1000, "Ca2+ diffusivity in the VE", False),
    P("calcium_retention_per_hour", "1/h", 0, 1000, "active retention (uptake) rate toward the retention ceiling"),
    P("calcium_basal", "1", 0, 10, "Ca at the basal membrane (dermal level), normalised"),
    P("calcium_ceiling", "1", 0.1, 10, "retention ceiling in the upper VE, normalised", False),
    P("calcium_washout_um_per_hour_per_tewl", "um/h per g m-2 h-1", 0, 1000, "top-face washout velocity per unit TEWL"),
    P("calcium_set_point", "1", 0.01, 10, "Ca_top*: lamellar-body secretion switches on when Ca under the SC falls below it", False),
    # --- alarm cytokine (IL-1alpha-like)
    P("cytokine_diffusivity_um2_per_s", "um2/s", 0.01, 1000, "cytokine diffusivity in the VE", False),
    P("cytokine_decay_per_hour", "1/h", 0, 100, "cytokine degradation rate in the VE"),
    P("cytokine_clearance_um_per_hour", "um/h", 0, 1e5, "Robin clearance velocity into the dermis at the basal membrane"),
    P("cytokine_store_release_per_hour", "1/h", 0, 1e4, "release rate constant of the pre-formed store when fully triggered"),
    P("cytokine_store_refill_hours", "h", 0.5, 1000, "refill time constant of the pre-formed store", False),
    P("cytokine_barrier_threshold", "1", 1, 20, "TEWL / baseline above which barrier loss triggers release", False),
    P("cytokine_barrier_width", "1", 0.01, 10, "width of that smooth trigger", False),
    P("cytokine_basal_release_per_hour", "1/h", 0, 10, "constitutive release (sets the homeostatic cytokine level)"),
    # --- dermis
    P("fibroblast_half_activation", "1", 1e-4, 100, "basal cytokine giving half-maximal fibroblast activation", False),
    P("fibroblast_hours", "h", 1, 2000, "fibroblast activation time constant", False),
    P("growth_factor_hours", "h", 1, 2000, "growth-factor (KGF-like) decay time", False),
    P("erythema_half_activation", "1", 1e-4, 100, "basal cytokine giving half-maximal erythema", False),
    P("erythema_hours", "h", 0.1, 500, "erythema (vasodilation) time constant", False),
    # --- topography
    P("remodelling_um2_per_day", "um2/d", 0, 1e6, "diffusivity of the dermal surface per unit fibroblast activation above baseline"),
    P("relapse_days", "d", 1, 3650, "relaxation time of the dermal surface back toward its template", False),
    P("line_depth_um", "um", 0, 500, "depth of the template fine lines"),
    P("line_width_um", "um", 1, 2000, "half-width (Gaussian sigma) of a template fine line", False),
    P("line_spacing_um", "um", 50, 20000, "spacing of the template fine lines", False),
    P("roughness_rq_um", "um", 0, 100, "rms of the random dermal roughness of the template"),
    P("roughness_length_um", "um", 1, 5000, "correlation length of that roughness", False),
)
