"""T13 and the regenerative response: proliferation, SC regrowth and VE hyperplasia after
removing the SC, and the answer to one typical microdermabrasion session.

Sources (each read as an abstract only; see docs/validation.md, "The regenerative response"):

- Acta Derm Venereol 1995;75:6, "Epidermal regeneration and occlusion": "in human skin,
  40-48 h after surface trauma, epidermal proliferation is maximal".
- Arch Dermatol 1972;106:330, "Local wound environment and epidermal healing: mitotic
  response" (six volunteers, back): the mitotic rate is back to baseline at 12-14 d on
  air-exposed skin (7-10 d occluded). "Back to baseline" is read as: within 10 % of the
  pre-strip rate from then on.
- Exp Dermatol 2013;22:18, doi:10.1111/exd.12053 (healthy volunteers, SC fully removed by
  tape, n = 7): cell turnover (in vivo tryptophan fluorescence) 3-4x at its peak (~3 d),
  the SC regrowing linearly at 2.3 um/day, the VE thicker (+55 % at ~3 d).
- Rajan & Grimes 2002, Dermatol Surg 28:390 (face, n = 8): TEWL still raised 24 h after a
  session and below baseline at 7 d.

Tolerances: the published ranges; 25 % where no spread is given (the SC regrowth rate).
"""

import pytest


@pytest.fixture(scope="module")
def strip(measured):
    return measured("regeneration_strip_forearm")["forearm"]


@pytest.fixture(scope="module")
def session(measured):
    return measured("regeneration_session_face")["young_face"]


def test_proliferation_is_maximal_40_to_48_h_after_the_strip(strip):
    assert 40.0 <= strip["proliferation_peak_hours"] <= 48.0


def test_proliferation_is_back_to_baseline_at_12_to_14_days(strip):
    assert 12.0 <= strip["proliferation_baseline_days"] <= 14.0


def test_proliferation_peaks_3_to_4_fold(strip):
    assert 3.0 <= strip["proliferation_peak_fold"] <= 4.0


def test_the_sc_regrows_faster_than_it_renews_at_rest(strip):
    """2.3 um/day (Exp Dermatol 2013) against ~1.1 um/day at rest (0.85 layers/d x 1.3 um)."""
    assert 2.3 * 0.75 <= strip["sc_regrowth_um_per_day_4d"] <= 2.3 * 1.25
    assert strip["sc_production_peak_fold"] > 2.0
    assert strip["sc_rebuilt_80pct_days"] < 14.0


def test_the_ve_thickens_and_the_hyperplasia_resolves(strip, measured):
    series = measured("regeneration_strip_forearm")["forearm"].series
    assert strip["ve_thickness_max_change_pct"] > 10.0
    assert strip["ve_thickness_max_day"] < 14.0
    late = series["ve_thickness_change_pct"].where(series.time > 24.0, drop=True)
    assert float(abs(late).max()) < 3.0  # back within 3 % of its thickness by the end of the 4th week


def test_a_typical_session_heals_within_a_week(session):
    assert session["tewl_ratio_1d"] > 1.0  # still raised at 24 h
    assert session["barrier_recovered_days"] <= 7.0
    assert session["sc_rebuilt_80pct_days"] <= 7.0
    # a lighter stimulus than a full strip: a smaller, shorter proliferative answer
    assert 1.0 < session["proliferation_peak_fold"] < 3.0
