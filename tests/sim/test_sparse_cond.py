"""``sim.make_sparse_cond``: a ``lax.cond`` for rare branches that stays cheap under ``vmap``.

Checked against the plain conditional (``lax.cond``, and ``jnp.where`` for the batched
reference) on a small function whose rare branch is NaN-producing off its domain:
values and reverse-mode gradients are equal unbatched, under ``vmap``, under ``grad``
and under both; under ``vmap`` the rare branch is not evaluated at all when no member's
predicate is set (counted with a ``jax.debug.callback`` inside it), while a plain
``lax.cond`` with a batched predicate does evaluate it (which shows the counter works).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim import make_sparse_cond

CALLS = {"rare": 0}


def _count(_):
    CALLS["rare"] += 1


def rare(ops):
    x, a = ops
    jax.debug.callback(_count, x)
    return jnp.log(x) * a, x * a  # NaN for x < 0: evaluating it with other members' inputs shows


def common(ops):
    x, a = ops
    return x * a, 2.0 * x


def plain(pred, ops):
    return jax.lax.cond(pred, rare, common, ops)


sparse = make_sparse_cond(rare, common)


def loss(cond, pred, x, a):
    u, v = cond(pred, (x, a))
    return jnp.sum(u) + 3.0 * jnp.sum(v)


def evaluated(fn, *args) -> int:
    jax.effects_barrier()
    CALLS["rare"] = 0
    jax.block_until_ready(fn(*args))
    jax.effects_barrier()
    return CALLS["rare"]


X = jnp.array([0.5, 2.0, -1.0, 3.0])
A = jnp.array([1.5, -0.5, 2.0, 1.0])


@pytest.mark.parametrize("pred", [True, False])
def test_unbatched_values_and_gradients_equal_the_plain_cond(pred):
    x, a = jnp.asarray(2.0), jnp.asarray(0.7)
    for got, want in zip(jax.jit(sparse)(pred, (x, a)), jax.jit(plain)(pred, (x, a))):
        assert float(got) == float(want)
    g_sparse = jax.grad(lambda x, a: loss(sparse, pred, x, a), argnums=(0, 1))(x, a)
    g_plain = jax.grad(lambda x, a: loss(plain, pred, x, a), argnums=(0, 1))(x, a)
    np.testing.assert_array_equal(np.asarray(g_sparse), np.asarray(g_plain))


def test_vmap_values_equal_the_where_reference():
    preds = jnp.array([True, False, False, True])  # member 2 (x < 0) takes the common branch
    u, v = jax.jit(jax.vmap(sparse))(preds, (X, A))
    ur, vr = rare((X, A))
    uc, vc = common((X, A))
    np.testing.assert_array_equal(np.asarray(u), np.asarray(jnp.where(preds, ur, uc)))
    np.testing.assert_array_equal(np.asarray(v), np.asarray(jnp.where(preds, vr, vc)))
    assert np.all(np.isfinite(np.asarray(u)))


def test_vmap_of_grad_and_grad_of_vmap_equal_the_plain_cond():
    preds = jnp.array([True, False, False, True])
    per_member = lambda cond: jax.vmap(jax.grad(lambda p, x, a: loss(cond, p, x, a), argnums=(1, 2)))  # noqa: E731
    for got, want in zip(jax.jit(per_member(sparse))(preds, X, A), jax.jit(per_member(plain))(preds, X, A)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    batch = lambda cond: jax.grad(lambda x, a: jnp.sum(jax.vmap(lambda p, xx, aa: loss(cond, p, xx, aa))(preds, x, a)),  # noqa: E731
                                  argnums=(0, 1))
    for got, want in zip(jax.jit(batch(sparse))(X, A), jax.jit(batch(plain))(X, A)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        assert np.all(np.isfinite(np.asarray(got)))


def test_vmap_skips_the_rare_branch_when_no_member_needs_it():
    none = jnp.zeros(4, dtype=bool)
    some = jnp.array([False, True, False, False])
    sparse_batched = jax.jit(jax.vmap(sparse))
    assert evaluated(jax.jit(jax.vmap(plain)), none, (X, A)) > 0  # plain cond: a select, both branches run
    assert evaluated(sparse_batched, none, (X, A)) == 0
    assert evaluated(sparse_batched, some, (X, A)) > 0
    # and in a scan over steps, as the models use it: evaluated only on the steps that need it
    preds = jnp.zeros((6, 4), dtype=bool).at[3, 1].set(True)

    def run(preds):
        def body(c, p):
            u, _ = jax.vmap(sparse)(p, (X, A))
            return c + u, None
        return jax.lax.scan(body, jnp.zeros(4), preds)[0]

    assert evaluated(jax.jit(run), preds) == evaluated(sparse_batched, some, (X, A))
