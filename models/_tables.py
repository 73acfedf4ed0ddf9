"""Parameter tables: the names, units, allowed ranges and meaning of every input.

The tables are the single source of truth that ``experiments`` validates configs
against and that ``docs/model.md`` lists. Values live in ``configs/skin/*.yaml`` (one
file per profile, each value with its source); the skin tables hold no values and this
module reads no files. :data:`SKIN_MECHANICS_PARAMETERS` (part of ``SKIN_PARAMETERS``)
are the skin's properties under the hand-piece; :data:`DEVICE_CONSTANTS` are the fixed
constants of the device laws (with values and sources, see ``docs/device.md``);
:data:`SESSION_SETTINGS` the settings of a session.

Names carry their units (``_um``, ``_days``, ``_hours``, ``_kpa`` ...). The model works
in internal units (hours, µm): an entry whose units differ carries ``internal_units``
and the factor ``to_internal`` (internal value = table value x ``to_internal``, one
multiplication), and its parameter field is named by :attr:`ParameterSpec.internal_name`:
the table name with its unit suffix replaced by the internal one (``ve_transit_days`` ->
``ve_transit_hours``), so no field name states a unit it is not in. ``make_params`` and
``make_device_params`` build their fields from these tables with no other map.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3600.0

# unit suffix of a table name -> that of the internal field (the table units -> internal units)
_SUFFIXES = {"d": ("_days", "_hours"), "1/d": ("_per_day", "_per_hour"), "layers/d": ("_per_day", "_per_hour"),
             "um2/d": ("_per_day", "_per_hour"), "um2/s": ("_per_s", "_per_hour"), "mm": ("_mm", "_um")}
_INTERNAL_UNITS = {"d": "h", "1/d": "1/h", "layers/d": "layers/h", "um2/d": "um2/h", "um2/s": "um2/h", "mm": "um"}


def _internal_name(name: str, units: str, to_internal: float) -> str:
    if to_internal == 1.0:
        return name
    old, new = _SUFFIXES[units]
    if not name.endswith(old):
        raise ValueError(f"{name!r} ({units}) does not end in {old!r}: cannot name its internal field")
    return name[: -len(old)] + new


class _InternalUnits:
    """``internal_units`` and ``internal_name`` of a table row with ``name``, ``units``, ``to_internal``."""

    @property
    def internal_units(self) -> str:
        return _INTERNAL_UNITS[self.units] if self.to_internal != 1.0 else self.units

    @property
    def internal_name(self) -> str:
        """The name of the field in internal units (see the module docstring)."""
        return _internal_name(self.name, self.units, self.to_internal)


@dataclass(frozen=True)
class Spread:
    """The uncertainty range of an input: what a global sensitivity analysis samples it over.

    Either absolute bounds ``low``..``high`` (in the input's table units; a literature
    spread, ``kind = "literature"``, whose ``source`` cites where the docs cite it) or,
    with ``low``/``high`` None, ``value x (1 -+ relative)`` around the calibrated value of
    the profile (``kind = "assumption"``). :meth:`bounds` clips either to the allowed range
    of the input (``allowed_low``/``allowed_high``). Unlike the allowed range, a spread is
    where the input plausibly lies, not where the model is defined.
    """

    kind: str = "assumption"  # "literature" | "assumption"
    source: str = "assumption: +-50 % of the calibrated value"
    low: float | None = None
    high: float | None = None
    relative: float = 0.5

    def bounds(self, value: float | None, allowed_low: float, allowed_high: float,
               low_inclusive: bool = True) -> tuple[float, float]:
        """``(low, high)`` in table units around ``value`` (the calibrated value; unused when absolute)."""
        if self.low is not None and self.high is not None:
            lo, hi = float(self.low), float(self.high)
        else:
            if value is None:
                raise ValueError("a relative spread needs the calibrated value")
            v = float(value)
            lo, hi = sorted((v * (1.0 - self.relative), v * (1.0 + self.relative)))
        floor = allowed_low if low_inclusive else allowed_low + 1e-9 * max(abs(allowed_low), 1.0)
        return max(lo, floor), min(hi, allowed_high)


ASSUMED_SPREAD = Spread()
"""The spread of every skin parameter without a literature spread: +-50 % of the calibrated value."""


def _literature(low: float, high: float, source: str) -> Spread:
    return Spread("literature", source, low, high)


@dataclass(frozen=True)
class ParameterSpec(_InternalUnits):
    """One skin parameter: name (with its unit), allowed range, meaning, internal units.

    ``to_internal``: the factor from ``units`` to ``internal_units`` (1 when they agree).
    ``spread``: its uncertainty range for sensitivity analysis (:class:`Spread`; default
    :data:`ASSUMED_SPREAD`, +-50 % of the profile's calibrated value).
    """

    name: str
    units: str
    low: float
    high: float
    description: str
    low_inclusive: bool = True
    to_internal: float = 1.0
    spread: Spread = ASSUMED_SPREAD

    def spread_bounds(self, value: float | None) -> tuple[float, float]:
        """The sampled range ``(low, high)`` (table units) of this parameter around ``value``."""
        return self.spread.bounds(value, self.low, self.high, self.low_inclusive)

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


def P(name, units, low, high, description, low_inclusive=True, spread=ASSUMED_SPREAD):
    """A :class:`ParameterSpec`, its factor to internal units (hours, µm) read from ``units``."""
    factor = {"d": HOURS_PER_DAY, "1/d": 1 / HOURS_PER_DAY, "layers/d": 1 / HOURS_PER_DAY,
              "um2/d": 1 / HOURS_PER_DAY, "um2/s": SECONDS_PER_HOUR}.get(units, 1.0)
    return ParameterSpec(name, units, low, high, description, low_inclusive, factor, spread)

SKIN_PARAMETERS: dict[str, ParameterSpec] = _table(
    # --- viable epidermis (VE) renewal
    P("ve_transit_days", "d", 3, 60, "mean transit basal layer -> SC through the maturation chain (tau_VE)", False,
      spread=_literature(12, 15, "T4: basal -> SC 12-15 d, Rothberg et al. 1961 (14C-glycine), docs/model.md")),
    P("basal_flux_layers_per_day", "layers/d", 0.05, 5, "homeostatic corneocyte flux into the SC (= basal proliferation P0)", False),
    P("ve_thickness_um", "um", 10, 200, "homeostatic viable-epidermis thickness", False),
    P("feedback_hill", "1", 0.5, 10, "Hill exponent of the homeostatic proliferation feedback F(M)", False),
    P("growth_factor_gain", "1", 0, 20, "a_g: relative proliferation gain per unit growth factor g"),
    P("ve_lateral_diffusivity_um2_per_day", "um2/d", 0, 1e4, "lateral spreading of keratinocytes"),
    # --- the regenerative response (docs/model.md): epidermal signals -> proliferation, accelerated differentiation
    P("mitogen_barrier_gain", "1", 0, 100, "relative rise of basal proliferation per unit loss of the calcium gradient under the SC (barrier route)"),
    P("mitogen_cytokine_gain", "1", 0, 1e4, "relative rise of basal proliferation per unit basal alarm-cytokine excess (damage route)"),
    P("mitogen_wound_gain", "1", 0, 100, "relative rise of basal proliferation per homeostatic VE thickness of open wound (wound route)"),
    P("mitogen_hours", "h", 1, 500, "time constant of each of the two stages of the proliferative response (mitogen induction, basal-cell recruitment)", False),
    P("differentiation_hours", "h", 0.1, 500, "lag of accelerated differentiation behind the water-loss defect (induction of the cornification program)", False),
    P("transit_speedup_gain", "1", 0, 100, "accelerated differentiation: relative rise of the maturation-chain transit rate per unit loss of the calcium gradient"),
    # --- stratum corneum (SC) cohorts
    P("sc_layer_thickness_um", "um", 0.2, 5, "thickness of one corneocyte layer (in vivo, hydrated)", False),
    # > 0: without corneodesmosome degradation nothing desquamates, the SC grows without end and has no homeostasis
    P("cohesion_loss_per_day", "1/d", 0, 5, "corneodesmosome degradation rate in the deep SC", False),
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
    P("calcium_set_point_fraction", "1", 0.05, 1.5, "Ca_top* / homeostatic Ca_top: lamellar-body secretion switches on when Ca under the SC falls below this fraction of its homeostatic value", False),
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
    P("remodelling_threshold", "1", 0.001, 1, "fibroblast activation above which collagen remodelling moves the dermal surface", False),
    P("relapse_days", "d", 1, 3650, "relaxation time of the dermal surface back toward its template", False),
    P("line_depth_um", "um", 0, 500, "depth of the template fine lines"),
    P("line_width_um", "um", 1, 2000, "half-width (Gaussian sigma) of a template fine line", False),
    P("line_spacing_um", "um", 50, 20000, "spacing of the template fine lines", False),
    P("roughness_rq_um", "um", 0, 100, "rms of the random dermal roughness of the template"),
    P("roughness_length_um", "um", 1, 5000, "correlation length of that roughness", False),
)

# Skin mechanics under the hand-piece (read by the device laws, models.DeviceParams, not by SkinParams). They are
# skin properties, so every profile gives them (with a source), like the table above.
SKIN_MECHANICS_PARAMETERS: dict[str, ParameterSpec] = _table(
    P("skin_youngs_modulus_kpa", "kPa", 1, 5000, "E: Young's modulus of the skin under suction (aspirated half-space)", False,
      spread=_literature(41, 217, "T10: E = 129 +- 88 kPa (mean +- SD) by suction, Diridollou et al. 2000, Skin Res Technol 6:214")),
    P("capillary_fragility_kpa", "kPa", 1, 101.3, "hand-piece vacuum above which dermal capillaries rupture (petechiae)", False),
    P("sc_delamination_energy_j_per_m2", "J/m2", 0.01, 100, "G_c: energy to detach one corneocyte layer at full cohesion", False,
      spread=_literature(1, 8, "Wu, van Osdol, Dauskardt 2006, Biomaterials 27:785: delamination energy of human SC 1-8 J/m2")),
    P("ve_injury_cost_factor", "1", 1, 100, "removal energy per um of living epidermis / that of fully cohesive SC"),
    P("strain_release_threshold", "1", 0, 2, "tissue strain above which stretch releases the pre-formed alarm cytokine"),
)
SKIN_PARAMETERS.update(SKIN_MECHANICS_PARAMETERS)


@dataclass(frozen=True)
class DeviceConstant(_InternalUnits):
    """A fixed constant of the device laws (not a skin property, not hardware).

    ``to_internal``: factor from ``units`` to the internal units of the device laws (µm
    for lengths; 1 when they agree); :attr:`internal_name` names its field.
    """

    name: str
    value: float
    units: str
    description: str
    source: str
    to_internal: float = 1.0


def _constants(*items: DeviceConstant) -> dict[str, DeviceConstant]:
    return {c.name: c for c in items}


C = DeviceConstant

# Constants of the stimulus laws of the device (models._device). Unlike the skin table these carry their
# values here: they are physical constants, geometry conventions and the two calibrated
# efficiencies of the wear laws, the same for every profile and device. docs/device.md
# explains each one.
DEVICE_CONSTANTS: dict[str, DeviceConstant] = _constants(
    C("suction_wall_factor", 2.1, "1", "Phi in H = 3 dP a Phi / (2 pi E): wall factor of the aspirated half-space",
      "Theret et al. 1988, J Biomech Eng 110:190 (micropipette aspiration); Aoki et al. 1997, Ann Biomed Eng 25:581"),
    C("dome_cap_fraction", 1.0, "1", "dome height cap / aperture radius (the dome fills the tip's recess: hemisphere)",
      "geometry: a dome taller than the opening radius would be drawn into the hand-piece tube; tip recess ~ opening radius (assumption)"),
    C("suction_rise_s", 0.1, "s", "time constant of the skin's rise into the aperture (elastic part of the suction response)",
      "Cutometer convention: immediate (elastic) distension Ue read 0.1 s after suction onset"),
    C("poisson_ratio", 0.5, "1", "Poisson ratio of skin (E* = E / (1 - nu^2))", "soft tissue is nearly incompressible"),
    C("contact_window_um", 250.0, "um", "lambda_c: lateral scale over which the rigid abrasive face bridges the relief",
      "assumption: ~2.5 grit sizes; also the width of a fine line (4 sigma of a 60 um furrow)"),
    C("groove_opening_strain", 0.2, "1", "stretch at which grooves narrower than the aperture keep 1/e of their depth",
      "assumption: fine lines are anchored dermal furrows, not free folds; they fade but do not vanish under 10-30 % stretch"),
    C("cohesion_floor", 0.1, "1", "removal cost of a fully degraded cohort relative to a fully cohesive one",
      "assumption: corneocyte envelopes and lipids still resist when corneodesmosomes are gone"),
    C("diamond_efficiency", 0.0025, "1", "k_d: fraction of the frictional work grit x p x L that detaches corneocytes",
      "calibration: T11 (Gill et al. 2009) -- a typical 2-3 pass session removes part of the SC"),
    C("reference_grit_um", 100.0, "um", "grit size of grit factor 1 (grit factor = grit / reference)",
      "abrasive wear grows ~linearly with grit size below ~100 um (Misra & Finnie 1981, Wear 65:359)"),
    C("crystal_efficiency", 0.00059, "1", "k_c: fraction of the crystals' kinetic energy that detaches corneocytes",
      "calibration: a moderate crystal session removes as much as a moderate medium-diamond session (T11); "
      "set so the work per pass at the calibration point (30 kPa, 20 g/min, 20 L/min) is that of the earlier law"),
    C("air_density_kg_m3", 1.2, "kg/m3", "density of air at atmospheric pressure (the free-air state of the pump's air flow)",
      "physics (20 C, 1 atm)"),
    C("sound_speed_m_s", 343.0, "m/s", "cap of the nozzle air speed (choked flow)", "physics (20 C)"),
    C("atmospheric_pressure_kpa", 101.325, "kPa", "p_0: ambient pressure at the crystal inlet; the hand-piece is at p_0 - vacuum",
      "physics (1 atm)"),
    C("crystal_density_kg_m3", 3950.0, "kg/m3", "density of alpha-Al2O3 crystals", "materials data (corundum)"),
    C("drag_coefficient", 1.0, "1", "drag coefficient of an angular crystal at Re ~ 1e2-1e3", "fluid mechanics (irregular particles)"),
    C("acceleration_length_mm", 20.0, "mm", "path over which the air stream accelerates the crystals before the opening",
      "assumption: crystal inlet to tip opening in the hand-piece", 1000.0),
    C("strain_release_gain", 0.25, "1", "store fraction released per pass per unit relative strain energy above threshold",
      "assumption: a graded response over the working range: 2 passes release ~40 % of the store at 30 kPa, ~90 % at 50 kPa, none below ~20 kPa"),
    C("injury_release_um", 1.0, "um", "d_inj: living-cell injury that spills one store-equivalent of cytokine (and empties 1 - 1/e of the store)",
      "assumption: lysed keratinocytes release their whole pre-formed IL-1alpha pool at once, far more than stretch or barrier signals release (Wood et al. 1996)"),
    C("exposed_sc_layers", 0.5, "layers", "SC left below which a column counts as exposed (living epidermis bare)",
      "definition: less than half a corneocyte layer"),
    C("petechiae_width_fraction", 0.05, "1", "width of the smooth petechiae threshold / capillary-fragility vacuum",
      "numerical: smooth threshold"),
    C("envelope_softness_um", 0.5, "um", "tau of the soft (log-sum-exp) upper envelope of the surface", "numerical"),
)


@dataclass(frozen=True)
class SettingSpec:
    """One session setting of a device (a hand-piece setting), as a config gives it.

    ``low``/``high`` bound the value (``low_inclusive`` says whether ``low`` is allowed);
    ``integer`` settings take whole numbers; ``neutral`` is the inert value of an event row
    that is not a session (finite everywhere, no vacuum, no passes); ``default`` the value a
    config gets when it does not give one (None: decided by the device, see
    ``experiments.config``); ``choices`` lists the allowed words of a categorical setting.
    The ``units`` are CF/UDUNITS strings (``mm s-1``), ``long_name`` a plain-language name
    for axes, tables and coordinates.
    """

    name: str
    units: str
    long_name: str
    low: float | None = None
    high: float | None = None
    neutral: float | None = None
    default: float | str | None = None
    low_inclusive: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()
    device_kind: str | None = None  # "diamond" / "crystal": the setting applies to that kind only
    hand_mode: str | None = None  # "moving" / "stationary": the setting applies in that mode only
    # the sensitivity range (absolute, a :class:`Spread`); None: the device's hardware range
    # (vacuum, load, crystal and air flow: the device file bounds them)
    spread: Spread | None = None

    def bounds(self) -> dict[str, float | bool]:
        """The bounds as keyword arguments: ``gt``/``ge``, ``le`` and ``integer``."""
        if self.choices:
            return {}
        out: dict[str, float | bool] = {("ge" if self.low_inclusive else "gt"): self.low, "le": self.high}
        if self.integer:
            out["integer"] = True
        return out

    def allowed(self) -> str:
        if self.choices:
            return " or ".join(repr(c) for c in self.choices)
        lo = "[" if self.low_inclusive else "("
        return f"{lo}{self.low:g}, {self.high:g}] {self.units}".rstrip()


S = SettingSpec

# The session settings: the one table that the config schema (experiments.config), the
# device's per-event arrays (models.SessionSettings), the sweep's axis coordinates
# and the compare table read. ``mode`` is categorical; the model carries it as the number
# ``stationary`` (1 = stationary, dwell_s used; 0 = moving, speed_mm_s used).
SESSION_SETTINGS: dict[str, SettingSpec] = {s.name: s for s in (
    S("vacuum_kpa", "kPa", "vacuum", 0, 101.3, neutral=0.0, default=30.0),
    S("passes", "1", "passes per session", 1, 100, neutral=0.0, default=2, low_inclusive=True, integer=True,
      spread=Spread("assumption", "assumption: the dial levels of configs/devices span 1-6 passes", 1, 6)),
    S("speed_mm_s", "mm s-1", "hand-piece speed", 0, 1000, neutral=20.0, default=20.0, hand_mode="moving",
      spread=Spread("assumption", "assumption: a hand stroke of 10-40 mm/s around the 20 mm/s of the example courses", 10, 40)),
    S("load_n", "N", "hand load", 0, 100, neutral=0.0, default=None, low_inclusive=True, device_kind="diamond"),
    S("crystal_flow_g_min", "g min-1", "crystal flow", 0, 1000, neutral=0.0, default=None, device_kind="crystal"),
    S("air_flow_l_min", "L min-1", "air flow", 0, 1000, neutral=0.0, default=None, device_kind="crystal"),
    S("mode", "1", "hand-piece mode", neutral=0.0, default="moving", choices=("moving", "stationary")),
    S("dwell_s", "s", "dwell time", 0, 3600, neutral=1.0, default=10.0, hand_mode="stationary",
      spread=Spread("assumption", "assumption: 5-30 s under the opening around the 10 s default", 5, 30)),
    S("treated_area_cm2", "cm2", "treated area", 0, 20000, default=50.0,
      spread=Spread("assumption", "assumption: 25-100 cm2 around the 50 cm2 default (a face)", 25, 100)),
)}
