"""Summary outcomes (checked against closed forms), the comparison of run configs and `epiturn compare`."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.config import load_run_config
from experiments._outputs import annotate
from experiments.report import compare_configs, settings_rows, summary_outcomes
from experiments.storage import open_result
from models import SESSION_SETTINGS

runner = CliRunner()


def test_summary_outcomes_match_closed_forms():
    """TEWL = b (1 + A exp(-t/tau)): peak ratio 1 + A, burden (excess integral) A tau (1 - exp(-T/tau))."""
    b, A, tau, T = 8.0, 0.6, 2.0, 30.0
    t = np.linspace(0.0, T, 3001)
    tewl = b * (1 + A * np.exp(-t / tau))
    ra = 20.0 - 0.1 * t  # linear: Ra(T) = 17 -> -15 %
    ery = 0.2 * np.exp(-t / tau)
    ds = annotate(xr.Dataset({"tewl": ("time", tewl), "ra_um": ("time", ra), "erythema": ("time", ery),
                              "sc_layers": ("time", 9 - np.exp(-t)), "tewl_baseline": ((), b)}, coords={"time": t}))
    out = summary_outcomes(ds)
    assert float(out["tewl_peak"]) == pytest.approx(b * (1 + A))
    assert float(out["tewl_peak_ratio"]) == pytest.approx(1 + A)
    # trapezoid rule on dt = 0.01 d: second-order accurate
    # a result without the run's burden gets it from the saved points, and says so
    assert float(out["irritation_burden_days"]) == pytest.approx(A * tau * (1 - np.exp(-T / tau)), rel=1e-5)
    assert "saved time points" in out["irritation_burden_days"].attrs["comment"]
    assert float(out["erythema_days"]) == pytest.approx(0.2 * tau * (1 - np.exp(-T / tau)), rel=1e-5)
    assert float(out["ra_change_pct_end_followup"]) == pytest.approx(-15.0)
    assert float(out["sc_layers_min"]) == pytest.approx(8.0)
    assert out["irritation_burden_days"].attrs["units"] == "d" and out["tewl_peak"].attrs["units"] == "g m-2 h-1"
    assert float(out["tewl_baseline"]) == b  # scalar outputs carried over
    # the run's own outcomes are kept, not computed again from the saved points
    ran = summary_outcomes(ds.assign(irritation_burden_days=((), 1.5), ra_change_pct_end_followup=((), -12.0)))
    assert float(ran["irritation_burden_days"]) == 1.5 and float(ran["ra_change_pct_end_followup"]) == -12.0
    assert "comment" not in ran["irritation_burden_days"].attrs


def test_summary_outcomes_of_a_shorter_scenario_stop_at_its_end():
    """NaN after a scenario's end (sweep padding) is excluded, not counted as zero."""
    t = np.arange(0.0, 11.0)
    full = 10.0 + np.where(t < 3, 5.0, 0.0)
    short = full.copy()
    short[6:] = np.nan
    ra = np.stack([20 - t, np.where(np.isnan(short), np.nan, 20 - t)])
    ds = annotate(xr.Dataset({"tewl": (("scenario", "time"), np.stack([full, short])), "ra_um": (("scenario", "time"), ra),
                              "tewl_baseline": ("scenario", [10.0, 10.0])}, coords={"time": t, "scenario": [0, 1]}))
    out = summary_outcomes(ds)
    # relative excess 0.5 on days 0-2, 0 from day 3: 0.5 * 2 d + half of the last step (trapezoid) = 1.25 d
    np.testing.assert_allclose(out["irritation_burden_days"].values, [1.25, 1.25])
    np.testing.assert_allclose(out["ra_change_pct_end_followup"].values, [-50.0, -25.0])  # Ra at day 10 vs at day 5


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    """Two single-column runs and a short course on a small surface (roughness and injury defined)."""
    folder = tmp_path_factory.mktemp("compare")
    grid = {"lateral": "column", "dt_hours": 1}
    untreated = {"skin": "young_face", "grid": grid, "save": {"every_hours": 6}, "duration_days": 8}
    stripped = {**untreated, "events": [{"day": 1, "kind": "strip", "remove_fraction": 0.9}], "duration_days": 6}
    course = {"skin": "young_face", "device": "diamond_coarse", "grid": {"lateral": "1d", "n": 16, "width_mm": 1, "dt_hours": 1},
              "protocol": {"interval_days": 1, "sessions": 2, "follow_up_days": 2,
                           "settings": {"vacuum_kpa": 60, "passes": 8, "load_n": 5, "speed_mm_s": 5}},
              "save": {"every_hours": 6}}
    paths = []
    for name, cfg in (("untreated", untreated), ("stripped", stripped), ("course", course)):
        p = folder / f"{name}.yaml"
        p.write_text(yaml.safe_dump(cfg))
        paths.append(p)
    return folder, paths


@pytest.fixture(scope="module")
def compared(configs):
    folder, paths = configs
    return compare_configs(paths, folder / "out")


def test_compare_runs_each_config_and_tabulates_outcomes(compared):
    result = compared
    assert result.names == ["untreated", "stripped", "course"]
    table = result.table
    ratio = table["tewl_peak_ratio"].sel(config="stripped")
    # tape stripping 90 % of the SC raises TEWL severalfold (T7: Ghadially et al. 1995); untreated stays at baseline
    assert float(ratio) > 2.0
    # untreated: at baseline up to the model's sub-daily ripple (24-h SC age bins, < 0.1 %)
    assert float(table["tewl_peak_ratio"].sel(config="untreated")) == pytest.approx(1.0, abs=1e-2)
    assert float(table["sc_layers_min"].sel(config="stripped")) < 0.2 * float(table["sc_layers_min"].sel(config="untreated"))
    # each run as NetCDF, with its own duration (padding for the batch does not leak into the files)
    assert [f.name for f in result.files] == ["untreated.nc", "stripped.nc", "course.nc"]
    runs = [open_result(f) for f in result.files]  # time in days (a plain xr.open_dataset decodes the CF time)
    assert [float(r["time"].values[-1]) for r in runs] == [8.0, 6.0, 3.0]
    assert runs[1].attrs["config_hash"] and runs[1].attrs["epiturn_version"]


def test_compare_table_has_each_outcome_once(compared):
    """No two variables of the table are one quantity under two names: equal in a config."""
    table = compared.table
    for config in compared.names:
        values = {name: float(table[name].sel(config=config)) for name in table.data_vars}
        # a value at round-off (an untreated run's erythema, ~1e-13) is a zero, not a quantity
        informative = {n: v for n, v in values.items() if np.isfinite(v) and abs(v) > 1e-9}
        seen: dict[float, str] = {}
        for name, value in informative.items():
            same = [other for other, v in seen.items() if v == pytest.approx(value, rel=1e-12)]
            assert not same, f"{config}: {name} = {same[0] if same else ''} = {value}"
            seen[name] = value
    # the course is the case where the summary's end-of-run Ra change repeated the run's
    assert np.isfinite(float(table["ra_change_pct_end_followup"].sel(config="course")))
    assert float(table["max_injury_um"].sel(config="course")) > 0
    # the outcomes the run gives are not repeated under the summary's old names
    assert not {"tewl_excess_days", "injury_depth_max_um", "ra_change_pct_end"} & set(table.data_vars)


def test_settings_rows_follow_the_session_settings_table(configs_dir):
    base = {"skin": "testskin", "protocol": {"interval_days": 7, "sessions": 2, "settings": {"vacuum_kpa": [20, 30]}}}
    diamond = load_run_config({**base, "device": "diamond_medium"})
    crystal = load_run_config({**base, "device": "crystal_al2o3"})
    untreated = load_run_config({"skin": "testskin", "duration_days": 5})
    stationary = load_run_config({**base, "device": "diamond_medium",
                                  "protocol": {**base["protocol"], "settings": {"mode": "stationary", "dwell_s": 5}}})
    rows = {row.name: row for row in settings_rows([diamond, crystal, untreated, stationary])}
    assert [n for n in rows if n in SESSION_SETTINGS] == list(SESSION_SETTINGS)  # the table's order
    for name, spec in SESSION_SETTINGS.items():
        row = rows[name]
        assert (row.units, row.long_name) == (spec.units, spec.long_name)
        applies = [spec.device_kind in (None, "diamond") and spec.hand_mode in (None, "moving"),
                   spec.device_kind in (None, "crystal") and spec.hand_mode in (None, "moving"), False,
                   spec.device_kind in (None, "diamond") and spec.hand_mode in (None, "stationary")]
        assert [v != "–" for v in row.values] == applies, name
    assert rows["dwell_s"].values[3] == "5" and rows["speed_mm_s"].values[3] == "–"  # the mode's own setting
    assert rows["vacuum_kpa"].values[0] == "20, 30"  # one value per session
    assert rows["load_n"].values[0] == "2" and rows["crystal_flow_g_min"].values[1] != "–"
    assert rows["sessions"].values == ("2 every 7 d", "2 every 7 d", "untreated", "2 every 7 d")
    assert rows["duration"].units == "d"


def test_compare_cli_prints_the_table_and_writes_figures(configs, tmp_path):
    paths = configs[1][:2]
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", *map(str, paths), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "untreated" in text and "stripped" in text and "tewl_peak_ratio" in text and "g m⁻² h⁻¹" in text
    assert "e-1" not in text  # round-off zeros (an untreated run's erythema, ~1e-13) print as 0
    for stem in ("compare_timecourse",):
        assert (out / f"{stem}.png").exists() and (out / f"{stem}.svg").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"skin": "young_face", "grid": {"n": 1}}))
    result = runner.invoke(app, ["compare", str(paths[0]), str(bad), "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and "grid.n" in err and "bad.yaml" in err


def test_compare_flags_the_injuring_config_and_never_calls_it_best(compared):
    """The coarse 60 kPa x 8 passes course wounds the epidermis: flagged, not best; the untreated runs are safe."""
    from experiments.report import outcome_rows

    d = compared.decision
    assert d is not None and d.setting_dims == ("config",)
    assert bool(d.mask("injures").sel(config="course"))
    assert not bool(d.mask("safe").sel(config="course"))
    assert d.best != {"config": "course"} and d.runner_up != {"config": "course"}
    rows, notes = outcome_rows(compared)
    verdict = dict(zip(compared.names, rows[0].values))
    assert rows[0].name == "verdict" and verdict["course"].startswith("UNSAFE") and "injures" in verdict["course"]
    assert not verdict["untreated"].startswith("UNSAFE")
    names = [r.name for r in rows]
    assert len(names) == len(set(names))  # each outcome once
    for row in rows:  # numbers for people: no scientific notation for round-off zeros
        assert not any("e-1" in v for v in row.values), row


def test_compare_tradeoff_keeps_the_injuring_config_off_the_front(compared, tmp_path):
    """The trade-off of a comparison knows the verdicts: the wounding course is hollow, not on the front."""
    from experiments.report import plot_compare

    plot_compare(compared.datasets, compared.names, tmp_path)
    svg = (tmp_path / "compare_tradeoff.svg").read_text()
    course = compared.names.index("course")
    assert f'id="unsafe-{course}"' in svg
    assert f'id="front-{course}"' not in svg
