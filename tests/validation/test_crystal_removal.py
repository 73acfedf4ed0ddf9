"""Crystal microdermabrasion: the model's removal follows the published trends of crystal units.

Source: Andrews SN, Zarnitsyn V, Bondy B, Prausnitz MR 2011, "Optimization of
microdermabrasion for controlled removal of stratum corneum", Int J Pharm 407:95-104
(excised porcine skin, aluminium-oxide crystal unit; crystal flow rate, exposure time and
suction pressure varied, static and dynamic modes). Read: the abstract only (PMC3050026
via omicsdi S-EPMC3050026); its statement used here: "the extent of stratum corneum
removal depended strongly on the crystal flow rate and exposure time and only weakly on
pressure or static/dynamic mode operation". Passes: Gill HS et al. 2009, Eur J Pharm Sci
38:95-103 (abstract): more passes remove more tissue.

The abstract gives no removal numbers or spread, so "strongly" and "weakly" are quantified
here, on the removal of one moderate session on the homeostatic young-face column (flat
skin, as the excised skin under the opening; contact weight 1), as follows:

- strongly: a 4x change of crystal flow (10 -> 40 g/min) or of treatment time (1 -> 4
  passes) changes the removal by at least 2.5x (removal is sub-linear: the top-down,
  cohesion-weighted removal is self-limiting; it must still be a large effect);
- weakly: the whole vacuum range of the unit (5 -> 50 kPa, 10x) changes the removal by
  less than a mere doubling of the crystal flow does, and the working range 30 -> 50 kPa
  (the two vacuum levels of Andrews et al. 2013, Pharm Res 30:1099, figure 5 caption) by
  at most 25 %. The earlier law (crystal speed ∝ sqrt(vacuum)) fails both: 6.2x over
  5 -> 50 kPa and 1.36x over 30 -> 50 kPa, against 1.8x per doubling of crystal flow.
"""

from __future__ import annotations

import jax
import pytest

from sim import LateralGrid
from models import HARDWARE_KEYS, ModelGrid, apply_session, make_device_params, make_params, make_session_settings
from experiments.config import load_device, load_run_config
from experiments._homeostasis import homeostatic_state

_apply = jax.jit(apply_session, static_argnums=(4,))
MODERATE = {"vacuum_kpa": 30.0, "passes": 2, "speed_mm_s": 20.0, "crystal_flow_g_min": 20.0, "air_flow_l_min": 20.0,
            "mode": "moving"}


@pytest.fixture(scope="module")
def removal():
    values = load_run_config({"skin": "young_face"}).skin
    grid = ModelGrid(lateral=LateralGrid("column"), nz=12, n_stages=8, bin_width_h=24.0, n_bins=60)
    state, params, _ = homeostatic_state(values, make_params(values, grid, 0), grid, 0, 1.0)
    dev = make_device_params(load_device("crystal_al2o3").model_dump(include=set(HARDWARE_KEYS)), values)

    def removed_layers(**change):
        row = {**MODERATE, **change}
        return float(_apply(state, params, dev, make_session_settings([row]).row(0), grid)[1].removed_sc_layers)

    return removed_layers


def test_removal_grows_strongly_with_crystal_flow(removal):
    r = [removal(crystal_flow_g_min=q) for q in (10.0, 20.0, 40.0)]
    assert r[0] < r[1] < r[2], r
    assert r[2] / r[0] >= 2.5, r
    assert r[2] < 4.0 * r[0], r  # self-limiting: less than proportional to the crystal dose


def test_removal_grows_strongly_with_treatment_time(removal):
    r = [removal(passes=p) for p in (1, 2, 4)]
    assert r[0] < r[1] < r[2], r
    assert r[2] / r[0] >= 2.5, r
    # the same crystal dose given as more crystal flow or as more passes removes the same (flat skin)
    assert removal(passes=4) == pytest.approx(removal(crystal_flow_g_min=40.0), rel=1e-9)


def test_removal_depends_only_weakly_on_vacuum_at_fixed_air_flow(removal):
    by_vacuum = {p: removal(vacuum_kpa=p) for p in (5.0, 30.0, 50.0)}
    assert by_vacuum[5.0] < by_vacuum[30.0] < by_vacuum[50.0], by_vacuum  # weak, not absent
    doubling_flow = removal(crystal_flow_g_min=40.0) / removal(crystal_flow_g_min=20.0)
    assert by_vacuum[50.0] / by_vacuum[5.0] < doubling_flow, (by_vacuum, doubling_flow)
    assert by_vacuum[50.0] / by_vacuum[30.0] <= 1.25, by_vacuum


def test_the_air_flow_sets_the_crystal_speed(removal):
    """The pump's air flow (not the vacuum) drives the crystals: removal grows steeply with it."""
    r = [removal(air_flow_l_min=q) for q in (10.0, 20.0, 30.0)]
    assert r[0] < r[1] < r[2], r
    assert r[2] / r[0] >= 3.0, r
