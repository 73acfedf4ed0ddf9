"""Ageing: aged skin renews and repairs more slowly than young (aged_face vs young_face).

Sources: Grove GL, Kligman AM (1983) Age-associated changes in human epidermal cell
renewal. J Gerontol 38:137-142 (SC replacement ~ 30-50 % slower in the elderly).
Ghadially R et al. (1995) J Clin Invest 95:2281-2290 (barrier recovery after tape
stripping 15 % at 24 h in > 80 y vs 50 % in 20-30 y, ratio 0.3, and slower over the next
days; decreased secretion of lamellar-body contents). The model reaches an aged/young ratio
of 0.43 at 24 h on the face strip (docs/validation.md, "Ageing"); asserted: at most half.
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


def test_aged_barrier_recovers_at_most_half_as_much_at_24_h(measured):
    # Ghadially et al. 1995: 15 % vs 50 % at 24 h (ratio 0.3); the model gives 0.43
    # (aged 0.30, young 0.70). Before the aged lamellar-body store was made to re-form
    # slowly (lb_refill_hours 8 -> 48 h) the ratio was 0.72 (docs/validation.md).
    strip = measured("tape_strip_face")
    young, aged = strip["young_face"], strip["aged_face"]
    assert aged["recovery_24h"] < 0.5 * young["recovery_24h"]
    # and the aged face is still repairing, not stalled: it keeps recovering through 72 h
    assert 0.0 < aged["recovery_3h"] < aged["recovery_24h"] < aged["recovery_72h"] < 1.0
