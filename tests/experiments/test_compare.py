"""Summary outcomes (checked against closed forms) and `epiturn compare` side by side."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.compare import compare_configs, summary_outcomes
from experiments.output import annotate

runner = CliRunner()


def test_summary_outcomes_match_closed_forms():
    """TEWL = b (1 + A exp(-t/tau)): peak ratio 1 + A, excess integral A tau (1 - exp(-T/tau))."""
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
    assert float(out["tewl_excess_days"]) == pytest.approx(A * tau * (1 - np.exp(-T / tau)), rel=1e-5)
    assert float(out["erythema_days"]) == pytest.approx(0.2 * tau * (1 - np.exp(-T / tau)), rel=1e-5)
    assert float(out["ra_change_pct_end"]) == pytest.approx(-15.0)
    assert float(out["sc_layers_min"]) == pytest.approx(8.0)
    assert out["tewl_excess_days"].attrs["units"] == "d" and out["tewl_peak"].attrs["units"] == "g m-2 h-1"
    assert float(out["tewl_baseline"]) == b  # scalar outputs carried over


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
    np.testing.assert_allclose(out["tewl_excess_days"].values, [1.25, 1.25])
    np.testing.assert_allclose(out["ra_change_pct_end"].values, [-50.0, -25.0])  # Ra at day 10 vs at day 5


@pytest.fixture(scope="module")
def two_configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    grid = {"lateral": "column", "dt_hours": 1}
    untreated = {"skin": "young_face", "grid": grid, "save": {"every_hours": 6}, "duration_days": 8}
    stripped = {**untreated, "events": [{"day": 1, "kind": "strip", "remove_fraction": 0.9}], "duration_days": 6}
    paths = []
    for name, cfg in (("untreated", untreated), ("stripped", stripped)):
        p = folder / f"{name}.yaml"
        p.write_text(yaml.safe_dump(cfg))
        paths.append(p)
    return folder, paths


def test_compare_runs_each_config_and_tabulates_outcomes(two_configs, tmp_path):
    folder, paths = two_configs
    result = compare_configs(paths, tmp_path)
    assert result.names == ["untreated", "stripped"]
    table = result.table
    ratio = table["tewl_peak_ratio"].sel(config="stripped")
    # tape stripping 90 % of the SC raises TEWL severalfold (T7: Ghadially et al. 1995); untreated stays at baseline
    assert float(ratio) > 2.0
    # untreated: at baseline up to the model's sub-daily ripple (24-h SC age bins, < 0.1 %)
    assert float(table["tewl_peak_ratio"].sel(config="untreated")) == pytest.approx(1.0, abs=1e-2)
    assert float(table["sc_layers_min"].sel(config="stripped")) < 0.2 * float(table["sc_layers_min"].sel(config="untreated"))
    # each run as NetCDF, with its own duration (padding for the batch does not leak into the files)
    assert [f.name for f in result.files] == ["untreated.nc", "stripped.nc"]
    runs = [xr.open_dataset(f) for f in result.files]
    assert [float(r["time"].values[-1]) for r in runs] == [8.0, 6.0]
    assert runs[1].attrs["config_hash"] and runs[1].attrs["epiturn_version"]


def test_compare_cli_prints_the_table_and_writes_figures(two_configs, tmp_path):
    _, paths = two_configs
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", *map(str, paths), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "untreated" in text and "stripped" in text and "tewl_peak_ratio" in text and "g m-2 h-1" in text
    for stem in ("compare_timecourse",):
        assert (out / f"{stem}.png").exists() and (out / f"{stem}.svg").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"skin": "young_face", "grid": {"n": 1}}))
    result = runner.invoke(app, ["compare", str(paths[0]), str(bad), "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and "grid.n" in err and "bad.yaml" in err
