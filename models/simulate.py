"""The run: events, one jitted scan, and the homeostatic spin-up.

``simulate`` is the single jitted entry point (diffrax style): static grid and output
switches, everything else traced, so one compilation per grid shape serves every
parameter value and schedule of the same padded length. ``vmap`` over the leading axis
of ``params`` / ``schedule`` batches scenarios.

Events are data: tape strips (``EVENT_STRIP``) and device sessions (``EVENT_SESSION``,
:mod:`models.device`) are rows of the padded event table of a :class:`Schedule`; the
step applies the row named by the time grid, masked by its kind. Each step also
records what its event did (:class:`EventRecord`), from which the per-session outcomes
are read (``experiments.runner``, :mod:`models.outcomes`).
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import NamedTuple, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from sim.driver import make_sparse_cond, scan_steps
from sim.grids import LateralGrid
from sim.timegrid import TimeGrid, make_time_grid
from models.skin import (
    Diagnostics, calcium_top, ModelGrid, SkinParams, SkinState, diagnostics, initial_state, shift_bins,
    skin_step, strip_top_layers, surface_um, tewl_from_resistance, barrier_resistance, ve_um_per_layer,
)
from models.device import (
    DeviceParams, SessionFields, SessionSettings, make_device_params, make_session_settings, session_update,
)

EVENT_NONE, EVENT_STRIP, EVENT_SESSION = 0, 1, 2


class Schedule(eqx.Module):
    """Per-step time grid plus the padded event table (data, not control flow).

    ``dt, event, shift`` have shape ``(N,)``; ``event_kind, strip_fraction`` shape
    ``(E,)`` with ``E >= 1`` (unused rows have kind 0); ``settings`` holds the session
    settings of each row (:class:`models.device.SessionSettings`, arrays ``(E,)``) and
    ``device`` the scenario's hardware and skin mechanics
    (:class:`models.device.DeviceParams`, scalars). Every leaf is an array, so schedules of
    scenarios with equal ``N`` and ``E`` stack (``jax.tree.map(np.stack, ...)``) for ``vmap``.
    """

    dt: jax.Array
    event: jax.Array
    shift: jax.Array
    event_kind: jax.Array
    strip_fraction: jax.Array
    settings: SessionSettings
    device: DeviceParams


def make_schedule(grid: TimeGrid, event_kind, strip_fraction, n_events: int | None = None,
                  settings: SessionSettings | Sequence | None = None,
                  device: DeviceParams | None = None) -> Schedule:
    """Pack a :class:`sim.timegrid.TimeGrid` and event rows (padded to ``n_events``).

    ``settings``: per-row session settings, either a :class:`SessionSettings` or a list
    with one mapping per row (None for rows that are not sessions; see
    :func:`models.device.make_session_settings`); default: no session settings.
    ``device``: the scenario's :class:`DeviceParams` (default: placeholders, fine when
    there is no session).
    """
    kinds = np.asarray(event_kind, dtype=np.int32).reshape(-1)
    frac = np.asarray(strip_fraction, dtype=float).reshape(-1)
    E = max(n_events or 0, kinds.size, 1)
    pad = E - kinds.size
    if settings is None:
        settings = make_session_settings([], E)
    elif not isinstance(settings, SessionSettings):
        settings = make_session_settings(list(settings), E)
    else:
        size = int(settings.vacuum_kpa.shape[-1])
        if size > E:
            raise ValueError(f"settings have {size} rows, more than the {E} events")
        if size < E:
            extra = make_session_settings([], E - size)
            settings = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a, b]), settings, extra)
    return Schedule(
        dt=jnp.asarray(grid.dt), event=jnp.asarray(grid.event), shift=jnp.asarray(grid.shift),
        event_kind=jnp.asarray(np.concatenate([kinds, np.zeros(pad, np.int32)])),
        strip_fraction=jnp.asarray(np.concatenate([frac, np.zeros(pad)])),
        settings=settings,
        device=make_device_params() if device is None else device,
    )


class EventRecord(NamedTuple):
    """What the event at the start of a step did (lateral summaries; zeros when none)."""

    removed_layers: jax.Array  # lateral mean of SC layers removed
    removed_um: jax.Array  # lateral mean of tissue removed (SC + living epidermis), µm
    injury_um: jax.Array  # deepest living epidermis removed by this event, µm
    exposed_fraction: jax.Array  # fraction of columns left with < 0.5 SC layer (strips, sessions)
    petechiae_risk: jax.Array  # 0..1 (sessions)
    strain: jax.Array  # suction strain (sessions)
    tewl_after: jax.Array  # lateral-mean TEWL right after the event (sessions; 0 otherwise)


def _no_record() -> EventRecord:
    return EventRecord(*(jnp.zeros(()) for _ in EventRecord._fields))


class StepOutput(NamedTuple):
    diag: Diagnostics
    desquamated: jax.Array  # cumulative, lateral mean (layers)
    removed: jax.Array
    produced: jax.Array
    surface: jax.Array  # (L,) or () when profiles are off
    event: EventRecord  # the event applied at the start of the step
    oldest_bin_layers: jax.Array  # largest content of the last ("older than") SC age bin, layers


def _grid_for(state: SkinState, grid: ModelGrid | None) -> ModelGrid:
    if grid is not None:
        return grid
    if state.b.ndim:
        raise ValueError("apply_event needs the ModelGrid for device sessions on a lateral grid")
    return ModelGrid(lateral=LateralGrid("column"), nz=state.c.shape[-1], n_stages=state.m.shape[-1],
                     n_bins=state.n.shape[-1])


class _SessionConstants(NamedTuple):
    """The few skin parameters a session needs (the gate passes these, not all of SkinParams).

    The barrier fields carry the names of :class:`models.skin.SkinParams`, so
    :func:`models.skin.barrier_resistance` and :func:`models.skin.tewl_from_resistance`
    take this in place of the parameters.
    """

    sc_layer_um: jax.Array
    ve_um_per_layer: jax.Array
    ve_resistance: jax.Array
    layer_resistance: jax.Array
    lipid_exponent: jax.Array
    vapour_drop: jax.Array

    @classmethod
    def of(cls, params: SkinParams) -> "_SessionConstants":
        return cls(params.sc_layer_um, ve_um_per_layer(params), params.ve_resistance, params.layer_resistance,
                   params.lipid_exponent, params.vapour_drop)


def _session_record(fields: SessionFields, k: _SessionConstants, device: DeviceParams, row: SessionSettings,
                    grid: ModelGrid) -> tuple[SessionFields, EventRecord]:
    """A session on the fields it touches; ``tewl_after`` is filled in by the caller."""
    new, rec = session_update(fields, k.sc_layer_um, k.ve_um_per_layer, device, row, grid)
    removed_um = rec.removed_sc_layers * k.sc_layer_um + rec.removed_ve_um
    return new, EventRecord(
        removed_layers=jnp.mean(rec.removed_sc_layers), removed_um=jnp.mean(removed_um),
        injury_um=jnp.max(rec.removed_ve_um), exposed_fraction=rec.exposed_fraction,
        petechiae_risk=rec.petechiae_risk, strain=rec.strain, tewl_after=jnp.zeros(()))


def _strip_and_session(fields: SessionFields, k: _SessionConstants, device: DeviceParams,
                       row: SessionSettings, kind, strip_fraction, grid: ModelGrid) -> tuple[SessionFields, EventRecord]:
    """The event of one row on the fields it touches: a strip (masked by ``kind``), then a session."""
    is_strip = (kind == EVENT_STRIP).astype(fields.n.dtype)
    total = jnp.sum(fields.n, axis=-1)
    n_new, taken = strip_top_layers(fields.n, is_strip * strip_fraction * total)
    strip_layers = jnp.sum(taken, axis=-1)
    fields = fields._replace(n=n_new, removed=fields.removed + strip_layers)
    exposed = jnp.mean(jax.nn.sigmoid((device.exposed_layers - jnp.sum(n_new, axis=-1)) / 0.1))
    strip_record = EventRecord(
        removed_layers=jnp.mean(strip_layers), removed_um=jnp.mean(strip_layers) * k.sc_layer_um,
        injury_um=jnp.zeros(()), exposed_fraction=is_strip * exposed,
        petechiae_risk=jnp.zeros(()), strain=jnp.zeros(()), tewl_after=jnp.zeros(()))
    return jax.lax.cond(kind == EVENT_SESSION, lambda f: _session_record(f, k, device, row, grid),
                        lambda f: (f, strip_record), fields)


@lru_cache(maxsize=None)
def _gated_event(grid: ModelGrid):
    """``(has_event, operands) -> (fields, record, tewl)``, one per grid.

    A :func:`sim.driver.make_sparse_cond`: the event (strip or session) and the TEWL of
    the changed barrier are computed only on steps that have an event, batched or not;
    other steps pass the fields and the carried TEWL through.
    """

    def event(ops):
        fields, lam, k, device, settings, row, kind, strip_fraction, _ = ops
        fields, record = _strip_and_session(fields, k, device, settings.row(row), kind, strip_fraction[row], grid)
        tewl = tewl_from_resistance(k, barrier_resistance(k, fields.n, lam))
        record = record._replace(tewl_after=jnp.where(kind == EVENT_SESSION, jnp.mean(tewl), 0.0))
        return fields, record, tewl

    def no_event(ops):
        return ops[0], _no_record(), ops[-1]

    return make_sparse_cond(event, no_event)


def column_tewl(state: SkinState, params: SkinParams):
    """TEWL of each column (g m^-2 h^-1), shape ``L``."""
    return tewl_from_resistance(params, barrier_resistance(params, state.n, state.lam))


def apply_event_recorded(state: SkinState, params: SkinParams, schedule: Schedule, index,
                         grid: ModelGrid | None = None, tewl=None):
    """Apply event ``index`` (-1: none); return the new state and its :class:`EventRecord`.

    Every kind is masked, not branched in Python: a strip removes its fraction of the SC
    layers from the top, a session runs :func:`models.device.session_update`; both sit
    behind a gate that skips them on steps without an event, batched or not (see
    :func:`_gated_event`). With ``tewl`` (the TEWL field of ``state``, shape ``L``) it
    returns ``(state, record, tewl)``, the TEWL updated when the event changed the barrier.
    """
    row = jnp.maximum(index, 0)
    kind = jnp.where(index >= 0, schedule.event_kind[row], EVENT_NONE)
    carried = column_tewl(state, params) if tewl is None else tewl
    fields, record, tewl_new = _gated_event(_grid_for(state, grid))(
        kind != EVENT_NONE,
        (SessionFields.of(state), state.lam, _SessionConstants.of(params), schedule.device,
         schedule.settings, row, kind, schedule.strip_fraction, carried))
    state = fields.into(state)
    return (state, record) if tewl is None else (state, record, tewl_new)


def apply_event(state: SkinState, params: SkinParams, schedule: Schedule, index,
                grid: ModelGrid | None = None) -> SkinState:
    """Apply event ``index`` (-1: none) to ``state``; every kind is masked, not branched."""
    return apply_event_recorded(state, params, schedule, index, grid)[0]


def _shifted(ops):
    state, params = ops
    return shift_bins(state, params), params


_gated_shift = make_sparse_cond(_shifted, lambda ops: ops)


def _output(state, params, grid, profiles: bool, record: EventRecord | None = None, tewl=None) -> StepOutput:
    return StepOutput(
        diag=diagnostics(state, params, grid, tewl_field=tewl),
        desquamated=jnp.mean(state.desquamated),
        removed=jnp.mean(state.removed),
        produced=jnp.mean(state.produced),
        surface=surface_um(state, params) if profiles else jnp.zeros(()),
        event=_no_record() if record is None else record,
        oldest_bin_layers=jnp.max(state.n[..., -1]),
    )


@partial(jax.jit, static_argnames=("grid", "profiles"))
def simulate(state0: SkinState, params: SkinParams, schedule: Schedule, grid: ModelGrid,
             profiles: bool = False):
    """Run the whole schedule. Returns ``(final_state, initial_output, per_step_outputs)``.

    Per step: apply the event that starts the step (recording what it did in
    ``outs.event``), advance the skin by ``dt``, shift the age bins if the step ends on a
    bin boundary, record the lateral-mean readouts. The TEWL field is computed once per
    step and carried: it is this step's readout and the barrier that drives the next
    step (recomputed only after an event). Zero-length padding steps change nothing.
    """

    structure = []

    def step(carry, x):
        state, tewl = carry
        dt, ev, shift = x
        state, record, tewl = apply_event_recorded(state, params, schedule, ev, grid, tewl)
        state = skin_step(state, params, dt, grid, tewl=tewl)
        state, _ = _gated_shift(shift, (state, params))
        tewl = column_tewl(state, params)
        out = _output(state, params, grid, profiles, record, tewl)
        # the scalar readouts travel as one vector per step (one stacked output, not ~30)
        scalars, treedef = jax.tree_util.tree_flatten(out._replace(surface=None))
        structure[:] = [treedef]
        return (state, tewl), (jnp.stack(scalars), out.surface)

    tewl0 = column_tewl(state0, params)
    (final, _), (packed, surface) = scan_steps(step, (state0, tewl0), (schedule.dt, schedule.event, schedule.shift))
    outs = jax.tree_util.tree_unflatten(structure[0], [packed[:, i] for i in range(packed.shape[1])])
    return final, _output(state0, params, grid, profiles, tewl=tewl0), outs._replace(surface=surface)


def untreated_schedule(days: float, dt_h: float, grid: ModelGrid) -> tuple[TimeGrid, Schedule]:
    tg = make_time_grid(days * 24.0, dt_h, (), bin_width_h=grid.bin_width_h, save_every_h=grid.bin_width_h)
    return tg, make_schedule(tg, [], [])


def with_references(state: SkinState, params: SkinParams) -> SkinParams:
    """Set the homeostatic references (per column) from a spun-up ``state``."""
    tewl = column_tewl(state, params)
    H = jnp.mean(ve_um_per_layer(params) * jnp.sum(state.m, axis=-1))
    ca_top = calcium_top(params, state.ca, tewl, H, state.ca.shape[-1])
    return eqx.tree_at(
        lambda p: (p.tewl_ref, p.ca_top_ref, p.c_basal_ref),
        params, (tewl, ca_top, state.c[..., 0]))


def spin_up(params: SkinParams, grid: ModelGrid, dt_h: float = 1.0, stage_days: float = 90.0):
    """Homeostatic steady state of a profile on a grid (spin-up, then fork).

    Four equal stages (one compilation) of the untreated model from
    :func:`models.skin.initial_state`: after the first three, the per-column homeostatic
    references (TEWL, Ca_top, basal cytokine) are set from the state; during those three
    the secretion set point follows the current Ca_top (``ca_ref_tracking = 1``, see
    :func:`models.skin.secretion_drive`), so the relative set point needs no fixed-point
    iteration on its reference; at the end the
    dermal surface is put back on its template (its exact steady state while remodelling
    is off; the start-up transient would otherwise leave it smoothed, to relapse over
    months). The last stage runs with the final references, which are not changed
    afterwards, so the returned state is the steady state of the returned parameters
    (the slowest mode, the VE feedback, decays with an e-folding time of ~9 d). ``drift`` is the largest change of the readouts over the last 30 days of
    that stage, relative to ``max(|value|, 1e-6)`` (~0 at homeostasis).
    """
    params = eqx.tree_at(
        lambda p: (p.tewl_ref, p.ca_top_ref, p.c_basal_ref), params,
        tuple(jnp.broadcast_to(a, grid.lateral.shape) * 1.0 for a in (params.tewl_ref, params.ca_top_ref, params.c_basal_ref)))
    state = initial_state(params, grid)
    _, sched = untreated_schedule(stage_days, dt_h, grid)
    params = eqx.tree_at(lambda p: p.ca_ref_tracking, params, jnp.asarray(1.0))
    for _ in range(3):
        state, _, _ = simulate(state, params, sched, grid)
        params = with_references(state, params)
    params = eqx.tree_at(lambda p: p.ca_ref_tracking, params, jnp.asarray(0.0))
    state, _, outs = simulate(state, params, sched, grid)
    # the dermal surface: its steady state is the template exactly while remodelling is
    # off (mean fibroblast activation below the 0.1 % threshold of models.skin)
    state = eqx.tree_at(lambda s: s.b, state, params.dermis_template_um * jnp.ones_like(state.b))
    lag = int(round(30 * 24.0 / dt_h))
    drift = 0.0 if float(jnp.mean(state.f)) < 1e-3 else float("inf")
    roughness = {"ra_um", "rq_um", "rz_um", "fine_line_depth_um"}
    for name, series in outs.diag._asdict().items():
        if name in roughness:
            continue  # depends on b, reset above
        series = np.asarray(series)
        a, b = series[-1], series[-1 - lag]
        drift = max(drift, abs(a - b) / max(abs(b), 1e-6))
    return state, params, float(drift)
