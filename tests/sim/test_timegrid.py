"""The schedule-aware time grid (:class:`sim.TimeGrid`) and the scan driver (``sim.trajectory``).

Checked: events sit on base nodes; every base node, save point and age-bin boundary is
a node of the grid (also inside the refined stretch after an event); the refinement
restarts at ``dt_min`` and follows the geometric ramp; coincident events get
zero-length steps and keep their order; padding is inert; bad arguments raise with a
message naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import jax
import jax.numpy as jnp

from sim import make_time_grid, pad_time_grid, pad_time_grids, trajectory

TOL = 1e-9


def nodes(grid):
    return np.concatenate([[0.0], grid.t_end])


def starts(grid):
    return grid.t_end - grid.dt


def ramp(dt_min, growth, dt_h):
    out, s = [], dt_min
    while s < dt_h * (1 - 1e-12):
        out.append(s)
        s *= growth
    return np.asarray(out)


def contains(values, targets, tol=1e-7):
    values = np.asarray(values)
    return all(np.min(np.abs(values - t)) < tol for t in np.atleast_1d(targets))


def check_grid(grid, duration_h, dt_h, events, bin_h, save_h, dt_min=1 / 60, growth=1.6):
    n_base = int(np.ceil(duration_h / dt_h - 1e-9))
    end = n_base * dt_h
    # steps are non-negative, never above dt_h, and add up to the (rounded-up) duration
    assert np.all(grid.dt >= 0) and np.all(grid.dt <= dt_h * (1 + 1e-12))
    np.testing.assert_allclose(grid.t_end[-1], end, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.cumsum(grid.dt), grid.t_end, rtol=0, atol=1e-9)
    # every base node is a node
    assert contains(nodes(grid), np.arange(n_base + 1) * dt_h)
    # save points and age-bin shifts: exactly at the multiples, once each, on positive steps
    saves = grid.t_end[grid.save]
    np.testing.assert_allclose(saves, np.arange(1, int(round(end / save_h)) + 1) * save_h, rtol=0, atol=1e-7)
    shifts = grid.t_end[grid.shift]
    np.testing.assert_allclose(shifts, np.arange(1, int(round(end / bin_h)) + 1) * bin_h, rtol=0, atol=1e-7)
    assert np.all(grid.dt[grid.save] > 0) and np.all(grid.dt[grid.shift] > 0)
    # every event applied exactly once, at the start of a step that begins on its base node
    applied = grid.event[grid.event >= 0]
    assert sorted(applied.tolist()) == list(range(len(events)))
    for i, t in enumerate(events):
        k = int(np.flatnonzero(grid.event == i)[0])
        np.testing.assert_allclose(starts(grid)[k], np.rint(t / dt_h) * dt_h, rtol=0, atol=1e-9)
        # the refinement: the first positive step from that node starts the ramp at dt_min
        positive = np.flatnonzero((grid.dt > 0) & (np.arange(grid.n_steps) >= k))
        # (a ramp node closer than dt_min/2 to a base node is merged into it)
        if positive.size and starts(grid)[positive[0]] < end - 1e-9:
            first = grid.dt[positive[0]]
            assert dt_min - 1e-12 <= first <= 1.5 * dt_min + 1e-12, (first, dt_min)
            if dt_min <= dt_h / 4:
                assert abs(first - dt_min) < 1e-12
    # after each event node the ramp's nodes are present until the next event node
    event_nodes = sorted(set(np.rint(np.asarray(events) / dt_h).astype(int).tolist()))
    r = np.cumsum(ramp(dt_min, growth, dt_h))
    for j, en in enumerate(event_nodes):
        t0 = en * dt_h
        stop = min(event_nodes[j + 1] * dt_h if j + 1 < len(event_nodes) else np.inf, end)
        expected = t0 + r[t0 + r < stop - 0.5 * dt_min]
        far_from_base = np.abs(expected / dt_h - np.rint(expected / dt_h)) * dt_h >= 0.5 * dt_min
        assert contains(nodes(grid), expected[far_from_base])
    # away from events the grid is the base grid
    refined_until = {}
    span = int(np.ceil(r[-1] / dt_h - 1e-12)) if r.size else 1
    for en in event_nodes:
        refined_until[en] = en + span
    coarse = np.ones(grid.n_steps, bool)
    for en, until in refined_until.items():
        coarse &= ~((starts(grid) >= en * dt_h - 1e-9) & (starts(grid) < until * dt_h - 1e-9))
    coarse &= grid.dt > 0
    np.testing.assert_allclose(grid.dt[coarse], dt_h, rtol=0, atol=1e-9)


@pytest.mark.parametrize("events", [[], [0.0], [24.0], [23.0], [22.6], [47.0], [48.0], [3.0, 4.0], [30.0, 10.0]])
@pytest.mark.parametrize("dt_h", [1.0, 0.5, 0.25])
def test_grid_properties_examples(events, dt_h):
    save_h = 2 * dt_h
    grid = make_time_grid(48.0, dt_h, events, bin_width_h=24.0, save_every_h=save_h)
    check_grid(grid, 48.0, dt_h, events, 24.0, save_h)


def test_event_just_before_a_bin_boundary_keeps_the_shift_and_the_save_points():
    """Regression: the refined stretch used to step over base nodes (a lost age-bin shift)."""
    grid = make_time_grid(48.0, 1.0, [23.0], bin_width_h=24.0, save_every_h=1.0)
    assert grid.shift.sum() == 2 and grid.save.sum() == 48
    grid = make_time_grid(48.0, 0.5, [23.5], bin_width_h=24.0, save_every_h=0.5)
    assert grid.shift.sum() == 2 and grid.save.sum() == 96


def test_event_times_rounded_to_nearest_base_node():
    grid = make_time_grid(24.0, 2.0, [5.2, 6.9], bin_width_h=24.0, save_every_h=2.0)
    k0, k1 = (int(np.flatnonzero(grid.event == i)[0]) for i in (0, 1))
    assert starts(grid)[k0] == pytest.approx(6.0) and starts(grid)[k1] == pytest.approx(6.0)


def test_coincident_events_zero_length_steps_in_order():
    grid = make_time_grid(24.0, 1.0, [5.0, 9.0, 5.0, 5.0], bin_width_h=24.0, save_every_h=1.0)
    at5 = [int(e) for e, s in zip(grid.event, starts(grid)) if e >= 0 and abs(s - 5.0) < 1e-9]
    assert at5 == [0, 2, 3]
    idx = [int(np.flatnonzero(grid.event == i)[0]) for i in (0, 2, 3)]
    assert grid.dt[idx[0]] == 0.0 and grid.dt[idx[1]] == 0.0 and grid.dt[idx[2]] == pytest.approx(1 / 60)
    assert idx == sorted(idx)
    check_grid(grid, 24.0, 1.0, [5.0, 9.0, 5.0, 5.0], 24.0, 1.0)


def test_event_at_the_end_is_applied_in_a_zero_length_step():
    grid = make_time_grid(24.0, 1.0, [24.0], bin_width_h=24.0, save_every_h=6.0)
    assert grid.event[-1] == 0 and grid.dt[-1] == 0.0 and not grid.save[-1] and not grid.shift[-1]


@settings(max_examples=150, deadline=None)
@given(
    dt_h=st.sampled_from([0.25, 0.5, 1.0, 2.0]),
    n_days=st.integers(1, 4),
    events=st.lists(st.floats(0.0, 1.0, allow_nan=False), max_size=5),
    dt_min=st.sampled_from([1 / 60, 0.05, 0.2]),
    growth=st.sampled_from([1.3, 1.6, 2.5]),
)
def test_grid_properties_random(dt_h, n_days, events, dt_min, growth):
    duration = 24.0 * n_days
    ev = [e * duration for e in events]
    dt_min = min(dt_min, dt_h)
    grid = make_time_grid(duration, dt_h, ev, dt_min_h=dt_min, growth=growth, bin_width_h=24.0, save_every_h=4 * dt_h)
    check_grid(grid, duration, dt_h, ev, 24.0, 4 * dt_h, dt_min, growth)


def test_padding_is_inert():
    grid = make_time_grid(48.0, 1.0, [10.0], bin_width_h=24.0, save_every_h=6.0)
    padded = pad_time_grid(grid, grid.n_steps + 17)
    assert padded.n_steps == grid.n_steps + 17
    tail = slice(grid.n_steps, None)
    assert np.all(padded.dt[tail] == 0) and np.all(padded.event[tail] == -1)
    assert not padded.save[tail].any() and not padded.shift[tail].any()
    np.testing.assert_array_equal(padded.save_times_h(), grid.save_times_h())
    for a, b in zip(padded, grid):
        np.testing.assert_array_equal(a[: grid.n_steps], b)
    # a scanned decay dy/dt = -y (exact per step) ends in the same place
    step = lambda y, x: y * jnp.exp(-x)  # noqa: E731
    record = lambda y, x: y  # noqa: E731
    y1, ys1 = trajectory(step, record, 1.0, jnp.asarray(grid.dt))
    y2, _ = trajectory(step, record, 1.0, jnp.asarray(padded.dt))
    assert ys1.shape == (grid.n_steps,) and float(ys1[-1]) == float(y1)  # the hook sees the carry after each step
    assert float(y1) == float(y2) == pytest.approx(np.exp(-48.0), rel=1e-12)
    # batched padding to a common length
    other = make_time_grid(24.0, 1.0, [], bin_width_h=24.0, save_every_h=6.0)
    batch = pad_time_grids([grid, other])
    assert batch.dt.shape == (2, grid.n_steps)
    np.testing.assert_array_equal(batch.dt[1, : other.n_steps], other.dt)
    assert batch.save[1].sum() == other.save.sum()
    ys = jax.vmap(lambda dts: trajectory(step, record, 1.0, dts)[0])(jnp.asarray(batch.dt))
    np.testing.assert_allclose(np.asarray(ys), [np.exp(-48.0), np.exp(-24.0)], rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dt_h=0.0), "dt_h=0.0 must be > 0"),
        (dict(dt_h=-1.0), "dt_h=-1.0 must be > 0"),
        (dict(bin_width_h=25.5), "bin_width_h=25.5 must be a positive whole multiple of dt_h"),
        (dict(save_every_h=1.5), "save_every_h=1.5 must be a positive whole multiple of dt_h"),
        (dict(save_every_h=0.0), "save_every_h=0.0 must be a positive whole multiple"),
        (dict(dt_min_h=0.0), r"dt_min_h=0.0 must be in \(0, dt_h=1.0\]"),
        (dict(dt_min_h=2.0), r"dt_min_h=2.0 must be in \(0, dt_h=1.0\]"),
        (dict(growth=1.0), "growth=1.0 must be > 1"),
        (dict(event_times_h=[-1.0]), r"event times must lie in \[0, 48.0\] h"),
        (dict(event_times_h=[49.0]), r"event times must lie in \[0, 48.0\] h"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    args = dict(duration_h=48.0, dt_h=1.0, event_times_h=(), bin_width_h=24.0, save_every_h=6.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        make_time_grid(args.pop("duration_h"), args.pop("dt_h"), args.pop("event_times_h"), **args)


def test_padding_to_fewer_steps_raises():
    grid = make_time_grid(24.0, 1.0, [], bin_width_h=24.0, save_every_h=6.0)
    with pytest.raises(ValueError, match="more than n_steps=3"):
        pad_time_grid(grid, 3)
