"""T1: stratum corneum cell layers at homeostasis.

Source: Ya-Xian Z, Suetake T, Tagami H (1999) Number of cell layers of the stratum
corneum in normal skin -- relationship to the anatomical location on the body, age, sex
and physical parameters. Arch Dermatol Res 291:555-559. Face 9 +- 2 layers, limbs
15 +- 4 (young adults); the layer number did not change with age.
"""


def test_face_has_9_plus_minus_2_layers(measured):
    face = measured("homeostasis_face")
    assert 7.0 <= face["young_face"]["sc_layers"] <= 11.0
    assert 7.0 <= face["aged_face"]["sc_layers"] <= 11.0


def test_forearm_has_15_plus_minus_4_layers(measured):
    assert 11.0 <= measured("homeostasis_forearm")["forearm"]["sc_layers"] <= 19.0


def test_limbs_have_more_layers_than_face(measured):
    assert measured("homeostasis_forearm")["forearm"]["sc_layers"] > measured("homeostasis_face")["young_face"]["sc_layers"] + 4
