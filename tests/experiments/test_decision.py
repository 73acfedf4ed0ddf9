"""The decision on a small synthetic sweep whose answer is known by construction.

Interval x vacuum x 3 seeds, 3 sessions. The objective (Ra change at the end of the
course) improves with vacuum and with frequency, so the unconstrained optimum is the
shortest interval at the highest vacuum; the constraints are placed so that the right
answer is a different, known cell:

* at 2 days the barrier never recovers before the next session (does not heal);
* 50 kPa injures in one seed only (the decision must take the worst seed);
* 40 kPa has petechiae risk 0.3 (above the 0.1 limit);
* so the best safe setting is interval 4 d, vacuum 30 kPa, and the runner-up
  interval 7 d, vacuum 30 kPa.
"""

import numpy as np
import pytest
import xarray as xr

from experiments.errors import InputError
from experiments.report import DecisionRule, decide

INTERVALS = [2.0, 4.0, 7.0]
VACUA = [10.0, 30.0, 40.0, 50.0]
SEEDS = 3
SESSIONS = 3


def synthetic_sweep(seed_noise=0.05):
    rng = np.random.default_rng(0)
    shape = (len(INTERVALS), len(VACUA), SEEDS)
    i = np.asarray(INTERVALS)[:, None, None]
    v = np.asarray(VACUA)[None, :, None]
    ra = -(v / 10.0) * (10.0 / i) + seed_noise * rng.standard_normal(shape)  # more negative = smoother
    recovered = np.ones(shape + (SESSIONS,))
    recovered[0] = 0.0  # 2 d: never recovered before the next session
    injury = np.zeros(shape + (SESSIONS,))
    injury[:, 3, 1, 1] = 4.0  # 50 kPa wounds in seed 1, session 2
    risk = np.zeros(shape + (SESSIONS,))
    risk[:, 2] = 0.3  # 40 kPa
    risk[:, 3] = 0.05
    hours = np.where(recovered > 0.5, 20.0, 48.0)
    dims = ("interval_days", "vacuum_kpa", "replicate")
    sdims = dims + ("session",)
    coords = {"interval_days": ("interval_days", INTERVALS, {"units": "d"}),
              "vacuum_kpa": ("vacuum_kpa", VACUA, {"units": "kPa"}),
              "replicate": np.arange(SEEDS), "session": np.arange(1, SESSIONS + 1)}
    return xr.Dataset({
        "ra_change_pct_end_course": (dims, ra, {"units": "%"}),
        "barrier_recovered": (sdims, recovered, {"units": "1"}),
        "barrier_recovery_hours": (sdims, hours, {"units": "h"}),
        "injury_max_um": (sdims, injury, {"units": "um"}),
        "petechiae_risk": (sdims, risk, {"units": "1"}),
    }, coords=coords, attrs={"sweep_dims": '["interval_days", "vacuum_kpa"]'})


def test_best_safe_setting_is_the_known_cell():
    d = decide(synthetic_sweep())
    assert d.setting_dims == ("interval_days", "vacuum_kpa")
    assert d.best == {"interval_days": 4.0, "vacuum_kpa": 30.0}
    assert d.runner_up == {"interval_days": 7.0, "vacuum_kpa": 30.0}
    assert d.distinguishable  # the gap (3.3 points) is far above the seed SD (0.05)
    safe = d.mask("safe")
    assert not bool(safe.sel(interval_days=2.0).any())  # never heals
    assert not bool(safe.sel(vacuum_kpa=50.0).any())  # injures in one seed: the worst seed counts
    assert not bool(safe.sel(vacuum_kpa=40.0).any())  # petechiae
    assert d.counts() == {"heals": 8, "injures": 3, "petechiae": 3, "safe": 4}
    text = d.summary()
    assert "interval 4 d, vacuum 30 kPa" in text and "4 of 12 settings" in text


def test_a_looser_petechiae_limit_moves_the_decision():
    d = decide(synthetic_sweep(), DecisionRule(max_petechiae_risk=0.5))
    assert d.best == {"interval_days": 4.0, "vacuum_kpa": 40.0}


def test_seed_spread_larger_than_the_gap_is_reported():
    d = decide(synthetic_sweep(seed_noise=5.0))
    assert d.best is not None
    gap = abs(d.value("objective_mean", d.best) - d.value("objective_mean", d.runner_up))
    sd = max(d.value("objective_sd", d.best), d.value("objective_sd", d.runner_up))
    assert d.distinguishable == (gap > sd)
    if not d.distinguishable:
        assert "not distinguishable" in d.summary()


def test_no_safe_setting_says_so():
    ds = synthetic_sweep()
    ds["barrier_recovered"][:] = 0.0
    d = decide(ds)
    assert d.best is None and d.runner_up is None
    assert d.summary().startswith("No safe setting")
    assert d.to_dict()["best"] is None


@pytest.mark.parametrize("rule, field", [({"max_petechiae_risk": 2.0}, "max_petechiae_risk"),
                                         ({"objective": "tewl"}, "objective"),
                                         ({"max_injury_um": -1}, "max_injury_um"),
                                         ({"limit": 1}, "limit")])
def test_bad_rules_name_the_field(rule, field):
    with pytest.raises(InputError, match=f"decision.{field}"):
        DecisionRule.from_mapping(rule)


def test_a_result_without_sessions_is_refused():
    ds = synthetic_sweep().drop_vars(["petechiae_risk"])
    with pytest.raises(InputError, match="petechiae_risk"):
        decide(ds)


def test_a_single_run_is_one_setting():
    """No setting dimensions: the run's own setting is the answer when it is safe, and none when not."""
    one = synthetic_sweep().isel(interval_days=1, vacuum_kpa=1, replicate=0)
    one.attrs = {}
    d = decide(one)
    assert d.setting_dims == () and d.best == {} and d.counts()["safe"] == 1
    assert d.summary().startswith("The setting of this run is safe")
    d = decide(synthetic_sweep().isel(interval_days=0, vacuum_kpa=1, replicate=0))  # 2 d: does not heal
    assert d.best is None and d.summary().startswith("No safe setting")
