"""The ``epiturn`` command line: devices, config check, run; bad input gives exit code 2, one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.config import load_run_config

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def assert_bad_input(result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and err.startswith("error: "), err
    for f in fragments:
        assert f in err, err
    return err


def test_devices_lists_catalogue():
    result = runner.invoke(app, ["devices"])
    assert result.exit_code == 0, result.output
    for name in ("diamond_fine", "diamond_medium", "diamond_coarse", "crystal_al2o3"):
        assert name in result.stdout
    assert "5–50" in result.stdout  # diamond_medium vacuum range


def test_config_check_prints_resolved_yaml_and_hash(treated, write_config):
    path = write_config(treated)
    result = runner.invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.stdout)
    resolved = load_run_config(path)
    assert printed == resolved.to_dict()
    assert f"# config_hash: {resolved.hash}" in result.stdout


def test_config_check_with_set(treated, write_config):
    path = write_config(treated)
    result = runner.invoke(app, ["config", "check", str(path), "--set", "protocol.interval_days=14", "--set", "protocol.sessions=3"])
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.stdout)
    assert printed["protocol"]["interval_days"] == 14 and printed["duration_days"] == 28 + 28


@pytest.mark.parametrize(
    "change, fragments",
    [
        ({"protocl": {}}, ["protocl:", "is not a known key"]),
        ({"device": "diamond_xl"}, ["device: 'diamond_xl' is not a known device", "diamond_medium"]),
        ({"skin": "no_such_profile"}, ["skin: 'no_such_profile' is not a known skin profile"]),
        ({"grid": {"dt_hours": 0.7}}, ["grid.dt_hours: 0.7"]),
        ({"events": [{"day": 0, "kind": "strip", "remove_fraction": 1.5}]}, ["events[0].remove_fraction: 1.5"]),
    ],
)
def test_config_check_bad_input(treated, write_config, change, fragments):
    path = write_config({**treated, **change})
    assert_bad_input(runner.invoke(app, ["config", "check", str(path)]), *fragments)


def test_bad_setting_values(treated, write_config):
    path = write_config(treated)
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "protocol.settings.vacuum_kpa=80"]), "protocol.settings.vacuum_kpa: 80", "[5, 50] kPa")
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "protocol.settings.load_n=20"]), "protocol.settings.load_n: 20", "[0, 10] N")
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "protocol.settings.passes=[1,2]"]), "protocol.settings.passes: [1, 2] has 2 values for 6 sessions")
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "protocol.interval_days=-1"]), "protocol.interval_days: -1")
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "skin.parameters.ve_thickness_um=5000"]), "skin.parameters.ve_thickness_um: 5000")


def test_bad_set_path(treated, write_config):
    path = write_config(treated)
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "protocol.nosuch=3"]), "protocol.nosuch", "interval_days")
    assert_bad_input(runner.invoke(app, ["config", "check", str(path), "--set", "nonsense"]), "--set: 'nonsense' is not KEY=VALUE")
    assert_bad_input(runner.invoke(app, ["run", str(path), "--set", "grid.bogus=1"]), "grid.bogus")


def test_missing_config_file(tmp_path):
    missing = tmp_path / "absent.yaml"
    assert_bad_input(runner.invoke(app, ["config", "check", str(missing)]), "absent.yaml", "does not exist")
    assert_bad_input(runner.invoke(app, ["run", str(missing)]), "absent.yaml")


def test_run_writes_netcdf(treated, write_config, tmp_path, monkeypatch):
    """`run` resolves, calls experiments.run and experiments.storage.write_netcdf."""
    import experiments
    from experiments import storage

    xr = pytest.importorskip("xarray")
    calls = {}

    def run(resolved):
        calls["resolved"] = resolved
        return xr.Dataset({"tewl": ("time", [1.0, 2.0])}, coords={"time": [0.0, 1.0]}, attrs={"config_hash": resolved.hash})

    def write_netcdf(ds, path):
        calls["attrs"] = dict(ds.attrs)
        Path(path).write_text("fake netcdf")

    monkeypatch.setattr(experiments, "run", run)
    monkeypatch.setattr(storage, "write_netcdf", write_netcdf)
    path = write_config(treated, "course.yaml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(path), "--set", "protocol.sessions=2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "course.nc").is_file()
    assert "results/course.nc" in result.stdout
    assert calls["resolved"].protocol.sessions == 2
    assert calls["attrs"]["config_hash"] == calls["resolved"].hash
    out = tmp_path / "sub" / "x.nc"
    result = runner.invoke(app, ["run", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_console_entry_point_exit_code(tmp_path):
    """Through ``main()`` in a fresh interpreter: exit code 2, one line on stderr, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-c", "from experiments.cli import main; main()", "config", "check", str(tmp_path / "none.yaml")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().startswith("error: config:") and proc.stderr.strip().count("\n") == 0
