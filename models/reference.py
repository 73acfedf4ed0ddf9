r"""Continuous-time reference of the single-column skin model (slow, readable; py-pde style).

:func:`models.skin.skin_step` advances the model by Lie splitting with exact or
backward-Euler sub-steps. This module writes the *same* model as one system of ordinary
differential equations ``dy/dt = column_rhs(t, y)`` for a single column and hands it to
an independent stiff integrator, :func:`scipy.integrate.solve_ivp` (BDF, variable order
1-5, error-controlled), with the exact Jacobian from :func:`jax.jacfwd`. The physics is
literally shared: barrier resistance, TEWL, layers above a cohort, the smooth
thresholds and the depth operator (:func:`sim.depth_operator`, the semi-discretisation
that the backward-Euler solver inverts) are the functions of :mod:`models.skin` and
:mod:`sim`; only the time integration differs. Age-bin shifts
(:func:`models.skin.shift_bins`) and events (:func:`models.simulate.apply_event`) are
the same discrete maps, applied between integration segments: at a time that is both a
bin boundary and an event time, the shift comes first (it ends the previous step of the
scan) and the event second (it starts the next one), and a state reported at such a
time is the state after the shift and before the event -- as in
:func:`models.simulate.simulate`.

Right-hand side (one column; ``xi`` normalised depth, ``H = ve_um_per_layer * sum(m)``):

* barrier ``R = R_VE + sum_i n_i r(lambda_i)``, ``TEWL = 3600 dC / R``;
* cytokine store ``S' = -k_out S + (1 - S)/tau_S`` with
  ``k_out = k_rel sigmoid((TEWL/TEWL_ref - theta)/w) + k_basal``;
* cytokine ``c' = L_c c + k_out S u(xi)`` (``u``: unit-integral indicator of the upper
  30 % of the VE; ``L_c``: diffusion ``D_c/H^2``, decay, Robin clearance at the basal
  face, zero flux at the top);
* calcium ``Ca' = L_Ca Ca + k_ret xi^4 Ca_ceil`` (``L_Ca``: diffusion ``D_Ca/H^2``,
  retention ``k_ret xi^4``, Dirichlet ``Ca_basal`` at the basal face, Robin washout
  ``v TEWL / H`` at the top);
* lamellar bodies ``B' = -k_LB D B + (1 - B)/tau_B``, ``D = relu_s(1 - Ca_top/Ca*)^p``;
  secreted lipid ``lambda_i' += (1 - lambda_i) Y k_LB D B w_i / max(sum_j n_j w_j, 0.05)``
  with ``w_i = exp(-a_i / a_dep)`` (``a_i`` the bin's mid age);
* SC cohorts ``n_i' = -d_i n_i``, ``kappa_i' = -k_i kappa_i``,
  ``lambda_i' -= p_i lambda_i`` with the depth-dependent rates of ``skin_step`` and the
  chain outflow ``m_K / tau_s`` born into bin 0 with ``kappa = 1``,
  ``lambda = lambda_birth``;
* VE chain ``m_1' = P - m_1/tau_s``, ``m_k' = (m_{k-1} - m_k)/tau_s``,
  ``P = P_0 max(1 + a_g g, 0) 2 / (1 + (M/M*)^h)``;
* dermis ``f' = (f_target(c_0) - f)/tau_f``, ``g' = (f - g)/tau_g``,
  ``e' = (e_target(c_0) - e)/tau_e``; wound ``w' = -P w / max(M, 1e-3)``;
  topography ``b' = (b_template - b)/tau_relapse`` (no lateral terms in a column);
* counters ``produced' = P``, ``desquamated' = sum_i d_i n_i``.

The cohorts are integrated in conservative variables ``(n_i, n_i kappa_i,
n_i lambda_i)`` so that an empty bin (bin 0 right after a shift) has no ``1/n``
singularity; ``kappa`` and ``lambda`` are recovered by division where ``n > 0``.
Units: hours, µm, layers; shapes: ``K`` stages, ``Z`` depth cells, ``A`` age bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp

from sim.diffusion import BoundaryCondition, depth_operator
from sim.timegrid import TimeGrid
from models.skin import (
    UPPER_VE_FRACTION, Diagnostics, calcium_top, proliferation, secretion_drive, ModelGrid, SkinParams, SkinState, barrier_resistance, diagnostics, layers_above,
    shift_bins, smooth_relu, tewl_from_resistance, ve_um_per_layer,
)
from models.simulate import EVENT_STRIP, Schedule, apply_event, make_schedule

_TINY = 1e-100  # below this a cohort is empty: kappa, lambda take their birth values (and 1/n^2 stays finite)


# --------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class ColumnLayout:
    """Positions of the state groups in the flat vector ``y`` (one column)."""

    K: int
    Z: int
    A: int

    @classmethod
    def of(cls, grid: ModelGrid) -> "ColumnLayout":
        if grid.lateral.ndim != 0:
            raise ValueError(f"the BDF reference is single-column only; got lateral kind {grid.lateral.kind!r}")
        return cls(grid.n_stages, grid.nz, grid.n_bins)

    @property
    def sizes(self) -> dict[str, int]:
        K, Z, A = self.K, self.Z, self.A
        return {"m": K, "c": Z, "ca": Z, "store": 1, "f": 1, "g": 1, "e": 1, "lb": 1,
                "n": A, "n_kappa": A, "n_lam": A, "b": 1, "wound_um": 1,
                "produced": 1, "desquamated": 1, "removed": 1}

    @property
    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for name, size in self.sizes.items():
            out[name] = slice(start, start + size)
            start += size
        return out

    @property
    def size(self) -> int:
        return sum(self.sizes.values())


def _ratio(num, den, empty_value):
    full = den > _TINY
    return jnp.where(full, num / jnp.where(full, den, 1.0), empty_value)


def pack(state: SkinState, layout: ColumnLayout):
    """Flatten a single-column :class:`SkinState` into ``y`` (conservative cohort variables)."""
    parts = {
        "m": state.m, "c": state.c, "ca": state.ca, "store": state.store, "f": state.f, "g": state.g,
        "e": state.e, "lb": state.lb, "n": state.n, "n_kappa": state.n * state.kappa, "n_lam": state.n * state.lam,
        "b": state.b, "wound_um": state.wound_um, "produced": state.produced,
        "desquamated": state.desquamated, "removed": state.removed,
    }
    return jnp.concatenate([jnp.reshape(jnp.asarray(parts[k], dtype=jnp.float64), (-1,)) for k in layout.sizes])


def unpack(y, layout: ColumnLayout, params: SkinParams) -> SkinState:
    """Inverse of :func:`pack`."""
    sl = layout.slices
    part = lambda k: y[sl[k]]  # noqa: E731
    scalar = lambda k: y[sl[k]][0]  # noqa: E731
    n = part("n")
    return SkinState(
        m=part("m"), c=part("c"), ca=part("ca"), store=scalar("store"), f=scalar("f"), g=scalar("g"),
        e=scalar("e"), lb=scalar("lb"), n=n,
        kappa=_ratio(part("n_kappa"), n, 1.0), lam=_ratio(part("n_lam"), n, params.lipid_birth),
        b=scalar("b"), wound_um=scalar("wound_um"), produced=scalar("produced"),
        desquamated=scalar("desquamated"), removed=scalar("removed"),
    )


def _apply_operator(lower, diag, upper, b, u):
    """``L u + b`` for the tridiagonal operator of :func:`sim.depth_operator`."""
    below = jnp.concatenate([jnp.zeros(1), u[:-1]])
    above = jnp.concatenate([u[1:], jnp.zeros(1)])
    return lower * below + diag * u + upper * above + b


# --------------------------------------------------------------------------- RHS

def column_rhs(t, y, params: SkinParams, grid: ModelGrid):
    """Right-hand side ``dy/dt`` of the single-column model (see the module docstring).

    ``y``: flat state of :func:`pack` (length ``ColumnLayout.of(grid).size``); ``t`` (h)
    is unused (the model is autonomous between events). Pure JAX: jit and differentiate.
    """
    del t
    layout = ColumnLayout.of(grid)
    s = unpack(y, layout, params)
    depth = grid.depth
    xi = jnp.asarray(depth.z_um)
    h_xi = depth.h_um
    n, kap, lam = s.n, s.kappa, s.lam

    # barrier and water flux
    tewl = tewl_from_resistance(params, barrier_resistance(params, n, lam))

    # cytokine store, released into the upper VE
    trigger = jax.nn.sigmoid((tewl / params.tewl_ref - params.barrier_threshold) / params.barrier_width)
    rate_out = params.store_release_per_h * trigger + params.c_basal_release_per_h
    d_store = -rate_out * s.store + (1.0 - s.store) / params.store_refill_h
    upper = (xi > 1.0 - UPPER_VE_FRACTION).astype(xi.dtype)
    upper = upper / (upper.sum() * h_xi)

    # signals in normalised depth: the semi-discrete operator that backward Euler inverts
    H = ve_um_per_layer(params) * jnp.sum(s.m)
    op_c = depth_operator(depth, params.c_diff_um2_h / H**2, params.c_decay_per_h,
                          BoundaryCondition("robin", 0.0, params.c_clearance_um_h / H),
                          BoundaryCondition("neumann", 0.0))
    d_c = _apply_operator(*op_c, s.c) + rate_out * s.store * upper
    retention = params.ca_retention_per_h * xi**4
    op_ca = depth_operator(depth, params.ca_diff_um2_h / H**2, retention,
                           BoundaryCondition("dirichlet", params.ca_basal),
                           BoundaryCondition("robin", 0.0, params.ca_washout * tewl / H))
    d_ca = _apply_operator(*op_ca, s.ca) + retention * params.ca_ceiling

    # lamellar-body secretion into the young cohorts
    ca_top = calcium_top(params, s.ca, tewl, H, grid.nz)
    drive = secretion_drive(params, ca_top)
    secretion = params.lb_secretion_per_h * drive * s.lb
    d_lb = -secretion + (1.0 - s.lb) / params.lb_refill_h
    w_age = jnp.exp(-jnp.asarray(grid.bin_age_mid_h) / params.lb_deposit_age_h)
    receiving = jnp.sum(n * w_age)
    dose_rate = params.lb_yield * secretion * w_age / jnp.maximum(receiving, 0.05)

    # SC cohort kinetics
    above = layers_above(n)
    k_coh = params.cohesion_loss_per_h * params.cohesion_heterogeneity * (
        1.0 + params.cohesion_surface_boost * jnp.exp(-above / params.cohesion_surface_depth))
    k_lip = params.lipid_processing_per_h * jnp.exp(-above / params.lipid_processing_depth)
    weak = jax.nn.sigmoid((params.cohesion_critical - kap) / params.cohesion_width)
    d_rate = params.desquamation_per_h * weak * jnp.exp(-above / params.exposure_depth)

    # VE chain with homeostatic feedback; outflow born into bin 0
    M = jnp.sum(s.m)
    P = proliferation(params, M, s.g)
    tau_stage = params.tau_ve_h / grid.n_stages
    inflow = jnp.concatenate([P[None], s.m[:-1] / tau_stage])
    d_m = inflow - s.m / tau_stage
    outflow = s.m[-1] / tau_stage
    birth = jnp.zeros(layout.A).at[0].set(outflow)

    n_kap, n_lam = n * kap, n * lam
    d_n = -d_rate * n + birth
    d_nkap = -(d_rate + k_coh) * n_kap + birth
    d_nlam = -(d_rate + k_lip) * n_lam + (n - n_lam) * dose_rate + birth * params.lipid_birth

    # dermis, wound, topography
    c_excess = jnp.maximum(smooth_relu(s.c[0] - params.c_basal_ref, 1e-3) - 1e-3 * jnp.log(2.0), 0.0)  # as models.skin
    f_target = c_excess / (c_excess + params.fibroblast_K)
    e_target = c_excess / (c_excess + params.erythema_K)
    d_f = (f_target - s.f) / params.fibroblast_h
    d_g = (s.f - s.g) / params.growth_factor_h
    d_e = (e_target - s.e) / params.erythema_h
    d_wound = -P * s.wound_um / jnp.maximum(M, 1e-3)
    d_b = (params.dermis_template_um - s.b) / params.relapse_h

    parts = {
        "m": d_m, "c": d_c, "ca": d_ca, "store": d_store, "f": d_f, "g": d_g, "e": d_e, "lb": d_lb,
        "n": d_n, "n_kappa": d_nkap, "n_lam": d_nlam, "b": d_b, "wound_um": d_wound,
        "produced": P, "desquamated": jnp.sum(d_rate * n), "removed": jnp.zeros(()),
    }
    return jnp.concatenate([jnp.reshape(parts[k], (-1,)) for k in layout.sizes])


# --------------------------------------------------------------------------- solver

class ReferenceSolution(NamedTuple):
    """Output of :func:`solve_column_bdf`."""

    t_h: np.ndarray  # (T,) report times (h)
    diag: Diagnostics  # each field (T,)
    desquamated: np.ndarray  # (T,) cumulative
    removed: np.ndarray  # (T,)
    produced: np.ndarray  # (T,)
    final_state: SkinState  # after the last segment (events at t_end applied)
    nfev: int
    njev: int
    nlu: int
    n_segments: int


def _event_schedule(kind: int, strip_fraction: float) -> Schedule:
    """A one-row event table (built with the public :func:`models.simulate.make_schedule`)."""
    one_step = TimeGrid(dt=np.zeros(1), t_end=np.zeros(1), event=np.zeros(1, np.int32),
                        shift=np.zeros(1, bool), save=np.zeros(1, bool))
    return make_schedule(one_step, [kind], [strip_fraction])


def solve_column_bdf(state0: SkinState, params: SkinParams, grid: ModelGrid, t_end_h: float,
                     events: Sequence[tuple[float, int, float]] = (), t_eval=None, *,
                     rtol: float = 1e-8, atol: float = 1e-10, first_step: float | None = 1e-6) -> ReferenceSolution:
    """Integrate the single-column model from ``state0`` over ``[0, t_end_h]`` with BDF.

    Parameters
    ----------
    state0, params : single-column state and parameters (``grid.lateral.kind == "column"``).
    t_end_h : end time (h).
    events : ``(time_h, kind, strip_fraction)`` rows (``kind``: :data:`models.simulate.EVENT_STRIP`),
        applied at exactly ``time_h`` with :func:`models.simulate.apply_event`.
    t_eval : report times (h) in ``[0, t_end_h]``; default every ``grid.bin_width_h``.
    rtol, atol : tolerances of :func:`scipy.integrate.solve_ivp` (absolute tolerance on every
        component of ``y``; layers, normalised concentrations).

    Age bins shift at every multiple of ``grid.bin_width_h`` in ``(0, t_end_h]``; the
    integration restarts after each shift and each event (the maps are discontinuous).
    """
    layout = ColumnLayout.of(grid)
    if t_eval is None:
        t_eval = np.arange(0.0, t_end_h + 1e-9, grid.bin_width_h)
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.size and (t_eval.min() < 0 or t_eval.max() > t_end_h + 1e-9):
        raise ValueError(f"t_eval must lie in [0, {t_end_h}] h")
    events = sorted(((float(t), int(k), float(v)) for t, k, v in events), key=lambda e: e[0])
    for t, k, _ in events:
        if not 0 <= t <= t_end_h:
            raise ValueError(f"event time {t} h outside [0, {t_end_h}] h")
        if k != EVENT_STRIP:
            raise ValueError(f"event kind {k} not supported by the reference (only strip = {EVENT_STRIP})")

    rhs = lambda yy: _rhs(yy, params, grid)  # noqa: E731
    jac = lambda yy: _jac(yy, params, grid)  # noqa: E731  (subnormals flushed: see _jac)
    to_state = lambda yy: _unpack(yy, params, grid)  # noqa: E731
    from_state = lambda st: _pack(st, grid)  # noqa: E731
    shift = lambda st: _shift(st, params)  # noqa: E731
    report = lambda yy: _report(yy, params, grid)  # noqa: E731

    def apply_events_at(y, t):
        for te, kind, frac in events:
            if abs(te - t) < 1e-9:
                y = from_state(_apply_event(to_state(y), params, _event_schedule(kind, frac)))
        return y

    shifts = np.arange(1, int(np.floor(t_end_h / grid.bin_width_h + 1e-9)) + 1) * grid.bin_width_h
    breaks = np.unique(np.concatenate([shifts, [e[0] for e in events], [t_end_h]]))
    breaks = breaks[(breaks > 0) & (breaks <= t_end_h + 1e-9)]

    y = np.asarray(from_state(state0))
    records: dict[float, tuple] = {}
    if np.any(np.abs(t_eval) < 1e-9):
        records[0.0] = report(y)
    y = np.asarray(apply_events_at(y, 0.0))
    fun = lambda t, yy: np.asarray(rhs(yy))  # noqa: E731
    jacobian = lambda t, yy: np.asarray(jac(yy))  # noqa: E731
    nfev = njev = nlu = 0
    t0 = 0.0
    for t1 in breaks:
        inside = t_eval[(t_eval > t0 + 1e-9) & (t_eval < t1 - 1e-9)]
        # the segment end is always an output point: its column is the state carried on
        sol = solve_ivp(fun, (t0, float(t1)), y, method="BDF", jac=jacobian, rtol=rtol, atol=atol,
                        t_eval=np.append(inside, t1), first_step=first_step)
        if sol.status != 0:
            raise RuntimeError(f"BDF failed on [{t0}, {t1}] h: {sol.message}")
        nfev, njev, nlu = nfev + sol.nfev, njev + sol.njev, nlu + sol.nlu
        for j, tj in enumerate(inside):
            records[float(tj)] = report(sol.y[:, j])
        y = sol.y[:, -1]
        if any(abs(t1 - ts) < 1e-9 for ts in shifts):
            y = np.asarray(from_state(shift(to_state(y))))
        if np.any(np.abs(t_eval - t1) < 1e-9):
            records[float(t_eval[np.argmin(np.abs(t_eval - t1))])] = report(y)
        y = np.asarray(apply_events_at(y, float(t1)))
        t0 = float(t1)

    times = np.asarray(sorted(records))
    rows = [records[t] for t in times]
    diag = Diagnostics(*(np.asarray([r[0][i] for r in rows]) for i in range(len(Diagnostics._fields))))
    return ReferenceSolution(
        t_h=times, diag=diag,
        desquamated=np.asarray([r[1] for r in rows]), removed=np.asarray([r[2] for r in rows]),
        produced=np.asarray([r[3] for r in rows]),
        final_state=to_state(jnp.asarray(y)), nfev=int(nfev), njev=int(njev), nlu=int(nlu),
        n_segments=int(len(breaks)),
    )


# module-level jitted pieces: compiled once per grid shape, whatever the parameter values
@partial(jax.jit, static_argnames=("grid",))
def _rhs(y, params, grid):
    return column_rhs(0.0, y, params, grid)


@partial(jax.jit, static_argnames=("grid",))
def _jac(y, params, grid):
    # entries below 1e-250 (products of the ~1e-150 layer counts of long-shed cohorts) are
    # flushed to zero: subnormal numbers make LAPACK's LU factorisation ~40x slower
    J = jax.jacfwd(column_rhs, argnums=1)(0.0, y, params, grid)
    return jnp.where(jnp.abs(J) < 1e-250, 0.0, J)


@partial(jax.jit, static_argnames=("grid",))
def _unpack(y, params, grid):
    return unpack(y, ColumnLayout.of(grid), params)


@partial(jax.jit, static_argnames=("grid",))
def _pack(state, grid):
    return pack(state, ColumnLayout.of(grid))


@jax.jit
def _shift(state, params):
    return shift_bins(state, params)


@jax.jit
def _apply_event(state, params, schedule):
    return apply_event(state, params, schedule, jnp.asarray(0))


@partial(jax.jit, static_argnames=("grid",))
def _report(y, params, grid):
    state = unpack(y, ColumnLayout.of(grid), params)
    return diagnostics(state, params, grid), state.desquamated, state.removed, state.produced
