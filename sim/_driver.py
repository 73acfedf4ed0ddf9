"""The scan driver and a sparse conditional for rare branches.

A whole run is one ``lax.scan`` over a pure step (jax-md / jax-cfd pattern): a model
builds ``step(carry, x) -> carry`` as a closure over its (traced) parameters and
:func:`trajectory` scans it over the per-step inputs (the leading axis of a pytree of
arrays, e.g. the ``dt`` of a :class:`sim.TimeGrid`), calling ``post_process(carry, x)``
after every step to make that step's output; it returns the final carry and the stacked
outputs (save-point selection happens outside, in NumPy). :func:`make_sparse_cond` is a
``lax.cond`` that stays cheap under ``vmap`` when the true branch is rare (events);
:func:`make_batch_skip` lets a vmapped batch skip the steps that none of its members
needs (the padding after the shorter runs' ends).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def trajectory(step, post_process, carry0, per_step_inputs, *, unroll: int = 1):
    """Scan ``step`` over the leading axis of ``per_step_inputs``, recording ``post_process``.

    ``step(carry, x) -> carry`` and ``post_process(carry, x) -> out`` (evaluated on the
    carry after the step) must be pure and shape-stable. Returns
    ``(carry_final, outs)`` with every leaf of ``outs`` stacked along a new leading step
    axis of length ``N`` (the length of ``per_step_inputs``). The step's order and
    stability are those of ``step``; the driver adds no arithmetic.
    """

    def body(carry, x):
        carry = step(carry, x)
        return carry, post_process(carry, x)

    return jax.lax.scan(body, carry0, per_step_inputs, unroll=unroll)


def _batched_operands(axis_size, operands, batched):
    """``operands`` with every unbatched leaf broadcast to the batch (a custom batching rule's inputs)."""
    full = lambda x, b: x if b else jnp.broadcast_to(x, (axis_size,) + jnp.shape(x))  # noqa: E731
    return jax.tree_util.tree_map(full, operands, batched)


def make_sparse_cond(true_fn, false_fn):
    """A ``lax.cond`` for rare branches that stays cheap under ``vmap``.

    Returns ``cond(pred, operands) == lax.cond(pred, true_fn, false_fn, operands)``.
    Unbatched it is exactly that conditional. Under ``vmap`` a plain ``cond`` with a
    batched predicate becomes a ``select`` that evaluates ``true_fn`` on every step; the
    custom batching rule here evaluates the vmapped pair (selected per batch member) only
    on steps where some member's ``pred`` is set, and the vmapped ``false_fn`` otherwise:
    the same values, at the cost of the rare branch alone. Reverse-mode derivatives use
    the VJP of the plain conditional (``custom_vjp``). ``true_fn`` and ``false_fn`` must
    return pytrees of the same structure, shapes and dtypes.
    """

    def plain(pred, operands):
        return jax.lax.cond(pred, true_fn, false_fn, operands)

    batched = jax.custom_batching.custom_vmap(plain)

    @batched.def_vmap
    def _rule(axis_size, in_batched, pred, operands):
        preds, ops = _batched_operands(axis_size, (pred, operands), tuple(in_batched))
        out = jax.lax.cond(jnp.any(preds), lambda o: jax.vmap(plain)(preds, o), jax.vmap(false_fn), ops)
        return out, jax.tree_util.tree_map(lambda _: True, out)

    @jax.custom_vjp
    def sparse_cond(pred, operands):
        return batched(pred, operands)

    def fwd(pred, operands):
        return batched(pred, operands), (pred, operands)

    def bwd(res, cotangent):
        pred, operands = res
        _, vjp = jax.vjp(lambda ops: plain(pred, ops), operands)
        return (None, vjp(cotangent)[0])

    sparse_cond.defvjp(fwd, bwd)
    return sparse_cond


def make_batch_skip(step_fn, idle_fn):
    """A step that a vmapped batch skips while none of its members needs it.

    Returns ``skip(needed, operands)``. Unbatched it is ``step_fn(operands)`` whatever
    ``needed`` says (no conditional in a single run's scan: its program is the plain
    step). Under ``vmap``: ``lax.cond(any(needed), vmap(step_fn), vmap(idle_fn), operands)``
    -- every member takes the step while any of them needs it, and on the steps that no
    member needs, ``idle_fn`` alone runs. For the result not to depend on the batch,
    ``idle_fn(operands)`` must equal ``step_fn(operands)`` wherever ``needed`` is false
    (a zero-length padding step, which changes nothing; equal to round-off where the
    step's arithmetic is not exactly the identity at ``dt = 0``). Forward only: it is not
    differentiable (runs that are differentiated use the plain step). ``step_fn`` and
    ``idle_fn`` must return pytrees of the same structure, shapes and dtypes.
    """

    skip = jax.custom_batching.custom_vmap(lambda needed, operands: step_fn(operands))

    @skip.def_vmap
    def _rule(axis_size, in_batched, needed, operands):
        needed_b, ops_b = in_batched
        ops = _batched_operands(axis_size, operands, ops_b)
        any_needed = jnp.any(needed) if needed_b else needed
        out = jax.lax.cond(any_needed, jax.vmap(step_fn), jax.vmap(idle_fn), ops)
        return out, jax.tree_util.tree_map(lambda _: True, out)

    return skip
