"""Treatment courses end to end: the example configs in configs/runs/ and bad settings.

The courses run on a single column here (``--set grid.lateral=column``) to keep the test
fast; barrier, injury and exposure are lateral means or maxima, so they need no
profile (the 1-D numbers, smoothness included, are in docs/device.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments import ConfigError, run
from experiments.cli import app

RUNS = Path(__file__).resolve().parents[2] / "configs" / "runs"
COLUMN = ["grid.lateral=column"]


@pytest.fixture(scope="module", autouse=True)
def _private_spin_up_cache(tmp_path_factory):
    """Spin-ups go to a cache folder of this test session (shared by the device test modules)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EPITURN_CACHE", str(tmp_path_factory.getbasetemp() / "epiturn-cache-device"))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def typical():
    return run(RUNS / "course_typical_face.yaml", COLUMN)


@pytest.fixture(scope="module")
def aggressive():
    # run as long as the typical course (63 d): same time-grid shape, one compilation
    return run(RUNS / "course_aggressive_face.yaml", COLUMN + ["duration_days=63"])


def test_typical_course_recovers_before_each_session_without_injury(typical):
    ds = typical
    assert ds.sizes["session"] == 6
    np.testing.assert_array_equal(ds.session_day.values, [0, 7, 14, 21, 28, 35])
    assert np.all(ds.recovered_at_start.values == 1)
    assert np.all(ds.barrier_recovered.values == 1)
    assert float(ds.barrier_recovery_hours_max) < 72  # back within 10 % in under 3 days
    assert float(ds.max_injury_um) < 1e-9 and np.all(ds.injury_max_um.values == 0)
    assert float(ds.exposed_fraction) < 0.01
    assert np.all(ds.petechiae_risk.values < 0.05)
    frac = ds.removed_layers.values / float(ds.sc_layers_baseline)
    assert np.all((frac > 0.1) & (frac < 0.5))  # part of the SC (T11)
    assert float(ds.ve_thickness_change_pct_end_course) > 0  # repeated MDA thickens the VE
    assert np.isnan(float(ds.ra_change_pct_end_course))  # no profile on a column
    assert "NaN by definition" in ds.ra_change_pct_end_course.attrs["comment"]


def test_aggressive_course_injures_and_leaves_unrecovered_sessions(typical, aggressive):
    ds = aggressive
    assert float(ds.max_injury_um) > 1.0 and np.all(ds.injury_max_um.values[1:] > 0)
    assert np.sum(ds.recovered_at_start.values == 0) >= 4
    assert np.sum(ds.barrier_recovered.values == 0) >= 4
    assert float(ds.exposed_fraction) > 0.9
    assert np.all(ds.petechiae_risk.values > 0.5)
    assert float(ds.irritation_burden_days) > 5 * float(typical.irritation_burden_days)
    assert float(ds.barrier_recovery_hours_max) > 5 * float(typical.barrier_recovery_hours_max)


def test_settings_outside_the_hardware_are_an_error_end_to_end():
    path = RUNS / "course_typical_face.yaml"
    with pytest.raises(ConfigError, match=r"^protocol.settings.vacuum_kpa: 80 is outside the vacuum range of device 'diamond_medium'; allowed: \[5, 50\] kPa"):
        run(path, ["protocol.settings.vacuum_kpa=80"])
    with pytest.raises(ConfigError, match=r"^protocol.settings.crystal_flow_g_min: 90 is outside the crystal-flow range"):
        run(RUNS / "course_crystal_face.yaml", ["protocol.settings.crystal_flow_g_min=90"])
    with pytest.raises(ConfigError, match=r"^protocol.settings.load_n\[2\]: 12 is above the maximum hand load"):
        run(path, ["protocol.settings.load_n=[2,2,12,2,2,2]"])
    result = CliRunner().invoke(app, ["run", str(path), "--set", "protocol.settings.vacuum_kpa=80"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "vacuum_kpa: 80" in result.output
