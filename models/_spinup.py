"""The homeostatic spin-up: the untreated steady state of a profile on a grid."""

from __future__ import annotations

import math
from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp

from sim import TimeGrid, make_time_grid
from models._grid import ModelGrid
from models._laws import calcium_top, ve_depth_um
from models._params import SkinParams
from models._readouts import column_tewl
from models._schedule import Schedule, make_schedule
from models._simulate import simulate
from models._state import SkinState, initial_state
from models._tables import HOURS_PER_DAY

_REFERENCES = lambda p: (p.tewl_reference, p.calcium_top_reference, p.cytokine_basal_reference)  # noqa: E731


def untreated_schedule(days: float, dt_h: float, grid: ModelGrid) -> tuple[TimeGrid, Schedule]:
    """The time grid and schedule of ``days`` without events, saved once per age bin."""
    tg = make_time_grid(days * HOURS_PER_DAY, dt_h, (), bin_width_h=grid.bin_width_h, save_every_h=grid.bin_width_h)
    return tg, make_schedule(tg, [], [])


def with_references(state: SkinState, params: SkinParams) -> SkinParams:
    """Set the homeostatic references (per column) from a spun-up ``state``."""
    tewl = column_tewl(state, params)
    H = ve_depth_um(params, state.ve_cells)
    ca_top = calcium_top(params, state.calcium, tewl, H, state.calcium.shape[-1])
    return eqx.tree_at(_REFERENCES, params, (tewl, ca_top, state.cytokine[..., 0]))


_ROUGHNESS = ("ra_um", "rq_um", "rz_um", "fine_line_depth_um")  # depend on the dermal surface, reset at the end
_TRACKING = (1.0, 1.0, 1.0, 0.0)  # reference_tracking of the four stages; the references are set after the first three


def _start(params: SkinParams, grid: ModelGrid, dt_h: float, stage_days: float):
    """The initial state, the parameters with strongly typed per-column references, and the stages' schedule."""
    # the references as strongly typed float arrays, as :func:`with_references` makes them: a
    # weakly typed placeholder (``jnp.asarray(10.0)``) gave the first stage another jit cache
    # key than the next three (``simulate`` compiled twice) and the scan's carry another type
    params = eqx.tree_at(
        _REFERENCES, params,
        tuple(jnp.broadcast_to(jnp.asarray(a, dtype=float), grid.lateral.shape) for a in _REFERENCES(params)))
    _, sched = untreated_schedule(stage_days, dt_h, grid)
    return initial_state(params, grid), params, sched


def _stage(carry, tracking, sched: Schedule, grid: ModelGrid, dt_h: float):
    """One stage: the untreated model over ``sched`` with ``reference_tracking = tracking``; the
    references then set from its final state when ``tracking > 0``. Returns ``((state, params), drift)``,
    ``drift`` the largest relative change of the readouts over the stage's last 30 days."""
    state, params = carry
    params = eqx.tree_at(lambda p: p.reference_tracking, params, tracking)
    state, _, outs = simulate(state, params, sched, grid)
    params = jax.tree.map(lambda new, old: jnp.where(tracking > 0, new, old), with_references(state, params), params)
    lag = int(round(30 * HOURS_PER_DAY / dt_h))
    drift = jnp.zeros(())
    for name, series in outs.diag._asdict().items():
        if name not in _ROUGHNESS:
            a, b = series[-1], series[-1 - lag]
            drift = jnp.maximum(drift, jnp.abs(a - b) / jnp.maximum(jnp.abs(b), 1e-6))
    return (state, params), drift


def _finish(state: SkinState, params: SkinParams, drift):
    # the dermal surface: its steady state is the template exactly while remodelling is
    # off (mean fibroblast activation below the 0.1 % threshold of the remodelling law)
    state = eqx.tree_at(lambda s: s.dermis_um, state, params.dermis_template_um * jnp.ones_like(state.dermis_um))
    return state, params, jnp.where(jnp.mean(state.fibroblast_activation) < 1e-3, drift, jnp.inf)


def spin_up_traced(params: SkinParams, grid: ModelGrid, dt_h: float = 1.0, stage_days: float = 90.0):
    """:func:`spin_up` as a traceable function: ``(state, params, drift)`` with ``drift`` a 0-d array.

    The four fixed stages and the same drift (see :func:`spin_up`; not its extension
    past four stages for slow profiles: a traced loop has a fixed length), with no conversion to
    Python numbers, so that it can be jit-compiled, vmapped over a batch of parameters
    (one spin-up per parameter sample, as a sensitivity analysis needs) and
    differentiated (``jax.jacrev`` through the four stages). ``dt_h`` and ``stage_days``
    are static (they fix the time grid).

    The four stages (:func:`_stage`) are one ``lax.scan`` over ``reference_tracking`` =
    1, 1, 1, 0, so a compiled program holds the model's step once for the whole spin-up
    instead of once per stage: compiling a reverse-mode gradient through it (calibration,
    sensitivity of skin parameters) takes about half as long. Its values agree with
    :func:`spin_up`'s to round-off (~1e-11 relative after the 360 days: XLA fuses the
    stages inside one program differently).
    """
    state, params, sched = _start(params, grid, dt_h, stage_days)
    carry = (state, eqx.tree_at(lambda p: p.reference_tracking, params, jnp.asarray(1.0)))  # the carry's type
    (state, params), drifts = jax.lax.scan(lambda c, t: _stage(c, t, sched, grid, dt_h), carry,
                                           jnp.asarray(_TRACKING))
    return _finish(state, params, drifts[-1])


def spin_up(params: SkinParams, grid: ModelGrid, dt_h: float = 1.0, stage_days: float = 90.0, *,
            tolerance: float | None = None, max_stages: int = len(_TRACKING),
            on_stage: Callable[[int, float], None] | None = None):
    """Homeostatic steady state of a profile on a grid (spin-up, then fork).

    Returns ``(state, params, drift)``. Four equal stages (one compilation) of the
    untreated model from :func:`models.initial_state`: after the first three, the
    per-column homeostatic references (TEWL, Ca_top, basal cytokine) are set from the
    state; during those three the secretion set point follows the current Ca_top
    (``reference_tracking = 1``, see :func:`models.secretion_drive`), so the relative
    set point needs no fixed-point iteration on its reference; at the end the dermal
    surface is put back on its template (its exact steady state while remodelling is
    off; the start-up transient would otherwise leave it smoothed, to relapse over
    months). The last stage runs with the final references, which are not changed
    afterwards, so the returned state is the steady state of the returned parameters
    (the slowest mode of the default profiles, the VE feedback, decays with an
    e-folding time of ~9 d).
    ``drift`` is the largest change of the readouts over the last 30 days of that stage,
    relative to ``max(|value|, 1e-6)`` (~0 at homeostasis), and ``inf`` while the mean
    fibroblast activation is still above the 0.1 % threshold of remodelling. The stages
    are those of :func:`spin_up_traced` (:func:`_stage`), run here one after the other
    (``simulate`` compiled once: the numbers of every cached homeostasis), the drift
    returned as a float.

    ``tolerance``: when given, the last stage (references fixed) is repeated while the
    drift is above it, up to ``max_stages`` stages in all. Profiles with a slow mode
    need it: a fibroblast or growth-factor time constant of 2,000 h (e-folding 83 d)
    leaves the start-up transient decaying by 30 % per month after the four stages and
    settles after ~18 stages (4.4 simulated years); the default profiles stop after four,
    so their numbers are those of a fixed four-stage spin-up; a NaN drift stops it.
    ``on_stage(k, drift)`` is called after each stage ``k = 1, 2, ...``.
    """
    if tolerance is not None and max_stages < len(_TRACKING):
        raise ValueError(f"max_stages = {max_stages} is fewer than the {len(_TRACKING)} stages of a spin-up")
    state, params, sched = _start(params, grid, dt_h, stage_days)
    carry = (state, params)
    k = 0
    while True:
        tracking = _TRACKING[k] if k < len(_TRACKING) else _TRACKING[-1]
        carry, drift = _stage(carry, jnp.asarray(tracking), sched, grid, dt_h)
        k += 1
        done = _finish(*carry, drift)
        if on_stage is not None:
            on_stage(k, float(done[2]))
        if k >= len(_TRACKING) and (tolerance is None or float(done[2]) <= tolerance or k >= max_stages
                                    or math.isnan(float(done[2]))):  # NaN does not settle: no more stages
            break
    state, params, drift = done
    return state, params, float(drift)
