"""T3: stratum corneum transit time, layers and shedding, young adult volar forearm.

Source: Grove GL, Kligman AM, et al. (1981) J Soc Cosmet Chem 32, Table I: transit
19.8 +- 1.4 d (dansyl chloride disappearance), ~17 layers, ~0.85 layers/day shed.
Transit is measured two ways: SC layers over the measured shedding rate (Little's law),
and the median age at which a corneocyte cohort is shed, followed along the age
characteristics of the steady state (the closest analogue of the dansyl method).
"""

import pytest


@pytest.fixture(scope="module")
def forearm(measured):
    return measured("homeostasis_forearm")["forearm"]


def test_transit_19_8_plus_minus_1_4_days(forearm):
    assert 19.8 - 1.4 <= forearm["sc_transit_days"] <= 19.8 + 1.4


def test_cohort_shedding_age_19_8_plus_minus_1_4_days(forearm):
    assert 19.8 - 1.4 <= forearm["sc_shedding_age_days"] <= 19.8 + 1.4


def test_about_17_layers(forearm):
    assert 17.0 * 0.75 <= forearm["sc_layers"] <= 17.0 * 1.25


def test_sheds_about_0_85_layers_per_day(forearm):
    assert 0.85 * 0.75 <= forearm["desquamation_rate_per_day"] <= 0.85 * 1.25


def test_homeostasis_is_steady(forearm):
    # the untreated run must not drift away from its spun-up state (10 days)
    assert forearm["drift"] < 1e-3
