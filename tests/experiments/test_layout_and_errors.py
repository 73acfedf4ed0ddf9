"""The sweep's template is read from the output table and equals a run's dataset; library
errors name the keyword argument at fault, the command line prints its flag."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from experiments.cli import FLAGS, app
from experiments.errors import ClusterError, InputError, StoreError, for_command_line
from experiments.sweep import build_template, load_sweep, scenario_lengths

from test_sweep import BASE, one_line_error, small_sweep, write  # noqa: E402  (same folder)

runner = CliRunner()


def assert_template_matches(template, ds):
    """Every variable of the run is in the template with its dims, sizes and coordinates."""
    assert set(template.variables) == set(ds.data_vars)
    for name, var in ds.data_vars.items():
        dims, attrs = template.variables[name]
        assert dims == var.dims, name
        assert attrs["units"] == var.attrs["units"] and attrs["long_name"] == var.attrs["long_name"], name
    for dim, size in ds.sizes.items():
        assert template.sizes[dim] == size, dim
        if dim in ds.coords:
            np.testing.assert_allclose(template.coords[dim][0], ds[dim].values, rtol=1e-12, err_msg=dim)
            assert template.coords[dim][1]["units"] == ds[dim].attrs["units"], dim


def test_template_of_a_column_sweep_is_the_run_dataset():
    """One scenario, run for real: the template has exactly its variables, dims and sizes."""
    from experiments import run

    plan = load_sweep(small_sweep(axes={"protocol.settings.vacuum_kpa": [10]}))
    template = build_template(plan, scenario_lengths(plan.scenarios, plan.run_plans))
    ds = run(plan.scenarios[0])
    assert_template_matches(template, ds)
    assert template.variables["ra_um"][1]["comment"] == ds["ra_um"].attrs["comment"]  # NaN by definition on a column


@pytest.mark.parametrize("profiles", [False, True])
def test_template_of_a_1d_sweep_is_the_run_dataset(profiles):
    """A transect (with and without saved surfaces): the template equals what ``to_dataset``
    makes of outputs of ``simulate``'s shapes (zeros; the layout does not depend on values)."""
    from experiments._run import to_dataset
    from models import make_schedule, simulate
    from models import initial_state, make_params
    from experiments._run import device_params

    base = {**json.loads(json.dumps(BASE)), "grid": {"lateral": "1d", "n": 16, "width_mm": 2, "dt_hours": 1},
            "save": {"every_hours": 24, "profiles": profiles}}
    plan = load_sweep({"base": base, "axes": {"protocol.interval_days": [2, 4]}})
    template = build_template(plan, scenario_lengths(plan.scenarios, plan.run_plans))
    longest = plan.scenarios[1]
    rp = plan.run_plans[1]
    params = make_params(longest.skin, rp.grid, longest.seed)
    state0 = initial_state(params, rp.grid)
    schedule = make_schedule(rp.tgrid, rp.events.kinds, rp.events.strip_fraction, settings=rp.events.settings,
                             device=device_params(longest))
    shapes = jax.eval_shape(lambda s, p, sc: simulate(s, p, sc, rp.grid, profiles), state0, params, schedule)
    zeros = jax.tree.map(lambda x: np.zeros(x.shape, x.dtype), shapes)
    with np.errstate(all="ignore"):
        ds = to_dataset(longest, rp.grid, rp.tgrid, zeros[1], zeros[2], profiles, rp.events)
    assert_template_matches(template, ds)
    assert ("surface_um" in template.variables) == profiles
    if profiles:
        assert template.variables["surface_um"][0] == ("time", "x") and template.sizes["x"] == 16
    # the shorter scenario's save times are a prefix of the sweep's time coordinate
    short = plan.run_plans[0].save_times_days
    np.testing.assert_allclose(template.coords["time"][0][: short.size], short, rtol=1e-12)


# --------------------------------------------------------------------------- errors


def test_library_errors_name_the_keyword_argument(tmp_path):
    from experiments.sweep import run_sweep

    with pytest.raises(InputError) as info:
        run_sweep(small_sweep(), None, cluster="remote:2")
    assert info.value.parameter == "cluster" and "--" not in str(info.value)
    with pytest.raises(InputError) as info:
        run_sweep(small_sweep(), None, batch_size=0)
    assert info.value.parameter == "batch_size"
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(StoreError) as info:
        run_sweep(small_sweep(), plain)
    assert info.value.parameter == "output" and "--" not in str(info.value)


def test_unreachable_scheduler_is_a_cluster_error(monkeypatch):
    import importlib
    import socket

    from experiments.sweep import make_executor

    monkeypatch.setattr(importlib.import_module("experiments.sweep._executors"), "SCHEDULER_TIMEOUT_S", 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ClusterError) as info:
        make_executor(scheduler=f"tcp://127.0.0.1:{port}")
    assert info.value.parameter == "scheduler"
    assert for_command_line(info.value, FLAGS).startswith("--scheduler: ")


def test_the_command_line_prints_its_flags(tmp_path):
    path = write(tmp_path, small_sweep())
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "--cluster", "remote:2", "--no-plots"]))
    assert err.startswith("error: --cluster: 'remote:2'"), err
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "--batch-size", "0", "--no-plots"]))
    assert err.startswith("error: --batch-size: 0"), err
    plain = tmp_path / "plain"
    plain.mkdir()
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(plain), "--no-plots"]))
    assert err.startswith("error: -o/--output: ") and "is not a Zarr store" in err, err
    err = one_line_error(runner.invoke(app, ["plot", str(tmp_path / "none.nc")]))
    assert err.startswith("error: RESULT: ") and "does not exist" in err, err


def test_non_finite_outputs_raise_one_line_naming_variable_step_and_scenario():
    import xarray as xr

    from experiments import SimulationError
    from experiments._run import check_finite, first_nonfinite
    from models import READOUT_NAMES, RunStatus

    ds = xr.Dataset({"tewl": ("time", [1.0, np.nan, np.nan]), "ra_um": ("time", [np.nan] * 3)},
                    coords={"time": [0.0, 0.5, 1.0]})
    ds["ra_um"].attrs["comment"] = "undefined for a single column (no lateral profile): NaN by definition"
    assert first_nonfinite(ds) == ("tewl", " first at t = 0.5 d")
    with pytest.raises(SimulationError, match=r"in scenario interval_days=2: tewl first at t = 0\.5 d") as info:
        check_finite(ds, "interval_days=2")
    assert "\n" not in str(info.value)
    # the status computed inside the scan names the readout and the step
    status = RunStatus(code=np.int32(1), step=np.int32(11), readout=np.int32(READOUT_NAMES.index("diag.tewl")),
                       time_h=np.float64(12.0))
    with pytest.raises(SimulationError, match=r"'diag\.tewl' became non-finite at step 11 \(t = 12 h\)"):
        check_finite(ds, "interval_days=2", status)
    check_finite(ds.drop_vars("tewl"))  # NaN by definition only: finite
