r"""One step of the untreated skin: Lie splitting of the rate laws of :mod:`models._laws`.

Internal units: time in hours, lengths in µm, SC and VE amounts in corneocyte-layer
equivalents per column, TEWL in g m^-2 h^-1, cytokine/calcium/stores normalised.
All equations are listed, with sources, in docs/model.md; the scheme in docs/numerics.md.
Shapes: ``L = lateral.shape`` (``()`` for a column), ``K`` maturation stages, ``Z``
VE depth cells (normalised depth ``xi = z / H_VE``, basal membrane at ``xi = 0``),
``A`` SC age bins of width ``bin_width_h``.

One step (Lie splitting, first order in ``dt``; each sub-step exact or backward Euler,
so every sub-step is unconditionally stable and positivity preserving):

1. events at the step start (tape strip; device sessions), applied by the caller
   (:func:`models.apply_event`);
2. barrier: ``R = R_VE + sum_i n_i r(lambda_i)``, ``TEWL = 3600 dC / R``;
3. cytokine store: ``dS/dt = -k_out S + (1 - S)/tau_S`` solved exactly, the
   released amount enters the cytokine in the upper VE;
4. cytokine and calcium: backward-Euler reaction-diffusion in depth x lateral
   (:func:`sim.implicit_diffusion_step`), Robin clearance of the cytokine at the basal
   membrane, Dirichlet calcium there; calcium washout through the top face by the water
   flux (Robin, per column, :func:`sim.depth_diffusion_step`), then lateral spreading;
5. lamellar bodies: ``dB/dt = -k_LB D(Ca_top) B + (1 - B)/tau_B`` exact; the secreted
   lipid saturates the youngest cohorts;
6. SC cohort kinetics, exact per step: cohesion ``kappa_i *= exp(-k_i dt)``, lipid
   processing, desquamation ``n_i *= exp(-d_i dt)``;
7. signals to the basal layer, exact over the step with their targets frozen: the
   differentiation drive ``v`` relaxes toward the water-loss defect
   ``delta_w = 1 - TEWL_ref/TEWL``; the proliferative response (mitogen -> basal
   activation, two stages in series) toward the target set by the calcium-gradient
   loss, the basal cytokine and the wound;
8. VE maturation chain with constant proliferation over the step (``P`` from the step
   mean of the basal activation), solved exactly (Erlang kernels), its stage transit
   ``tau / alpha`` shortened while the barrier is open (``alpha = 1 + s_d v``, ``v`` its
   step mean); the outflow is born into SC bin 0; lateral spreading by backward Euler;
9. dermis: fibroblast activation -> growth factor (one exact two-stage cascade) and
   erythema (exact relaxation); the dermal surface by backward Euler;
10. age-bin shift when the step ends on a bin boundary (exact characteristics), applied
   by the caller (:func:`models.shift_bins`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import jax.numpy as jnp

from sim import (BoundaryCondition, LateralGrid, depth_diffusion_step, depth_steady_state, implicit_diffusion_step,
                 lateral_diffusion_step)
from sim import make_sparse_cond
from models._grid import ModelGrid
from models._laws import (
    barrier_tewl, basal_cytokine_excess, calcium_gradient_loss, calcium_retention_rate, calcium_top,
    calcium_washout_coefficient, cascade_factors, cascade_step, chain_speed, cohesion_loss_rate, dermis_targets,
    desquamation_rate, layers_above, lipid_dose, lipid_processing_profile, mean_decay_factor, mitogen_target,
    proliferation, proliferative_response_factors, proliferative_response_step, relaxation_factors, relaxation_step,
    remodelling_diffusivity, secretion_drive, store_release_rate, upper_ve_weights, ve_depth_um, water_loss_defect,
)
from models._params import SkinParams
from models._state import SkinState
from models._substeps import erlang_chain_step, exact_store_release


class StepFactors(NamedTuple):
    """The factors of one step that depend on ``dt`` and the parameters only, not on the state.

    Each is the exact-step weight of one linear law over ``dt`` hours (scalars, or the
    shape of the parameter they come from). :func:`models.simulate` computes them for all
    steps of a run at once, before its time loop (one vectorised kernel, not ~15 scalar
    ones per step); :func:`skin_step` computes them itself when it is not given them.
    """

    cytokine_decay: Any  # e^{-k dt}, k the cytokine decay rate (1/h)
    cytokine_release: Any  # k (1 - phi(k dt)), the release's steady-state correction (1/h)
    differentiation: tuple  # relaxation_factors(tau_v, dt)
    proliferative: tuple  # proliferative_response_factors(tau_u, dt)
    dermal_cascade: tuple  # cascade_factors(tau_f, tau_g, dt)
    erythema: tuple  # relaxation_factors(tau_e, dt)


def step_factors(params: SkinParams, dt) -> StepFactors:
    """The :class:`StepFactors` of a step of ``dt`` hours (``dt = 0``: the identity's factors)."""
    kdt = params.cytokine_decay_per_hour * dt
    return StepFactors(
        cytokine_decay=jnp.exp(-kdt),
        cytokine_release=params.cytokine_decay_per_hour * (1.0 - mean_decay_factor(kdt)),
        differentiation=relaxation_factors(params.differentiation_hours, dt),
        proliferative=proliferative_response_factors(params.mitogen_hours, dt),
        dermal_cascade=cascade_factors(params.fibroblast_hours, params.growth_factor_hours, dt),
        erythema=relaxation_factors(params.erythema_hours, dt),
    )


@lru_cache(maxsize=None)
def _dermis_step(lateral: LateralGrid):
    """``(remodelling, (b, dt, D_b, decay, source)) -> b_new``, one per lateral grid.

    Backward Euler of ``b' = D_b lap b - (b - template) / tau``: with remodelling on, the
    spectral lateral step; without (``D_b = 0``, the fibroblasts at rest), the same step
    is pointwise, so the FFT pair is skipped (a :func:`sim.make_sparse_cond`).
    """

    def remodel(ops):
        b, dt, D_b, decay, source = ops
        return lateral_diffusion_step(b, dt, lateral=lateral, D_x=D_b, decay=decay, source=source)

    def relax(ops):
        b, dt, _, decay, source = ops
        return (b + dt * source) / (1.0 + dt * decay)

    return make_sparse_cond(remodel, relax)


def skin_step(state: SkinState, params: SkinParams, dt, grid: ModelGrid, tewl=None,
              factors: StepFactors | None = None) -> SkinState:
    """Advance the untreated skin by ``dt`` hours (events are applied by the caller).

    ``tewl``: the TEWL of each column of ``state`` (g m^-2 h^-1, shape ``L``) when the
    caller has it already (:func:`models.simulate` carries it); computed here from the
    barrier when None. ``factors``: :func:`step_factors` ``(params, dt)`` when the caller
    has them already (computed here when None). ``dt = 0`` leaves the state unchanged.
    """
    if factors is None:
        factors = step_factors(params, dt)
    lat, depth = grid.lateral, grid.depth
    Z = grid.nz
    xi = jnp.asarray(depth.z_um)  # normalised cell centres in (0, 1)
    n, kap, lam = state.sc_layers, state.sc_cohesion, state.sc_lipid

    # 2. barrier and water flux
    if tewl is None:
        tewl = barrier_tewl(params, n, lam)

    # 3. cytokine store release, triggered by excess water loss (and basal leak)
    rate_out = store_release_rate(params, tewl)
    store, released = exact_store_release(state.cytokine_store, rate_out, 1.0 / params.cytokine_store_refill_hours, dt)
    upper = upper_ve_weights(depth)
    # exact decay (it commutes with the diffusion operator) and backward-Euler diffusion
    # and clearance; the release of the step enters as dt (q - k (1 - phi) w) with
    # w = (k - L)^{-1} q, phi = (1 - e^{-k dt})/(k dt): a uniform cytokine then decays
    # exactly and a constant release has the exact steady state (k - L) c = q. (The
    # release entering as phi dt q, as before, biased that state low by up to phi where
    # clearance competes with decay: ~5 % at dt = 1 h; docs/numerics.md.)
    release = released[..., None] * upper  # amount released over the step (= q dt)

    # 4. signals: implicit diffusion in normalised depth x lateral
    H = ve_depth_um(params, state.ve_cells)
    D_c = params.cytokine_diffusivity_um2_per_hour
    clearance = BoundaryCondition("robin", 0.0, params.cytokine_clearance_um_per_hour / H)
    no_flux = BoundaryCondition("neumann", 0.0)
    # w = (k - L)^{-1} q dt, the steady state of the step's release rate times dt, with the
    # depth operator only: the release has one depth profile (the upper-VE weights) and
    # the operator one depth scale (the lateral-mean H), so w is one column's tridiagonal
    # solve times each column's release; it neglects the lateral diffusion of the release
    # within this small correction (exact for a laterally uniform release)
    unit = depth_steady_state(depth, D_c / H**2, params.cytokine_decay_per_hour, upper, clearance, no_flux)
    w = released[..., None] * unit
    c_start = state.cytokine * factors.cytokine_decay + release - factors.cytokine_release * w
    c_new = implicit_diffusion_step(c_start, dt, lateral=lat, depth=depth, D_z=D_c / H**2, D_x=D_c,
                                    bottom=clearance, top=no_flux)
    # calcium: retention toward the ceiling (rising toward the top as xi^4), Dirichlet at the
    # basal membrane, washout through the top face at a velocity set by each column's
    # water flux (Robin, per column), then lateral spreading (split, backward Euler)
    retention = calcium_retention_rate(params, xi)
    ca_new = depth_diffusion_step(
        state.calcium, dt, depth=depth, D_z=params.calcium_diffusivity_um2_per_hour / H**2, decay=retention,
        source=retention * params.calcium_ceiling,
        bottom=BoundaryCondition("dirichlet", params.calcium_basal),
        top=BoundaryCondition("robin", 0.0, calcium_washout_coefficient(params, tewl, H)),
    )
    ca_new = lateral_diffusion_step(ca_new, dt, lateral=lat, D_x=params.calcium_diffusivity_um2_per_hour)
    ca_top = calcium_top(params, ca_new, tewl, H, Z)

    # 5. lamellar-body secretion, driven by the loss of the calcium gradient below the set
    # point Ca_top* = fraction x the column's homeostatic Ca_top
    drive = secretion_drive(params, ca_top)
    lb, secreted = exact_store_release(state.lamellar_body_store, params.lb_secretion_per_hour * drive,
                                       1.0 / params.lb_refill_hours, dt)
    dose = lipid_dose(params, secreted, n, grid.bin_age_mid_h)
    lam = lam + (1.0 - lam) * -jnp.expm1(-dose)  # 1 - (1 - lam) e^{-dose}, exact at dose 0

    # 6. SC cohort kinetics (exact exponentials at fixed depth order)
    above = layers_above(n)
    kap = kap * jnp.exp(-cohesion_loss_rate(params, above) * dt)
    lam = lam * jnp.exp(-params.lipid_processing_per_hour * dt * lipid_processing_profile(params, above))
    n_after = n * jnp.exp(-desquamation_rate(params, kap, above) * dt)
    desquamated = jnp.sum(n - n_after, axis=-1)
    n = n_after

    # 7. signals to the basal layer, exact over the step: the differentiation drive follows
    # the water-loss defect, the two-stage proliferative response its target (calcium
    # gradient, basal cytokine, wound); the chain uses their means over the step
    c_b = 0.5 * (state.cytokine[..., 0] + c_new[..., 0])  # mid-step basal cytokine (2nd order)
    c_excess = basal_cytokine_excess(params, c_b)
    v, v_mean = relaxation_step(state.differentiation_drive, water_loss_defect(params, tewl),
                                params.differentiation_hours, dt, factors.differentiation)
    u, A, A_mean = proliferative_response_step(
        state.mitogen, state.basal_activation,
        mitogen_target(params, calcium_gradient_loss(params, ca_top), c_excess, state.wound_um),
        params.mitogen_hours, dt, factors.proliferative)

    # 8. VE renewal: proliferation (homeostatic feedback, dermal and epidermal drives); the
    # exact chain, its transit accelerated while the barrier is open; birth of a cohort
    M = jnp.sum(state.ve_cells, axis=-1)
    P = proliferation(params, M, state.growth_factor, A_mean)
    tau_stage = params.ve_transit_hours / grid.n_stages / chain_speed(params, v_mean)
    m_new, outflow = erlang_chain_step(state.ve_cells, P, tau_stage, dt)
    m_new = lateral_diffusion_step(m_new, dt, lateral=lat, D_x=params.ve_lateral_diffusivity_um2_per_hour)
    n0 = n[..., 0] + outflow
    safe = jnp.where(n0 > 0, n0, 1.0)  # double where: finite gradients when the bin is empty
    kap0 = jnp.where(n0 > 0, (n[..., 0] * kap[..., 0] + outflow) / safe, 1.0)
    lam0 = jnp.where(n0 > 0, (n[..., 0] * lam[..., 0] + outflow * params.lipid_at_birth) / safe, params.lipid_at_birth)
    # birth into bin 0 as an elementwise select (an ``.at[..., 0].set`` on these arrays
    # becomes a dynamic-update-slice fusion that XLA's CPU backend does not vectorise)
    first = jnp.arange(grid.n_bins) == 0
    n = jnp.where(first, n0[..., None], n)
    kap = jnp.where(first, kap0[..., None], kap)
    lam = jnp.where(first, lam0[..., None], lam)
    wound = state.wound_um * jnp.exp(-P * dt / jnp.maximum(M, 1e-3))  # refilled at the renewal rate

    # 9. dermis: fibroblasts, growth factor, erythema (exact relaxations)
    f_target, e_target = dermis_targets(params, c_excess)
    f, g = cascade_step(state.fibroblast_activation, state.growth_factor, f_target,
                        params.fibroblast_hours, params.growth_factor_hours, dt, factors.dermal_cascade)
    e, _ = relaxation_step(state.erythema, e_target, params.erythema_hours, dt, factors.erythema)
    D_b = remodelling_diffusivity(params, f)
    b = _dermis_step(lat)(D_b > 0, (state.dermis_um, dt, D_b, 1.0 / params.relapse_hours,
                                     params.dermis_template_um / params.relapse_hours))

    return SkinState(
        ve_cells=m_new, cytokine=c_new, calcium=ca_new, cytokine_store=store, fibroblast_activation=f,
        growth_factor=g, erythema=e, mitogen=u, basal_activation=A, differentiation_drive=v, lamellar_body_store=lb,
        sc_layers=n, sc_cohesion=kap, sc_lipid=lam, dermis_um=b, wound_um=wound,
        produced=state.produced + P * dt,
        desquamated=state.desquamated + desquamated,
        removed=state.removed,
    )
