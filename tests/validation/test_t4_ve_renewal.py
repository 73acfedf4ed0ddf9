"""T4: viable-epidermis renewal, basal layer to SC, 12-15 d (adult).

Source: Rothberg S, Crounse RG, Lee JL (1961) Glycine-C14 incorporation into the
proteins of normal stratum corneum and the abnormal stratum corneum of psoriasis.
J Invest Dermatol 37:497-505. Measured as in a pulse-label experiment: the cells
entering the first maturation stage during one hour are followed through the model's
maturation kernel; their mean arrival time in the SC is the renewal time. It must agree
with the steady-state ratio VE cell content / production.
"""

import pytest


@pytest.mark.parametrize("experiment, profile", [("homeostasis_forearm", "forearm"), ("homeostasis_face", "young_face")])
def test_pulse_label_arrives_in_12_to_15_days(measured, experiment, profile):
    assert 12.0 <= measured(experiment)[profile]["ve_renewal_days"] <= 15.0


@pytest.mark.parametrize("experiment, profile", [("homeostasis_forearm", "forearm"), ("homeostasis_face", "young_face"),
                                                 ("homeostasis_face", "aged_face")])
def test_pulse_label_agrees_with_steady_state_content_over_production(measured, experiment, profile):
    m = measured(experiment)[profile]
    assert m["ve_renewal_days"] == pytest.approx(m["ve_renewal_days_steady"], rel=0.02)
