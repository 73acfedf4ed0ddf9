"""T7: barrier recovery after tape stripping, young adult: 50 % at 24 h, 80 % at 72 h.

Source: Ghadially R, Brown BE, Sequeira-Martin SM, Feingold KR, Elias PM (1995) The aged
epidermal permeability barrier. J Clin Invest 95:2281-2290 (young 20-30 y: 50 % and 80 %
recovery at 24 and 72 h; aged > 80 y: 15 % at 24 h). Recovery as defined there (T12):
(TEWL_after - TEWL(t)) / (TEWL_after - TEWL_baseline). Protocol: sequential tape strips
to a TEWL endpoint (31 +- 5 strips in the young); the same protocol states the endpoint
as TEWL 20 g m-2 h-1 (32.7 +- 9.6 strips, Korean J Dermatol 2000, 38:183), so the
strip removes the SC fraction that raises TEWL to 20. No spread given: within 25 %.
"""

import pytest


@pytest.fixture(scope="module")
def forearm(measured):
    return measured("tape_strip_forearm")["forearm"]


def test_strip_reaches_the_protocol_endpoint(forearm):
    assert forearm["tewl_after"] == pytest.approx(20.0, rel=0.01)
    assert 0.0 < forearm["remove_fraction"] < 1.0


def test_forearm_recovers_50_percent_at_24_h(forearm):
    assert 0.5 * 0.75 <= forearm["recovery_24h"] <= 0.5 * 1.25


def test_forearm_recovers_80_percent_at_72_h(forearm):
    assert 0.8 * 0.75 <= forearm["recovery_72h"] <= 0.8 * 1.25


def test_recovery_proceeds(forearm):
    assert 0.0 < forearm["recovery_3h"] < forearm["recovery_6h"] < forearm["recovery_24h"] < forearm["recovery_72h"] < 1.0
