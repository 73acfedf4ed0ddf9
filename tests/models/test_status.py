"""The run status of ``models.simulate``: the first non-finite per-step readout, and ``throw=True``.

A negative cytokine decay rate (outside the table's range, so only reachable by building
parameters by hand) makes the cytokine grow as ``exp(50 t)``: it overflows after a few
steps. The status must name the first step at which a readout (finite at the start)
became non-finite and which readout, as a NumPy scan of the outputs finds them;
``throw=True`` must raise with both in the message; a healthy run reports success.
"""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import yaml

from sim import LateralGrid, make_time_grid
from models import (
    READOUT_NAMES, STATUS_NONFINITE, STATUS_SUCCESSFUL, ModelGrid, initial_state, make_params, make_schedule,
    simulate, status_message,
)

ROOT = Path(__file__).resolve().parents[2]
GRID = ModelGrid(lateral=LateralGrid("column"), nz=8, n_stages=4, n_bins=12)


@pytest.fixture(scope="module")
def case():
    raw = yaml.safe_load((ROOT / "configs" / "skin" / "forearm.yaml").read_text())["parameters"]
    params = make_params({k: v["value"] for k, v in raw.items()}, GRID)
    tg = make_time_grid(72.0, 1.0, [24.0])
    schedule = make_schedule(tg, [1], [0.5])
    bad = eqx.tree_at(lambda p: p.cytokine_decay_per_hour, params, jnp.asarray(-50.0))
    return initial_state(params, GRID), params, bad, schedule


def first_nonfinite(run):
    """Independent NumPy scan: ``(step, readout name)`` of the first readout that became non-finite."""
    leaves0 = jax.tree_util.tree_leaves(run.initial._replace(surface=None))
    leaves = jax.tree_util.tree_leaves(run.steps._replace(surface=None))
    assert len(leaves) == len(READOUT_NAMES)
    finite0 = np.array([np.isfinite(np.asarray(a)) for a in leaves0])
    table = np.stack([np.asarray(a) for a in leaves], axis=1)  # (N, R)
    bad = ~np.isfinite(table) & finite0[None, :]
    rows = np.flatnonzero(bad.any(axis=1))
    if not rows.size:
        return None
    return int(rows[0]), READOUT_NAMES[int(np.flatnonzero(bad[rows[0]])[0])]


def test_healthy_run_reports_success(case):
    state0, params, _, schedule = case
    run = simulate(state0, params, schedule, GRID)
    assert first_nonfinite(run) is None  # roughness is NaN on a column from the start: not counted
    assert int(run.status.code) == STATUS_SUCCESSFUL and int(run.status.step) == -1 and int(run.status.readout) == -1
    assert status_message(run.status, READOUT_NAMES) is None
    final, out0, outs = run  # the three-way unpacking of before still works
    assert final is run.final_state and outs is run.steps
    simulate(state0, params, schedule, GRID, throw=True).status.code.block_until_ready()  # does not raise


def test_blow_up_names_the_readout_and_the_step(case):
    state0, _, bad, schedule = case
    run = simulate(state0, bad, schedule, GRID)
    expected = first_nonfinite(run)
    assert expected is not None and expected[0] > 0
    step, name = expected
    assert int(run.status.code) == STATUS_NONFINITE
    assert int(run.status.step) == step
    assert READOUT_NAMES[int(run.status.readout)] == name
    assert float(run.status.time_h) == pytest.approx(float(np.cumsum(np.asarray(schedule.dt))[step]))
    message = status_message(run.status, READOUT_NAMES)
    assert repr(name) in message and f"step {step}" in message


def test_throw_raises_inside_jit_with_the_readout_and_step(case):
    state0, _, bad, schedule = case
    step, name = first_nonfinite(simulate(state0, bad, schedule, GRID))
    with pytest.raises(Exception, match=rf"readout '{name}' became non-finite at step {step}\b"):
        jax.block_until_ready(simulate(state0, bad, schedule, GRID, throw=True))
        jax.effects_barrier()


def test_status_is_batched_under_vmap(case):
    state0, params, bad, schedule = case
    stack = lambda *xs: jax.tree.map(lambda *a: jnp.stack(a), *xs)  # noqa: E731
    runs = jax.vmap(simulate, in_axes=(None, 0, None, None))(state0, stack(params, bad), schedule, GRID)
    single = simulate(state0, bad, schedule, GRID)
    np.testing.assert_array_equal(np.asarray(runs.status.code), [STATUS_SUCCESSFUL, STATUS_NONFINITE])
    np.testing.assert_array_equal(np.asarray(runs.status.step), [-1, int(single.status.step)])
    np.testing.assert_array_equal(np.asarray(runs.status.readout), [-1, int(single.status.readout)])
