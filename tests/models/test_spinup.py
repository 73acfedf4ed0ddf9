"""The homeostatic spin-up (:func:`models.spin_up`): its fixed stages, its extension, its traced twin."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from experiments.config import load_run_config
from experiments._run import model_grid
from models import make_params, spin_up, spin_up_traced


def _column(parameters=None):
    resolved = load_run_config({"skin": {"base": "young_face", "parameters": parameters or {}}, "grid": {"lateral": "column"}})
    grid = model_grid(resolved)
    return make_params(resolved.skin, grid, resolved.seed), grid


def _leaves(state):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(state)]


def test_a_settled_profile_stops_after_the_four_stages_with_the_fixed_spin_ups_numbers():
    params, grid = _column()
    fixed = spin_up(params, grid)
    seen = []
    extended = spin_up(params, grid, tolerance=1e-3, max_stages=24, on_stage=lambda k, d: seen.append((k, d)))
    assert [k for k, _ in seen] == [1, 2, 3, 4]
    assert seen[-1][1] == extended[2] == fixed[2] <= 1e-3
    for a, b in zip(_leaves(fixed[:2]), _leaves(extended[:2])):
        assert np.array_equal(a, b)  # bitwise: the default profiles keep their cached numbers


def test_a_slow_profile_goes_on_until_it_has_settled():
    """fibroblast_hours = 2,000 h (e-folding 83 d): after 360 days the fibroblasts are still
    above the remodelling threshold (drift inf); stage by stage the drift then falls by
    ~e^(-90 d / 83 d) per stage until it is below the tolerance."""
    params, grid = _column({"fibroblast_hours": 2000})
    assert spin_up(params, grid)[2] == np.inf
    seen = []
    state, _, drift = spin_up(params, grid, tolerance=1e-3, max_stages=24, on_stage=lambda k, d: seen.append(d))
    assert 4 < len(seen) < 24 and drift == seen[-1] <= 1e-3 < seen[-2]
    tail = np.asarray(seen[-4:])
    assert np.all(np.diff(tail) < 0)  # settling, not stalling
    capped = spin_up(params, grid, tolerance=1e-3, max_stages=6)
    assert capped[2] > 1e-3  # the cap stops it, and the caller sees the drift
    with pytest.raises(ValueError, match="max_stages = 3 is fewer than the 4 stages"):
        spin_up(params, grid, tolerance=1e-3, max_stages=3)


def test_the_traced_spin_up_agrees_with_the_eager_one():
    params, grid = _column()
    eager = spin_up(params, grid)
    traced = jax.jit(lambda p: spin_up_traced(p, grid))(params)
    for a, b in zip(_leaves(eager[:2]), _leaves(traced[:2])):
        if np.issubdtype(a.dtype, np.floating):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(np.abs(a)))))
    assert float(traced[2]) == pytest.approx(eager[2], rel=1e-3, abs=1e-12)
