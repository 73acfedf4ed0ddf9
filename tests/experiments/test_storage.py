"""Sweep stores: chunks = batches, the record of completed batches, resume, no recomputation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr
from typer.testing import CliRunner

from experiments.cli import app
from experiments.errors import InputError, StoreError
from experiments.storage import open_result, store_state
from experiments.sweep import SweepReport, load_sweep, run_sweep, trace_count

from test_sweep import one_line_error, small_sweep, write  # noqa: E402  (same folder)

runner = CliRunner()


def equal_stores(a: xr.Dataset, b: xr.Dataset, ignore_attrs=("created_utc", "history")) -> None:
    """Same variables, coordinates, values (NaN == NaN), units and attributes."""
    assert set(a.variables) == set(b.variables)
    for name in a.variables:
        va, vb = a[name], b[name]
        assert va.dims == vb.dims, name
        if va.dtype.kind in "fc":
            np.testing.assert_array_equal(va.values, vb.values, err_msg=name)
        else:
            assert np.array_equal(va.values, vb.values), name
        assert va.attrs == vb.attrs, name
    for key in set(a.attrs) | set(b.attrs):
        if key not in ignore_attrs:
            assert a.attrs.get(key) == b.attrs.get(key), key


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The small column sweep (3 batches of 2) written to a store on disk."""
    out = tmp_path_factory.mktemp("store") / "sweep.zarr"
    report = SweepReport("", 0, 0, 0)
    ds = run_sweep(small_sweep(), out, batch_size=2, report=report)
    return out, ds, report


def test_store_has_one_chunk_per_batch_and_a_complete_record(finished):
    out, ds, report = finished
    assert report.computed_batches == 3 and report.reused_batches == 0
    group = zarr.open_group(str(out), mode="r", zarr_format=2, use_consolidated=False)
    attrs = dict(group.attrs)
    assert attrs["batches_done"] == [0, 1, 2] and attrs["batches_total"] == 3 and attrs["sweep_complete"] == 1
    assert attrs["batch_chunks"] == [1, 2]
    assert group["tewl"].chunks == (1, 2, ds.sizes["time"])
    assert group["tewl_baseline"].chunks == (1, 2)
    # every scenario was written: no NaN at t = 0, every output has units
    assert np.all(np.isfinite(ds["tewl"].isel(time=0).values))
    for name, var in ds.data_vars.items():
        assert var.attrs.get("units"), name
    state = store_state(str(out))
    assert state.complete and state.done == (0, 1, 2)


def test_rerunning_a_finished_sweep_recomputes_nothing(finished):
    out, ds, _ = finished
    mtimes = {p: p.stat().st_mtime_ns for p in Path(out).rglob("*") if p.is_file()}
    traces = trace_count()
    report = SweepReport("", 0, 0, 0)
    again = run_sweep(small_sweep(), out, report=report)
    assert report.computed_batches == 0 and report.reused_batches == 3
    assert trace_count() == traces
    assert {p: p.stat().st_mtime_ns for p in Path(out).rglob("*") if p.is_file()} == mtimes, "the store must not be touched"
    equal_stores(again.load(), ds.load())
    # the CLI says so too (also with --resume)
    path = write(Path(out).parent, small_sweep(), "same.yaml")
    result = runner.invoke(app, ["sweep", str(path), "-o", str(out), "--resume", "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "already complete" in result.stdout and "nothing to compute" in result.stdout


def test_a_different_sweep_is_not_written_into_a_store(finished, tmp_path):
    out, _, _ = finished
    other = write(tmp_path, small_sweep(axes={"protocol.interval_days": [2, 4, 9], "protocol.settings.vacuum_kpa": [10, 41]}))
    err = one_line_error(runner.invoke(app, ["sweep", str(other), "-o", str(out), "--no-plots"]))
    assert "holds a different sweep" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    err = one_line_error(runner.invoke(app, ["sweep", str(other), "-o", str(plain), "--no-plots"]))
    assert "is not a Zarr store" in err


def _forget_batch(store: Path, index: int) -> None:
    group = zarr.open_group(str(store), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["batches_done"] = [i for i in group.attrs["batches_done"] if i != index]
    group.attrs["sweep_complete"] = 0
    # scribble over the batch's chunks: a resumed run must rewrite them
    region = (slice(index, index + 1),)
    for name in ("tewl", "tewl_baseline", "all_finite"):
        arr = group[name]
        arr[region] = -1.0
    zarr.consolidate_metadata(str(store), zarr_format=2)


def test_unfinished_store_needs_resume_and_resume_runs_only_what_is_missing(finished, tmp_path):
    out, ds, _ = finished
    copy = tmp_path / "copy.zarr"
    import shutil

    shutil.copytree(out, copy)
    _forget_batch(copy, 1)
    path = write(tmp_path, small_sweep())
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(copy), "--no-plots"]))
    assert "unfinished" in err and "2 of 3 batches done" in err and "--resume" in err
    report = SweepReport("", 0, 0, 0)
    resumed = run_sweep(small_sweep(), copy, resume=True, report=report)
    assert report.computed_batches == 1 and report.reused_batches == 2
    equal_stores(resumed.load(), ds.load())


def test_resume_refuses_a_store_of_another_version(finished, tmp_path):
    out, _, _ = finished
    import shutil

    copy = tmp_path / "old.zarr"
    shutil.copytree(out, copy)
    _forget_batch(copy, 2)
    group = zarr.open_group(str(copy), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["epiturn_version"] = "0.0.1"
    with pytest.raises(StoreError, match="epiturn version of the store") as info:
        run_sweep(small_sweep(), copy, resume=True)
    assert info.value.parameter == "resume"


def test_open_result_reads_runs_and_sweeps_and_rejects_other_paths(finished, tmp_path):
    out, _, _ = finished
    assert "tewl" in open_result(out)
    with pytest.raises(InputError, match="does not exist") as info:
        open_result(tmp_path / "missing.nc")
    assert info.value.parameter == "result"
    bad = tmp_path / "notes.txt"
    bad.write_text("x")
    with pytest.raises(InputError, match="is not a result"):
        open_result(bad)


def test_store_records_provenance_of_the_sweep(finished):
    out, ds, _ = finished
    plan = load_sweep(small_sweep())
    assert ds.attrs["sweep_hash"] == plan.hash
    assert json.loads(ds.attrs["sweep_config"])["axes"]["protocol.settings.vacuum_kpa"] == [10, 40]
    assert json.loads(ds.attrs["config_json"])["base"]["skin"]["name"] == "young_face"
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds.attrs["git_commit"] and ds.attrs["epiturn_version"]
    assert list(ds["config_hash"].values.ravel()) == [r.hash for r in plan.scenarios]
