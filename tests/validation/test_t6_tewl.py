"""T6: baseline TEWL 9.7 +- 2.9 g m-2 h-1 (volar forearm, age 20-40); fully stripped
skin several-fold higher.

Sources: Montero-Vilchez T et al. (2021) Cutaneous homeostasis and epidermal barrier
function in a young healthy Caucasian population. Eur J Dermatol 31(2),
doi:10.1684/ejd.2021.4021 -- volar forearm 9.69 +- 2.94 g m-2 h-1 (87 adults, 20-40 y);
Kottner J, Lichterfeld A, Blume-Peytavi U (2013) Arch Dermatol Res 305:315-323 (ranges).
"Several-fold" is read as at least 3x the intact value.
"""


def test_forearm_baseline_tewl_9_7_plus_minus_2_9(measured):
    assert 9.7 - 2.9 <= measured("homeostasis_forearm")["forearm"]["tewl"] <= 9.7 + 2.9


def test_fully_stripped_tewl_several_fold_baseline(measured):
    m = measured("strip_full_forearm")["forearm"]
    assert m["remove_fraction"] == 1.0
    assert m["sc_layers_after"] < 0.01  # one minute of new production after the strip
    assert m["tewl_after_ratio"] >= 3.0
