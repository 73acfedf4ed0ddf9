"""Applying the event that starts a step (strip or device session) and recording what it did.

Every kind is masked, not branched in Python: a strip removes its fraction of the SC
layers from the top, a session runs :func:`models.session_update`; both sit behind a
:func:`sim.make_sparse_cond` gate that skips them on steps without an event, batched or
not.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import jax
import jax.numpy as jnp

from sim import LateralGrid, make_sparse_cond
from models._device import DeviceParams, SessionFields, SessionSettings, session_update
from models._grid import ModelGrid
from models._laws import barrier_tewl
from models._params import SkinParams
from models._readouts import column_tewl
from models._schedule import EVENT_NONE, EVENT_SESSION, EVENT_STRIP, Schedule
from models._state import SkinState
from models._substeps import strip_top_layers


class EventRecord(NamedTuple):
    """What the event at the start of a step did (lateral summaries, scalars; zeros when none)."""

    removed_layers: jax.Array  # lateral mean of SC layers removed
    removed_um: jax.Array  # lateral mean of tissue removed (SC + living epidermis), µm
    injury_um: jax.Array  # deepest living epidermis removed by this event, µm
    exposed_fraction: jax.Array  # fraction of columns left with < 0.5 SC layer (strips, sessions)
    denuded_fraction: jax.Array  # fraction of columns left without living epidermis (sessions)
    petechiae_risk: jax.Array  # 0..1 (sessions)
    strain: jax.Array  # suction strain (sessions)
    tewl_after: jax.Array  # lateral-mean TEWL right after the event (sessions; 0 otherwise)


def no_record() -> EventRecord:
    """The record of a step without an event (zeros)."""
    return EventRecord(*(jnp.zeros(()) for _ in EventRecord._fields))


def _grid_for(state: SkinState, grid: ModelGrid | None) -> ModelGrid:
    if grid is not None:
        return grid
    if state.dermis_um.ndim:
        raise ValueError("apply_event needs the ModelGrid for device sessions on a lateral grid")
    return ModelGrid(lateral=LateralGrid("column"), nz=state.cytokine.shape[-1], n_stages=state.ve_cells.shape[-1],
                     n_bins=state.sc_layers.shape[-1])


def _session_record(fields: SessionFields, params: SkinParams, device: DeviceParams, row: SessionSettings,
                    grid: ModelGrid) -> tuple[SessionFields, EventRecord]:
    """A session on the fields it touches; ``tewl_after`` is filled in by the caller."""
    new, rec = session_update(fields, params, device, row, grid)
    removed_um = rec.removed_sc_layers * params.sc_layer_thickness_um + rec.removed_ve_um
    return new, EventRecord(
        removed_layers=jnp.mean(rec.removed_sc_layers), removed_um=jnp.mean(removed_um),
        injury_um=jnp.max(rec.removed_ve_um), exposed_fraction=rec.exposed_fraction,
        denuded_fraction=rec.denuded_fraction, petechiae_risk=rec.petechiae_risk, strain=rec.strain, tewl_after=jnp.zeros(()))


def _strip_and_session(fields: SessionFields, params: SkinParams, device: DeviceParams,
                       row: SessionSettings, kind, strip_fraction, grid: ModelGrid) -> tuple[SessionFields, EventRecord]:
    """The event of one row on the fields it touches: a strip (masked by ``kind``), then a session."""
    is_strip = (kind == EVENT_STRIP).astype(fields.sc_layers.dtype)
    total = jnp.sum(fields.sc_layers, axis=-1)
    n_new, taken = strip_top_layers(fields.sc_layers, is_strip * strip_fraction * total)
    strip_layers = jnp.sum(taken, axis=-1)
    fields = fields._replace(sc_layers=n_new, removed=fields.removed + strip_layers)
    exposed = jnp.mean(jax.nn.sigmoid((device.exposed_sc_layers - jnp.sum(n_new, axis=-1)) / 0.1))
    strip_record = EventRecord(
        removed_layers=jnp.mean(strip_layers), removed_um=jnp.mean(strip_layers) * params.sc_layer_thickness_um,
        injury_um=jnp.zeros(()), exposed_fraction=is_strip * exposed, denuded_fraction=jnp.zeros(()),
        petechiae_risk=jnp.zeros(()), strain=jnp.zeros(()), tewl_after=jnp.zeros(()))
    return jax.lax.cond(kind == EVENT_SESSION, lambda f: _session_record(f, params, device, row, grid),
                        lambda f: (f, strip_record), fields)


@lru_cache(maxsize=None)
def _gated_event(grid: ModelGrid):
    """``(has_event, operands) -> (fields, record, tewl)``, one per grid.

    A :func:`sim.make_sparse_cond`: the event (strip or session) and the TEWL of the
    changed barrier are computed only on steps that have an event, batched or not;
    other steps pass the fields and the carried TEWL through.
    """

    def event(ops):
        fields, sc_lipid, params, device, settings, row, kind, strip_fraction, _ = ops
        fields, record = _strip_and_session(fields, params, device, settings.row(row), kind, strip_fraction[row], grid)
        tewl = barrier_tewl(params, fields.sc_layers, sc_lipid)
        record = record._replace(tewl_after=jnp.where(kind == EVENT_SESSION, jnp.mean(tewl), 0.0))
        return fields, record, tewl

    def no_event(ops):
        return ops[0], no_record(), ops[-1]

    return make_sparse_cond(event, no_event)


def apply_event_recorded(state: SkinState, params: SkinParams, schedule: Schedule, index,
                         grid: ModelGrid | None = None, tewl=None):
    """Apply event ``index`` (-1: none); return the new state and its :class:`EventRecord`.

    With ``tewl`` (the TEWL field of ``state``, shape ``L``) it returns
    ``(state, record, tewl)``, the TEWL updated when the event changed the barrier.
    ``grid`` may be omitted on a single column.
    """
    row = jnp.maximum(index, 0)
    kind = jnp.where(index >= 0, schedule.event_kind[row], EVENT_NONE)
    carried = column_tewl(state, params) if tewl is None else tewl
    fields, record, tewl_new = _gated_event(_grid_for(state, grid))(
        kind != EVENT_NONE,
        (SessionFields.of(state), state.sc_lipid, params, schedule.device,
         schedule.settings, row, kind, schedule.strip_fraction, carried))
    state = fields.into(state)
    return (state, record) if tewl is None else (state, record, tewl_new)


def apply_event(state: SkinState, params: SkinParams, schedule: Schedule, index,
                grid: ModelGrid | None = None) -> SkinState:
    """Apply event ``index`` (-1: none) to ``state``; every kind is masked, not branched."""
    return apply_event_recorded(state, params, schedule, index, grid)[0]
