"""The schedule of a run: the time grid plus the padded event table (data, not control flow).

Events are rows of the table: tape strips (:data:`EVENT_STRIP`) and device sessions
(:data:`EVENT_SESSION`, :mod:`models._device`); unused rows have kind
:data:`EVENT_NONE`. The step applies the row named by the time grid, masked by its kind
(:func:`models.apply_event`).
"""

from __future__ import annotations

from typing import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from sim import TimeGrid
from models._device import DeviceParams, SessionSettings, make_device_params, make_session_settings

EVENT_NONE, EVENT_STRIP, EVENT_SESSION = 0, 1, 2


class Schedule(eqx.Module):
    """Per-step time grid plus the padded event table.

    ``dt`` (h), ``event`` (row index or -1), ``shift`` (bool) have shape ``(N,)``;
    ``event_kind, strip_fraction`` shape ``(E,)`` with ``E >= 1`` (unused rows have kind
    0); ``settings`` holds the session settings of each row (:class:`models.SessionSettings`,
    arrays ``(E,)``) and ``device`` the scenario's hardware and skin mechanics
    (:class:`models.DeviceParams`, scalars). Every leaf is an array, so schedules of
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
    """Pack a :class:`sim.TimeGrid` and event rows (padded to ``n_events``).

    ``settings``: per-row session settings, either a :class:`SessionSettings` or a list
    with one mapping per row (None for rows that are not sessions; see
    :func:`models.make_session_settings`); default: no session settings.
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
