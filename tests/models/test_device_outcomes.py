"""Course outcomes (the outcome functions of models) against analytic recovery curves, and their NetCDF labels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import outcomes


def exp_recovery(t_h, base=10.0, jump=2.0, tau=20.0, start=0.0):
    """TEWL = base (1 + jump exp(-(t - start) / tau)) after a session at ``start``."""
    t = np.asarray(t_h, float)
    return np.where(t >= start, base * (1 + jump * np.exp(-(t - start) / tau)), base)


def test_recovery_time_of_an_exponential_recovery():
    t = np.linspace(0, 200, 2001)
    tewl = exp_recovery(t, start=10.0)
    hours, ok = outcomes.recovery_after(t, tewl, 10.0, 10.0, 30.0, 200.0)
    exact = 20.0 * math.log(2.0 / 0.1)  # 1 + 2 e^{-t/tau} = 1.1
    assert ok and hours == pytest.approx(exact, rel=1e-3)


def test_recovery_error_within_the_linear_interpolation_bound():
    # crossing of a linear interpolant: |error| <= h^2 max|f''| / (8 |f'|) = h^2 / (8 tau) here
    exact = 20.0 * math.log(2.0 / 0.1)
    for n in (26, 51, 101, 201, 401):
        t = np.linspace(0, 200, n)
        hours, _ = outcomes.recovery_after(t, exp_recovery(t), 10.0, 0.0, 30.0, 200.0)
        h = t[1] - t[0]
        assert abs(hours - exact) <= h**2 / (8 * 20.0) * 1.01, n


def test_unrecovered_session_reports_the_time_available():
    t = np.linspace(0, 48, 97)
    hours, ok = outcomes.recovery_after(t, exp_recovery(t, tau=100.0), 10.0, 0.0, 30.0, 24.0)
    assert not ok and hours == 24.0


def test_session_that_leaves_tewl_in_the_band_recovers_at_once():
    t = np.linspace(0, 48, 97)
    hours, ok = outcomes.recovery_after(t, np.full_like(t, 10.5), 10.0, 5.0, 10.8, 48.0)
    assert ok and hours == 0.0
    assert outcomes.recovered_at(10.99, 10.0) and not outcomes.recovered_at(11.01, 10.0)


def test_irritation_burden_is_the_integral_of_the_relative_excess():
    t = np.linspace(0, 500, 5001)
    tewl = exp_recovery(t, jump=2.0, tau=20.0)
    burden = outcomes.irritation_burden_days(t, tewl, 10.0)
    exact = 2.0 * 20.0 * (1 - math.exp(-500 / 20.0)) / 24.0
    assert burden == pytest.approx(exact, rel=1e-4)
    # below baseline counts nothing
    assert outcomes.irritation_burden_days(t, np.full_like(t, 9.0), 10.0) == 0.0


def test_change_pct_interpolates_and_is_nan_where_undefined():
    t = np.array([0.0, 10.0, 20.0])
    assert outcomes.change_pct(t, [2.0, 1.0, 1.0], 5.0) == pytest.approx(-25.0)
    assert math.isnan(outcomes.change_pct(t, [np.nan] * 3, 5.0))
    # repeated times (zero-length steps): the latest sample at that time
    assert outcomes.value_at([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 3.0, 3.0], 1.0) == 3.0


def test_every_course_output_has_units():
    from experiments._outputs import OUTPUTS

    names = ["session_day", "removed_layers", "removed_um", "barrier_recovery_hours", "barrier_recovered",
             "recovered_at_start", "injury_max_um", "petechiae_risk", "ra_change_pct_end_course",
             "ra_change_pct_end_followup", "fine_line_change_pct_end_course", "fine_line_change_pct_end_followup",
             "irritation_burden_days", "barrier_recovery_hours_max", "max_injury_um", "exposed_fraction",
             "ve_thickness_change_pct_end_course"]
    for name in names:
        units, long_name = OUTPUTS[name].units, OUTPUTS[name].long_name
        assert units and long_name
