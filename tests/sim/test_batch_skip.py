"""``sim.make_batch_skip``: a step that a vmapped batch skips while none of its members needs it.

Counted with a ``jax.debug.callback`` inside the step (under ``vmap`` it is called once
per member of a batch that takes the step): unbatched the step always runs
(whatever ``needed`` says: a single run's scan has no conditional); under ``vmap`` every
member takes the step while any member needs it (the same values as the plain vmapped
step), and on steps that no member needs only the idle branch runs. In a scan over a
padded batch the step runs as many times as the longest member is long.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sim import make_batch_skip

CALLS = {"step": 0}


def _count(_):
    CALLS["step"] += 1


def step(ops):
    x, dt = ops
    jax.debug.callback(_count, x)
    return x * jnp.exp(-dt) + dt  # the identity at dt = 0


def idle(ops):
    return ops[0]


skip = make_batch_skip(step, idle)


def evaluated(fn, *args):
    jax.effects_barrier()
    CALLS["step"] = 0
    out = jax.block_until_ready(fn(*args))
    jax.effects_barrier()
    return CALLS["step"], out


def test_unbatched_the_step_always_runs():
    x, dt = jnp.asarray(2.0), jnp.asarray(0.5)
    for needed in (True, False):
        n, out = evaluated(jax.jit(skip), needed, (x, dt))
        assert n == 1 and float(out) == float(step((x, dt)))


def test_under_vmap_the_batch_steps_while_any_member_needs_it_and_idles_otherwise():
    x = jnp.array([1.0, 2.0, 3.0])
    some = jnp.array([0.5, 0.0, 0.0])
    n, out = evaluated(jax.jit(jax.vmap(skip)), some > 0, (x, some))
    assert n == 3  # the vmapped step, for all three members
    np.testing.assert_array_equal(np.asarray(out), np.asarray(jax.vmap(step)((x, some))))
    n, out = evaluated(jax.jit(jax.vmap(skip)), jnp.zeros(3, bool), (x, jnp.zeros(3)))
    assert n == 0
    np.testing.assert_array_equal(np.asarray(out), np.asarray(x))


def test_a_padded_batch_in_a_scan_costs_its_longest_member():
    """Members of 3 and 5 real steps padded to 8: the step runs 5 times, not 8; the
    values equal the plain vmapped scan (the padding steps are the identity)."""
    dts = jnp.array([[0.1, 0.2, 0.3, 0, 0, 0, 0, 0], [0.4, 0.1, 0.1, 0.2, 0.3, 0, 0, 0]])

    def run(fn):
        def one(dt_row):
            return jax.lax.scan(lambda x, dt: (fn(dt > 0, (x, dt)), x), jnp.asarray(1.0), dt_row)
        return jax.jit(jax.vmap(one))

    n, (final, path) = evaluated(run(skip), dts)
    assert n == 2 * 5  # 5 vmapped steps of the 2 members, not 8
    _, (want_final, want_path) = evaluated(run(lambda needed, ops: step(ops)), dts)
    np.testing.assert_allclose(np.asarray(final), np.asarray(want_final), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(path), np.asarray(want_path), rtol=1e-15)
