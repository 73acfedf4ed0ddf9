"""The SC age grid is truncated at ``grid.sc_max_age_days`` (the last bin holds everything
older): a run says when cohorts outlive it, and the default is long enough for every
profile at homeostasis (no silent approximation)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import experiments

STRIP = Path(__file__).resolve().parents[2] / "configs" / "runs" / "strip_forearm.yaml"


def test_default_age_grid_holds_every_cohort():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ds = experiments.run(STRIP, ["duration_days=3"])
    assert ds.attrs["sc_oldest_bin_layers_max"] < 1e-6


def test_a_too_short_age_grid_warns_naming_the_field():
    # forearm cohorts live ~23 days: a 10-day age grid merges real layers into its last bin
    with pytest.warns(RuntimeWarning, match=r"grid\.sc_max_age_days = 10"):
        ds = experiments.run(STRIP, ["duration_days=3", "grid.sc_max_age_days=10"])
    assert ds.attrs["sc_oldest_bin_layers_max"] > 0.01
