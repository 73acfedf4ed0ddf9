"""T2: stratum corneum thickness at homeostasis.

Sources: Egawa M, Hirao T, Takahashi M (2007) In vivo estimation of stratum corneum
thickness from water concentration profiles obtained with Raman spectroscopy. Acta Derm
Venereol 87:4-8 -- cheek ~17 um, volar forearm ~23 um. Sandby-Moller J, Poulsen T, Wulf
HC (2003) Epidermal thickness at different body sites. Acta Derm Venereol 83:410-413 --
forearm SC 18.3 +- 4.9 um (histology). No spread for the Raman values: within 25 %.
"""


def test_cheek_sc_about_17_um(measured):
    assert 17.0 * 0.75 <= measured("homeostasis_face")["young_face"]["sc_thickness_um"] <= 17.0 * 1.25


def test_forearm_sc_about_23_um_raman(measured):
    assert 23.0 * 0.75 <= measured("homeostasis_forearm")["forearm"]["sc_thickness_um"] <= 23.0 * 1.25


def test_forearm_sc_18_3_plus_minus_4_9_um_histology(measured):
    assert 18.3 - 4.9 <= measured("homeostasis_forearm")["forearm"]["sc_thickness_um"] <= 18.3 + 4.9
