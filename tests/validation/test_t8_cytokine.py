"""T8: alarm cytokine (IL-1alpha) after barrier disruption: up within 10 min, high at
2-4 h, near baseline at 24 h (mouse).

Source: Wood LC, Elias PM, Calhoun C, Tsai JC, Grunfeld C, Feingold KR (1996) Barrier
disruption stimulates interleukin-1 alpha expression and release from a pre-formed pool
in murine epidermis. J Invest Dermatol 106:397-403.

Quantitative reading (the source gives a time course, not numbers): with the excess of
the VE-mean cytokine over its pre-strip value, relative to its peak after the strip,
"up within 10 min" = excess at 10 min >= 50 % of the peak; "high at 2-4 h" = excess >= 30 %
of the peak throughout 2-4 h; "near baseline at 24 h" = excess <= 15 % of the peak. Run:
the T7 tape strip of the forearm (strip to TEWL 20 g m-2 h-1).
"""

import pytest


@pytest.fixture(scope="module")
def strip(measured):
    return measured("tape_strip_forearm")["forearm"]


def test_up_within_10_min(strip):
    assert strip["cytokine_peak_excess"] > 0
    assert strip["cytokine_10min_of_peak"] >= 0.5


def test_high_at_2_to_4_h(strip):
    assert strip["cytokine_2_4h_min_of_peak"] >= 0.3


def test_near_baseline_at_24_h(strip):
    assert strip["cytokine_24h_of_peak"] <= 0.15


def test_peak_is_early(strip):
    assert strip["cytokine_peak_time_h"] < 2.0
