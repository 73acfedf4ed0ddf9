r"""The epidermis: viable-epidermis renewal, signals, dermis, SC cohorts, barrier.

Internal units: time in hours, lengths in µm, SC and VE amounts in corneocyte-layer
equivalents per column, TEWL in g m^-2 h^-1, cytokine/calcium/stores normalised.
All equations are listed, with sources, in docs/model.md; this module is their code.

Shapes: ``L = lateral.shape`` (``()`` for a column), ``K`` maturation stages, ``Z``
VE depth cells (normalised depth ``xi = z / H_VE``, basal membrane at ``xi = 0``),
``A`` SC age bins of width ``bin_width_h``.

One step (Lie splitting, each sub-step exact or backward Euler, so every sub-step is
unconditionally stable and positivity preserving):

1. events at the step start (tape strip; device sessions in :mod:`models.device`);
2. barrier: ``R = R_VE + sum_i n_i r(lambda_i)``, ``TEWL = 3600 dC / R``;
3. cytokine store: ``dS/dt = -k_rel T S + (1 - S)/tau_S`` solved exactly, the
   released amount enters ``c`` in the upper VE;
4. ``c`` and ``Ca``: backward-Euler reaction-diffusion in depth x lateral
   (:func:`sim.diffusion.implicit_diffusion_step`), Robin clearance of ``c`` at the
   basal membrane, Dirichlet ``Ca`` there; calcium washout through the top face by
   the water flux, exact;
5. lamellar bodies: ``dB/dt = -k_LB D(Ca_top) B + (1 - B)/tau_B`` exact; the secreted
   lipid saturates the youngest cohorts;
6. SC cohort kinetics, exact per step: cohesion ``kappa_i *= exp(-k_i dt)``, lipid
   processing, desquamation ``n_i *= exp(-d_i dt)``;
7. VE maturation chain with constant proliferation over the step, solved exactly
   (Erlang kernels); the outflow is born into SC bin 0; lateral spreading by
   backward Euler;
8. dermis ``f, g, e`` exact linear relaxations; topography ``b`` backward Euler;
9. age-bin shift when the step ends on a bin boundary (exact characteristics).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from sim.diffusion import (
    BoundaryCondition, depth_diffusion_step, implicit_diffusion_step, lateral_diffusion_step,
)
from sim.driver import make_sparse_cond
from sim.grids import DepthGrid, LateralGrid
from models import topography
from models.parameters import SKIN_MECHANICS_PARAMETERS, SKIN_PARAMETERS

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
UPPER_VE_FRACTION = 0.3  # cytokine store: upper third of the VE (spinous/granular)


# --------------------------------------------------------------------------- grid

@dataclass(frozen=True)
class ModelGrid:
    """Static discretisation of one skin model (hashable: a jit static argument)."""

    lateral: LateralGrid = LateralGrid()
    nz: int = 12
    n_stages: int = 8
    bin_width_h: float = 24.0
    n_bins: int = 40

    @property
    def depth(self) -> DepthGrid:
        return DepthGrid(self.nz, 1.0)  # normalised depth, physical H_VE is a parameter

    @property
    def bin_age_mid_h(self) -> np.ndarray:
        return (np.arange(self.n_bins) + 0.5) * self.bin_width_h


# --------------------------------------------------------------------------- params

class SkinParams(eqx.Module):
    """Skin parameters in internal units (h, µm) plus seeded lateral fields.

    Every field is a traced array, so one compilation serves all parameter values.
    """

    tau_ve_h: jax.Array
    basal_flux_per_h: jax.Array
    ve_thickness_um: jax.Array
    feedback_hill: jax.Array
    growth_factor_gain: jax.Array
    ve_lateral_diff_um2_h: jax.Array
    sc_layer_um: jax.Array
    cohesion_loss_per_h: jax.Array
    cohesion_surface_boost: jax.Array
    cohesion_surface_depth: jax.Array
    cohesion_critical: jax.Array
    cohesion_width: jax.Array
    desquamation_per_h: jax.Array
    exposure_depth: jax.Array
    lipid_birth: jax.Array
    lipid_processing_per_h: jax.Array
    lipid_processing_depth: jax.Array
    layer_resistance: jax.Array
    lipid_exponent: jax.Array
    ve_resistance: jax.Array
    vapour_drop: jax.Array
    lb_secretion_per_h: jax.Array
    lb_refill_h: jax.Array
    lb_exponent: jax.Array
    lb_yield: jax.Array
    lb_deposit_age_h: jax.Array
    ca_diff_um2_h: jax.Array
    ca_retention_per_h: jax.Array
    ca_basal: jax.Array
    ca_ceiling: jax.Array
    ca_washout: jax.Array
    ca_set_point_fraction: jax.Array
    c_diff_um2_h: jax.Array
    c_decay_per_h: jax.Array
    c_clearance_um_h: jax.Array
    store_release_per_h: jax.Array
    store_refill_h: jax.Array
    barrier_threshold: jax.Array
    barrier_width: jax.Array
    c_basal_release_per_h: jax.Array
    fibroblast_K: jax.Array
    fibroblast_h: jax.Array
    growth_factor_h: jax.Array
    erythema_K: jax.Array
    erythema_h: jax.Array
    remodelling_um2_h: jax.Array
    relapse_h: jax.Array
    # seeded lateral fields (shape L)
    cohesion_heterogeneity: jax.Array
    dermis_template_um: jax.Array
    fine_line_weights: jax.Array
    # references of the homeostatic state (set by spin-up)
    tewl_ref: jax.Array
    ca_top_ref: jax.Array
    c_basal_ref: jax.Array
    # 1 during the spin-up: the secretion set point follows the current Ca_top (the tonic
    # homeostatic secretion, whatever the reference), 0 in every run
    ca_ref_tracking: jax.Array


_CONVERSIONS = {
    # param-table name -> (SkinParams field, factor to internal units)
    "ve_transit_days": ("tau_ve_h", HOURS_PER_DAY),
    "basal_flux_layers_per_day": ("basal_flux_per_h", 1 / HOURS_PER_DAY),
    "ve_thickness_um": ("ve_thickness_um", 1.0),
    "feedback_hill": ("feedback_hill", 1.0),
    "growth_factor_gain": ("growth_factor_gain", 1.0),
    "ve_lateral_diffusivity_um2_per_day": ("ve_lateral_diff_um2_h", 1 / HOURS_PER_DAY),
    "sc_layer_thickness_um": ("sc_layer_um", 1.0),
    "cohesion_loss_per_day": ("cohesion_loss_per_h", 1 / HOURS_PER_DAY),
    "cohesion_surface_boost": ("cohesion_surface_boost", 1.0),
    "cohesion_surface_depth_layers": ("cohesion_surface_depth", 1.0),
    "cohesion_critical": ("cohesion_critical", 1.0),
    "cohesion_threshold_width": ("cohesion_width", 1.0),
    "desquamation_rate_per_day": ("desquamation_per_h", 1 / HOURS_PER_DAY),
    "exposure_depth_layers": ("exposure_depth", 1.0),
    "lipid_at_birth": ("lipid_birth", 1.0),
    "lipid_processing_per_day": ("lipid_processing_per_h", 1 / HOURS_PER_DAY),
    "lipid_processing_depth_layers": ("lipid_processing_depth", 1.0),
    "layer_resistance_s_per_m": ("layer_resistance", 1.0),
    "lipid_resistance_exponent": ("lipid_exponent", 1.0),
    "ve_resistance_s_per_m": ("ve_resistance", 1.0),
    "water_vapour_drop_g_per_m3": ("vapour_drop", 1.0),
    "lb_secretion_per_hour": ("lb_secretion_per_h", 1.0),
    "lb_refill_hours": ("lb_refill_h", 1.0),
    "lb_secretion_exponent": ("lb_exponent", 1.0),
    "lb_lipid_yield": ("lb_yield", 1.0),
    "lb_deposit_age_hours": ("lb_deposit_age_h", 1.0),
    "calcium_diffusivity_um2_per_s": ("ca_diff_um2_h", SECONDS_PER_HOUR),
    "calcium_retention_per_hour": ("ca_retention_per_h", 1.0),
    "calcium_basal": ("ca_basal", 1.0),
    "calcium_ceiling": ("ca_ceiling", 1.0),
    "calcium_washout_um_per_hour_per_tewl": ("ca_washout", 1.0),
    "calcium_set_point_fraction": ("ca_set_point_fraction", 1.0),
    "cytokine_diffusivity_um2_per_s": ("c_diff_um2_h", SECONDS_PER_HOUR),
    "cytokine_decay_per_hour": ("c_decay_per_h", 1.0),
    "cytokine_clearance_um_per_hour": ("c_clearance_um_h", 1.0),
    "cytokine_store_release_per_hour": ("store_release_per_h", 1.0),
    "cytokine_store_refill_hours": ("store_refill_h", 1.0),
    "cytokine_barrier_threshold": ("barrier_threshold", 1.0),
    "cytokine_barrier_width": ("barrier_width", 1.0),
    "cytokine_basal_release_per_hour": ("c_basal_release_per_h", 1.0),
    "fibroblast_half_activation": ("fibroblast_K", 1.0),
    "fibroblast_hours": ("fibroblast_h", 1.0),
    "growth_factor_hours": ("growth_factor_h", 1.0),
    "erythema_half_activation": ("erythema_K", 1.0),
    "erythema_hours": ("erythema_h", 1.0),
    "remodelling_um2_per_day": ("remodelling_um2_h", 1 / HOURS_PER_DAY),
    "relapse_days": ("relapse_h", HOURS_PER_DAY),
}
_TOPOGRAPHY_KEYS = ("line_depth_um", "line_width_um", "line_spacing_um", "roughness_rq_um", "roughness_length_um")
assert set(_CONVERSIONS) | set(_TOPOGRAPHY_KEYS) | {"heterogeneity_cv", "heterogeneity_length_um"} == set(SKIN_PARAMETERS) - set(SKIN_MECHANICS_PARAMETERS)


def make_params(values: dict, grid: ModelGrid, seed: int = 0) -> SkinParams:
    """Build :class:`SkinParams` from a validated ``{table name: value}`` mapping.

    ``seed`` fixes the lateral heterogeneity and the template roughness. The homeostatic
    references (``tewl_ref``...) start as placeholders; :func:`models.spinup.spin_up`
    sets them.
    """
    missing = set(SKIN_PARAMETERS) - set(values)
    if missing:
        raise KeyError(f"missing skin parameters: {sorted(missing)}")
    fields = {field: jnp.asarray(float(values[name]) * factor) for name, (field, factor) in _CONVERSIONS.items()}
    lat = grid.lateral
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 20261125]))
    cv = float(values["heterogeneity_cv"])
    sigma = math.sqrt(math.log1p(cv**2))
    z = topography.correlated_field(lat, float(values["heterogeneity_length_um"]), rng)
    eta = np.exp(sigma * z - 0.5 * sigma**2) if lat.ndim else np.ones(())
    template = topography.template_surface(lat, rng=rng, **{k: float(values[k]) for k in _TOPOGRAPHY_KEYS})
    weights = topography.fine_line_weights(lat, float(values["line_width_um"]), float(values["line_spacing_um"]))
    return SkinParams(
        **fields,
        cohesion_heterogeneity=jnp.asarray(eta),
        dermis_template_um=jnp.asarray(template),
        fine_line_weights=jnp.asarray(weights),
        tewl_ref=jnp.asarray(10.0),
        ca_top_ref=jnp.asarray(1.0),
        c_basal_ref=jnp.asarray(0.0),
        ca_ref_tracking=jnp.asarray(0.0),
    )


# --------------------------------------------------------------------------- state

class SkinState(eqx.Module):
    """Per-column state. Shapes: ``L + (K,)``, ``L + (Z,)``, ``L + (A,)`` or ``L``."""

    m: jax.Array  # VE maturation stages (layer equivalents)
    c: jax.Array  # alarm cytokine in depth
    ca: jax.Array  # calcium in depth
    store: jax.Array  # pre-formed cytokine store, 0..1
    f: jax.Array  # fibroblast activation above baseline, 0..1
    g: jax.Array  # growth factor
    e: jax.Array  # erythema index above baseline, 0..1
    lb: jax.Array  # lamellar-body store, 0..1
    n: jax.Array  # SC cohort layers
    kappa: jax.Array  # SC cohort cohesion
    lam: jax.Array  # SC cohort lipid content
    b: jax.Array  # dermal surface (µm)
    wound_um: jax.Array  # depth of living epidermis lost and not yet replaced (µm)
    produced: jax.Array  # cumulative VE production (layers)
    desquamated: jax.Array  # cumulative desquamation (layers)
    removed: jax.Array  # cumulative removal by strips/abrasion (SC layers + VE layer eq.)


def initial_state(params: SkinParams, grid: ModelGrid) -> SkinState:
    """A rough start for spin-up: VE at its set point, an SC of young cohorts."""
    L = grid.lateral.shape
    K, Z, A = grid.n_stages, grid.nz, grid.n_bins
    m_star = params.basal_flux_per_h * params.tau_ve_h
    flux_bin = params.basal_flux_per_h * grid.bin_width_h
    ages = jnp.asarray(grid.bin_age_mid_h)
    n = jnp.where(ages < 10 * HOURS_PER_DAY, flux_bin, 0.0) * jnp.ones(L + (A,))
    ones = lambda extra=(): jnp.ones(L + extra)  # noqa: E731
    return SkinState(
        m=ones((K,)) * m_star / K,
        c=0.0 * ones((Z,)),
        ca=ones((Z,)) * params.ca_basal,
        store=ones(),
        f=0.0 * ones(),
        g=0.0 * ones(),
        e=0.0 * ones(),
        lb=ones(),
        n=n,
        kappa=ones((A,)),
        lam=ones((A,)) * params.lipid_birth,
        b=params.dermis_template_um * ones(),
        wound_um=0.0 * ones(),
        produced=0.0 * ones(),
        desquamated=0.0 * ones(),
        removed=0.0 * ones(),
    )


# --------------------------------------------------------------------------- pieces

def smooth_relu(x, width):
    """Smooth positive part ``width * softplus(x / width)`` (-> max(x, 0) as width -> 0)."""
    return width * jax.nn.softplus(x / width)


def layers_above(n):
    """Layers lying above (older than) each cohort: exclusive reverse cumulative sum.

    A work-efficient associative scan (log2 A levels): on the CPU it is ~3x faster than
    ``jnp.cumsum``, which XLA lowers to a quadratic reduce-window for short axes.
    """
    total = jax.lax.associative_scan(jnp.add, n, reverse=True, axis=n.ndim - 1)
    return total - n


def layer_resistance(params: SkinParams, lam):
    """Per-layer water resistance ``r(lambda) = r_half exp(beta (lambda - 1/2))`` (s/m)."""
    return params.layer_resistance * jnp.exp(params.lipid_exponent * (lam - 0.5))


def barrier_resistance(params: SkinParams, n, lam):
    """Total resistance per column (s/m): ``R_VE + sum_i n_i r(lambda_i)``."""
    return params.ve_resistance + jnp.sum(n * layer_resistance(params, lam), axis=-1)


def tewl_from_resistance(params: SkinParams, resistance):
    """Fick: TEWL (g m^-2 h^-1) = 3600 s/h x dC (g/m^3) / R (s/m)."""
    return SECONDS_PER_HOUR * params.vapour_drop / resistance


def calcium_top(params: SkinParams, ca, tewl, H, nz: int):
    """Calcium on the VE/SC face, ``Ca_top`` (normalised), shape ``ca.shape[:-1]``.

    The face value of the Robin washout condition, eliminated with the half-cell gradient
    exactly as the solver does (:func:`sim.diffusion._face_terms`): with conductance
    ``gamma = 2 D_z / h`` and washout coefficient ``beta = w TEWL / H`` (normalised depth,
    ``D_z = D / H^2``, ``h = 1 / nz``), ``Ca_top = gamma Ca_N / (gamma + beta)``. Second
    order in ``h``; the top cell-centre value ``Ca_N`` (half a cell below the face) is
    only first order, which made the secretion drive depend on ``nz``.
    """
    gamma = 2.0 * params.ca_diff_um2_h / H**2 * nz
    beta = params.ca_washout * tewl / H
    return gamma * ca[..., -1] / (gamma + beta)


def proliferation(params: SkinParams, M, g):
    """Basal proliferation ``P = P_0 max(1 + G g, 0) 2 / (1 + (M / M*)^h)`` (layers/h), ``M* = P_0 tau_VE``.

    ``M``: VE content per column (layer equivalents), ``g``: growth factor; shape ``L``.
    """
    M_star = params.basal_flux_per_h * params.tau_ve_h
    feedback = 2.0 / (1.0 + (M / M_star) ** params.feedback_hill)
    return params.basal_flux_per_h * jnp.maximum(1.0 + params.growth_factor_gain * g, 0.0) * feedback


def secretion_drive(params: SkinParams, ca_top):
    """Lamellar-body secretion drive ``D = ((1 - Ca_top / Ca_top*)+)^p`` (smooth positive part).

    ``Ca_top* = fraction x ref`` with ``ref`` the column's homeostatic ``Ca_top``
    (``ca_top_ref``), or, while ``ca_ref_tracking = 1`` (spin-up), the current ``Ca_top``
    itself, so the drive is the tonic homeostatic value and the spin-up converges in one
    pass whatever the reference it starts from.
    """
    ref = params.ca_top_ref + params.ca_ref_tracking * (ca_top - params.ca_top_ref)
    return smooth_relu(1.0 - ca_top / (params.ca_set_point_fraction * ref), 0.02) ** params.lb_exponent


def ve_um_per_layer(params: SkinParams):
    return params.ve_thickness_um / (params.basal_flux_per_h * params.tau_ve_h)


def exact_store_release(S, rate_out, refill_rate, dt):
    """Exact step of ``dS/dt = -rate_out S + refill_rate (1 - S)``.

    Returns ``(S_new, released)`` where ``released = int rate_out S dt`` exactly.
    """
    a = rate_out + refill_rate
    s_inf = jnp.where(a > 0, refill_rate / jnp.where(a > 0, a, 1.0), S)
    decay = jnp.exp(-a * dt)
    S_new = s_inf + (S - s_inf) * decay
    # int_0^dt S(t) dt = s_inf dt + (S - s_inf)(1 - e^{-a dt}) / a
    integral = s_inf * dt + (S - s_inf) * jnp.where(a > 0, -jnp.expm1(-a * dt) / jnp.where(a > 0, a, 1.0), dt)
    return S_new, rate_out * integral


def erlang_chain_step(m, P, tau_stage, dt):
    """Exact step of the linear chain ``m_1' = P - m_1/tau``, ``m_k' = (m_{k-1} - m_k)/tau``.

    With ``x = dt / tau`` and Poisson weights ``p_j = e^{-x} x^j / j!``:
    ``m_k(dt) = sum_{l<=k} p_{k-l} m_l + P tau (1 - sum_{j<=k} p_j)``. Returns
    ``(m_new, outflow)`` where ``outflow = P dt + sum(m) - sum(m_new)`` (exact, so cells
    are conserved to round-off). ``m``: shape ``L + (K,)``.
    """
    K = m.shape[-1]
    x = dt / tau_stage
    j = jnp.arange(K)
    logfact = jax.scipy.special.gammaln(j + 1.0)
    p = jnp.exp(-x + j * jnp.log(jnp.maximum(x, 1e-300)) - logfact)
    p = jnp.where(x > 0, p, (j == 0).astype(m.dtype))
    # Toeplitz lower-triangular propagator E[k, l] = p[k - l]
    idx = j[:, None] - j[None, :]
    E = jnp.where(idx >= 0, p[jnp.clip(idx, 0, K - 1)], 0.0)
    cum = jnp.cumsum(p)
    m_new = jnp.einsum("kl,...l->...k", E, m) + (P * tau_stage)[..., None] * (1.0 - cum)
    m_new = jnp.maximum(m_new, 0.0)
    outflow = P * dt + jnp.sum(m, axis=-1) - jnp.sum(m_new, axis=-1)
    return m_new, outflow


def strip_top_layers(n, remove):
    """Remove ``remove`` layers per column from the top (oldest cohorts first).

    Returns ``(n_new, removed_per_cohort)``.
    """
    above = layers_above(n)
    take = jnp.clip(remove[..., None] - above, 0.0, n)
    return n - take, take


def shift_bins(state: SkinState, params: SkinParams) -> SkinState:
    """Advance the cohorts one age bin (exact along characteristics).

    The oldest bin keeps everything older (its content merges, mass-weighted).
    """
    n, kap, lam = state.n, state.kappa, state.lam
    n_last = n[..., -1] + n[..., -2]
    safe = jnp.where(n_last > 0, n_last, 1.0)  # double where: finite gradients when a bin is empty
    kap_last = (n[..., -1] * kap[..., -1] + n[..., -2] * kap[..., -2]) / safe
    lam_last = (n[..., -1] * lam[..., -1] + n[..., -2] * lam[..., -2]) / safe
    kap_last = jnp.where(n_last > 0, kap_last, kap[..., -1])
    lam_last = jnp.where(n_last > 0, lam_last, lam[..., -1])
    zeros = jnp.zeros_like(n[..., :1])
    n_new = jnp.concatenate([zeros, n[..., :-2], n_last[..., None]], axis=-1)
    kap_new = jnp.concatenate([jnp.ones_like(zeros), kap[..., :-2], kap_last[..., None]], axis=-1)
    lam_new = jnp.concatenate([zeros + params.lipid_birth, lam[..., :-2], lam_last[..., None]], axis=-1)
    return eqx.tree_at(lambda s: (s.n, s.kappa, s.lam), state, (n_new, kap_new, lam_new))


@lru_cache(maxsize=None)
def _dermis_step(lateral: LateralGrid):
    """``(remodelling, (b, dt, D_b, decay, source)) -> b_new``, one per lateral grid.

    Backward Euler of ``b' = D_b lap b - (b - template) / tau``: with remodelling on, the
    spectral lateral step; without (``D_b = 0``, the fibroblasts at rest), the same step
    is pointwise, so the FFT pair is skipped (a :func:`sim.driver.make_sparse_cond`).
    """

    def remodel(ops):
        b, dt, D_b, decay, source = ops
        return lateral_diffusion_step(b, dt, lateral=lateral, D_x=D_b, decay=decay, source=source)

    def relax(ops):
        b, dt, _, decay, source = ops
        return (b + dt * source) / (1.0 + dt * decay)

    return make_sparse_cond(remodel, relax)


# --------------------------------------------------------------------------- step

def skin_step(state: SkinState, params: SkinParams, dt, grid: ModelGrid, tewl=None) -> SkinState:
    """Advance the untreated skin by ``dt`` hours (events are applied by the caller).

    ``tewl``: the TEWL of each column of ``state`` (g m^-2 h^-1, shape ``L``) when the
    caller has it already (:func:`models.simulate.simulate` carries it); computed here
    from the barrier when None.
    """
    lat, depth = grid.lateral, grid.depth
    Z = grid.nz
    xi = jnp.asarray(depth.z_um)  # normalised cell centres in (0, 1)
    h_xi = depth.h_um
    n, kap, lam = state.n, state.kappa, state.lam

    # 2. barrier and water flux
    if tewl is None:
        tewl = tewl_from_resistance(params, barrier_resistance(params, n, lam))

    # 3. cytokine store release, triggered by excess water loss (and basal leak)
    excess = tewl / params.tewl_ref
    trigger = jax.nn.sigmoid((excess - params.barrier_threshold) / params.barrier_width)
    rate_out = params.store_release_per_h * trigger + params.c_basal_release_per_h
    store, released = exact_store_release(state.store, rate_out, 1.0 / params.store_refill_h, dt)
    upper = (xi > 1.0 - UPPER_VE_FRACTION).astype(xi.dtype)
    upper = upper / (upper.sum() * h_xi)  # unit integral over normalised depth
    # first-order decay exactly (it commutes with the diffusion operator); material
    # released during the step decays on average by phi = (1 - e^{-k dt}) / (k dt)
    kdt = params.c_decay_per_h * dt
    phi = jnp.where(kdt > 1e-12, -jnp.expm1(-kdt) / jnp.where(kdt > 1e-12, kdt, 1.0), 1.0)
    c_start = state.c * jnp.exp(-kdt) + phi * released[..., None] * upper

    # 4. signals: implicit diffusion in normalised depth x lateral
    H = jnp.mean(ve_um_per_layer(params) * jnp.sum(state.m, axis=-1))
    c_new = implicit_diffusion_step(
        c_start, dt, lateral=lat, depth=depth,
        D_z=params.c_diff_um2_h / H**2, D_x=params.c_diff_um2_h,
        bottom=BoundaryCondition("robin", 0.0, params.c_clearance_um_h / H),
        top=BoundaryCondition("neumann", 0.0),
    )
    # calcium: retention toward the ceiling (rising toward the top as xi^4), Dirichlet at the
    # basal membrane, washout through the top face at a velocity set by each column's
    # water flux (Robin, per column), then lateral spreading (split, backward Euler)
    retention = params.ca_retention_per_h * xi**4
    ca_new = depth_diffusion_step(
        state.ca, dt, depth=depth, D_z=params.ca_diff_um2_h / H**2, decay=retention,
        source=retention * params.ca_ceiling,
        bottom=BoundaryCondition("dirichlet", params.ca_basal),
        top=BoundaryCondition("robin", 0.0, params.ca_washout * tewl / H),
    )
    ca_new = lateral_diffusion_step(ca_new, dt, lateral=lat, D_x=params.ca_diff_um2_h)
    ca_top = calcium_top(params, ca_new, tewl, H, Z)

    # 5. lamellar-body secretion, driven by the loss of the calcium gradient below the set
    # point Ca_top* = fraction x the column's homeostatic Ca_top
    drive = secretion_drive(params, ca_top)
    lb, secreted = exact_store_release(state.lb, params.lb_secretion_per_h * drive, 1.0 / params.lb_refill_h, dt)
    ages = jnp.asarray(grid.bin_age_mid_h)
    w_age = jnp.exp(-ages / params.lb_deposit_age_h)
    receiving = jnp.sum(n * w_age, axis=-1)
    dose = (params.lb_yield * secreted / jnp.maximum(receiving, 0.05))[..., None] * w_age
    lam = 1.0 - (1.0 - lam) * jnp.exp(-dose)

    # 6. SC cohort kinetics (exact exponentials at fixed depth order)
    # (divisions by scalars are taken as products with their reciprocals: an elementwise
    # f64 division costs several exponentials' worth of vector throughput)
    above = layers_above(n)
    k_coh = params.cohesion_loss_per_h * params.cohesion_heterogeneity[..., None] * (
        1.0 + params.cohesion_surface_boost * jnp.exp(above * (-1.0 / params.cohesion_surface_depth)))
    kap = kap * jnp.exp(-k_coh * dt)
    lam = lam * jnp.exp(-params.lipid_processing_per_h * dt * jnp.exp(above * (-1.0 / params.lipid_processing_depth)))
    weak = jax.nn.sigmoid((params.cohesion_critical - kap) * (1.0 / params.cohesion_width))
    d_rate = params.desquamation_per_h * weak * jnp.exp(above * (-1.0 / params.exposure_depth))
    n_after = n * jnp.exp(-d_rate * dt)
    desquamated = jnp.sum(n - n_after, axis=-1)
    n = n_after

    # 7. VE renewal: homeostatic feedback, exact chain, birth of a cohort
    M = jnp.sum(state.m, axis=-1)
    P = proliferation(params, M, state.g)
    m_new, outflow = erlang_chain_step(state.m, P, params.tau_ve_h / grid.n_stages, dt)
    m_new = lateral_diffusion_step(m_new, dt, lateral=lat, D_x=params.ve_lateral_diff_um2_h)
    n0 = n[..., 0] + outflow
    safe = jnp.where(n0 > 0, n0, 1.0)  # double where: finite gradients when the bin is empty
    kap0 = jnp.where(n0 > 0, (n[..., 0] * kap[..., 0] + outflow) / safe, 1.0)
    lam0 = jnp.where(n0 > 0, (n[..., 0] * lam[..., 0] + outflow * params.lipid_birth) / safe, params.lipid_birth)
    # birth into bin 0 as an elementwise select (an ``.at[..., 0].set`` on these arrays
    # becomes a dynamic-update-slice fusion that XLA's CPU backend does not vectorise)
    first = jnp.arange(grid.n_bins) == 0
    n = jnp.where(first, n0[..., None], n)
    kap = jnp.where(first, kap0[..., None], kap)
    lam = jnp.where(first, lam0[..., None], lam)
    wound = state.wound_um * jnp.exp(-P * dt / jnp.maximum(M, 1e-3))  # refilled at the renewal rate

    # 8. dermis: fibroblasts, growth factor, erythema (exact relaxations)
    c_b = 0.5 * (state.c[..., 0] + c_new[..., 0])  # mid-step basal cytokine (2nd order)
    # smooth positive part shifted to vanish at the reference: f = e = 0 at homeostasis
    c_excess = jnp.maximum(smooth_relu(c_b - params.c_basal_ref, 1e-3) - 1e-3 * jnp.log(2.0), 0.0)
    f_target = c_excess / (c_excess + params.fibroblast_K)
    f = f_target + (state.f - f_target) * jnp.exp(-dt / params.fibroblast_h)
    g = f + (state.g - f) * jnp.exp(-dt / params.growth_factor_h)
    e_target = c_excess / (c_excess + params.erythema_K)
    e = e_target + (state.e - e_target) * jnp.exp(-dt / params.erythema_h)
    # remodelling needs activation above 0.1 %: no creep of b at homeostasis
    D_b = params.remodelling_um2_h * jnp.maximum(jnp.mean(f) - 1e-3, 0.0)  # lateral mean: keeps Fourier modes uncoupled
    b = _dermis_step(lat)(D_b > 0, (state.b, dt, D_b, 1.0 / params.relapse_h, params.dermis_template_um / params.relapse_h))

    return SkinState(
        m=m_new, c=c_new, ca=ca_new, store=store, f=f, g=g, e=e, lb=lb,
        n=n, kappa=kap, lam=lam, b=b, wound_um=wound,
        produced=state.produced + P * dt,
        desquamated=state.desquamated + desquamated,
        removed=state.removed,
    )


# --------------------------------------------------------------------------- readouts

class Diagnostics(NamedTuple):
    """Lateral-mean readouts of a state (see interface.md for names and units)."""

    tewl: jax.Array
    sc_layers: jax.Array
    sc_thickness_um: jax.Array
    ve_thickness_um: jax.Array
    ra_um: jax.Array
    rq_um: jax.Array
    rz_um: jax.Array
    fine_line_depth_um: jax.Array
    erythema: jax.Array
    cytokine: jax.Array
    calcium_top: jax.Array
    sc_production_per_day: jax.Array
    injury_depth_um: jax.Array
    lb_store: jax.Array
    sc_lipid: jax.Array


def surface_um(state: SkinState, params: SkinParams):
    """Surface height ``s = b + H_VE + H_SC`` (µm), shape ``L``."""
    h_ve = ve_um_per_layer(params) * jnp.sum(state.m, axis=-1)
    h_sc = params.sc_layer_um * jnp.sum(state.n, axis=-1)
    return state.b + h_ve + h_sc


def diagnostics(state: SkinState, params: SkinParams, grid: ModelGrid, tewl_field=None) -> Diagnostics:
    """Lateral-mean readouts of ``state``; ``tewl_field``: its TEWL per column if already known.

    The per-column fields are stacked and averaged in one reduction (one kernel instead of
    one per readout: the readouts are taken every step).
    """
    n_tot = jnp.sum(state.n, axis=-1)
    tewl = tewl_from_resistance(params, barrier_resistance(params, state.n, state.lam)) if tewl_field is None else tewl_field
    ra, rq, rz, depth = topography.roughness(surface_um(state, params), grid.lateral, params.fine_line_weights)
    M = jnp.sum(state.m, axis=-1)
    P = proliferation(params, M, state.g)
    lipid = jnp.sum(state.n * state.lam, axis=-1) / jnp.maximum(n_tot, 1e-9)
    fields = jnp.stack(jnp.broadcast_arrays(
        tewl, n_tot, M, state.e, jnp.mean(state.c, axis=-1),
        calcium_top(params, state.ca, tewl, ve_um_per_layer(params) * jnp.mean(M), grid.nz), P, state.lb, lipid))
    means = fields.reshape(fields.shape[0], -1).mean(axis=-1)
    tewl_m, n_m, M_m, e_m, c_m, ca_m, P_m, lb_m, lipid_m = (means[i] for i in range(fields.shape[0]))
    return Diagnostics(
        tewl=tewl_m,
        sc_layers=n_m,
        sc_thickness_um=n_m * params.sc_layer_um,
        ve_thickness_um=ve_um_per_layer(params) * M_m,
        ra_um=ra, rq_um=rq, rz_um=rz, fine_line_depth_um=depth,
        erythema=e_m,
        cytokine=c_m,
        calcium_top=ca_m,
        sc_production_per_day=P_m * HOURS_PER_DAY,
        injury_depth_um=jnp.max(state.wound_um),
        lb_store=lb_m,
        sc_lipid=lipid_m,
    )
