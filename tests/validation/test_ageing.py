"""Ageing: aged skin renews and repairs more slowly than young (aged_face vs young_face).

Sources: Grove GL, Kligman AM (1983) Age-associated changes in human epidermal cell
renewal. J Gerontol 38:137-142 (SC replacement ~ 30-50 % slower in the elderly).
Ghadially R et al. (1995) J Clin Invest 95:2281-2290 (barrier recovery after tape
stripping 15 % at 24 h in > 80 y vs 50 % in 20-30 y, and slower over the next days).
"""


def test_aged_sc_renews_more_slowly(measured):
    face = measured("homeostasis_face")
    assert face["aged_face"]["sc_transit_days"] > 1.2 * face["young_face"]["sc_transit_days"]


def test_aged_ve_renews_more_slowly(measured):
    face = measured("homeostasis_face")
    assert face["aged_face"]["ve_renewal_days"] > face["young_face"]["ve_renewal_days"]


def test_aged_barrier_repairs_more_slowly(measured):
    strip = measured("tape_strip_face")
    young, aged = strip["young_face"], strip["aged_face"]
    assert aged["recovery_24h"] < young["recovery_24h"]
    assert aged["recovery_72h"] < young["recovery_72h"]
