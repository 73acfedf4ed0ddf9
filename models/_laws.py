r"""The rate laws of the skin model: one function per law, shared by every integrator.

The fast step (:func:`models.skin_step`), the device session (:mod:`models._device`),
the readouts and the BDF reference (:func:`models.column_rhs`) all call these; only
the time integration differs. Internal units: hours, µm, layers; TEWL in
g m^-2 h^-1; cytokine, calcium and stores normalised. ``L`` is the lateral shape,
``K`` stages, ``Z`` VE depth cells, ``A`` SC age bins. The equations and their sources
are in docs/model.md.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from sim import DepthGrid
from models._params import SkinParams
from models._tables import SECONDS_PER_HOUR

UPPER_VE_FRACTION = 0.3
"""The cytokine store sits in the upper third of the VE (spinous/granular layers)."""

SECRETION_SMOOTHING = 0.02
"""Width of the smooth positive part in the lamellar-body secretion drive."""

DERMIS_SMOOTHING = 1e-3
"""Width of the smooth positive part of the basal cytokine excess (dermis targets, mitogen)."""

DEFECT_SMOOTHING = 0.01
"""Width of the smooth positive part of the barrier signals (calcium-gradient loss, water-loss defect)."""


def smooth_relu(x, width):
    """Smooth positive part ``width * softplus(x / width)`` (-> max(x, 0) as width -> 0)."""
    return width * jax.nn.softplus(x / width)


def vanishing_relu(x, width):
    """``max(relu_s(x) - w log 2, 0)``: the smooth positive part shifted to be exactly 0 for ``x <= 0``.

    A signal that must vanish at its homeostatic reference (``x = 0``) reads through it.
    """
    return jnp.maximum(smooth_relu(x, width) - width * jnp.log(2.0), 0.0)


def tracked_reference(params: SkinParams, reference, current):
    """``reference``, or, while ``reference_tracking = 1`` (spin-up), ``current`` itself.

    Every homeostatic signal read against a reference is then at its homeostatic value
    during the spin-up, which converges in one pass whatever the reference it starts from.
    """
    return reference + params.reference_tracking * (current - reference)


def mean_decay_factor(x):
    """``phi(x) = (1 - e^{-x}) / x`` (``phi(0) = 1``), ``x >= 0``: the mean of ``e^{-s}`` over ``[0, x]``."""
    return jnp.where(x > 1e-12, -jnp.expm1(-x) / jnp.where(x > 1e-12, x, 1.0), 1.0)


# --------------------------------------------------------------------------- SC geometry

def layers_above(sc_layers):
    """Layers lying above (older than) each cohort: exclusive reverse cumulative sum.

    ``above_i = sum_{j > i} n_j``, shape of ``sc_layers`` (``L + (A,)``; the last index
    is the oldest, topmost cohort). A work-efficient associative scan (log2 A levels): on
    the CPU it is ~3x faster than ``jnp.cumsum``, which XLA lowers to a quadratic
    reduce-window for short axes.
    """
    total = jax.lax.associative_scan(jnp.add, sc_layers, reverse=True, axis=sc_layers.ndim - 1)
    return total - sc_layers


def ve_um_per_layer(params: SkinParams):
    """VE thickness per layer equivalent of VE cells, ``H_VE / (P_0 tau_VE)`` (µm)."""
    return params.ve_thickness_um / (params.basal_flux_layers_per_hour * params.ve_transit_hours)


# the depth scale of the signals never falls below one basal cell (µm; an assumption: the
# basal keratinocyte is about 10 µm across). It matters only in a full-thickness
# epidermal wound, where the living layer is gone and the signals sit in the wound bed
WOUND_BED_DEPTH_UM = 10.0


def ve_depth_um(params: SkinParams, ve_cells):
    """Depth of the signal fields ``H = max(mean(ve_um_per_layer sum_k m_k), H_bed)`` (µm), a scalar.

    The lateral-mean VE thickness, floored at :data:`WOUND_BED_DEPTH_UM`: the depth that
    scales the normalised-depth diffusion of cytokine and calcium. The floor keeps the
    signals defined (finite) when a session removes the whole living epidermis; at any
    VE thicker than one basal cell it is inert.
    """
    return jnp.maximum(jnp.mean(ve_um_per_layer(params) * jnp.sum(ve_cells, axis=-1)), WOUND_BED_DEPTH_UM)


# --------------------------------------------------------------------------- barrier

def layer_resistance(params: SkinParams, sc_lipid):
    """Per-layer water resistance ``r(lambda) = r_half exp(beta (lambda - 1/2))`` (s/m)."""
    return params.layer_resistance_s_per_m * jnp.exp(params.lipid_resistance_exponent * (sc_lipid - 0.5))


def barrier_resistance(params: SkinParams, sc_layers, sc_lipid):
    """Total resistance per column (s/m): ``R = R_VE + sum_i n_i r(lambda_i)``, shape ``L``."""
    return params.ve_resistance_s_per_m + jnp.sum(sc_layers * layer_resistance(params, sc_lipid), axis=-1)


def tewl_from_resistance(params: SkinParams, resistance):
    """Fick: TEWL (g m^-2 h^-1) = 3600 s/h x dC (g/m^3) / R (s/m)."""
    return SECONDS_PER_HOUR * params.water_vapour_drop_g_per_m3 / resistance


def barrier_tewl(params: SkinParams, sc_layers, sc_lipid):
    """TEWL of each column (g m^-2 h^-1), shape ``L``: ``3600 dC / (R_VE + sum_i n_i r(lambda_i))``."""
    return tewl_from_resistance(params, barrier_resistance(params, sc_layers, sc_lipid))


# --------------------------------------------------------------------------- signals

def store_release_rate(params: SkinParams, tewl):
    """Release rate of the cytokine store (1/h), shape ``L``.

    ``k_out = k_rel sigmoid((TEWL / TEWL_ref - theta) / w) + k_basal``: barrier loss
    (excess water loss) triggers the release; the constitutive leak sets the
    homeostatic cytokine level.
    """
    excess = tewl / params.tewl_reference
    trigger = jax.nn.sigmoid((excess - params.cytokine_barrier_threshold) / params.cytokine_barrier_width)
    return params.cytokine_store_release_per_hour * trigger + params.cytokine_basal_release_per_hour


def upper_ve_weights(depth: DepthGrid):
    """Where released cytokine enters: the indicator of the upper 30 % of the VE with unit
    integral over normalised depth (shape ``(Z,)``)."""
    xi = jnp.asarray(depth.z_um)
    upper = (xi > 1.0 - UPPER_VE_FRACTION).astype(xi.dtype)
    return upper / (upper.sum() * depth.h_um)


def calcium_retention_rate(params: SkinParams, xi):
    """Active calcium retention rate ``k_ret xi^4`` (1/h) toward the ceiling, shape of ``xi``."""
    return params.calcium_retention_per_hour * xi**4


def calcium_washout_coefficient(params: SkinParams, tewl, ve_depth):
    """Robin coefficient of the calcium washout through the top face, ``v TEWL / H`` (1/h in normalised depth)."""
    return params.calcium_washout_um_per_hour_per_tewl * tewl / ve_depth


def calcium_top(params: SkinParams, calcium, tewl, ve_depth, nz: int):
    """Calcium on the VE/SC face, ``Ca_top`` (normalised), shape ``calcium.shape[:-1]``.

    The face value of the Robin washout condition, eliminated with the half-cell gradient
    exactly as the solver does (``sim._diffusion._face_terms``): with conductance
    ``gamma = 2 D_z / h`` and washout coefficient ``beta = w TEWL / H`` (normalised depth,
    ``D_z = D / H^2``, ``h = 1 / nz``), ``Ca_top = gamma Ca_N / (gamma + beta)``. Second
    order in ``h``; the top cell-centre value ``Ca_N`` (half a cell below the face) is
    only first order, which made the secretion drive depend on ``nz``.
    """
    gamma = 2.0 * params.calcium_diffusivity_um2_per_hour / ve_depth**2 * nz
    beta = calcium_washout_coefficient(params, tewl, ve_depth)
    return gamma * calcium[..., -1] / (gamma + beta)


def calcium_top_homeostatic(params: SkinParams, ca_top):
    """The homeostatic ``Ca_top`` that barrier signals are read against, shape of ``ca_top``:
    the column's ``calcium_top_reference`` (:func:`tracked_reference`)."""
    return tracked_reference(params, params.calcium_top_reference, ca_top)


def secretion_drive(params: SkinParams, ca_top):
    """Lamellar-body secretion drive ``D = ((1 - Ca_top / Ca_top*)+)^p`` (smooth positive part).

    ``Ca_top* = fraction x ref``, ``ref`` from :func:`calcium_top_homeostatic` (tonic
    secretion at homeostasis, switched on when the gradient falls).
    """
    ref = calcium_top_homeostatic(params, ca_top)
    return smooth_relu(1.0 - ca_top / (params.calcium_set_point_fraction * ref), SECRETION_SMOOTHING) \
        ** params.lb_secretion_exponent


def calcium_gradient_loss(params: SkinParams, ca_top):
    """Loss of the calcium gradient under the SC, ``delta_Ca = max(relu_s(1 - Ca_top / ref) - w log 2, 0)``.

    ``ref`` from :func:`calcium_top_homeostatic`, ``w`` = :data:`DEFECT_SMOOTHING` (the
    smooth positive part shifted to vanish at the reference: 0 at homeostasis).
    Dimensionless, 0..1 (a fully stripped forearm reaches ~0.45); shape of ``ca_top``.
    The barrier route of the proliferative response (:func:`mitogen_target`).
    """
    return vanishing_relu(1.0 - ca_top / calcium_top_homeostatic(params, ca_top), DEFECT_SMOOTHING)


def water_loss_defect(params: SkinParams, tewl):
    """Share of the barrier's water resistance that is missing, ``delta_w = max(relu_s(1 - TEWL_ref / TEWL) - w log 2, 0)``.

    ``1 - TEWL_ref / TEWL = 1 - R / R_ref`` (TEWL is inversely proportional to the
    barrier resistance ``R``): 0 at homeostasis, ~0.8 on a fully stripped forearm, 1/3 at
    1.5x the homeostatic TEWL. ``TEWL_ref`` is the column's ``tewl_reference`` (the
    current TEWL while ``reference_tracking = 1``: :func:`tracked_reference`).
    Dimensionless, shape of ``tewl``. Drives accelerated differentiation (:func:`chain_speed`).
    """
    return vanishing_relu(1.0 - tracked_reference(params, params.tewl_reference, tewl) / tewl, DEFECT_SMOOTHING)


def lipid_dose(params: SkinParams, secreted, sc_layers, bin_age_mid_h):
    """Lipid delivered to each cohort per unit secreted store (shape ``L + (A,)``).

    ``Y s w_i / max(sum_j n_j w_j, 0.05)`` with ``w_i = exp(-a_i / a_dep)`` (``a_i`` the
    bin's mid age): the secreted lipid goes to the youngest cohorts. ``secreted`` (shape
    ``L``) is an amount (fast step) or a rate (reference); the law is linear in it.
    """
    w_age = jnp.exp(-jnp.asarray(bin_age_mid_h) / params.lb_deposit_age_hours)
    receiving = jnp.sum(sc_layers * w_age, axis=-1)
    return (params.lb_lipid_yield * secreted / jnp.maximum(receiving, 0.05))[..., None] * w_age


# --------------------------------------------------------------------------- SC cohorts
# (divisions by scalars are taken as products with their reciprocals: an elementwise f64
# division costs several exponentials' worth of vector throughput)

def cohesion_loss_rate(params: SkinParams, above):
    """Corneodesmosome degradation rate ``k_i = k_0 eta (1 + b exp(-above_i / d))`` (1/h), shape of ``above``."""
    return params.cohesion_loss_per_hour * params.cohesion_heterogeneity[..., None] * (
        1.0 + params.cohesion_surface_boost * jnp.exp(above * (-1.0 / params.cohesion_surface_depth_layers)))


def lipid_processing_profile(params: SkinParams, above):
    """Depth profile of lipid processing ``exp(-above_i / d_p)``; the rate is ``lipid_processing_per_hour`` times it."""
    return jnp.exp(above * (-1.0 / params.lipid_processing_depth_layers))


def desquamation_rate(params: SkinParams, sc_cohesion, above):
    """Detachment rate ``d_i = d_0 sigmoid((kappa_c - kappa_i) / w) exp(-above_i / d_e)`` (1/h)."""
    weak = jax.nn.sigmoid((params.cohesion_critical - sc_cohesion) * (1.0 / params.cohesion_threshold_width))
    return params.desquamation_rate_per_hour * weak * jnp.exp(above * (-1.0 / params.exposure_depth_layers))


# --------------------------------------------------------------------------- VE, dermis

def proliferation(params: SkinParams, ve_content, growth_factor, basal_activation):
    """Basal proliferation ``P = P_0 max(1 + a_g g + A, 0) 2 / (1 + (M / M*)^h)`` (layers/h), ``M* = P_0 tau_VE``.

    ``ve_content``: VE cells per column ``M`` (layer equivalents); ``growth_factor``:
    ``g`` (the dermal route); ``basal_activation``: ``A``, the relative rise of the basal
    division rate answering the epidermal signals (:func:`mitogen_target`); shape ``L``.
    """
    M_star = params.basal_flux_layers_per_hour * params.ve_transit_hours
    feedback = 2.0 / (1.0 + (ve_content / M_star) ** params.feedback_hill)
    drive = jnp.maximum(1.0 + params.growth_factor_gain * growth_factor + basal_activation, 0.0)
    return params.basal_flux_layers_per_hour * drive * feedback


def basal_cytokine_excess(params: SkinParams, basal_cytokine):
    """Excess of the alarm cytokine at the basal membrane over its homeostatic value (normalised).

    ``x = max(relu_s(c_0 - c_ref) - w log 2, 0)``: the smooth positive part shifted to
    vanish at the reference (0 at homeostasis). Shape of ``basal_cytokine``. Read by the
    dermis (:func:`dermis_targets`) and the basal keratinocytes (:func:`mitogen_target`).
    """
    return vanishing_relu(basal_cytokine - params.cytokine_basal_reference, DERMIS_SMOOTHING)


def dermis_targets(params: SkinParams, cytokine_excess):
    """Targets ``(f*, e*) = (x / (x + K_f), x / (x + K_e))`` of fibroblast activation and erythema.

    ``cytokine_excess``: ``x`` of :func:`basal_cytokine_excess` (``f* = e* = 0`` at homeostasis).
    """
    x = cytokine_excess
    return x / (x + params.fibroblast_half_activation), x / (x + params.erythema_half_activation)


def mitogen_target(params: SkinParams, defect, cytokine_excess, wound_um):
    """Target of the epidermal proliferative response ``u* = a_b delta + a_c x + a_w w / H_VE*`` (relative).

    The three epidermal signals of the regenerative response: the loss of the calcium
    gradient ``delta`` (:func:`calcium_gradient_loss`), the alarm-cytokine excess at the basal layer ``x``
    (:func:`basal_cytokine_excess`; the cytokine induces the keratinocytes' own mitogens)
    and the open wound ``w`` (µm of living epidermis missing, relative to the homeostatic
    VE thickness ``H_VE*``). Dimensionless: the relative rise of the basal division rate
    it calls for; shape ``L``. 0 at homeostasis.
    """
    return (params.mitogen_barrier_gain * defect + params.mitogen_cytokine_gain * cytokine_excess
            + params.mitogen_wound_gain * wound_um / params.ve_thickness_um)


def relaxation_factors(tau, dt):
    """The weights of the target in :func:`relaxation_step`: ``(1 - e^{-r}, 1 - phi(r))``, ``r = dt/tau``.

    They depend on ``tau`` and ``dt`` only, so a run computes them for all its steps at
    once, outside the time loop (:func:`models.step_factors`). ``dt = 0``: both are 0.
    """
    r = dt / tau
    return -jnp.expm1(-r), 1.0 - mean_decay_factor(r)


def relaxation_step(x, target, tau, dt, factors=None):
    """Exact step of ``x' = (x* - x)/tau`` with ``x*`` frozen: ``(x(dt), mean of x over the step)``.

    ``x(dt) = x* + (x - x*) e^{-r}``, mean ``x* + (x - x*) (1 - e^{-r})/r``, ``r = dt/tau``.
    Any ``dt >= 0`` (``dt = 0``: both are ``x``); shapes broadcast. ``factors``:
    :func:`relaxation_factors` ``(tau, dt)`` when the caller has them already.
    """
    grow, mean_grow = relaxation_factors(tau, dt) if factors is None else factors
    # written as increments of ``x`` (``1 - e^{-r}`` by expm1): ``dt = 0`` returns ``x`` bit for bit
    return x + (target - x) * grow, x + (target - x) * mean_grow


def cascade_factors(tau_f, tau_g, dt):
    """The weights of :func:`cascade_step`: ``(1 - e^{-a dt}, 1 - e^{-b dt}, b dt e^{-a dt} phi((b - a) dt))``.

    ``a = 1/tau_f``, ``b = 1/tau_g``, ``phi(y) = (1 - e^{-y})/y`` (``phi(0) = 1``: no
    singularity when ``tau_f = tau_g``). They depend on the time constants and ``dt``
    only (:func:`models.step_factors` computes them for all steps of a run at once).
    ``dt = 0``: all three are 0.
    """
    a, b = 1.0 / tau_f, 1.0 / tau_g
    y = (b - a) * dt
    small = jnp.abs(y) < 1e-8
    ys = jnp.where(small, 1.0, y)
    phi = jnp.where(small, 1.0 - 0.5 * y, -jnp.expm1(-ys) / ys)
    return -jnp.expm1(-a * dt), -jnp.expm1(-b * dt), b * dt * jnp.exp(-a * dt) * phi


def cascade_step(f, g, target, tau_f, tau_g, dt, factors=None):
    """Exact step of ``f' = (f* - f)/tau_f``, ``g' = (f - g)/tau_g`` with ``f*`` frozen: ``(f(dt), g(dt))``.

    With ``a = 1/tau_f``, ``b = 1/tau_g``: ``f(dt) = f* + (f - f*) e^{-a dt}``,
    ``g(dt) = f* + (g - f*) e^{-b dt} + (f - f*) b dt e^{-a dt} phi((b - a) dt)``,
    ``phi(y) = (1 - e^{-y})/y``. The dermal cascade fibroblast activation -> growth
    factor. Any ``dt >= 0``. ``factors``: :func:`cascade_factors` ``(tau_f, tau_g, dt)``
    when the caller has them already.
    """
    grow_f, grow_g, cross = cascade_factors(tau_f, tau_g, dt) if factors is None else factors
    df = f - target
    # as increments (``1 - e^{-y}`` by expm1): ``dt = 0`` returns ``(f, g)`` bit for bit
    return f - df * grow_f, g + (target - g) * grow_g + df * cross


def proliferative_response_factors(tau, dt):
    """The weights of :func:`proliferative_response_step`: ``(1 - e^{-x}, x e^{-x}, 1 - phi_1, phi_2)``, ``x = dt/tau``.

    ``phi_1 = (1 - e^{-x})/x``, ``phi_2 = (1 - (1 + x) e^{-x})/x`` (series below ``x = 1e-6``).
    They depend on ``tau`` and ``dt`` only (:func:`models.step_factors` computes them for
    all steps of a run at once). ``dt = 0``: all four are 0.
    """
    x = dt / tau
    small = x < 1e-6
    xs = jnp.where(small, 1.0, x)
    phi1 = jnp.where(small, 1.0 - 0.5 * x, -jnp.expm1(-xs) / xs)
    phi2 = jnp.where(small, 0.5 * x, (1.0 - (1.0 + xs) * jnp.exp(-xs)) / xs)
    return -jnp.expm1(-x), x * jnp.exp(-x), 1.0 - phi1, phi2


def proliferative_response_step(mitogen, basal_activation, target, tau, dt, factors=None):
    """Exact step of the two-stage response ``u' = (u* - u)/tau``, ``A' = (u - A)/tau`` with ``u*`` frozen.

    ``mitogen`` ``u`` (mitogen induction) and ``basal_activation`` ``A`` (recruitment of
    basal cells into the cycle) relax in series with one time constant ``tau`` (h), so a
    step rise of ``u*`` reaches ``A`` as ``1 - (1 + t/tau) e^{-t/tau}`` (a delayed, S-shaped
    answer: cells enter S phase about a day after the signal). With ``x = dt/tau``:
    ``u(dt) = u* + (u - u*) e^{-x}``, ``A(dt) = u* + (A - u*) e^{-x} + (u - u*) x e^{-x}``,
    and the mean of ``A`` over the step ``u* + (A - u*) phi_1 + (u - u*) phi_2`` with
    ``phi_1 = (1 - e^{-x})/x``, ``phi_2 = (1 - (1 + x) e^{-x})/x`` (the proliferation of the
    step uses it: the chain's input is then second order in the lag). Any ``dt >= 0``;
    shapes broadcast. Returns ``(u_new, A_new, A_mean)``. ``factors``:
    :func:`proliferative_response_factors` ``(tau, dt)`` when the caller has them already.
    """
    grow, lag, mean_grow, mean_lag = proliferative_response_factors(tau, dt) if factors is None else factors
    du, dA = mitogen - target, basal_activation - target
    # as increments: ``dt = 0`` returns the inputs bit for bit
    return (mitogen - du * grow, basal_activation - dA * grow + du * lag,
            basal_activation - dA * mean_grow + du * mean_lag)


def chain_speed(params: SkinParams, differentiation_drive):
    """Speed of the maturation chain relative to rest, ``alpha = 1 + s_d v`` (dimensionless).

    Accelerated terminal differentiation: ``v`` (``differentiation_drive``, shape ``L``)
    follows the water-loss defect ``delta_w`` (:func:`water_loss_defect`) with the lag
    ``tau_v``; while the barrier is open every stage transit ``tau = tau_VE / K`` shortens to
    ``tau / alpha``, so cells already in the upper stages reach the SC sooner and the SC
    regrows faster than it renews at rest; ``alpha = 1`` exactly at homeostasis. One rate
    for all stages keeps the chain's exact Erlang step (:func:`models.erlang_chain_step`).
    """
    return 1.0 + params.transit_speedup_gain * differentiation_drive


def remodelling_diffusivity(params: SkinParams, fibroblast_activation):
    """Lateral diffusivity of the dermal surface ``D_b = D_r max(mean(f) - f_c, 0)`` (µm²/h, scalar).

    Collagen remodelling needs fibroblast activation above ``f_c``
    (``remodelling_threshold``): the brief activation of a light session does not remodel
    the dermis, a wounding or coarse one does (no creep at homeostasis either); the
    lateral mean keeps the Fourier modes uncoupled.
    """
    return params.remodelling_um2_per_hour * jnp.maximum(jnp.mean(fibroblast_activation) - params.remodelling_threshold, 0.0)


def sc_production(params: SkinParams, ve_cells, differentiation_drive):
    """Instantaneous corneocyte flux into the SC, ``J = alpha m_K K / tau_VE`` (layers/h), shape ``L``.

    ``alpha`` from :func:`chain_speed`; ``ve_cells``: shape ``L + (K,)``;
    ``differentiation_drive``: shape ``L``.
    """
    K = ve_cells.shape[-1]
    return chain_speed(params, differentiation_drive) * ve_cells[..., -1] * (K / params.ve_transit_hours)
