"""Protocol optimisation (experiments.optimise, `epiturn optimise`).

On the quick example (configs/optimise/column_quick.yaml: a single column, a 2-session
course, intervals 3 and 7 d, vacuum and passes free), run once through the command line:

* the answer re-simulated through experiments.run (from the written best.yaml) meets every
  limit of the decision rule, and the decision (experiments.report.decide) calls it safe;
* the JAX safety reductions the optimiser constrains equal the per-session outputs of a run;
* the answer is at least as good as the best safe cell of a brute-force grid over the same
  settings (vacuum every 2.5 kPa x passes 1-6, at both intervals) with fewer model runs;
* passes are rounded and re-checked: the counts tried before the one taken are infeasible;

and without the model: the search finds the optimum of an analytic constrained problem,
bad optimise blocks give one-line errors, a problem without a feasible setting says so in
one line (exit code 1), the examples validate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import experiments
from experiments import ConfigError
from experiments.cli import app
from experiments.errors import InputError
from experiments.optimise import OPTIMISE_KEYS, constrained_search, load_optimise_config, optimise
from experiments.optimise._run import first_feasible, pass_counts
from experiments.report import decide
from experiments.sensitivity import ModelProblem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "configs" / "optimise").glob("*.yaml"))
QUICK = ROOT / "configs" / "optimise" / "column_quick.yaml"
GRID_TOLERANCE = 0.02  # relative: the optimiser's objective may fall short of the grid's best by this much


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quick example run through the command line: (config, summary, folder)."""
    out = tmp_path_factory.mktemp("optimise")
    result = CliRunner().invoke(app, ["optimise", str(QUICK), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Best: interval" in result.output and "meets every limit" in result.output
    cfg = load_optimise_config(QUICK)
    return cfg, json.loads((out / "summary.json").read_text()), out


def _problem(cfg, interval):
    """The compiled problem the optimiser used at ``interval`` (shared: nothing recompiles)."""
    import dataclasses

    keys = tuple(dataclasses.replace(f, low=0.0, high=0.0, nominal=0.0, range_kind="", source="") for f in cfg.factors)
    outcomes = [cfg.rule.objective] + [lim.outcome for lim in cfg.rule.constraints()]
    return ModelProblem.shared(cfg.at_interval(interval), keys, outcomes)


def _safe(cfg, y):
    return np.array([all(lim.satisfied(v) for lim, v in zip(cfg.rule.constraints(), row[1:])) for row in y])


def test_answer_resimulated_meets_every_limit(quick):
    cfg, summary, out = quick
    best = summary["best"]
    assert best["run"]["safe"] and all(v["satisfied"] for v in best["run"]["limits"].values())
    assert best["run"]["objective"] == pytest.approx(best["objective"], rel=1e-9)
    # the written run config, through the normal run path, judged by the sweep's decision
    ds = experiments.run(out / "best.yaml")
    decision = decide(ds, cfg.rule)
    assert decision.best is not None  # a single run: {} when it is safe
    assert float(ds[cfg.rule.objective]) == pytest.approx(best["objective"], rel=1e-9)
    assert np.all(ds["barrier_recovered"].values == 1)
    assert float(ds["injury_max_um"].max()) <= cfg.rule.max_injury_um
    assert float(ds["petechiae_risk"].max()) < cfg.rule.max_petechiae_risk
    assert float(ds.protocol_interval_days) == best["interval_days"] if "protocol_interval_days" in ds else True
    for key in ("config_hash", "git_commit", "epiturn_version"):
        assert summary["provenance"][key]
    assert summary["counts"]["model_runs"] > 0 and summary["time_s"] > 0
    assert (out / "objective_vs_interval.png").stat().st_size > 1000


def test_safety_reductions_agree_with_a_run(quick):
    cfg, summary, _ = quick
    # at the best interval: its run (the re-check) and its problem are compiled already
    interval = summary["best"]["interval_days"]
    rows = np.array([[30.0, 2.0], [50.0, 6.0]])  # a gentle and the hardest setting
    y, _ = _problem(cfg, interval).values_and_gradients(rows, cfg.batch_size)
    safe = []
    for row, values in zip(rows, y):
        from experiments.optimise import protocol_config

        ds = experiments.run(protocol_config(cfg, interval, {"vacuum_kpa": row[0], "passes": int(row[1])}))
        heals, injury, risk = values[1:]
        assert (heals <= 0) == bool(np.all(ds["barrier_recovered"].values == 1))
        assert injury == pytest.approx(float(ds["injury_max_um"].max()), rel=1e-9, abs=1e-12)
        assert risk == pytest.approx(float(ds["petechiae_risk"].max()), rel=1e-9, abs=1e-12)
        assert values[0] == pytest.approx(float(ds[cfg.rule.objective]), rel=1e-9)
        safe.append(decide(ds, cfg.rule).best is not None)
    assert safe == list(_safe(cfg, y))
    assert safe == [True, False]  # both sides of the limits are compared
    # the gradients the search follows agree with central differences (off the integer pass counts)
    x, h = np.array([37.0, 2.4]), np.array([1e-3, 1e-3])
    rows = np.array([x, x + [h[0], 0], x - [h[0], 0], x + [0, h[1]], x - [0, h[1]], x])
    y, jac = _problem(cfg, interval).values_and_gradients(rows, cfg.batch_size)
    fd = np.stack([(y[1] - y[2]) / (2 * h[0]), (y[3] - y[4]) / (2 * h[1])], axis=1)  # (outcome, setting)
    for k in (0, 1, 3):  # objective, healing excess, petechiae risk (no injury here: its gradient is 0)
        np.testing.assert_allclose(jac[0, k], fd[k], rtol=2e-3, atol=1e-9)


def test_at_least_as_good_as_a_brute_force_grid_with_fewer_runs(quick):
    cfg, summary, _ = quick
    vac, passes = np.meshgrid(np.arange(5.0, 50.1, 2.5), np.arange(1.0, 6.1), indexing="ij")
    grid = np.column_stack([vac.ravel(), passes.ravel()])
    best_grid = -np.inf
    for interval in cfg.intervals:
        y, _ = _problem(cfg, interval).values_and_gradients(grid, cfg.batch_size)
        ok = _safe(cfg, y)
        assert ok.any() and not ok.all()  # the limits bind on this grid
        best_grid = max(best_grid, float(np.max(y[ok, 0])))
    grid_runs = grid.shape[0] * len(cfg.intervals)
    assert summary["best"]["objective"] >= best_grid * (1 - GRID_TOLERANCE), (summary["best"], best_grid)
    assert summary["counts"]["model_runs"] < grid_runs


def test_passes_are_rounded_and_rechecked(quick):
    cfg, summary, _ = quick
    assert pass_counts(3.9, 1, 6) == [4, 3, 2, 1] and pass_counts(3.2, 1, 6) == [3, 4, 2, 1]
    assert pass_counts(5.8, 1, 6) == [6, 5, 4, 3, 2, 1]
    for entry in summary["intervals"]:
        assert isinstance(entry["settings"]["passes"], int)
        assert all(v["satisfied"] for v in entry["limits"].values())
        tried = [np.array([[t["vacuum_kpa"], t["passes"]] for t in start["tried"]]) for start in entry["starts"]]
        y, _ = _problem(cfg, entry["interval_days"]).values_and_gradients(np.concatenate(tried), cfg.batch_size)
        ok = np.split(_safe(cfg, y), np.cumsum([len(t) for t in tried])[:-1])
        for start, rows, good in zip(entry["starts"], tried, ok):
            assert rows[0, 1] == round(start["relaxed"]["passes"])
            if start["taken"] is not None:  # every count tried before the one taken breaks a limit
                assert good[-1] and not good[:-1].any()
                assert start["taken"]["passes"] == rows[-1, 1]
            else:
                assert not good.any()


def test_rounding_takes_the_next_feasible_count():
    # feasible iff passes <= 3 (the limit: outcome 1 = passes <= 3): 3.9 tries 4 (no), then 3 (yes);
    # 2.2 takes 2 at once; 6.4 (with a limit nothing meets) tries every count and finds none
    def evaluate(rows):
        return np.column_stack([rows[:, 1], rows[:, 1]]), None

    order = [np.array([[0.0, c] for c in pass_counts(p, 1, 6)]) for p in (3.9, 2.2)]
    found, seen = first_feasible(order, evaluate, np.array([3.0]), np.array([False]))
    assert [x[1] for x, _ in seen[0]] == [4, 3] and found[0][0][1] == 3
    assert [x[1] for x, _ in seen[1]] == [2] and found[1][0][1] == 2
    found, seen = first_feasible(order[:1], evaluate, np.array([0.5]), np.array([False]))
    assert found == [None] and [x[1] for x, _ in seen[0]] == [4, 3, 2, 1]


def test_search_finds_the_optimum_of_an_analytic_problem():
    # maximise x + y on the unit disc in the box [0, 2]^2: sqrt 2 at (1, 1) / sqrt 2, on the constraint
    def vj(x):
        y = np.column_stack([x[:, 0] + x[:, 1], x[:, 0] ** 2 + x[:, 1] ** 2])
        jac = np.stack([np.ones_like(x), 2 * x], axis=1)
        return y, jac

    x0 = np.array([[0.2, 1.5], [1.8, 1.8], [0.1, 0.1], [1.9, 0.1]])  # on, outside, inside, outside
    res = constrained_search(vj, x0, np.zeros(2), np.full(2, 2.0), np.array([1.0]), np.array([1.0]), np.array([False]),
                             sense="max", iterations=100, learning_rate=0.1, margin=0.0)
    assert res.feasible.all() and np.all(res.y[:, 1] <= 1.0)
    assert np.max(res.y[:, 0]) == pytest.approx(2**0.5, rel=5e-3)
    np.testing.assert_allclose(res.x[np.argmax(res.y[:, 0])], [2**-0.5] * 2, atol=0.03)
    assert np.sum(res.y[:, 0] > 0.95 * 2**0.5) >= 2  # several starts get there
    assert res.evaluations == 4 * 100 and res.history.shape == (100, 4)


@pytest.mark.parametrize("change, field", [
    ({"objective": "smoothness"}, "optimise.objective"),
    ({"objective": "ra_change_pct_end_followup"}, "optimise.objective"),  # NaN on a column
    ({"goal": "up"}, "optimise.goal"),
    ({"settings": ["crystal_flow_g_min"]}, "optimise.settings"),
    ({"settings": ["ve_transit_days"]}, "optimise.settings"),
    ({"settings": {"vacuum_kpa": {"min": 20, "max": 90}}}, "optimise.settings.vacuum_kpa"),
    ({"interval_days": [7, 7]}, "optimise.interval_days"),
    ({"interval_days": [-1]}, "optimise.interval_days"),
    ({"starts": 0}, "optimise.starts"),
    ({"iterations": "many"}, "optimise.iterations"),
    ({"max_petechiae_risk": 2}, "optimise.max_petechiae_risk"),
    ({"colour": "blue"}, "optimise.colour"),
    ({"check_seeds": [0]}, "optimise.check_seeds"),  # the base's own seed
    ({"check_seeds": [1, 1]}, "optimise.check_seeds"),
    ({"check_seeds": [-1]}, "optimise.check_seeds"),
    ({"check_seeds": "all"}, "optimise.check_seeds"),
    ({"check_seeds": list(range(1, 40))}, "optimise.check_seeds"),
    ({"replicates": 0}, "optimise.replicates"),
    ({"replicates": [1, 1]}, "optimise.replicates"),
    ({"replicates": []}, "optimise.replicates"),
    ({"replicates": "all"}, "optimise.replicates"),
    ({"replicates": [0, True]}, "optimise.replicates"),
    ({"replicates": 2}, "optimise.replicates"),  # the quick example is a column: one seed is every seed
    ({"check_grid": {"n": 0}}, "optimise.check_grid.n"),
    ({"check_grid": {"colour": 1}}, "optimise.check_grid.colour"),
    ({"check_grid": "fine"}, "optimise.check_grid"),
])
def test_bad_blocks_give_one_line_errors(change, field):
    data = yaml.safe_load(QUICK.read_text())
    data["optimise"].update(change)
    with pytest.raises(InputError) as info:
        load_optimise_config(data)
    text = str(info.value)
    assert "\n" not in text and text.startswith(field + ":") and "allowed" in text, text


def test_bad_top_level_key_and_cli_exit_2(tmp_path):
    data = yaml.safe_load(QUICK.read_text())
    with pytest.raises(ConfigError, match="^speed: "):
        load_optimise_config({**data, "speed": 1})
    path = tmp_path / "bad.yaml"
    data["optimise"]["starts"] = -3
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["optimise", str(path), "-o", str(tmp_path / "o")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: optimise.starts: -3")
    result = CliRunner().invoke(app, ["optimise", str(QUICK), "--max-petechiae-risk", "2", "--objective", "x"])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: optimise.objective: 'x'")


def test_no_feasible_setting_says_so_in_one_line(quick, tmp_path):
    # the hardest corner of the box at the shorter interval, with a petechiae limit it cannot meet
    data = yaml.safe_load(QUICK.read_text())
    data["optimise"].update({"settings": {"vacuum_kpa": {"min": 48, "max": 50}, "passes": {"min": 5, "max": 6}},
                             "interval_days": [3], "max_petechiae_risk": 0.01, "iterations": 2})
    path = tmp_path / "never.yaml"
    # the settings in the quick example's order (vacuum, passes; a sorted dump would swap them):
    # the interval's compiled problem of the module fixture is reused, nothing recompiles
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(app, ["optimise", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: no feasible setting:") and "closest" in errors[0]
    assert "Traceback" not in result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["best"] is None and not (tmp_path / "o" / "best.yaml").exists()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_validate(path):
    cfg = load_optimise_config(path)
    assert cfg.factors and cfg.intervals and cfg.rule.constraints()


HOSTILE = [None, True, 0, -1, 2**70, 1e300, float("nan"), float("inf"), "", "x" * 5000, [], {}, [1, 2, 3],
           {"min": 1, "max": 0}, [[[[1]]]], list(range(2000)), {"k" * 4000: 1}, "column", 1 / 120, 0.5]


@pytest.mark.parametrize("seed", range(24))
def test_hostile_blocks_are_accepted_or_refused_in_one_line(seed):
    rng = np.random.default_rng(seed)
    data = yaml.safe_load(QUICK.read_text())
    for _ in range(2):
        key = list(OPTIMISE_KEYS)[int(rng.integers(len(OPTIMISE_KEYS)))]
        data["optimise"][key] = HOSTILE[int(rng.integers(len(HOSTILE)))]
    try:
        cfg = load_optimise_config(data)
    except InputError as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 1200 and "allowed" in text, text
    else:
        assert cfg.factors and cfg.intervals


def test_the_best_protocol_is_rechecked_on_other_seeds_and_an_unsafe_one_is_said():
    """The one-seed answer of the frequency-intensity example (7 d; 8.57 kPa, 4 passes, 3.67 N, 28.1 mm/s;
    docs/optimise.md) on a 64-column, 2 mm transect: safe on the seed it was found on
    (0), it injures 1.29 um of living epidermis on seed 1 (limit 0.1 um)."""
    from experiments.optimise._run import _recheck, seed_notes

    data = yaml.safe_load((ROOT / "configs" / "optimise" / "frequency_intensity.yaml").read_text())
    data["base"]["grid"].update({"n": 64, "width_mm": 2})
    data["optimise"].update({"replicates": 1, "check_seeds": [1], "interval_days": [7]})
    data["optimise"].pop("check_grid")
    cfg = load_optimise_config(data)
    assert cfg.check_seeds == (1,)
    data["optimise"].pop("check_seeds")
    assert load_optimise_config(data).check_seeds == (1, 2)  # the default on a transect: the next two seeds
    assert load_optimise_config({**data, "optimise": {**data["optimise"], "check_seeds": []}}).check_seeds == ()
    assert load_optimise_config(QUICK).check_seeds == ()  # a column: its seed changes nothing
    entry = {"interval_days": 7.0, "settings": {"vacuum_kpa": 8.57, "passes": 4, "load_n": 3.67, "speed_mm_s": 28.1},
             "limits": {"heals": {"value": 0.0}}}
    _, run = _recheck(cfg, entry)
    assert run["safe"] and run["limits"]["no_injury"]["value"] <= 0.1, run["limits"]
    on_1 = run["seeds"]["1"]
    assert not on_1["safe"] and not run["safe_on_every_seed"]
    assert on_1["limits"]["no_injury"]["value"] > 0.1 and not on_1["limits"]["no_injury"]["satisfied"], on_1["limits"]
    notes = seed_notes(run)
    assert notes == ["on seed 1 it breaks no_injury: the best protocol is not safe beyond the seeds it was searched on; "
                     "see best.run.seeds"]
    assert "healing_excess_max" in run["limits"]["heals"] and "healing_excess_max" not in on_1["limits"]["heals"]
    failed = {"seeds": {"3": {"objective": float("nan"), "safe": False, "limits": {}, "error": "spin-up did not converge"}}}
    assert seed_notes(failed)[0].startswith("on seed 3 it fails to run: ")
    assert seed_notes({"seeds": {"1": {**on_1, "safe": True}}}) == [] and seed_notes({}) == []


SMALL_TRANSECT = {"grid": {"n": 8, "width_mm": 1}, "protocol": {"sessions": 2, "follow_up_days": 3}}


def _small_transect_file(**block):
    """The frequency-intensity example on an 8-column transect, 2 sessions at 3 d."""
    data = yaml.safe_load((ROOT / "configs" / "optimise" / "frequency_intensity.yaml").read_text())
    for key, change in SMALL_TRANSECT.items():
        data["base"][key].update(change)
    data["optimise"].pop("check_grid")  # the example's re-check on the main job's transect: not here
    data["optimise"].update({"interval_days": [3], "starts": 1, "iterations": 2, **block})
    return data


def test_replicates_are_seeds_as_a_sweeps_and_the_checked_seeds_follow_them():
    data = _small_transect_file(replicates=3)
    data["optimise"].pop("check_seeds")
    cfg = load_optimise_config(data)
    assert cfg.replicates == (0, 1, 2) and cfg.check_seeds == (3, 4) and cfg.batch_size == 3
    cfg = load_optimise_config(_small_transect_file(replicates=[4, 0], check_seeds=[1]))
    assert cfg.replicates == (4, 0) and cfg.check_seeds == (1,)
    with pytest.raises(InputError, match=r"^optimise.check_seeds: 4 is not a seed to check"):
        load_optimise_config(_small_transect_file(replicates=[4, 0], check_seeds=[4]))
    assert load_optimise_config(QUICK).replicates == (0,)


def test_a_search_on_several_seeds_reduces_them_as_the_decision_does_from_one_program():
    """The search's view of a point on K = 2 seeds (one compiled program, the homeostasis of
    each seed an argument) equals each seed's own problem (the homeostasis a constant of
    its program): the objective is their mean, each seed's limits are its own constraints;
    and the whole search's answer, re-simulated on both seeds through experiments.run and
    judged by decide, has the search's mean objective and is safe on each seed."""
    from experiments.optimise._run import Replicated, _recheck

    cfg = load_optimise_config(_small_transect_file(replicates=2, check_seeds=[]))
    outcomes = [cfg.rule.objective] + [lim.outcome for lim in cfg.rule.constraints()]
    x = np.asarray([[24.0, 2.6, 3.0, 22.0], [12.0, 4.3, 1.5, 31.0]])  # vacuum, passes, load, speed
    base = _problem(cfg, 3.0)  # the one the search below uses
    replicated = Replicated(base, base.homeostasis_at([cfg.at_interval(3.0, s) for s in (0, 1)]), 2, 3, cfg.batch_size)
    y, jac = replicated(x)
    assert y.shape == (2, 1 + 2 * 3) and jac.shape == (2, 1 + 2 * 3, 4)
    assert base._value_grad_from._cache_size() == 1  # both seeds, one program
    own = [base.values_and_gradients(x, 2), ModelProblem(cfg.at_interval(3.0, 1), base.factors, outcomes).values_and_gradients(x, 2)]
    assert not np.allclose(own[0][0][:, 0], own[1][0][:, 0], rtol=1e-3)  # the seeds differ
    np.testing.assert_allclose(y[:, 0], (own[0][0][:, 0] + own[1][0][:, 0]) / 2, rtol=1e-9)
    np.testing.assert_allclose(jac[:, 0], (own[0][1][:, 0] + own[1][1][:, 0]) / 2, rtol=1e-8, atol=1e-12)
    for k in (0, 1):
        np.testing.assert_allclose(y[:, 1 + 3 * k: 4 + 3 * k], own[k][0][:, 1:], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(jac[:, 1 + 3 * k: 4 + 3 * k], own[k][1][:, 1:], rtol=1e-8, atol=1e-12)
    worst = replicated.worst(y[0])
    np.testing.assert_allclose(worst[1:], np.maximum(own[0][0][0, 1:], own[1][0][0, 1:]))

    result = optimise(cfg)
    best = result.best
    assert best is not None and result.counts["gradient_evaluations"] == 2 * cfg.starts * cfg.iterations
    run = best["run"]
    assert set(run["replicates"]) == {"0", "1"} and run["safe"] and all(r["safe"] for r in run["replicates"].values())
    np.testing.assert_allclose(run["objective"], best["objective"], rtol=1e-6)
    np.testing.assert_allclose(run["objective"], np.mean([r["objective"] for r in run["replicates"].values()]))
    assert run["limits"]["no_injury"]["value"] == max(r["limits"]["no_injury"]["value"] for r in run["replicates"].values())
    again = _recheck(cfg, best)[1]
    assert again["objective"] == run["objective"]  # the same seeds, the same numbers
    np.testing.assert_allclose(again["replicates"]["1"]["objective"],
                               float(experiments.run({**result.best_config, "seed": 1}).ra_change_pct_end_course))


def test_the_written_best_protocol_is_at_a_searched_seed_and_its_header_says_which(tmp_path):
    """best.yaml is written at the base's seed when it is a replicate, else at the first
    replicate; with several replicates its header gives their mean and its own seed's value;
    a searched seed whose exact run fails is recorded as unsafe, and the result is kept."""
    from experiments.errors import SimulationError
    from experiments.optimise import _run as run_module
    from experiments.optimise._run import OptimiseResult, _recheck, best_config_seed, write_outputs

    cfg = load_optimise_config(_small_transect_file(replicates=[4, 2], check_seeds=[]))
    assert best_config_seed(cfg) == 4 and best_config_seed(load_optimise_config(_small_transect_file(replicates=2))) == 0
    entry = {"interval_days": 3.0, "settings": {"vacuum_kpa": 20.0, "passes": 2, "load_n": 2.0, "speed_mm_s": 25.0},
             "limits": {"heals": {"value": -0.01}}}
    config, run = _recheck(cfg, entry)
    assert config["seed"] == 4 and set(run["replicates"]) == {"4", "2"}
    result = OptimiseResult(cfg, {**entry, "objective": run["objective"], "run": run}, [], {}, 0.0, config)
    write_outputs(result, tmp_path)
    head = (tmp_path / "best.yaml").read_text().splitlines()[1]
    assert f"{run['objective']:.3g}, the mean over the seeds 4, 2" in head
    assert head.endswith(f"at this file's seed 4: {run['replicates']['4']['objective']:.3g}")
    written = experiments.run(yaml.safe_load((tmp_path / "best.yaml").read_text()))
    assert float(written.ra_change_pct_end_course) == pytest.approx(run["replicates"]["4"]["objective"], rel=1e-12)

    real = experiments.run

    def failing(c, *a, **k):  # seed 2's run does not finish
        if c.get("seed") == 2:
            raise SimulationError("the spin-up did not settle")
        return real(c, *a, **k)

    import experiments._run as run_path
    saved, run_path.run = run_path.run, failing
    try:
        _, broken = _recheck(cfg, entry)
    finally:
        run_path.run = saved
    assert not broken["safe"] and broken["replicates"]["2"]["error"] == "the spin-up did not settle"
    assert broken["replicates"]["4"]["objective"] == run["replicates"]["4"]["objective"]  # the seed that ran: judged
    assert run_module.seed_verdict(broken) == "fails to run"


def test_the_best_protocol_is_rechecked_on_a_check_grid_and_an_unsafe_one_is_said():
    """The one-seed answer (7 d; 8.57 kPa, 4 passes, 3.67 N, 28.1 mm/s), found on seed 0 of the
    example's 32-column transect, is safe there on seeds 0 and 1; on a 64-column transect of
    the same width (``check_grid: {n: 64}``) seed 1 injures 1.29 um (docs/optimise.md)."""
    from experiments.optimise._run import _recheck, seed_notes

    data = yaml.safe_load((ROOT / "configs" / "optimise" / "frequency_intensity.yaml").read_text())
    data["optimise"].update({"replicates": 1, "check_seeds": [1], "interval_days": [7], "check_grid": {"n": 64}})
    cfg = load_optimise_config(data)
    assert cfg.check_grid == {"n": 64}
    entry = {"interval_days": 7.0, "settings": {"vacuum_kpa": 8.57, "passes": 4, "load_n": 3.67, "speed_mm_s": 28.1},
             "limits": {"heals": {"value": 0.0}}}
    _, run = _recheck(cfg, entry)
    assert run["safe"] and run["safe_on_every_seed"]  # on the grid it was searched on
    check = run["check_grid"]
    assert check["grid"]["n"] == 64 and check["grid"]["width_mm"] == 2 and set(check["seeds"]) == {"0", "1"}
    assert check["seeds"]["0"]["safe"] and not check["seeds"]["1"]["safe"] and not check["safe"]
    assert check["seeds"]["1"]["limits"]["no_injury"]["value"] > 0.1
    assert seed_notes(run) == ["on the check grid (lateral 1d, n 64, width_mm 2, dt_hours 1) seed 1 breaks no_injury: "
                               "the best protocol is not safe on that grid; see best.run.check_grid"]


@pytest.mark.parametrize("block, start", [
    ({"interval_days": [0.5, 3], "check_grid": {"dt_hours": 24}}, "optimise.check_grid: {'dt_hours': 24} makes the base "
                                                                  "run fail at interval_days 0.5 (protocol.interval_days"),
    ({"check_grid": {"lateral": "column"}}, "optimise.check_grid: {'lateral': 'column'} is a single column, where "
                                            "ra_change_pct_end_course is NaN"),
])
def test_a_check_grid_is_refused_at_load_time_where_a_protocol_of_the_search_could_not_run_on_it(block, start):
    """The check grid is validated as the run of a protocol at every interval of the search,
    so a problem is one line before the search, not a failure after it."""
    with pytest.raises(InputError) as info:
        load_optimise_config(_small_transect_file(**block))
    text = str(info.value)
    assert "\n" not in text and text.startswith(start) and "allowed" in text, text
