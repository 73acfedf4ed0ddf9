"""The scan driver and a sparse conditional for rare branches.

A whole run is one ``lax.scan`` over a pure step (jax-md / jax-cfd pattern): a model
builds ``step(carry, x) -> carry`` as a closure over its (traced) parameters and
:func:`trajectory` scans it over the per-step inputs (the leading axis of a pytree of
arrays, e.g. the ``dt`` of a :class:`sim.TimeGrid`), calling ``post_process(carry, x)``
after every step to make that step's output; it returns the final carry and the stacked
outputs (save-point selection happens outside, in NumPy). :func:`make_sparse_cond` is a
``lax.cond`` that stays cheap under ``vmap`` when the true branch is rare (events).
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
        pred_b, ops_b = in_batched
        full = lambda x, b: x if b else jnp.broadcast_to(x, (axis_size,) + jnp.shape(x))  # noqa: E731
        preds = full(pred, pred_b)
        ops = jax.tree_util.tree_map(full, operands, ops_b)
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
