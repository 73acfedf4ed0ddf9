"""Sweeps: validation before compute, scenario layout, one compilation, batched = single runs."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.sweep import (Layout, chunks_for, load_sweep, run_scenarios, run_sweep, trace_count)

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]

# A small treated course on a single column: cheap to compile and to run.
BASE = {
    "skin": "young_face",
    "device": "diamond_medium",
    "protocol": {"interval_days": 7, "sessions": 3, "follow_up_days": 5, "settings": {"vacuum_kpa": 30, "passes": 2}},
    "grid": {"lateral": "column", "dt_hours": 1},
    "save": {"every_hours": 24},
}


def small_sweep(**extra) -> dict:
    sweep = {"base": json.loads(json.dumps(BASE)),
             "axes": {"protocol.interval_days": [2, 4, 9], "protocol.settings.vacuum_kpa": [10, 40]}}
    sweep.update(extra)
    return sweep


def write(tmp_path: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and err.startswith("error: "), err
    return err


# --------------------------------------------------------------------------- bad sweep files


BAD = {
    "unknown path": (lambda s: s["axes"].update({"protocol.settings.vacum_kpa": [10, 20]}) or s,
                     ["vacum_kpa", "is not a known key", "vacuum_kpa"]),
    "unknown top key": (lambda s: s["axes"].update({"protcol.interval_days": [2, 3]}) or s,
                        ["protcol", "is not a known key", "protocol"]),
    "empty axis (list)": (lambda s: s["axes"].update({"protocol.interval_days": []}) or s,
                          ["axes.protocol.interval_days", "empty axis"]),
    "empty axis (range)": (lambda s: s["axes"].update({"protocol.interval_days": {"start": 2, "stop": 9, "num": 0}}) or s,
                           ["axes.protocol.interval_days.num", "empty axis"]),
    "vacuum above the device": (lambda s: s["axes"].update({"protocol.settings.vacuum_kpa": [10, 40, 60]}) or s,
                                ["axes.protocol.settings.vacuum_kpa", "vacuum_kpa=60", "outside the vacuum range", "[5, 50] kPa"]),
    "vacuum below the device": (lambda s: s["axes"].update({"protocol.settings.vacuum_kpa": {"start": 2, "stop": 40, "num": 3}}) or s,
                                ["vacuum_kpa=2", "outside the vacuum range", "[5, 50] kPa"]),
    "zip mixed lengths": (lambda s: s.update({"mode": "zip"}) or s,
                          ["different lengths in mode zip", "protocol.interval_days: 3", "protocol.settings.vacuum_kpa: 2"]),
    "unknown mode": (lambda s: s.update({"mode": "random"}) or s, ["mode", "'random'", "grid, zip, lhs, sobol"]),
    "unknown sweep key": (lambda s: s.update({"axis": {}}) or s, ["'axis'", "is not a known key of a sweep file"]),
    "sobol not a power of 2": (lambda s: s.update({"mode": "sobol", "samples": 10, "axes": {"protocol.interval_days": {"min": 2, "max": 9}}}) or s,
                               ["samples", "power of 2"]),
    "lhs without samples": (lambda s: s.update({"mode": "lhs", "axes": {"protocol.interval_days": {"min": 2, "max": 9}}}) or s,
                            ["samples", "is required"]),
    "lhs with a list axis": (lambda s: s.update({"mode": "lhs", "samples": 4}) or s,
                             ["axes.protocol.interval_days", "is not a sampling range", "{min, max}"]),
    "bad replicates": (lambda s: s.update({"replicates": 0}) or s, ["replicates", "out of range"]),
    "nested axes": (lambda s: s["axes"].update({"protocol.settings": {"start": 1, "stop": 2, "num": 2}}) or s,
                    ["lies inside another axis"]),
    "bad base": (lambda s: s["base"]["grid"].update({"n": 1}) or s, ["base.grid.n", "out of range"]),
    "seed axis": (lambda s: s["axes"].update({"seed": [1, 2]}) or s, ["axes.seed", "replicates"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_sweep_file_fails_before_compute_with_one_line(case, tmp_path):
    mutate, fragments = BAD[case]
    path = write(tmp_path, mutate(small_sweep()))
    out = tmp_path / "out.zarr"
    traces = trace_count()
    result = runner.invoke(app, ["sweep", str(path), "-o", str(out), "--no-plots"])
    err = one_line_error(result)
    for f in fragments:
        assert f in err, err
    assert not out.exists(), "nothing may be written before the sweep file is valid"
    assert trace_count() == traces, "nothing may be compiled before the sweep file is valid"


def test_missing_sweep_file_and_option_errors(tmp_path):
    err = one_line_error(runner.invoke(app, ["sweep", str(tmp_path / "nope.yaml")]))
    assert "nope.yaml" in err and "does not exist" in err
    path = write(tmp_path, small_sweep())
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "--cluster", "local:2", "--scheduler", "tcp://x:1"]))
    assert "--cluster" in err and "--scheduler" in err
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "--cluster", "remote:2", "-o", str(tmp_path / "o.zarr")]))
    assert "local:N" in err


# --------------------------------------------------------------------------- scenarios and layout


def test_grid_scenarios_in_c_order_with_labelled_axes():
    plan = load_sweep(small_sweep(replicates=2))
    assert plan.dims == ("interval_days", "vacuum_kpa", "replicate")
    assert plan.shape == (3, 2, 2)
    assert plan.size == 12
    got = [(r.protocol.interval_days, r.protocol.settings.vacuum_kpa, r.seed) for r in plan.scenarios]
    want = [(i, v, s) for i in (2, 4, 9) for v in (10, 40) for s in (0, 1)]
    assert got == want
    assert plan.coords["vacuum_kpa"][2]["units"] == "kPa"
    assert plan.coords["interval_days"][2]["units"] == "d"
    # the run length follows the interval (duration = last session + follow-up)
    assert [r.duration_days for r in plan.scenarios[::4]] == [2 * 2 + 5, 2 * 4 + 5, 2 * 9 + 5]


def test_range_axes_and_dial_levels():
    spec = small_sweep(axes={"protocol.interval_days": {"start": 2, "stop": 8, "num": 4},
                             "protocol.settings.level": ["gentle", "moderate", "aggressive"]})
    spec["base"]["protocol"]["settings"] = {}  # settings given explicitly would override the level's
    plan = load_sweep(spec)
    assert plan.coords["interval_days"][1].tolist() == [2, 4, 6, 8]
    assert plan.coords["level"][1].tolist() == ["gentle", "moderate", "aggressive"]
    by_level = {r.protocol.settings.level: r.protocol.settings.vacuum_kpa for r in plan.scenarios}
    # the level axis reaches the settings
    assert by_level == {"gentle": 15.0, "moderate": 30.0, "aggressive": 45.0}


def test_zip_mode_pairs_values():
    plan = load_sweep(small_sweep(mode="zip", axes={"protocol.interval_days": [2, 4, 9], "protocol.settings.vacuum_kpa": [10, 20, 40]}))
    assert plan.dims == ("scenario",)
    assert [(r.protocol.interval_days, r.protocol.settings.vacuum_kpa) for r in plan.scenarios] == [(2, 10), (4, 20), (9, 40)]
    assert plan.coords["vacuum_kpa"][0] == ("scenario",)


@pytest.mark.parametrize("mode,samples", [("lhs", 8), ("sobol", 8)])
def test_sampled_modes_are_seeded_stratified_and_in_bounds(mode, samples):
    spec = small_sweep(mode=mode, samples=samples, seed=3,
                       axes={"protocol.interval_days": {"min": 2, "max": 10}, "protocol.settings.vacuum_kpa": {"min": 5, "max": 50}})
    a, b = load_sweep(spec), load_sweep(spec)
    va = np.asarray(a.coords["vacuum_kpa"][1])
    assert np.array_equal(va, b.coords["vacuum_kpa"][1]), "same seed, same samples"
    assert np.all((va >= 5) & (va <= 50))
    iv = np.asarray(a.coords["interval_days"][1])
    assert np.all((iv >= 2) & (iv <= 10))
    # one sample per stratum: LHS by construction, scrambled Sobol' for n = 2^k in 1-D projections
    assert sorted(np.floor((iv - 2) / 8 * samples).astype(int).tolist()) == list(range(samples))
    assert sorted(np.floor((va - 5) / 45 * samples).astype(int).tolist()) == list(range(samples))
    other = load_sweep({**spec, "seed": 4})
    assert not np.array_equal(va, other.coords["vacuum_kpa"][1])


def test_integer_sampled_axis_gives_valid_integer_configs():
    plan = load_sweep(small_sweep(mode="lhs", samples=6, axes={"protocol.sessions": {"min": 1, "max": 6, "integer": True}}))
    sessions = [r.protocol.sessions for r in plan.scenarios]
    assert sorted(sessions) == [1, 2, 3, 4, 5, 6]


def test_batches_avoid_padding_on_lateral_grids():
    # interval x vacuum x replicate = 5 x 5 x 4, at most 12 per batch: chunks of 3 vacuum levels
    # would compute 6 per interval (20 % repeated scenarios)
    assert chunks_for((5, 5, 4), 12, max_padding=0.0) == (1, 1, 4)   # transects: no padding
    assert chunks_for((5, 5, 4), 12, max_padding=0.25) == (1, 3, 4)  # columns: larger batches win
    assert chunks_for((1000,), 125) == (125,)


@pytest.mark.parametrize("padding", [0.0, 0.25])
@pytest.mark.parametrize("shape,batch", [((5, 5, 4), 25), ((5, 5, 4), 13), ((3, 7), 4), ((10,), 3), ((2, 3), 100), ((4, 4), 1)])
def test_layout_blocks_cover_every_scenario_once(shape, batch, padding):
    layout = Layout(shape, chunks_for(shape, batch, padding))
    assert layout.batch_size <= batch
    seen = [m for b in range(layout.n_blocks) for m in layout.members(b)]
    assert sorted(seen) == list(range(int(np.prod(shape))))
    for b in range(layout.n_blocks):
        region = layout.region(b)
        assert len(layout.members(b)) == int(np.prod([r.stop - r.start for r in region]))


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def column_sweep():
    """3 intervals x 2 vacuum levels on a column, in batches of 2 (3 batches), in memory."""
    plan = load_sweep(small_sweep())
    jax.clear_caches()  # other tests may have compiled the same shapes: count from a cold cache
    before = trace_count()
    ds = run_sweep(plan, None, batch_size=2)
    return plan, ds, trace_count() - before


def test_sweep_compiles_once_for_all_batches(column_sweep):
    plan, ds, traces = column_sweep
    # 3 batches, different intervals (hence run lengths) and vacuum levels: one compilation
    assert ds.attrs["batches_total"] == 3
    assert traces == 1
    before = trace_count()
    run_sweep(small_sweep(axes={"protocol.interval_days": [3, 5, 9], "protocol.settings.vacuum_kpa": [20, 50]}), None, batch_size=2)
    assert trace_count() == before, "new parameter values and schedules of the same padded shape must not recompile"


def test_sweep_dataset_labels_units_and_provenance(column_sweep):
    plan, ds, _ = column_sweep
    assert ds["tewl"].dims == ("interval_days", "vacuum_kpa", "time")
    assert ds["tewl_baseline"].dims == ("interval_days", "vacuum_kpa")
    assert ds["interval_days"].values.tolist() == [2, 4, 9]
    for name, var in ds.data_vars.items():
        assert "units" in var.attrs and "long_name" in var.attrs, name
    assert ds["time"].attrs["units"] == "d"
    assert ds["vacuum_kpa"].attrs["long_name"] == "vacuum" and ds["vacuum_kpa"].attrs["units"] == "kPa"
    assert ds["interval_days"].attrs["sweep_path"] == "protocol.interval_days"
    for key in ("config_json", "config_hash", "epiturn_version", "git_commit", "library_versions", "sweep_config"):
        assert ds.attrs[key], key
    assert ds.attrs["config_hash"] == plan.hash == ds.attrs["sweep_hash"]
    assert json.loads(ds.attrs["config_json"])["axes"]["protocol.interval_days"] == [2, 4, 9]
    assert ds["config_hash"].values[1, 0] == plan.scenarios[2].hash
    assert np.all(ds["all_finite"].values == 1)


def test_batched_scenarios_equal_single_runs(column_sweep):
    """vmap + padding to the sweep's longest schedule changes nothing: a scenario = its own run."""
    from experiments import run

    plan, ds, _ = column_sweep
    index = 0  # the shortest course (interval 2 d), padded to the longest (9 d)
    single = run(plan.scenarios[index])
    got = ds.isel(interval_days=0, vacuum_kpa=0)
    n = single.sizes["time"]
    assert n < got.sizes["time"]
    np.testing.assert_array_equal(got["time"].values[:n], single["time"].values)
    for name in ("tewl", "sc_layers", "ve_thickness_um", "erythema", "desquamation_rate", "calcium_top"):
        np.testing.assert_allclose(got[name].values[:n], single[name].values, rtol=1e-12, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(got["tewl_baseline"].values, single["tewl_baseline"].values, rtol=1e-12)
    # after a shorter scenario's end: NaN, not made-up values
    assert np.all(np.isnan(got["tewl"].values[n:]))


def test_zero_length_event_steps_are_not_skipped_as_padding():
    """The earlier of two events on one time node (a strip on a session's day) and an event
    at the very end of the run are zero-length steps of the time grid; a batch whose
    members all have them there must still apply them (only steps without length *and*
    without an event are padding). Batched = single runs (the strip of day 7, skipped as
    padding, left the SC 0.5 x thicker from that day on)."""
    from experiments import run

    base = json.loads(json.dumps(BASE))
    base["events"] = [{"day": 7, "kind": "strip", "remove_fraction": 0.5},
                      {"day": 19, "kind": "strip", "remove_fraction": 0.5}]  # the course ends on day 14 + 5
    plan = load_sweep({"base": base, "axes": {"protocol.settings.vacuum_kpa": [10, 40]}})
    results = run_scenarios(plan.scenarios, batch_size=2)
    for scenario, got in zip(plan.scenarios, results):
        single = run(scenario)
        assert float(single["time"].values[-1]) == 19.0
        day = list(single["time"].values).index(8.0)
        assert single["sc_layers"].values[day] < 0.75 * single["sc_layers"].values[day - 2]  # the strip of day 7
        for name in ("tewl", "sc_layers", "ve_thickness_um", "calcium_top"):
            np.testing.assert_allclose(got[name].values, single[name].values, rtol=1e-12, atol=1e-12, err_msg=name)
        for name in ("removed_layers", "barrier_recovery_hours", "irritation_burden_days"):
            np.testing.assert_allclose(got[name].values, single[name].values, rtol=1e-12, atol=1e-12, err_msg=name)


def test_short_batch_is_padded_without_changing_results(column_sweep):
    """A batch filled up with a copy of its last scenario gives the same numbers."""
    from experiments.sweep import scenario_lengths

    plan, ds, _ = column_sweep
    picked = [plan.scenarios[i] for i in (0, 3, 5)]  # batches [0, 3] and [5, copy of 5]
    before = trace_count()
    results = run_scenarios(picked, batch_size=2, lengths=scenario_lengths(plan.scenarios))
    assert trace_count() == before  # same shape as the sweep's batches: no new compilation
    for index, res in zip((0, 3, 5), results):
        i, j = np.unravel_index(index, plan.shape)
        want = ds["tewl"].isel(interval_days=i, vacuum_kpa=j).values[: res.sizes["time"]]
        np.testing.assert_array_equal(res["tewl"].values, want)


def test_one_at_a_time_inside_the_batch_call_gives_the_vmapped_numbers(column_sweep):
    """The sequential form of the batch call (lax.map, used on lateral grids) = the vmapped one."""
    from experiments.sweep import scenario_lengths

    plan, ds, _ = column_sweep
    picked = [plan.scenarios[i] for i in (1, 4)]
    before = trace_count()
    results = run_scenarios(picked, batch_size=2, lengths=scenario_lengths(plan.scenarios), vector_width=1)
    assert trace_count() == before + 1
    for index, res in zip((1, 4), results):
        i, j = np.unravel_index(index, plan.shape)
        got = ds.isel(interval_days=i, vacuum_kpa=j)
        for name in ("tewl", "sc_layers", "erythema", "cytokine"):
            np.testing.assert_allclose(res[name].values, got[name].values[: res.sizes["time"]], rtol=1e-12, atol=1e-13, err_msg=name)


def test_experiments_sweep_is_the_python_api():
    import experiments

    assert callable(experiments.sweep)
    ds = experiments.sweep(small_sweep(mode="zip", axes={"protocol.interval_days": [2, 9], "protocol.settings.vacuum_kpa": [10, 40]}),
                           batch_size=2)
    assert ds["tewl"].dims == ("scenario", "time")
    assert ds["interval_days"].dims == ("scenario",)
    assert ds["vacuum_kpa"].values.tolist() == [10, 40]


def test_frequency_intensity_sweep_file_is_valid():
    """The main job: interval x the device's dial levels, gentlest to strongest, each level within the hardware."""
    plan = load_sweep(REPO / "configs" / "sweeps" / "frequency_intensity.yaml")
    assert plan.dims == ("interval_days", "level", "replicate")
    assert plan.shape == (5, 6, 3)
    intervals = plan.coords["interval_days"][1]
    assert intervals.min() == 2 and intervals.max() == 21
    device = plan.base.device
    levels = list(plan.coords["level"][1])
    assert levels == list(device.levels)  # every dial level, in the device's order
    vac = [device.levels[name].vacuum_kpa for name in levels]
    passes = [device.levels[name].passes for name in levels]
    assert vac == sorted(vac) and passes == sorted(passes)  # gentlest first
    assert all(device.vacuum_kpa.min <= v <= device.vacuum_kpa.max for v in vac)
    assert plan.base.skin_name == "young_face" and device.name == "diamond_medium"
    assert plan.base.grid.lateral == "1d"
    assert plan.source["decision"]["max_petechiae_risk"] == 0.1


def test_a_failing_model_stops_the_sweep_with_one_line_and_exit_1(tmp_path, monkeypatch):
    import importlib

    def spin_up_fails(*args, **kwargs):
        raise RuntimeError("spin-up did not converge: drift 2e-06 > 1e-06")

    monkeypatch.setattr(importlib.import_module("experiments.sweep._batch"), "prepare", spin_up_fails)
    path = write(tmp_path, small_sweep())
    result = runner.invoke(app, ["sweep", str(path), "-o", str(tmp_path / "o.zarr"), "--no-plots"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and err.startswith("error: sweep stopped: spin-up did not converge"), err


def test_outputs_are_laid_out_on_the_sweep_coordinates():
    """A shorter run fills a prefix of `time`, fewer sessions a prefix of `session`; the rest is NaN."""
    import xarray as xr

    from experiments.sweep import Template, lay_out

    template = Template(variables={"tewl": (("time",), {}), "removed_um": (("session",), {}), "tewl_baseline": ((), {})},
                        sizes={"time": 5, "session": 3}, coords={"time": (np.arange(5.0) * 0.25, {}), "session": (np.arange(1, 4), {})},
                        bytes_per_scenario=0, state_bytes=0)
    long = xr.Dataset({"tewl": ("time", [1.0, 2, 3, 4, 5]), "removed_um": ("session", [7.0, 8, 9]), "tewl_baseline": ((), 1.0)},
                      coords={"time": np.arange(5.0) * 0.25, "session": [1, 2, 3]})
    short = xr.Dataset({"tewl": ("time", [6.0, 7]), "removed_um": ("session", [5.0]), "tewl_baseline": ((), 2.0)},
                       coords={"time": [0.0, 0.25], "session": [1]})
    out = lay_out([long, short], template, (2,))
    np.testing.assert_array_equal(out["tewl"], [[1, 2, 3, 4, 5], [6, 7, np.nan, np.nan, np.nan]])
    np.testing.assert_array_equal(out["removed_um"], [[7, 8, 9], [5, np.nan, np.nan]])
    np.testing.assert_array_equal(out["tewl_baseline"], [1.0, 2.0])
    stray = short.assign_coords(time=[0.0, 0.3])
    with pytest.raises(RuntimeError, match="not in the sweep's time coordinate"):
        lay_out([stray], template, (1,))


def test_scheduler_address_sends_batches_to_a_running_cluster(column_sweep, tmp_path):
    """--scheduler ADDRESS: a cluster started elsewhere (here: in-process workers) runs the batches."""
    from distributed import LocalCluster

    from experiments.sweep import SweepReport

    plan, ds, _ = column_sweep
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        report = SweepReport("", 0, 0, 0)
        got = run_sweep(plan, tmp_path / "s.zarr", scheduler=cluster.scheduler_address, batch_size=2, report=report).load()
        assert report.executor == cluster.scheduler_address and report.computed_batches == 3
    for name in ("tewl", "sc_layers", "tewl_baseline"):
        np.testing.assert_array_equal(got[name].values, ds[name].values, err_msg=name)


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, monkeypatch):
    import importlib
    import socket

    monkeypatch.setattr(importlib.import_module("experiments.sweep._executors"), "SCHEDULER_TIMEOUT_S", 2)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = write(tmp_path, small_sweep())
    result = runner.invoke(app, ["sweep", str(path), "-o", str(tmp_path / "o.zarr"), "--no-plots", "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = one_line_error(result)
    assert "--scheduler" in err and "cannot be reached" in err
