"""Device stimulus (the device laws of models): the properties asked of the removal physics (docs/device.md).

Each session is applied directly (``apply_session``, jitted once) to the homeostatic
young-face column (cached spin-up), or to that column spread over a 1-D transect with
the profile's dermal relief (fine lines + roughness) where smoothness needs a profile.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim import LateralGrid, make_time_grid
from models import (
    EVENT_NONE, EVENT_SESSION, HARDWARE_KEYS, PASS_GROUPS, ModelGrid, apply_event_recorded, apply_session, crystal_speed_m_s,
    make_device_params, make_params, make_schedule, make_session_settings, nozzle_air_speed_m_s, simulate, suction,
    surface_um, topography, vacuum_expansion_factor,
)
from experiments.config import load_device, load_run_config
from experiments._homeostasis import homeostatic_state

_apply = jax.jit(apply_session, static_argnums=(4,))


@pytest.fixture(scope="module", autouse=True)
def _private_spin_up_cache(tmp_path_factory):
    """Spin-ups go to a cache folder of this test session (shared by the device test modules)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EPITURN_CACHE", str(tmp_path_factory.getbasetemp() / "epiturn-cache-device"))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def skin():
    return load_run_config({"skin": "young_face"}).skin


@pytest.fixture(scope="module")
def column(skin):
    grid = ModelGrid(lateral=LateralGrid("column"), nz=12, n_stages=8, bin_width_h=24.0, n_bins=60)
    params = make_params(skin, grid, 0)
    state, params, _ = homeostatic_state(skin, params, grid, 0, 1.0)
    return state, params, grid


@pytest.fixture(scope="module")
def transect(column, skin):
    """The homeostatic column on a 1-D transect (2 mm, 2 fine lines) with the dermal relief."""
    state, params, _ = column
    grid = ModelGrid(lateral=LateralGrid("1d", 128, 2000.0), nz=12, n_stages=8, bin_width_h=24.0, n_bins=60)
    p1 = make_params(skin, grid, 0)
    p1 = eqx.tree_at(lambda p: (p.tewl_reference, p.calcium_top_reference, p.cytokine_basal_reference), p1,
                     tuple(jnp.broadcast_to(getattr(params, r), grid.lateral.shape) for r in ("tewl_reference", "calcium_top_reference", "cytokine_basal_reference")))
    L = grid.lateral.shape
    s1 = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, L + a.shape), state)
    s1 = eqx.tree_at(lambda s: s.dermis_um, s1, p1.dermis_template_um)
    return s1, p1, grid


def hardware(name, **change):
    hw = load_device(name).model_dump(include=set(HARDWARE_KEYS))
    hw.update(change)
    return hw


def session(setup, skin, device="diamond_medium", hw=None, **settings):
    state, params, grid = setup
    dev = make_device_params(hw or hardware(device), skin)
    row = {"vacuum_kpa": 30.0, "passes": 2, "speed_mm_s": 20.0, "load_n": 2.0, "crystal_flow_g_min": 20.0,
           "air_flow_l_min": 20.0, "mode": "moving", "dwell_s": 10.0}
    row.update(settings)
    return _apply(state, params, dev, make_session_settings([row]).row(0), grid)


def removed_um(rec, params):
    return float(jnp.mean(rec.removed_sc_layers * params.sc_layer_thickness_um + rec.removed_ve_um))


def strictly_increasing(values):
    return all(b > a for a, b in zip(values, values[1:]))


# --------------------------------------------------------------------------- monotonicity

def test_removal_rises_with_passes(column, skin):
    params = column[1]
    out = [removed_um(session(column, skin, passes=p)[1], params) for p in (1, 2, 3, 4, 6, 8, 12, 16)]
    assert strictly_increasing(out), out


def test_removal_rises_with_vacuum_on_a_diamond_tip(column, skin):
    params = column[1]
    out = [removed_um(session(column, skin, vacuum_kpa=v)[1], params) for v in (5, 10, 20, 30, 40, 50)]
    assert strictly_increasing(out), out


def test_removal_rises_with_load_and_grit(column, skin):
    params = column[1]
    by_load = [removed_um(session(column, skin, load_n=f)[1], params) for f in (0, 1, 2, 5, 10)]
    assert strictly_increasing(by_load), by_load
    by_grit = [removed_um(session(column, skin, hw=hardware("diamond_medium", grit_um=g))[1], params) for g in (50, 70, 100, 125, 150)]
    assert strictly_increasing(by_grit), by_grit


def test_removal_rises_with_crystal_flow_air_flow_and_vacuum(column, skin):
    params = column[1]
    by_flow = [removed_um(session(column, skin, "crystal_al2o3", crystal_flow_g_min=q)[1], params) for q in (5, 10, 20, 30, 40)]
    assert strictly_increasing(by_flow), by_flow
    by_air = [removed_um(session(column, skin, "crystal_al2o3", air_flow_l_min=q)[1], params) for q in (10, 15, 20, 25, 30)]
    assert strictly_increasing(by_air), by_air
    by_vac = [removed_um(session(column, skin, "crystal_al2o3", vacuum_kpa=v)[1], params) for v in (5, 15, 30, 50)]
    assert strictly_increasing(by_vac), by_vac
    # no air flow, no crystal speed: the crystal jet does nothing
    assert removed_um(session(column, skin, "crystal_al2o3", air_flow_l_min=0.0)[1], params) == 0.0


def test_removal_falls_with_hand_speed(column, skin):
    params = column[1]
    for device in ("diamond_medium", "crystal_al2o3"):
        out = [removed_um(session(column, skin, device, speed_mm_s=v)[1], params) for v in (10, 20, 40, 80, 160)]
        assert all(b < a for a, b in zip(out, out[1:])), (device, out)


def test_stationary_mode_scales_with_dwell(column, skin):
    params = column[1]
    out = [removed_um(session(column, skin, "crystal_al2o3", mode="stationary", dwell_s=t, passes=1)[1], params) for t in (0.1, 0.3, 1.0)]
    assert strictly_increasing(out), out


# --------------------------------------------------------------------------- self-limitation

def test_second_session_on_unrenewed_skin_removes_less(column, skin):
    state, params, grid = column
    first_state, first = session(column, skin)
    _, second = session((first_state, params, grid), skin)
    a, b = float(first.removed_sc_layers), float(second.removed_sc_layers)
    assert 0 < b < a, (a, b)
    # the cohorts left are the cohesive ones: removal per unit work falls (cost per layer rises)
    kappa_top = lambda s: float(s.sc_cohesion[np.flatnonzero(np.asarray(s.sc_layers) > 1e-6).max()])  # noqa: E731
    assert kappa_top(first_state) > kappa_top(state)


def _two_sessions(interval, device="diamond_medium"):
    """Two moderate sessions ``interval`` days apart in a 10-day column run (shared shape: one compilation)."""
    return load_run_config({"skin": "young_face", "device": device, "duration_days": 10,
                            "protocol": {"interval_days": interval, "sessions": 2, "settings": {"level": "moderate"}},
                            "grid": {"lateral": "column", "dt_hours": 1}})


def test_removal_depends_on_renewal_since_the_last_session():
    """Through the runner: the 2nd session removes less 1 day after the 1st than 7 days after."""
    from experiments import run_config

    soon = run_config(_two_sessions(1)).removed_layers.values
    late = run_config(_two_sessions(7)).removed_layers.values
    assert soon[0] == pytest.approx(late[0], rel=1e-12)
    assert soon[1] < late[1] < late[0] * 1.05, (soon, late)


# --------------------------------------------------------------------------- smoothing

def _ra_drop_per_um(setup, skin, **settings):
    state, params, grid = setup
    lat = grid.lateral
    before = topography.roughness(surface_um(state, params), lat, params.fine_line_weights)
    new, rec = session(setup, skin, **settings)
    after = topography.roughness(surface_um(new, params), lat, params.fine_line_weights)
    um = removed_um(rec, params)
    return float(before[0] - after[0]) / um, float(before[3] - after[3]) / um, um


def test_low_vacuum_smooths_more_per_um_removed_than_high_vacuum(transect, skin):
    ra_low, line_low, um_low = _ra_drop_per_um(transect, skin, vacuum_kpa=10, passes=4, load_n=1)
    ra_high, line_high, um_high = _ra_drop_per_um(transect, skin, vacuum_kpa=50, passes=1, load_n=1)
    assert um_low > 0.5 * um_high  # comparable amounts removed
    assert ra_low > 0 and ra_low > 2 * ra_high, (ra_low, ra_high)
    # fine lines: low vacuum lowers the shoulders (peaks) more than the furrow floors
    assert line_low > line_high


def test_contact_weight_favours_peaks(transect, skin):
    state, params, grid = transect
    _, rec = session(transect, skin, vacuum_kpa=10, passes=1, load_n=1)
    surf = np.asarray(surface_um(state, params))
    removed = np.asarray(rec.removed_sc_layers)
    high, low = surf > np.quantile(surf, 0.8), surf < np.quantile(surf, 0.2)
    assert removed[high].mean() > 3 * removed[low].mean()


# --------------------------------------------------------------------------- no session, injury

def test_zero_passes_zero_vacuum_change_nothing(column, skin):
    state = column[0]
    new, rec = session(column, skin, passes=0, vacuum_kpa=0.0)
    for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(new)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(rec.removed_sc_layers) == 0.0 and float(rec.removed_ve_um) == 0.0


def test_masked_session_rows_change_nothing(column, skin):
    """A schedule whose session rows are masked (kind 0) runs exactly as the untreated one."""
    from experiments import _run as runner

    state, params, grid = column
    # the time grid of two sessions on days 0 and 1 over 10 days (as in the renewal test)
    tg = runner.time_grid(_two_sessions(1), grid, runner.event_table(_two_sessions(1)))
    rows = [{"vacuum_kpa": 50.0, "passes": 8, "load_n": 10.0}] * 2
    dev = make_device_params(hardware("diamond_coarse"), skin)
    plain = make_schedule(tg, [EVENT_NONE, EVENT_NONE], [0.0, 0.0])
    masked = make_schedule(tg, [EVENT_NONE, EVENT_NONE], [0.0, 0.0], settings=rows, device=dev)
    treated = make_schedule(tg, [EVENT_SESSION, EVENT_SESSION], [0.0, 0.0], settings=rows, device=dev)
    f_plain, _, o_plain = simulate(state, params, plain, grid)
    f_masked, _, o_masked = simulate(state, params, masked, grid)
    f_treated, _, _ = simulate(state, params, treated, grid)
    for a, b in zip(jax.tree_util.tree_leaves((f_plain, o_plain)), jax.tree_util.tree_leaves((f_masked, o_masked))):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the unmasked rows do act: the sessions remove tissue and leave a different skin
    assert float(jnp.sum(f_treated.removed)) > 1.0 and float(jnp.sum(f_plain.removed)) == 0.0
    assert abs(float(jnp.sum(f_treated.sc_layers)) - float(jnp.sum(f_plain.sc_layers))) > 0.1


def test_injury_appears_only_once_the_sc_is_gone(column, transect, skin):
    for setup in (column, transect):
        state, params, grid = setup
        seen_injury = False
        for p in (1, 2, 4, 6, 8, 12, 20):
            new, rec = session(setup, skin, "diamond_coarse", vacuum_kpa=55, load_n=5, passes=p)
            sc_left = np.asarray(jnp.sum(new.sc_layers, axis=-1)).reshape(-1)
            injury = np.asarray(rec.removed_ve_um).reshape(-1)
            assert np.all(sc_left[injury > 0] == 0.0), p
            assert np.all(injury[sc_left > 0] == 0.0), p
            np.testing.assert_allclose(np.asarray(new.wound_um - state.wound_um).reshape(-1), injury, rtol=0, atol=1e-12)
            seen_injury |= bool(injury.max() > 0)
        assert seen_injury


def test_injury_releases_more_cytokine_than_stretch(column, skin):
    state, params, _ = column
    gentle, rec_g = session(column, skin, vacuum_kpa=10, passes=1, load_n=1)  # strain below threshold
    moderate, rec_m = session(column, skin, vacuum_kpa=30, passes=2)
    harsh, rec_h = session(column, skin, "diamond_coarse", vacuum_kpa=55, load_n=5, passes=12)
    assert float(rec_g.strain) < skin["strain_release_threshold"] < float(rec_m.strain)
    assert float(rec_g.store_released) < 0.01 < float(rec_m.store_released)
    assert float(rec_h.removed_ve_um) > 0
    c = lambda s: float(jnp.sum(s.cytokine - state.cytokine))  # noqa: E731
    assert c(gentle) < 0.01 * c(moderate) and c(harsh) > 2 * c(moderate)


def test_petechiae_risk_above_capillary_fragility(column, skin):
    low = session(column, skin, "diamond_coarse", vacuum_kpa=30)[1]
    high = session(column, skin, "diamond_coarse", vacuum_kpa=62)[1]
    assert float(low.petechiae_risk) < 0.01 and float(high.petechiae_risk) > 0.9


# --------------------------------------------------------------------------- suction pieces

def test_suction_dome_follows_the_half_space_law_and_is_capped(skin):
    dev = make_device_params(hardware("diamond_medium"), skin)
    settings = lambda v: make_session_settings([{"vacuum_kpa": v, "mode": "stationary", "dwell_s": 60.0}]).row(0)  # noqa: E731
    a = 2500.0
    s = suction(dev, settings(10.0))
    expect = 3 * 10.0 * a * 2.1 / (2 * math.pi * skin["skin_youngs_modulus_kpa"])
    assert float(s.dome_um) == pytest.approx(expect, rel=1e-3)  # cap inactive at small domes
    assert float(s.strain) == pytest.approx(expect / a, rel=1e-3)
    huge = suction(dev, settings(100.0))
    assert float(huge.dome_um) < a  # never taller than the opening radius
    conform = [float(suction(dev, settings(v)).conformity_um) for v in (5, 20, 50)]
    assert strictly_increasing(conform)


def test_crystal_speed_is_nozzle_flow_times_slip_with_a_weak_vacuum_factor(skin):
    """``v_p = phi (Q / A_n) sqrt(f(dP / p_0))``, ``f(x) = -ln(1 - x) / x`` (docs/device.md, crystal law)."""
    dev = make_device_params(hardware("crystal_al2o3"), skin)
    cap = lambda x, c: x / (1 + (x / c) ** 4) ** 0.25  # noqa: E731  (smooth minimum of the module)
    area = math.pi * (0.5 * 2.0e-3) ** 2  # the device file's 2 mm nozzle
    u = 20e-3 / 60 / area  # 20 L/min
    phi = math.sqrt(1.5 * 1.0 * 1.2 * 0.02 / (3950 * 100e-6))
    x = 30.0 / 101.325
    v = float(crystal_speed_m_s(dev, 20.0, 30.0))
    assert float(nozzle_air_speed_m_s(dev, 20.0)) == pytest.approx(cap(u, 343.0), rel=1e-12)
    assert v == pytest.approx(cap(phi, 1.0) * cap(u, 343.0) * math.sqrt(-math.log1p(-x) / x), rel=1e-9)
    assert 10 < v < 100  # tens of m/s
    # the air flow sets the speed (nearly proportional below the sound cap) ...
    assert float(crystal_speed_m_s(dev, 30.0, 30.0)) / v == pytest.approx(1.5, rel=0.02)
    assert float(nozzle_air_speed_m_s(dev, 1000.0)) < 343.0  # capped at the speed of sound
    # ... the vacuum only weakly: a few per cent from 5 to 50 kPa in speed, not sqrt(50/5) = 3.2
    f = [float(vacuum_expansion_factor(dev, p)) for p in (0.0, 1e-6, 5.0, 30.0, 50.0)]
    assert f[0] == 1.0 and f[1] == pytest.approx(1.0, abs=1e-6)
    assert f[2:] == pytest.approx([1.0255, 1.1858, 1.3783], abs=1e-4)
    ratio = float(crystal_speed_m_s(dev, 20.0, 50.0) / crystal_speed_m_s(dev, 20.0, 5.0))
    assert 1.0 < ratio < 1.2, ratio
    g = jax.grad(lambda p: crystal_speed_m_s(dev, 20.0, p))
    assert np.isfinite(float(g(0.0)))
    assert all(np.isfinite(float(g(p))) and float(g(p)) > 0 for p in (5e-5, 30.0, 100.0))


# --------------------------------------------------------------------------- numerics

def test_passes_beyond_the_loop_are_grouped_exactly_on_a_column(column, skin):
    state, params, grid = column
    many_state, many = session(column, skin, passes=2 * PASS_GROUPS)
    half_state, half = session(column, skin, passes=PASS_GROUPS)
    # on a column the contact weight is 1, so work is additive: 2P passes = P passes twice
    twice_state, twice = session((half_state, params, grid), skin, passes=PASS_GROUPS)
    np.testing.assert_allclose(np.asarray(many_state.sc_layers), np.asarray(twice_state.sc_layers), rtol=0, atol=1e-10)
    np.testing.assert_allclose(float(many.removed_sc_layers), float(half.removed_sc_layers + twice.removed_sc_layers), rtol=1e-10)


def test_removal_is_differentiable_in_the_settings(column, skin):
    state, params, grid = column
    dev = make_device_params(hardware("diamond_medium"), skin)
    base = make_session_settings([{"vacuum_kpa": 30.0, "passes": 2, "load_n": 2.0}]).row(0)

    def removed(vacuum, load, speed):
        s = eqx.tree_at(lambda x: (x.vacuum_kpa, x.load_n, x.speed_mm_s), base, (vacuum, load, speed))
        return jnp.mean(apply_session(state, params, dev, s, grid)[1].removed_sc_layers)

    vg = jax.jit(jax.value_and_grad(removed, argnums=(0, 1, 2)))
    _, g = vg(30.0, 2.0, 20.0)
    assert all(np.isfinite(float(x)) for x in g)
    assert float(g[0]) > 0 and float(g[1]) > 0 and float(g[2]) < 0
    # central difference check of the vacuum derivative
    h = 1e-3
    fd = (float(vg(30.0 + h, 2.0, 20.0)[0]) - float(vg(30.0 - h, 2.0, 20.0)[0])) / (2 * h)
    assert float(g[0]) == pytest.approx(fd, rel=1e-5)


def test_scenarios_with_different_devices_batch_under_vmap():
    """Prepared scenarios (a diamond and a crystal course) stack and vmap to the single results.

    Under ``vmap`` the session gate runs the sessions only on the steps where some
    scenario has one; the values are those of the unbatched runs.
    """
    from experiments import _run as runner

    a, b = _two_sessions(1), _two_sessions(7, "crystal_al2o3")
    n_steps = max(runner.plan_run(a).size[0], runner.plan_run(b).size[0])
    n_events = max(runner.plan_run(a).size[1], runner.plan_run(b).size[1])
    pa, pb = runner.prepare(a, n_steps, n_events), runner.prepare(b, n_steps, n_events)
    stack = lambda *xs: jax.tree.map(lambda *leaves: np.stack(leaves), *xs)  # noqa: E731
    batched = jax.vmap(simulate, in_axes=(0, 0, 0, None, None))(
        stack(pa.state0, pb.state0), stack(pa.params, pb.params), stack(pa.schedule, pb.schedule), pa.grid, False)
    for j, (r, p) in enumerate(((a, pa), (b, pb))):
        _, o0, outs = jax.tree.map(lambda x: np.asarray(x)[j], batched)
        ds = runner.to_dataset(r, p.grid, p.tgrid, o0, outs, False)
        single = runner.run_config(r)
        np.testing.assert_allclose(ds.removed_layers.values, single.removed_layers.values, rtol=1e-9)
        np.testing.assert_allclose(ds.tewl.values, single.tewl.values, rtol=1e-9)
        assert ds.sizes["session"] == 2 and np.all(ds.removed_layers.values > 0)


def test_gradient_through_the_session_gate(column, skin):
    """Reverse mode through the event step (gate = custom_vjp over the cond) matches finite differences."""
    state, params, grid = column
    tg = make_time_grid(48.0, 1.0, [0.0], bin_width_h=24.0, save_every_h=6.0)
    sched = make_schedule(tg, [EVENT_SESSION], [0.0], settings=[{"vacuum_kpa": 30.0, "passes": 2, "load_n": 2.0}],
                          device=make_device_params(hardware("diamond_medium"), skin))

    def sc_left(vacuum, index):
        sc = eqx.tree_at(lambda x: x.settings.vacuum_kpa, sched, sched.settings.vacuum_kpa * 0 + vacuum)
        new, record = apply_event_recorded(state, params, sc, index, grid)
        return jnp.sum(new.sc_layers) + record.removed_layers

    vg = jax.jit(jax.value_and_grad(sc_left))  # one compilation for values and derivatives
    _, g = vg(30.0, 0)
    h = 1e-3
    fd = (float(vg(30.0 + h, 0)[0]) - float(vg(30.0 - h, 0)[0])) / (2 * h)
    assert np.isfinite(float(g)) and float(g) == pytest.approx(fd, rel=1e-5)
    assert float(vg(30.0, -1)[1]) == 0.0  # no event at this step: no dependence
