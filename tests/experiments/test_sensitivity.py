"""Global sensitivity analysis (experiments.sensitivity, `epiturn sensitivity`).

* the pipeline (Saltelli design, batching, SALib analysis, bootstrap, gradients) on the
  Ishigami function reproduces its analytic Sobol and derivative-based indices within
  their confidence intervals;
* the outcomes written in JAX for the analysis equal those of a run (experiments.run);
* on the model (a single column, a 2-session course): finite indices with intervals, the
  spin-up path for a skin parameter, and derivative-based indices that put a parameter the
  outcomes cannot depend on (the capillary fragility only sets the petechiae risk) at 0,
  with gradients that agree with finite differences;
* bad sensitivity files give one-line errors (exit code 2 on the command line).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

import experiments
from experiments import ConfigError
from experiments.cli import app
from experiments._outputs import OUTPUTS
from experiments.sensitivity import (ModelProblem, batched, global_sensitivity, load_sensitivity_config, sensitivity)

A, B = 7.0, 0.1


def ishigami(x):
    return jnp.sin(x[0]) + A * jnp.sin(x[1]) ** 2 + B * x[2] ** 4 * jnp.sin(x[0])


def ishigami_truth():
    """Analytic first-order and total indices and the DGSM bounds nu (2 pi)^2 / (pi^2 V) on [-pi, pi]^3."""
    pi = math.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / var
    st = np.array([v1 + v13, v2, v13]) / var
    nu = np.array([0.5 * (1 + 2 * B * pi**4 / 5 + B**2 * pi**8 / 9), A**2 / 2, 8 * B**2 * pi**6 / 7])
    return s1, st, 4 * nu / var


def test_ishigami_indices_within_their_intervals():
    s1, st, dgsm = ishigami_truth()
    assert s1 == pytest.approx([0.314, 0.442, 0.0], abs=1e-3) and st == pytest.approx([0.558, 0.442, 0.244], abs=1e-3)
    pi = math.pi
    ix, design, y = global_sensitivity(
        batched(jax.jit(jax.vmap(ishigami)), 1000), ["x1", "x2", "x3"], [(-pi, pi)] * 3, ["f"], 4096, seed=1,
        gradient=batched(jax.jit(jax.vmap(jax.grad(ishigami))), 1000), gradient_points=2048, resamples=200)
    assert design.shape == (4096 * 5, 3) and y.shape == (4096 * 5,)
    assert np.all(ix.S1_conf > 0) and np.all(ix.ST_conf > 0) and np.all(ix.S1_conf < 0.05)
    assert np.all(np.abs(ix.S1[0] - s1) <= ix.S1_conf[0]), (ix.S1, ix.S1_conf)
    assert np.all(np.abs(ix.ST[0] - st) <= ix.ST_conf[0]), (ix.ST, ix.ST_conf)
    assert np.all(np.abs(ix.dgsm[0] - dgsm) <= ix.dgsm_conf[0]), (ix.dgsm, dgsm, ix.dgsm_conf)
    assert np.all(ix.ST[0] <= ix.dgsm[0])  # the derivative-based bound holds
    # the band is the spread of f over the box: its mean is a / 2 (the sin x1 terms average out)
    assert ix.mean[0] == pytest.approx(A / 2, abs=3 * ix.sd[0] / math.sqrt(2 * 4096))


SMALL = {
    "skin": "young_face", "device": "diamond_medium",
    "protocol": {"interval_days": 7, "sessions": 2, "follow_up_days": 7, "settings": {"vacuum_kpa": 30, "passes": 2}},
    "grid": {"lateral": "column"},
}
OUTCOMES = ["irritation_burden_days", "barrier_recovery_hours_max", "ve_thickness_change_pct_end_course"]


@pytest.fixture(scope="module")
def settings_problem():
    cfg = load_sensitivity_config({"base": SMALL, "parameters": ["vacuum_kpa", "passes", "capillary_fragility_kpa"],
                                   "outcomes": OUTCOMES, "samples": 8, "gradient_points": 4,
                                   "batch_size": 8})  # batches of 8 runs and 2 gradients: one compilation each
    return cfg, ModelProblem.shared(cfg.base, cfg.factors, cfg.outcomes)


def test_jax_outcomes_equal_those_of_a_run(settings_problem):
    cfg, problem = settings_problem
    nominal = np.array([[f.nominal for f in cfg.factors]])
    y, counts = problem.evaluate(np.repeat(nominal, 8, axis=0), 8)
    ds = experiments.run(SMALL)
    assert counts["runs"] == 8 and counts["spin_ups"] == 0
    for k, name in enumerate(OUTCOMES):
        assert y[0, k] == pytest.approx(float(ds[name]), rel=1e-9, abs=1e-12), name
    assert float(ds["irritation_burden_days"]) > 0.1  # the comparison is not between zeros


def test_model_indices_and_derivative_based_check(settings_problem):
    cfg, problem = settings_problem
    ds = sensitivity(cfg)
    fragility = ds.sel(parameter="capillary_fragility_kpa")
    vacuum = ds.sel(parameter="vacuum_kpa")
    for key in ("S1", "ST", "S1_conf", "ST_conf", "dgsm", "dgsm_conf"):
        assert np.all(np.isfinite(ds[key].values)), key
        assert ds[key].attrs["units"] == "1"
    assert np.all(ds.ST_conf.values >= 0) and np.any(ds.ST_conf.values > 0)
    # the petechiae threshold does not enter the outcomes: zero gradient, zero total index
    assert np.all(fragility.dgsm.values == 0.0)
    assert np.all(np.abs(fragility.ST.values) <= fragility.ST_conf.values + 0.02)
    # vacuum drives the barrier damage: it ranks above the fragility in both kinds of index
    assert np.all(vacuum.dgsm.values > 1e-3) and np.all(vacuum.ST.values > fragility.ST.values + 0.05)
    assert ds.attrs["model_runs"] == 8 * (3 + 2) and ds.attrs["gradient_points"] == 4
    for name in OUTCOMES:
        band = ds[f"{name}_band"]
        assert band.attrs["units"] == OUTPUTS[name].units
        assert np.all(np.diff(band.values) >= 0) and band.values[-1] > band.values[0]
    assert "config_json" in ds.attrs and ds.attrs["Conventions"] == "CF-1.8"


def test_gradient_agrees_with_finite_differences(settings_problem):
    _, problem = settings_problem
    x = np.array([37.0, 2.4, 45.0])
    grad = problem.gradients(np.array([x, x]), 2)[0]
    h = 1e-3
    rows = np.array([x + [h, 0, 0], x - [h, 0, 0], x + [0, h, 0], x - [0, h, 0]] * 2)
    y, _ = problem.evaluate(rows, 8)
    fd = np.stack([(y[0] - y[1]) / (2 * h), (y[2] - y[3]) / (2 * h)], axis=1)
    assert np.all(np.abs(fd) > 1e-6)
    np.testing.assert_allclose(grad[:, :2], fd, rtol=1e-3, atol=1e-9)


def test_skin_parameter_samples_get_their_own_spin_up(tmp_path):
    cfg = load_sensitivity_config({"base": SMALL, "parameters": {"ve_transit_days": None, "vacuum_kpa": {"min": 20, "max": 40}},
                                   "outcomes": OUTCOMES, "samples": 4, "gradient_points": 0, "spin_up_stage_days": 5})
    with pytest.warns(RuntimeWarning, match="spin_up_stage_days"):
        ds = sensitivity(cfg, tmp_path / "s.nc", figure=tmp_path / "s.png")
    # the design holds 4 x (2 + 2) points; with one skin factor AB_1 has B's skin value, so the
    # distinct skin vectors are those of A and B: 2 x 4 spin-ups (the vacuum points reuse them)
    assert ds.attrs["model_runs"] == 16 and ds.attrs["spin_ups"] == 8
    assert np.all(np.isfinite(ds.ST.sel(outcome="irritation_burden_days").values))
    assert (tmp_path / "s.png").stat().st_size > 1000
    back = experiments.storage.open_result(tmp_path / "s.nc")
    assert list(back.parameter.values) == ["ve_transit_days", "vacuum_kpa"]
    np.testing.assert_allclose(back.S1.values, ds.S1.values)


@pytest.mark.parametrize("change, field", [
    ({"parameters": ["no_such_parameter"]}, "parameters"),
    ({"parameters": ["crystal_flow_g_min"]}, "parameters"),
    ({"parameters": {"vacuum_kpa": {"min": 20, "max": 90}}}, "parameters.vacuum_kpa"),
    ({"samples": 12}, "samples"),
    ({"outcomes": ["ra_change_pct_end_course"]}, "outcomes"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_files_give_one_line_errors(change, field):
    with pytest.raises(ConfigError) as info:
        load_sensitivity_config({"base": SMALL, **change})
    text = str(info.value)
    assert "\n" not in text and text.startswith(field + ":") and "allowed" in text


def test_command_line_bad_file_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("base:\n  skin: young_face\n  device: diamond_medium\n  protocol: {sessions: 2, interval_days: 7}\n"
                    "  grid: {lateral: column}\nsamples: 10\n")
    result = CliRunner().invoke(app, ["sensitivity", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: samples: 10") and "power of 2" in lines[0]
