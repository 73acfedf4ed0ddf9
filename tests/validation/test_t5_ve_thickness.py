"""T5: viable-epidermis thickness ~57 um on the forearm (adult).

Source: Sandby-Moller J, Poulsen T, Wulf HC (2003) Acta Derm Venereol 83:410-413. No
spread given for this target: within 25 %.
"""


def test_forearm_ve_about_57_um(measured):
    assert 57.0 * 0.75 <= measured("homeostasis_forearm")["forearm"]["ve_thickness_um"] <= 57.0 * 1.25


def test_aged_face_ve_thinner_than_young_face(measured):
    face = measured("homeostasis_face")
    assert face["aged_face"]["ve_thickness_um"] < face["young_face"]["ve_thickness_um"]
