"""The run: one jitted scan of events, skin step and age-bin shift over a schedule.

:func:`simulate` is the single jitted entry point (diffrax style): static grid and
output switches, everything else traced, so one compilation per grid shape serves every
parameter value and schedule of the same padded length. ``vmap`` over the leading axis
of ``params`` / ``schedule`` batches scenarios. The scan is :func:`sim.trajectory`: the
step advances the carry, its post-process hook makes the per-step output.

Each step also records what its event did (:class:`models.EventRecord`), from which the
per-session outcomes are read (:mod:`models.outcomes` functions, ``experiments``).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import equinox as eqx
import jax
import jax.flatten_util
import jax.numpy as jnp

from sim import make_batch_skip, make_sparse_cond, trajectory
from models._events import EventRecord, apply_event_recorded, no_record
from models._grid import ModelGrid
from models._params import SkinParams
from models._readouts import Diagnostics, column_tewl, diagnostics, surface_um
from models._schedule import Schedule
from models._state import SkinState
from models._status import RunStatus, nonfinite_status, raise_if_failed
from models._step import skin_step, step_factors
from models._substeps import shift_bins


class StepOutput(NamedTuple):
    """The readouts of one step (scalars, except ``surface``); stacked ``(N, ...)`` per run."""

    diag: Diagnostics
    desquamated: jax.Array  # cumulative, lateral mean (layers)
    removed: jax.Array
    produced: jax.Array
    surface: jax.Array  # (L,) or () when profiles are off
    event: EventRecord  # the event applied at the start of the step
    oldest_bin_layers: jax.Array  # largest content of the last ("older than") SC age bin, layers


def _readout_names() -> tuple[str, ...]:
    names = []
    for field in StepOutput._fields:
        sub = {"diag": Diagnostics, "event": EventRecord}.get(field)
        if field != "surface":
            names += [f"{field}.{name}" for name in sub._fields] if sub else [field]
    return tuple(names)


READOUT_NAMES = _readout_names()
"""Names of the scalar per-step readouts (``diag.tewl``, ``event.strain``...), in the
order of the packed per-step vector; :attr:`models.RunStatus.readout` indexes it."""


class Run(eqx.Module):
    """What :func:`simulate` returns.

    ``final_state``: the :class:`models.SkinState` after the last step; ``initial``: the
    :class:`StepOutput` of the initial state (its ``event`` is zeros); ``steps``: the
    per-step :class:`StepOutput`, every leaf with a leading step axis ``N``;
    ``status``: the :class:`models.RunStatus` of the run. It unpacks (and indexes) as
    the three-tuple ``(final_state, initial, steps)``, so ``final, out0, outs =
    simulate(...)`` keeps working; the status is read by attribute.
    """

    final_state: SkinState
    initial: StepOutput
    steps: StepOutput
    status: RunStatus

    def __iter__(self):
        return iter((self.final_state, self.initial, self.steps))

    def __getitem__(self, i):
        return (self.final_state, self.initial, self.steps)[i]

    def __len__(self):
        return 3


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
        event=no_record() if record is None else record,
        oldest_bin_layers=jnp.max(state.sc_layers[..., -1]),
    )


def _pack(out: StepOutput):
    """The scalar readouts as one vector (one stacked scan output, not ~30) and the surface."""
    return jnp.stack(jax.tree_util.tree_leaves(out._replace(surface=None))), out.surface


def _unpack(packed, surface, like: StepOutput) -> StepOutput:
    """Inverse of :func:`_pack`: the per-step vectors ``packed[..., i]`` back into the structure of ``like``."""
    treedef = jax.tree_util.tree_structure(like._replace(surface=None))
    scalars = jax.tree_util.tree_unflatten(treedef, [packed[..., i] for i in range(packed.shape[-1])])
    return scalars._replace(surface=surface)


@partial(jax.jit, static_argnames=("grid", "profiles", "throw", "skip_padding"))
def simulate(state0: SkinState, params: SkinParams, schedule: Schedule, grid: ModelGrid,
             profiles: bool = False, throw: bool = False, skip_padding: bool = False) -> Run:
    """Run the whole schedule; returns a :class:`Run` (unpacks as ``(final_state, initial, steps)``).

    Per step: apply the event that starts the step (recording what it did in
    ``steps.event``), advance the skin by ``dt`` (:func:`models.skin_step`), shift the
    age bins if the step ends on a bin boundary, record the lateral-mean readouts. The
    TEWL field is computed once per step and carried: it is this step's readout and the
    barrier that drives the next step (recomputed only after an event). Zero-length
    padding steps change nothing. ``skip_padding`` (static; for a vmapped batch, not
    differentiable): the batch skips the steps on which every member is padding
    (``dt = 0`` and no event) instead of computing them (:func:`sim.make_batch_skip`); a batch of
    equally long scenarios padded to a sweep's longest then costs its own length. The
    readouts of the skipped steps are those of the state they keep, as computed they
    would be to round-off.

    ``run.status`` (:class:`models.RunStatus`) says whether a per-step readout became
    non-finite, and at which step first. ``throw=False`` (default): the run returns
    normally whatever happened; ``throw=True``: it raises ``FloatingPointError`` (inside
    the compiled computation, at the first use of its result) naming the readout and the
    step.
    """

    # the state-independent factors of every step at once, before the loop: one row per
    # step (one dynamic slice per step, not ~15 scalar kernels; docs/numerics.md)
    _, unravel = jax.flatten_util.ravel_pytree(step_factors(params, jnp.zeros((), schedule.dt.dtype)))
    factor_rows = jax.vmap(lambda dt: jax.flatten_util.ravel_pytree(step_factors(params, dt))[0])(schedule.dt)

    def advance(ops):
        (state, tewl, _), (dt, ev, shift, factors), params_, schedule_ = ops
        state, record, tewl = apply_event_recorded(state, params_, schedule_, ev, grid, tewl)
        state = skin_step(state, params_, dt, grid, tewl=tewl, factors=unravel(factors))
        state, _ = _gated_shift(shift, (state, params_))
        return state, column_tewl(state, params_), record

    def idle(ops):  # a padding step: no event, no shift (dt = 0) -- the state as it is
        (state, tewl, _), _, _, _ = ops
        return state, tewl, no_record()

    skip = make_batch_skip(advance, idle) if skip_padding else None

    def step(carry, x):
        if skip is None:
            return advance((carry, x, params, schedule))
        # a step is needed when it has a length or an event: the earlier of two events on one
        # time node, and an event at the very end, are zero-length steps (sim.make_time_grid)
        return skip((x[0] > 0) | (x[1] >= 0), (carry, x, params, schedule))

    def post_process(carry, x):
        state, tewl, record = carry
        return _pack(_output(state, params, grid, profiles, record, tewl))

    tewl0 = column_tewl(state0, params)
    (final, _, _), (packed, surface) = trajectory(
        step, post_process, (state0, tewl0, no_record()), (schedule.dt, schedule.event, schedule.shift, factor_rows))
    initial = _output(state0, params, grid, profiles, tewl=tewl0)
    status = nonfinite_status(packed, _pack(initial)[0], schedule.dt)
    if throw:
        raise_if_failed(status, READOUT_NAMES)
    return Run(final_state=final, initial=initial, steps=_unpack(packed, surface, initial), status=status)
