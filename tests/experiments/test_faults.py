"""Faults lose nothing (docs/sweeps.md, "Faults"; docs/limits.md): kills at any instant, a
second writer, a full disk, corrupt or foreign files, and gaps in the input checks.

The sweep here is tiny (8 single-column scenarios of about 10 days, one per batch), so a
killed sweep has many instants to be killed at and a resume costs little. The kills are
real SIGKILLs of processes running ``epiturn sweep`` (``experiments.cli.main``): the
processes are forked from a multiprocessing forkserver that has imported epiturn once,
so that each costs the sweep itself rather than a fresh Python with JAX; the resumes run
in this process (the same ``run_sweep(..., resume=True)`` that ``--resume`` calls).
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr
import xarray as xr
from typer.testing import CliRunner

from experiments import storage
from experiments.cli import app
from experiments.errors import DiskFullError, StoreError
from experiments.storage import open_result, store_state
from experiments.sweep import SweepReport, run_sweep

from test_storage import equal_stores  # noqa: E402  (same folder)
from test_sweep import BASE, REPO, one_line_error, write  # noqa: E402

runner = CliRunner()

SWEEP = {
    "base": {**BASE, "protocol": {**BASE["protocol"], "sessions": 2, "follow_up_days": 3}},
    "axes": {"protocol.interval_days": [2, 3, 5, 6], "protocol.settings.vacuum_kpa": [10, 40]},
}
N_BATCHES = 8
COMMON = ["--batch-size", "1", "--no-plots"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep file and its uninterrupted store (in this process: it compiles the batch once)."""
    folder = tmp_path_factory.mktemp("faults")
    path = write(folder, SWEEP)
    out = folder / "reference.zarr"
    report = SweepReport("", 0, 0, 0)
    run_sweep(path, out, batch_size=1, report=report)
    assert report.computed_batches == N_BATCHES
    return path, open_result(out).load()


def fresh(path: Path) -> Path:
    """``path`` with no store, no creation folder and no lock file."""
    shutil.rmtree(path, ignore_errors=True)
    for other in path.parent.glob(f".{path.name}*"):
        shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink()
    return path


def leftovers(path: Path) -> list[str]:
    """Creation folders and half-written files left beside or in a store."""
    found = [p.name for p in path.parent.glob(f".{path.name}.creating-*")]
    return found + ([str(p) for p in path.rglob("*.partial")] if path.exists() else [])


def resume_equals_reference(path: Path, out: Path, reference) -> SweepReport:
    report = SweepReport("", 0, 0, 0)
    run_sweep(path, out, resume=True, report=report)
    equal_stores(open_result(out).load(), reference)
    assert not leftovers(out), leftovers(out)
    assert store_state(str(out)).complete
    return report


# --------------------------------------------------------------------------- 1. kill-safe creation


def test_a_store_appears_whole_and_a_killed_creation_is_cleaned_up(reference, tmp_path, monkeypatch):
    path, ref = reference
    out = tmp_path / "new.zarr"
    # a creation cut short (here by an exception in the middle of writing the metadata)
    # leaves no store: the store folder appears only once it is whole
    from experiments.storage import _zarr

    real = _zarr._write_empty

    def cut_short(store, *args):
        real(store, *args)
        assert Path(store).name.startswith(".new.zarr.creating-") and not out.exists()
        raise KeyboardInterrupt

    monkeypatch.setattr(_zarr, "_write_empty", cut_short)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(path, out, batch_size=1)
    monkeypatch.undo()
    assert not out.exists() and not leftovers(out)
    # what a SIGKILL during creation leaves (a creation folder of a dead process) is removed
    stale = tmp_path / f".new.zarr.creating-{2**22 + 7}"
    (stale / "tewl").mkdir(parents=True)
    (stale / ".zgroup").write_text("{")
    resume_equals_reference(path, out, ref)


def test_resume_recomputes_a_half_written_batch(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "half.zarr"
    shutil.copytree(_reference_store(reference), out)
    group = zarr.open_group(str(out), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["batches_done"] = [i for i in range(N_BATCHES) if i != 3]
    group.attrs["sweep_complete"] = 0
    group["tewl"][1, 1] = -1.0  # batch 3 (interval 3 d, 40 kPa): its data half-written ...
    (out / "tewl" / ".zarray.0f3a.partial").write_bytes(b"\x00" * 7)  # ... and a file zarr was replacing
    zarr.consolidate_metadata(str(out), zarr_format=2)
    report = resume_equals_reference(path, out, ref)
    assert report.computed_batches == 1 and report.reused_batches == N_BATCHES - 1


def _reference_store(reference) -> Path:
    path, _ = reference
    return path.parent / "reference.zarr"


def test_a_store_whose_creation_an_old_version_cut_short_is_one_line(reference, tmp_path):
    path, _ = reference
    out = tmp_path / "cut.zarr"
    shutil.copytree(_reference_store(reference), out)
    group = zarr.open_group(str(out), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["sweep_complete"] = 0
    group.attrs["batches_done"] = []
    shutil.rmtree(out / "tewl")  # what a kill during creation used to leave (resume: KeyError)
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(out), "--resume", *COMMON]))
    assert "incomplete sweep store" in err and "'tewl'" in err and str(out) in err, err


# --------------------------------------------------------------------------- 2. one writer at a time


HOLDER = """
import sys, time
from experiments.storage._lock import lock_store
lock = lock_store(sys.argv[1])
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_writer_is_refused_with_the_store_and_the_pid(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "locked.zarr"
    shutil.copytree(_reference_store(reference), out)
    group = zarr.open_group(str(out), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["batches_done"] = [0, 1, 2]
    group.attrs["sweep_complete"] = 0
    zarr.consolidate_metadata(str(out), zarr_format=2)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))  # this checkout's epiturn
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "locked"
        for args in (["--resume"], []):  # a second --resume, and a second sweep
            err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(out), *args, *COMMON]))
            assert "-o/--output" in err and str(out) in err and f"being written by another epiturn process (PID {holder.pid})" in err, err
        # readers are not blocked
        assert int(open_result(out)["tewl"].notnull().sum()) > 0
        assert store_state(str(out)).done == (0, 1, 2)
    finally:
        holder.send_signal(signal.SIGKILL)  # the kernel releases the lock of a killed holder
        holder.wait()
    resume_equals_reference(path, out, ref)
    # two writers in one process, on a new store: the lock is taken before the store exists
    new = tmp_path / "new.zarr"
    with storage.lock_store(new):
        with pytest.raises(StoreError, match=f"PID {os.getpid()}"):
            run_sweep(path, new, batch_size=1)
    assert not new.exists()


# --------------------------------------------------------------------------- 3. a full disk


def fill_disk(monkeypatch, *, writes: int | None = None, records: int | None = None, code: int = errno.ENOSPC) -> None:
    """zarr's file writes fail as on a full disk: after ``writes`` files, or once the store's
    consolidated metadata has been written ``records`` times (its creation, then each batch)."""
    from zarr.storage import _local

    real, count = _local._put, {"files": 0, "records": 0}

    def put(path, value, exclusive=False):
        full = (writes is not None and count["files"] >= writes) or (records is not None and count["records"] >= records)
        if full:
            raise OSError(code, os.strerror(code), str(path))
        count["files"] += 1
        count["records"] += Path(path).name == ".zmetadata"
        return real(path, value, exclusive=exclusive)

    monkeypatch.setattr(_local, "_put", put)


@pytest.mark.parametrize("fill, code, kept", [({"records": 3}, errno.ENOSPC, 2), ({"writes": 10}, errno.ENOSPC, 0),
                                              ({"records": 1}, errno.EDQUOT, 0)],
                         ids=["after-2-batches", "during-creation", "quota-first-batch"])
def test_disk_full_is_one_line_keeps_every_finished_batch_and_resume_completes(reference, tmp_path, monkeypatch, fill, code, kept):
    path, ref = reference
    out = tmp_path / "full.zarr"
    with monkeypatch.context() as patch:
        fill_disk(patch, code=code, **fill)
        result = runner.invoke(app, ["sweep", str(path), "-o", str(out), *COMMON])
    assert result.exit_code == 1, result.output
    err = result.stderr.strip().splitlines()[-1]  # after the progress lines
    assert "Traceback" not in result.output and result.stderr.count("error:") == 1, result.output
    what = "disk full" if code == errno.ENOSPC else "disk quota exceeded"
    assert err == f"error: {what} writing {out}: {kept} of {N_BATCHES} batches kept; free space, then continue with --resume", err
    state = store_state(str(out))
    assert (len(state.done) if state else 0) == kept
    assert (state is None) == ("writes" in fill)  # a creation cut short leaves no store ...
    assert not [p for p in leftovers(out) if "creating" in p]  # ... and no creation folder
    again = runner.invoke(app, ["sweep", str(path), "-o", str(out), "--resume", *COMMON])
    assert again.exit_code == 0, again.output
    assert f"{kept} batches were already done" in again.stdout or kept == 0, again.stdout
    equal_stores(open_result(out).load(), ref)


def test_disk_full_from_python_is_a_store_error_with_the_counts(reference, tmp_path, monkeypatch):
    path, _ = reference
    with monkeypatch.context() as patch:
        fill_disk(patch, records=5)
        with pytest.raises(DiskFullError, match="4 of 8 batches kept") as info:
            run_sweep(path, tmp_path / "py.zarr", batch_size=1)
    assert isinstance(info.value, StoreError) and (info.value.kept, info.value.total) == (4, N_BATCHES)
    assert len(store_state(str(tmp_path / "py.zarr")).done) == 4  # (two batches run at a time: any 4)


# --------------------------------------------------------------------------- 4. SIGKILL at 20 instants


def _appeared(out: Path) -> bool:
    """The store, or its creation folder, exists."""
    return out.exists() or any(out.parent.glob(f".{out.name}.creating-*"))


def _recorded(out: Path) -> int:
    """How many batches the store's record lists now (-1: no readable record)."""
    try:
        return len(json.loads((out / ".zattrs").read_text())["batches_done"])
    except (OSError, ValueError, KeyError):
        return -1


def _run_child(ctx, argv: list[str], kill_at: float | None = None, anchor=None) -> tuple[int, float, float | None]:
    """Start ``epiturn ARGV`` in a forked process; SIGKILL it ``kill_at`` s after ``anchor()``
    first holds (polled every ms; None: after the start). Returns its exit code, runtime and
    when the anchor held."""
    from experiments.cli import main

    proc = ctx.Process(target=main, args=(argv,))
    t0 = time.monotonic()
    proc.start()
    held = 0.0 if anchor is None else None
    while proc.is_alive():
        now = time.monotonic() - t0
        if held is None and anchor():
            held = now
        if kill_at is not None and held is not None and now >= held + kill_at:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.001)
    proc.join(120)
    return proc.exitcode, time.monotonic() - t0, held


def check_killed_store(out: Path, ref) -> int | None:
    """What a kill left: no store (at most a creation folder, removed by the next creation),
    or a store whose record lists only batches whose data is complete, with its writer lock
    released. Returns the number of batches recorded (None: no store)."""
    if not out.exists():
        return None
    state = store_state(str(out))
    storage.lock_store(out).release()  # the kernel released the killed writer's lock
    got = open_result(out)
    for i in state.done:  # one scenario per batch, in C order of the sweep grid
        at = dict(zip(ref["tewl"].dims, np.unravel_index(i, (4, 2))))
        equal_stores(got.isel(at).load(), ref.isel(at), ignore_attrs=tuple(ref.attrs))
    return len(state.done)


def test_sigkill_at_20_random_instants_then_resume_gives_the_uninterrupted_store(reference, tmp_path):
    """5 rounds on one store folder, each of 4 SIGKILLs of ``epiturn sweep --resume``: 0-1 s
    after the store's creation folder appears (0-0.25 s in 3 rounds: the creation), in the
    first second of the process (before or while it takes the lock), 0-0.3 s after the
    store records one more batch (between and inside batch writes), and anywhere in an
    uninterrupted run's length. Each kill's store is checked and continued by the next
    process; each round ends with a resume to the end, compared bit for bit with the
    uninterrupted store."""
    path, ref = reference
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["experiments.cli", "experiments.sweep", "experiments.report", "experiments.storage"])
    out = tmp_path / "killed.zarr"
    argv = ["sweep", str(path), "-o", str(out), "--resume", *COMMON]  # --resume creates a missing store
    # the uninterrupted run in such a process: its length, and the same store as in this process
    fresh(out)
    code, runtime, appeared = _run_child(ctx, argv, None, lambda: _appeared(out))
    assert code == 0 and appeared is not None, code
    equal_stores(open_result(out).load(), ref)
    rng = np.random.default_rng(12)
    outcomes = []
    for round_ in range(5):
        fresh(out)
        early = rng.uniform(0.0, 0.25) if round_ < 3 else rng.uniform(0.25, 1.0)
        for kill_at, anchor in ((early, "creation"), (rng.uniform(0.0, 1.0), "start"),
                                (rng.uniform(0.0, 0.3), "record"), (rng.uniform(0.0, runtime), "start")):
            before = _recorded(out)
            when = {"creation": lambda: _appeared(out), "start": None, "record": lambda: _recorded(out) > max(before, 0)}[anchor]
            code, _, _ = _run_child(ctx, argv, float(kill_at), when)
            outcomes.append((round(float(kill_at), 3), anchor, code, check_killed_store(out, ref)))
        resume_equals_reference(path, out, ref)
    print("kill instants (s after the anchor, anchor, exit code, batches recorded):", outcomes)
    killed = [o for o in outcomes if o[2] == -signal.SIGKILL]
    assert len(killed) >= 10, outcomes  # (a kill due after the end finds the run finished)
    assert any(o[3] not in (None, 0, N_BATCHES) for o in killed), outcomes  # some kills fell between batches


# --------------------------------------------------------------------------- 5. corrupt or foreign files


def corrupt_results(folder: Path, store: Path) -> dict[str, Path]:
    """Results that are not: garbage, garbage with a result's name, a store with garbage
    metadata, a zarr v3 store of another program, a sweep store with a damaged chunk."""
    garbage = np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    made = {"garbage": folder / "garbage.bin", "garbage.nc": folder / "garbage.nc", "garbage metadata": folder / "meta.zarr",
            "zarr v3": folder / "v3.zarr", "damaged chunk": folder / "chunk.zarr"}
    made["garbage"].write_bytes(garbage)
    made["garbage.nc"].write_bytes(garbage)
    made["garbage metadata"].mkdir()
    for name in (".zgroup", ".zmetadata", ".zattrs"):
        (made["garbage metadata"] / name).write_bytes(garbage)
    zarr.open_group(str(made["zarr v3"]), mode="w", zarr_format=3).create_array("a", shape=(3,), dtype="f8")
    shutil.copytree(store, made["damaged chunk"])
    (made["damaged chunk"] / "tewl" / "0.0.0").write_bytes(garbage[:50])
    return made


def test_corrupt_or_foreign_results_are_one_line_in_plot_report_and_explore(reference, tmp_path):
    made = corrupt_results(tmp_path, _reference_store(reference))
    for case, path in made.items():
        for command in (["plot", str(path), "-o", str(tmp_path / "figs")], ["report", str(path)],
                        ["explore", str(path), "--no-browser", "--port", "0"]):
            err = one_line_error(runner.invoke(app, command))
            assert err.startswith("error: RESULT: ") and str(path) in err, (case, command[0], err)
    assert not (tmp_path / "figs").exists()


def test_compare_and_sweep_refuse_corrupt_or_foreign_input_with_one_line(reference, tmp_path):
    path, _ = reference
    made = corrupt_results(tmp_path, _reference_store(reference))
    run_file = tmp_path / "run.yaml"
    run_file.write_bytes(made["garbage"].read_bytes())
    err = one_line_error(runner.invoke(app, ["compare", str(run_file), str(run_file), "-o", str(tmp_path / "cmp")]))
    assert "is not UTF-8 text" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("x")
    other = tmp_path / "other.zarr"
    shutil.copytree(_reference_store(reference), other)
    group = zarr.open_group(str(other), mode="r+", zarr_format=2, use_consolidated=False)
    group.attrs["sweep_hash"] = "0123456789abcdef"
    group.attrs["sweep_complete"] = 0
    wants = {"plain": (plain, "exists and is not a Zarr store"), "garbage": (made["garbage"], "exists and is not a Zarr store"),
             "garbage metadata": (made["garbage metadata"], "cannot be read as an epiturn sweep store (UnicodeDecodeError)"),
             "zarr v3": (made["zarr v3"], "cannot be read as an epiturn sweep store"),
             "another sweep": (other, "holds a different sweep (config hash 0123456789ab, this sweep's")}
    for case, (out, fragment) in wants.items():
        err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(out), "--resume", *COMMON]))
        assert err.startswith("error: -o/--output: ") and str(out) in err and fragment in err, (case, err)
    assert sorted(p.name for p in plain.iterdir()) == ["notes.txt"]  # nothing written into what is not a store
    # a finished store of this sweep with a damaged chunk: one line when it is read back
    err = one_line_error(runner.invoke(app, ["sweep", str(path), "-o", str(made["damaged chunk"]), "--resume", *COMMON]))
    assert "cannot be read back (RuntimeError: a chunk of a recorded batch is damaged)" in err, err


# --------------------------------------------------------------------------- 6. input gaps


@pytest.mark.parametrize("parameters, field, words", [
    ({"cohesion_loss_per_day": 0}, "skin.parameters.cohesion_loss_per_day", "allowed: (0, 5] 1/d"),
    ({"cytokine_decay_per_hour": 0, "cytokine_clearance_um_per_hour": 0}, "skin.parameters.cytokine_decay_per_hour",
     "no homeostasis to spin up to"),
], ids=["no-cohesion-loss", "no-cytokine-sink"])
def test_parameters_that_make_the_spin_up_impossible_are_refused_at_input(tmp_path, parameters, field, words):
    config = write(tmp_path, {"skin": {"base": "young_face", "parameters": parameters}, "grid": {"lateral": "column"}}, "run.yaml")
    for command in (["config", "check", str(config)], ["run", str(config), "-o", str(tmp_path / "run.nc")]):
        err = one_line_error(runner.invoke(app, command))
        assert err.startswith(f"error: {field}: 0 ") and words in err, err
    assert not (tmp_path / "run.nc").exists()


# the observables of an untreated run (the signals that are ~0 at homeostasis, growth factor
# and erythema, decay further at 1e-10 and below and are not judged on their own scale)
_OBSERVABLES = ("tewl", "sc_layers", "sc_thickness_um", "ve_thickness_um", "basal_proliferation", "calcium_top")


@pytest.mark.parametrize("parameters", [{"fibroblast_hours": 2000}, {"growth_factor_hours": 2000},
                                        {"erythema_hours": 500}, {"ve_transit_days": 60}],
                         ids=["fibroblast-2000h", "growth-factor-2000h", "erythema-500h", "ve-transit-60d"])
def test_the_slowest_profiles_of_the_parameter_table_spin_up_by_settling_longer(tmp_path, parameters):
    """At the upper ends of these time constants the four fixed stages (360 days) leave the
    start-up transient still decaying (drift 0.005-inf); the spin-up goes on stage by
    stage until it has settled, says so, and the run then starts at rest."""
    config = write(tmp_path, {"skin": {"base": "young_face", "parameters": parameters}, "grid": {"lateral": "column"},
                              "duration_days": 60, "save": {"every_hours": 24}}, "run.yaml")
    out = tmp_path / "run.nc"
    result = runner.invoke(app, ["run", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ds = xr.open_dataset(out)
    assert 0 <= ds.attrs["spin_up_drift"] <= 1e-3
    for name in _OBSERVABLES:
        x = np.asarray(ds[name].values, float)
        assert np.all(np.isfinite(x)) and np.max(np.abs(x - x[0])) <= 1e-3 * np.max(np.abs(x)), (name, x[0], x.min(), x.max())


def test_a_profile_without_a_steady_state_is_one_line_after_six_simulated_years(tmp_path):
    """``mitogen_cytokine_gain`` at its table maximum (1e4) on a heterogeneous transect: the
    cytokine-mitogen loop never settles (recurrent fibroblast activation; 3,000 still
    settles in five stages on the default 256-column transect), so the spin-up stops at its cap and the run ends with one
    line and exit code 1, its progress lines before it saying how long it tried."""
    config = write(tmp_path, {"skin": {"base": "young_face", "parameters": {"mitogen_cytokine_gain": 1e4}},
                              "grid": {"lateral": "1d", "n": 16}, "duration_days": 10}, "run.yaml")
    result = runner.invoke(app, ["run", str(config), "-o", str(tmp_path / "run.nc")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output  # a simulation error: exit 1
    err = result.stderr.strip().splitlines()[-1]  # after the progress lines of the spin-up
    assert err.startswith("error: spin-up did not converge: the untreated skin of young_face on a 1-D transect of 16 "
                          "columns has not settled after 5.9 simulated years"), err
    assert "mitogen_cytokine_gain" in err, err
    assert not (tmp_path / "run.nc").exists()


def _text(folder: Path, text: str, name: str = "t.yaml") -> str:
    (folder / name).write_text(text)
    return name


@pytest.mark.parametrize("word", ["yes", "No", "ON", "off", "y", "N"])
def test_yaml_1_1_booleans_are_text_and_refused_where_a_boolean_or_a_number_is_expected(tmp_path, word):
    from experiments.config import load_yaml

    assert load_yaml(tmp_path / _text(tmp_path, f"a: {word}\nb: [{word}]\n")) == {"a": word, "b": [word]}
    for text, field, allowed in ((f"skin: young_face\nsave: {{profiles: {word}}}\n", "save.profiles", "true or false (yes/no/on/off are YAML 1.1"),
                                 (f"skin: young_face\ngrid: {{dt_hours: {word}}}\n", "grid.dt_hours", "a number")):
        err = one_line_error(runner.invoke(app, ["config", "check", str(tmp_path / _text(tmp_path, text))]))
        assert err.startswith(f"error: {field}: '{word}' is not a ") and allowed in err, err
    sweep = _text(tmp_path, f"base: {{skin: young_face}}\nmode: lhs\nsamples: 4\naxes:\n  protocol.interval_days: {{min: 2, max: 9, log: {word}}}\n")
    err = one_line_error(runner.invoke(app, ["sweep", str(tmp_path / sweep), "--no-plots"]))
    assert "axes.protocol.interval_days.log" in err and "YAML 1.1" in err, err


def test_a_large_sweep_is_refused_or_announced_before_any_scenario_is_resolved(reference, tmp_path, monkeypatch):
    from experiments._activity import reporting
    from experiments.sweep import _plan, load_sweep

    path, _ = reference
    calls, lines = [], []
    real = _plan.load_run_config

    def counting(*args, **kwargs):
        calls.append(len(lines))  # the lines said before this scenario was resolved
        return real(*args, **kwargs)

    monkeypatch.setattr(_plan, "load_run_config", counting)
    big = {**SWEEP, "axes": {"protocol.interval_days": {"start": 2, "stop": 9, "num": 200},
                             "protocol.settings.vacuum_kpa": {"start": 10, "stop": 40, "num": 101}}}
    t0 = time.perf_counter()
    err = one_line_error(runner.invoke(app, ["sweep", str(write(tmp_path, big, "big.yaml")), "--no-plots"]))
    assert "200 x 101 = 20,200 scenarios" in err and "at most 20,000" in err, err
    assert len(calls) <= 1 and time.perf_counter() - t0 < 10  # (the base config is resolved once; no scenario)
    # a sweep at the announcing size says so before its first scenario (here 8 scenarios at a threshold of 8)
    monkeypatch.setattr(_plan, "ANNOUNCE_SCENARIOS", N_BATCHES)
    calls.clear()
    with reporting(lines.append):
        plan = load_sweep(path)
    assert plan.size == N_BATCHES and lines[0] == f"resolving the {N_BATCHES} scenarios of sweep sweep…", lines
    assert calls[-N_BATCHES:] == [1] * N_BATCHES and lines[1].startswith(f"resolved {N_BATCHES} scenarios in "), (calls, lines)
