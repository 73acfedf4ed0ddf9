"""Calibration to measured time courses (experiments.calibrate, `epiturn calibrate`).

* synthetic recovery: TEWL after a tape strip made by the model with known skin
  parameters plus Gaussian noise (3 seeds); the fit recovers each informative parameter
  within 2 Laplace standard errors (a 95 % event per parameter, seeds fixed), with
  standard errors well inside the range;
* identifiability: a parameter the data cannot inform (the capillary fragility acts only
  under a device hand-piece; the run is a tape strip) gets an infinite standard error
  and is reported as not determined, in the block and on the terminal;
* BFGS reaches Levenberg-Marquardt's optimum, chi2 and standard errors;
* the written profile loads and runs (Python and `epiturn run`) and carries the
  calibration block with its provenance; the residuals CSV and the figure are written;
* bad data and calibration files give one-line errors (exit code 2 on the command line).

One compiled problem serves every fit (a module fixture): a single column, 2 h steps,
10-day spin-up stages, 8 points.
"""

from __future__ import annotations

import hashlib

import jax
import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

import experiments
from experiments import ConfigError
from experiments.calibrate import SeriesProblem, calibrate, fit, laplace, load_calibration_config, load_observations
from experiments.calibrate._fit import _compiled_solve
from experiments.cli import app
from experiments._jaxconfig import configure_jax
from experiments.errors import InputError

BASE = {"skin": "forearm", "events": [{"day": 0.5, "kind": "strip", "remove_fraction": 0.6}],
        "grid": {"lateral": "column", "dt_hours": 2, "nz": 6}, "save": {"every_hours": 2}, "duration_days": 2.5}
PARAMETERS = ["lb_lipid_yield", "lipid_processing_per_day", "capillary_fragility_kpa"]
SETTINGS = {"parameters": PARAMETERS, "starts": 2, "spin_up_stage_days": 5, "max_steps": 30}
TIMES = np.array([0.4, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0, 2.5])
TRUTH_FACTOR = np.array([1.15, 0.85, 1.0])  # the truth: the profile's values x these
SD = 0.1  # g m-2 h-1


def write_csv(path, values, sd=SD):
    rows = "".join(f"{t:g},tewl,{v:.10g},{sd:g},g m-2 h-1\n" for t, v in zip(TIMES, values))
    path.write_text("# synthetic: the model plus Gaussian noise\ntime_days,variable,value,sd,units\n" + rows)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The config, the data points, one compiled problem and solve, and the noise-free model at the truth."""
    configure_jax()  # the persistent compilation cache: a second session loads the solve instead of compiling it
    cfg = load_calibration_config({"base": BASE, **SETTINGS})
    folder = tmp_path_factory.mktemp("calibrate")
    obs = load_observations(write_csv(folder / "shape.csv", np.full(TIMES.size, 10.0)))
    problem = SeriesProblem(cfg.base, cfg.factors, obs, cfg.spin_up_stage_days)
    lo, hi = (np.array([getattr(f, k) for f in cfg.factors]) for k in ("low", "high"))
    solve = _compiled_solve(problem.point, lo, hi, cfg.method, cfg.tolerance, cfg.max_steps)
    truth = np.array([f.nominal for f in cfg.factors]) * TRUTH_FACTOR
    forward = jax.jit(problem.point)
    return {"cfg": cfg, "problem": problem, "solve": solve, "lo": lo, "hi": hi, "truth": truth,
            "clean": np.asarray(forward(truth)), "forward": forward, "folder": folder}


def test_model_at_the_data_points_is_the_run(tmp_path):
    """Without a skin-state parameter the problem starts from the run's cached homeostasis:
    its values at the points are the run's outputs (interpolated in time), derived outputs included."""
    configure_jax()
    names = ["tewl", "sc_transit_days", "ve_thickness_um"]
    times = [0.25 + 1 / 24, 0.5 + 1 / 12, 1.0, 2.0]  # between two save points (7 h), then on save points after the strip
    rows = "".join(f"{t:.12g},{n},1\n" for n in names for t in times)
    obs = load_observations(write_text(tmp_path / "m.csv", "time_days,variable,value\n" + rows))
    cfg = load_calibration_config({"base": BASE, "parameters": ["capillary_fragility_kpa"]})
    problem = SeriesProblem(cfg.base, cfg.factors, obs)
    model = np.asarray(jax.jit(problem.point)(np.array([cfg.factors[0].nominal])))
    ds = experiments.run(BASE)
    expected = [np.interp(t, ds.time.values, ds[v].values) for t, v in zip(obs.time_days, obs.variable)]
    np.testing.assert_allclose(model, expected, rtol=1e-9)


def write_text(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_synthetic_data_recovered_within_two_standard_errors(small, seed):
    cfg, lo, hi, truth = small["cfg"], small["lo"], small["hi"], small["truth"]
    assert small["clean"][1] > 1.3 * small["clean"][0]  # the strip raised TEWL: the data have a recovery to fit
    y = small["clean"] + SD * np.random.default_rng(seed).standard_normal(TIMES.size)
    best = fit(small["problem"].point, y, np.full(TIMES.size, 1 / SD), [f.nominal for f in cfg.factors], lo, hi,
               starts=cfg.starts, seed=cfg.seed, solve=small["solve"])
    lap = laplace(best.J, best.chi2, hi - lo, True, PARAMETERS, best.at_bound)
    assert best.evaluations >= 2 and len(best.starts) == 2
    assert best.chi2 / (TIMES.size - 2) < 4.0  # a fit consistent with the noise (chi2 of 6 dof)
    for k in (0, 1):  # the lipid yield and processing rate shape the recovery
        assert lap.determined[k], lap.reasons[k]
        assert 0 < lap.se[k] < 0.5 * (hi[k] - lo[k])
        assert abs(best.theta[k] - truth[k]) < 2 * lap.se[k], (PARAMETERS[k], best.theta[k], truth[k], lap.se[k])
    assert np.isfinite(lap.corr[0, 1]) and abs(lap.corr[0, 1]) < 1
    if seed == 0:  # the Jacobian of the standard errors (the solver's, through the bounds map) by central differences
        for k in (0, 1):
            h = 1e-4 * best.theta[k]
            up, down = (np.asarray(small["forward"](best.theta + s * h * np.eye(3)[k])) for s in (1, -1))
            np.testing.assert_allclose(best.J[:, k], (up - down) / (2 * h) / SD, rtol=1e-4, atol=1e-6)
    # the capillary fragility does not enter a tape-strip run: not determined, left at its base value
    assert not lap.determined[2] and lap.se[2] == np.inf and "zero Hessian eigenvalue" in lap.reasons[2][0]
    assert best.theta[2] == pytest.approx(cfg.factors[2].nominal)


def test_bfgs_reaches_the_levenberg_marquardt_optimum(small):
    """``method: bfgs`` (optimistix.BFGS on chi2/2, its own compiled solve; the Jacobian of the
    standard errors by jax.jacrev at its optimum) on the synthetic data of seed 0: the optimum,
    chi2 and Laplace standard errors of Levenberg-Marquardt, and the uninformed parameter
    again not determined."""
    cfg, lo, hi = small["cfg"], small["lo"], small["hi"]
    y = small["clean"] + SD * np.random.default_rng(0).standard_normal(TIMES.size)
    w, nominal = np.full(TIMES.size, 1 / SD), [f.nominal for f in cfg.factors]
    lm = fit(small["problem"].point, y, w, nominal, lo, hi, starts=cfg.starts, seed=cfg.seed, solve=small["solve"])
    bfgs_solve = _compiled_solve(small["problem"].point, lo, hi, "bfgs", cfg.tolerance, cfg.max_steps)
    bfgs = fit(small["problem"].point, y, w, nominal, lo, hi, method="bfgs", starts=cfg.starts, seed=cfg.seed,
               solve=bfgs_solve)
    assert all(s.result == "successful" for s in bfgs.starts), bfgs.starts
    se_lm, se_bfgs = (laplace(f.J, f.chi2, hi - lo, True, PARAMETERS, f.at_bound).se for f in (lm, bfgs))
    for k in (0, 1):  # within a thousandth of a standard error, and the same standard errors
        assert abs(bfgs.theta[k] - lm.theta[k]) < 1e-3 * se_lm[k], (PARAMETERS[k], bfgs.theta[k], lm.theta[k])
    np.testing.assert_allclose(se_bfgs[:2], se_lm[:2], rtol=1e-4)
    assert bfgs.chi2 == pytest.approx(lm.chi2, rel=1e-6) and se_bfgs[2] == np.inf


def test_profile_written_loads_and_runs(small, tmp_path):
    y = small["clean"] + SD * np.random.default_rng(7).standard_normal(TIMES.size)
    data = write_csv(tmp_path / "tewl.csv", y)
    out = tmp_path / "fitted.yaml"
    result = calibrate(small["cfg"], data, out, problem=small["problem"], solve=small["solve"])
    assert set(result.paths) == {"profile", "residuals", "figure"}
    assert result.paths["figure"].stat().st_size > 5000
    written = yaml.safe_load(out.read_text())
    block = written["calibration"]
    fitted = block["parameters"]["lb_lipid_yield"]
    assert written["parameters"]["lb_lipid_yield"]["value"] == pytest.approx(fitted["value"])
    assert "epiturn calibrate" in written["parameters"]["lb_lipid_yield"]["source"]
    assert 0 < fitted["standard_error"] < fitted["high"] - fitted["low"] and fitted["determined"] is True
    corr = np.array(block["correlation"]["matrix"][0][:2] + block["correlation"]["matrix"][1][:2], float)
    assert corr[0] == 1.0 and abs(corr[1]) < 1
    fit_block = block["fit"]
    assert fit_block["dof"] == TIMES.size - 3 and fit_block["chi2"] == pytest.approx(result.fit.chi2)
    assert fit_block["chi2"] < fit_block["chi2_base"]  # the fit beats the profile it started from
    prov = block["provenance"]
    assert prov["config_hash"] == small["cfg"].hash and prov["base_run_hash"] == small["cfg"].base.hash
    assert block["data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert prov["git_commit"] and prov["epiturn_version"] and "jax" in prov["library_versions"]
    # identifiability in the block and on the terminal
    assert block["identifiability"]["not_determined"] == ["capillary_fragility_kpa"]
    assert block["parameters"]["capillary_fragility_kpa"]["determined"] is False
    lines = result.summary_lines()
    assert any(line.startswith("capillary_fragility_kpa") and "NOT DETERMINED" in line for line in lines)
    assert lines[-1] == "not determined by these data: capillary_fragility_kpa"
    residuals = np.genfromtxt(result.paths["residuals"], delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert residuals.size == TIMES.size
    np.testing.assert_allclose(residuals["residual"], result.fit.r, rtol=1e-5, atol=1e-6)
    # the profile runs as any profile: from Python and through `epiturn run`
    ds = experiments.run({**BASE, "skin": str(out)})
    assert ds.attrs["skin_profile"] == "fitted" and np.all(np.isfinite(ds.tewl.values))
    run_cfg = tmp_path / "run.yaml"
    run_cfg.write_text(yaml.safe_dump({**BASE, "skin": "fitted.yaml"}))
    cli = CliRunner().invoke(app, ["run", str(run_cfg), "-o", str(tmp_path / "run.nc")])
    assert cli.exit_code == 0, cli.output
    np.testing.assert_allclose(xr.open_dataset(tmp_path / "run.nc").tewl.values, ds.tewl.values, rtol=1e-12)


def test_command_line_end_to_end(small, tmp_path):
    y = small["clean"] + SD * np.random.default_rng(3).standard_normal(TIMES.size)
    data = write_csv(tmp_path / "tewl.csv", y)
    cfg = tmp_path / "cal.yaml"
    cfg.write_text(yaml.safe_dump({"base": BASE, **{k: v for k, v in SETTINGS.items() if k != "parameters"},
                                   "parameters": ["capillary_fragility_kpa"]}))
    out = tmp_path / "p.yaml"
    args = ["calibrate", str(cfg), str(data), "-o", str(out), "--no-figure"]
    for flag, name in zip(["--fit", "--parameter", "--fit"], PARAMETERS):  # they replace the file's parameters
        args += [flag, name]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "lb_lipid_yield = " in result.output and "chi2 " in result.output
    assert "capillary_fragility_kpa" in result.output and "NOT DETERMINED" in result.output
    written = yaml.safe_load(out.read_text())
    assert list(written["calibration"]["parameters"]) == PARAMETERS
    assert (tmp_path / "p_residuals.csv").is_file() and not (tmp_path / "p.png").exists()


GOOD = "time_days,variable,value,sd,units\n1,tewl,12,0.5,g m-2 h-1\n2,tewl,11,0.5,g m-2 h-1\n"


@pytest.mark.parametrize("text, expected", [
    ("time_days,value,sd\n1,12,0.5\n", "no column variable"),
    ("time_days,variable,value\n1,tewl_peak,12\n", "'tewl_peak' is not an output variable"),
    ("time_days,variable,value\n1,barrier_recovery_hours_max,12\n", "not a time series"),
    ("time_days,variable,value,units\n1,tewl,12,mg cm-2 h-1\n", "units 'mg cm-2 h-1' are not those of tewl"),
    ("time_days,variable,value,sd\n1,tewl,nan,0.5\n", "value 'nan' is not finite"),
    ("time_days,variable,value,sd\n1,tewl,12,-0.5\n", "sd -0.5 is not positive"),
    ("time_days,variable,value,sd\n1,tewl,12,\n2,tewl,11,0.5\n", "line 2: sd is empty while other rows have one"),
    ("", "is empty"),
    ("# only a comment\n", "is empty"),
    ("time_days,variable,value\n", "no rows"),
    ("time_days,variable,value,colour\n1,tewl,12,red\n", "column 'colour' is not known"),
    ("time_days,variable,value\n1,tewl\n", "has 2 fields"),
    (b"time_days,variable,value\n1,tewl,\xff12\n", "is not UTF-8"),
])
def test_bad_data_files_give_one_line_errors(tmp_path, text, expected):
    path = tmp_path / "data.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError) as info:
        load_observations(path)
    message = str(info.value)
    assert "\n" not in message and expected in message and "allowed" in message and str(path) in message


def test_data_outside_the_run_and_netcdf(tmp_path):
    path = tmp_path / "late.csv"
    path.write_text(GOOD.replace("2,tewl", "9,tewl"))
    cfg = load_calibration_config({"base": BASE, **SETTINGS})
    with pytest.raises(InputError, match=r"time_days 9 is outside the run.*duration_days"):
        calibrate(cfg, path)
    csv_obs = load_observations(write_csv(tmp_path / "a.csv", np.arange(TIMES.size) + 10.0))
    ds = xr.Dataset({"tewl": ("time_days", csv_obs.value, {"units": "g m-2 h-1"}),
                     "tewl_sd": ("time_days", csv_obs.sd)}, coords={"time_days": TIMES})
    ds["tewl"][2] = np.nan  # not measured then
    ds.to_netcdf(tmp_path / "a.nc")
    nc = load_observations(tmp_path / "a.nc")
    keep = np.arange(TIMES.size) != 2
    np.testing.assert_allclose(nc.time_days, TIMES[keep])
    np.testing.assert_allclose(nc.value, csv_obs.value[keep])
    np.testing.assert_allclose(nc.sd, csv_obs.sd[keep])
    nc_time = load_observations(ds.rename(time_days="time").to_netcdf(tmp_path / "t.nc") or tmp_path / "t.nc")
    np.testing.assert_allclose(nc_time.value, nc.value)
    unweighted = tmp_path / "u.csv"
    unweighted.write_text("time_days,variable,value,sd\n1,tewl,12,\n2,tewl,11,\n")
    obs = load_observations(unweighted)
    assert obs.sd is None and obs.weights().tolist() == [1.0, 1.0]
    ds["tewl"].attrs["units"] = "kg"
    ds.to_netcdf(tmp_path / "b.nc")
    with pytest.raises(InputError, match="units 'kg' are not those of tewl"):
        load_observations(tmp_path / "b.nc")


@pytest.mark.parametrize("change, field", [
    ({"parameters": ["no_such_parameter"]}, "parameters"),
    ({"parameters": ["vacuum_kpa"]}, "parameters"),
    ({"parameters": []}, "parameters"),
    ({"parameters": {"lb_lipid_yield": {"min": -1, "max": 2}}}, "parameters.lb_lipid_yield"),
    ({"method": "newton"}, "method"),
    ({"starts": 0}, "starts"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_calibration_files_give_one_line_errors(change, field):
    with pytest.raises(ConfigError) as info:
        load_calibration_config({"base": BASE, **SETTINGS, **change})
    text = str(info.value)
    assert "\n" not in text and text.startswith(field + ":") and "allowed" in text


def test_command_line_bad_data_exits_2(tmp_path):
    cfg = tmp_path / "cal.yaml"
    cfg.write_text(yaml.safe_dump({"base": BASE, **SETTINGS}))
    data = tmp_path / "bad.csv"
    data.write_text("time_days,variable,value,sd\n1,tewl,12,-1\n")
    result = CliRunner().invoke(app, ["calibrate", str(cfg), str(data)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: data ") and "sd -1 is not positive" in lines[0]
