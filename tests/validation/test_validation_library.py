"""The validation library (experiments.validation): configs, table, and the step runner.

Not a literature check itself: it verifies that the table reports what the experiments
measure, that the step-resolved runner reproduces experiments.run, and that bad
validation configs fail with a one-line error naming the field.
"""

import math

import numpy as np
import pytest

from experiments import validation
from experiments.config import ConfigError, load_run_config
from experiments._run import prepare


def test_every_validation_config_passes_its_checks(measured):
    failed = []
    for path in validation.validation_configs():
        cfg = validation.load_validation_config(path)
        for row in validation.evaluate(cfg, measured(path.stem)):
            assert set(row) >= {"id", "value", "target", "tolerance", "passed", "source"}
            assert row["source"]
            if not row["passed"]:
                failed.append(f"{row['id']} {row['profile']} {row['quantity']}={row['value']:.4g} "
                              f"not in [{row['low']:.4g}, {row['high']:.4g}]")
    assert not failed, "; ".join(failed)


def test_configs_cover_the_targets():
    ids = {chk.id for p in validation.validation_configs() for chk in validation.load_validation_config(p).checks}
    assert {f"T{i}" for i in range(1, 10)} | {"ageing"} <= ids


def test_table_and_markdown(measured):
    import pandas as pd

    cfg = validation.load_validation_config(validation.VALIDATION_DIR / "homeostasis_forearm.yaml")
    table = pd.DataFrame(validation.evaluate(cfg, measured("homeostasis_forearm")))
    md = validation.markdown_table(table)
    assert md.count("\n") == len(table) + 1
    assert "Grove et al. 1981" in md


def _cfg(**extra):
    base = {
        "experiment": "homeostasis",
        "run": {"skin": "forearm", "grid": {"lateral": "column"}},
        "checks": [{"id": "X", "quantity": "sc_layers", "target": 15, "tolerance": {"plus_minus": 4}, "source": "s"}],
    }
    base.update(extra)
    return base


def test_relations_and_tolerances():
    results = {"a": {"q": 10.0, "r": 12.0}, "b": {"q": 8.0}}
    cfg = validation.load_validation_config({
        "experiment": "homeostasis", "profiles": ["a", "b"], "run": {"skin": "a"},
        "checks": [
            {"id": "1", "quantity": "q", "profile": "a", "target": 9, "tolerance": {"plus_minus": 1}, "source": "s"},
            {"id": "2", "quantity": "q", "profile": "a", "target": 8, "tolerance": {"relative": 0.25}, "source": "s"},
            {"id": "3", "quantity": "q", "profile": "a", "tolerance": {"range": [10.5, 11]}, "source": "s"},
            {"id": "4", "quantity": "q", "profile": "a", "relation": "greater_than", "target": {"quantity": "q", "profile": "b"}, "source": "s"},
            {"id": "5", "quantity": "q", "profile": "a", "relation": "at_most", "target": {"quantity": "r"}, "source": "s"},
            {"id": "6", "quantity": "q", "profile": "b", "relation": "less_than", "target": 8, "source": "s"},
        ]})
    rows = {r["id"]: r for r in validation.evaluate(cfg, results)}
    assert rows["1"]["passed"] and (rows["1"]["low"], rows["1"]["high"]) == (8, 10)
    assert rows["2"]["passed"] and rows["2"]["high"] == pytest.approx(10.0)
    assert not rows["3"]["passed"] and rows["3"]["target"] == pytest.approx(10.75)
    assert rows["4"]["passed"] and rows["4"]["low"] == 8.0
    assert rows["5"]["passed"] and rows["5"]["high"] == 12.0 and math.isinf(rows["5"]["low"])
    assert not rows["6"]["passed"]


@pytest.mark.parametrize("change, field", [
    ({"experiment": "nope"}, "experiment"),
    ({"colour": 1}, "colour"),
    ({"checks": []}, "checks"),
    ({"checks": [{"id": "X", "quantity": "q", "target": 1, "source": "s"}]}, "checks[0].tolerance"),
    ({"checks": [{"id": "X", "quantity": "q", "target": 1, "tolerance": {"plus_minus": -1}, "source": "s"}]}, "checks[0].tolerance.plus_minus"),
    ({"checks": [{"id": "X", "quantity": "q", "target": 1, "tolerance": {"range": [2, 1]}, "source": "s"}]}, "checks[0].tolerance.range"),
    ({"checks": [{"id": "X", "quantity": "q", "relation": "near", "target": 1, "source": "s"}]}, "checks[0].relation"),
    ({"checks": [{"id": "X", "quantity": "q", "target": 1, "tolerance": {"relative": 0.1}}]}, "checks[0].source"),
    ({"checks": [{"id": "X", "quantity": "q", "profile": "cheek", "target": 1, "tolerance": {"relative": 0.1}, "source": "s"}]}, "checks[0].profile"),
    ({"strip": {"day": 1, "remove_fraction": 0.5}}, "strip"),
])
def test_bad_config_is_a_one_line_error(change, field):
    with pytest.raises(ConfigError) as info:
        validation.load_validation_config(_cfg(**change))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(field)


@pytest.mark.parametrize("strip, field", [
    (None, "strip"),
    ({"day": 1}, "strip"),
    ({"day": 1, "remove_fraction": 0.5, "to_tewl_g_m2_h": 20}, "strip"),
    ({"day": 1, "remove_fraction": 1.5}, "strip.remove_fraction"),
    ({"day": -1, "remove_fraction": 0.5}, "strip.day"),
    ({"day": 1, "to_tewl_g_m2_h": 0}, "strip.to_tewl_g_m2_h"),
])
def test_bad_strip_is_a_one_line_error(strip, field):
    with pytest.raises(ConfigError) as info:
        validation.load_validation_config(_cfg(experiment="barrier_disruption", strip=strip))
    assert str(info.value).startswith(field)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        validation.load_validation_config(tmp_path / "none.yaml")


def test_unknown_quantity_is_named():
    cfg = validation.load_validation_config(_cfg())
    with pytest.raises(ConfigError, match="sc_layers"):
        validation.evaluate(cfg, {"forearm": {"tewl": 1.0}})


def test_step_runner_pieces_are_inert():
    """Cutting a run into padded pieces (to keep states) changes no readout.

    One piece (no cut) is a single models.simulate call over the run's schedule;
    the cut run chains five padded pieces. Same compiled scan, so this costs no compile.
    """
    resolved = load_run_config({
        "skin": "young_face", "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 1},
        "duration_days": 2, "events": [{"day": 1, "kind": "strip", "remove_fraction": 0.5}]})
    prep = prepare(resolved)
    assert prep.tgrid.n_steps <= validation.PIECE_STEPS  # so that `whole` is one piece
    whole = validation.run_steps(prep)
    cut = validation.run_steps(prep, keep_states_h=[10.0, 24.0, 24.5, 30.0])
    np.testing.assert_array_equal(whole.time_h, np.concatenate([[0.0], prep.tgrid.t_end]))
    np.testing.assert_array_equal(cut.time_h, whole.time_h)
    for name in ("tewl", "calcium_top", "cytokine", "sc_layers", "lamellar_body_store", "desquamated"):
        np.testing.assert_allclose(cut.series[name], whole.series[name], rtol=1e-12, atol=1e-14)
    assert set(cut.states) == {0.0, 10.0, 24.0, 30.0, 48.0} | {t for t in cut.states if abs(t - 24.5) < 0.3}
    end_whole, end_cut = whole.states[48.0], cut.states[48.0]
    np.testing.assert_allclose(np.asarray(end_cut.sc_layers), np.asarray(end_whole.sc_layers), rtol=1e-12, atol=1e-14)
    # the strip happened at 24 h: TEWL jumps there and not before
    i = int(np.searchsorted(whole.time_h, 24.0))
    assert whole.series["tewl"][i + 1] > 1.5 * whole.series["tewl"][i - 1]


def test_strip_fraction_reaches_the_tewl_endpoint():
    resolved = load_run_config({"skin": "forearm", "grid": {"lateral": "column", "dt_hours": 1}, "duration_days": 1})
    prep = prepare(resolved)
    f = validation.strip_fraction_for_tewl(prep, 20.0)
    assert 0 < f < 1
    with pytest.raises(ValueError, match="outside the reachable range"):
        validation.strip_fraction_for_tewl(prep, 1e4)
