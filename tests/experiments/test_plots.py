"""Figures: Pareto front, session markers, heat-map numbers, labelled axes with units, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from experiments.cli import app
from experiments.errors import InputError, for_command_line
from experiments._outputs import annotate
from experiments.report import pareto_front, plot_result, session_days, summary_outcomes

runner = CliRunner()


def test_pareto_front_on_hand_made_points():
    burden = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 0.5, np.nan, 3.0])
    gain = np.array([1.0, 3.0, 2.0, 3.0, 5.0, 0.2, 9.0, 4.0])
    front = pareto_front(burden, gain)
    # (0.5, .2) least burden; (1, 1); (2, 3); (3, 4); (4, 5) -- (2, 2) and (3, 3) are dominated, NaN never on it
    assert front.tolist() == [True, True, False, False, True, True, False, True]
    # ties: two identical points are both on the front (neither dominates the other)
    assert pareto_front([1.0, 1.0], [2.0, 2.0]).tolist() == [True, True]


def synthetic_sweep(profiles: bool = False) -> xr.Dataset:
    """A grid sweep shaped like a store: interval x vacuum x replicate x time, with units."""
    intervals = np.array([2, 7, 14])
    vacuum = np.array([10, 30, 50])
    t = np.arange(0.0, 61.0)
    shape = (3, 3, 2, t.size)
    rng = np.random.default_rng(0)
    tewl = np.full(shape, 10.0)
    ra = np.full(shape, 20.0)
    session_day = np.zeros(shape[:3] + (4,))
    for i, iv in enumerate(intervals):
        for j, v in enumerate(vacuum):
            for s in range(4):
                day = s * iv
                session_day[i, j, :, s] = day
                bump = (v / 10.0) * np.exp(-(t - day) / 2.0) * (t >= day)
                tewl[i, j, :, :] += bump
            ra[i, j, :, :] -= 0.02 * v * (1 + 7 / iv) * t / t[-1]
    tewl += rng.normal(0, 0.01, shape)
    duration = 3 * intervals + 28  # shorter courses are NaN after their end
    for i, d in enumerate(duration):
        tewl[i, :, :, t > d] = np.nan
        ra[i, :, :, t > d] = np.nan
    data = {
        "tewl": (("interval_days", "vacuum_kpa", "replicate", "time"), tewl),
        "ra_um": (("interval_days", "vacuum_kpa", "replicate", "time"), ra),
        "erythema": (("interval_days", "vacuum_kpa", "replicate", "time"), (tewl - 10.0) / 50.0),
        "tewl_baseline": (("interval_days", "vacuum_kpa", "replicate"), np.full(shape[:3], 10.0)),
        "session_day": (("interval_days", "vacuum_kpa", "replicate", "session"), session_day),
    }
    coords = {
        "interval_days": ("interval_days", intervals, {"units": "d", "long_name": "interval between sessions", "sweep_path": "protocol.interval_days"}),
        "vacuum_kpa": ("vacuum_kpa", vacuum, {"units": "kPa", "long_name": "vacuum", "sweep_path": "protocol.settings.vacuum_kpa"}),
        "replicate": ("replicate", [0, 1], {"units": "1", "long_name": "replicate (random seed of the run)"}),
        "session": [1, 2, 3, 4],
        "time": t,
    }
    if profiles:
        x = np.linspace(0, 5000, 16, endpoint=False)
        data["surface_um"] = (("interval_days", "vacuum_kpa", "replicate", "time", "x"),
                              np.broadcast_to(np.sin(x / 800.0), shape + (16,)).copy())
        coords["x"] = x
    ds = annotate(xr.Dataset(data, coords=coords))
    ds.attrs.update({"sweep_dims": ["interval_days", "vacuum_kpa", "replicate"], "sweep_mode": "grid",
                     "sweep_axes": json.dumps({"interval_days": "protocol.interval_days", "vacuum_kpa": "protocol.settings.vacuum_kpa"}),
                     "title": "synthetic sweep"})
    return ds


def svg_texts(path: Path) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", path.read_text(), flags=re.S)]


def test_session_days_are_read_from_the_session_day_output():
    ds = synthetic_sweep()
    # a sweep's session_day has the sweep dims in front: the point picks the scenario
    assert session_days(ds, {"interval_days": 14, "vacuum_kpa": 30}).tolist() == [0, 14, 28, 42]
    # the replicates (and here the vacuum axis) left by the point share their days: listed once
    assert session_days(ds, {"interval_days": 7}).tolist() == [0, 7, 14, 21]
    run = xr.Dataset({"session_day": ("session", [1.0, 8.0, 15.0])}, coords={"session": [1, 2, 3]})
    assert session_days(run).tolist() == [1.0, 8.0, 15.0]
    # a sweep padded to its longest course: NaN sessions are not sessions
    padded = xr.Dataset({"session_day": (("scenario", "session"), [[0.0, 2.0, 4.0], [0.0, 7.0, np.nan]])},
                        coords={"scenario": [0, 1], "session": [1, 2, 3]})
    assert session_days(padded, {"scenario": 1}).tolist() == [0.0, 7.0]
    # no sessions (untreated, strips only): none
    assert session_days(xr.Dataset({"tewl": ("time", [1.0, 1.0])})).size == 0


def test_every_kind_writes_png_and_svg_with_units_on_the_axes(tmp_path):
    files, notes = plot_result(synthetic_sweep(profiles=True), None, tmp_path)
    stems = {f.stem for f in files}
    assert {"timecourse", "heatmap_smoothness_gain", "heatmap_irritation_burden", "heatmap_tewl_peak_ratio", "tradeoff",
            "profile_surface_um"} <= stems, stems
    for f in files:
        assert f.stat().st_size > 1000, f
    assert {f.suffix for f in files} == {".png", ".svg"}
    assert sum(f.suffix == ".png" for f in files) == sum(f.suffix == ".svg" for f in files)
    texts = " | ".join(svg_texts(tmp_path / "timecourse.svg"))
    # units as a reader writes them (the data keep their CF units)
    assert "TEWL (g m⁻² h⁻¹)" in texts
    assert "roughness Ra (µm)" in texts and "(um)" not in texts
    assert "time (d)" in texts
    heat = " | ".join(svg_texts(tmp_path / "heatmap_tewl_peak_ratio.svg"))
    assert "interval between sessions (d)" in heat and "vacuum (kPa)" in heat
    trade = " | ".join(svg_texts(tmp_path / "tradeoff.svg"))
    assert "Pareto front" in trade and "smoothness gain" in trade and "irritation burden" in trade


def test_heatmap_shows_the_replicate_mean_of_the_outcome(tmp_path):
    ds = synthetic_sweep()
    plot_result(ds, ["heatmap"], tmp_path, outcome="tewl_peak_ratio")
    want = summary_outcomes(ds)["tewl_peak_ratio"].mean("replicate").transpose("vacuum_kpa", "interval_days").values
    svg = (tmp_path / "heatmap_tewl_peak_ratio.svg").read_text()
    for (j, i), value in np.ndenumerate(want):  # cell (vacuum j, interval i) shows the mean, to 3 digits
        cell = re.search(rf'<g id="cell-vacuum_kpa-{j}-interval_days-{i}">.*?<text[^>]*>(.*?)</text>', svg, flags=re.S)
        assert cell is not None, (j, i)
        assert float(cell.group(1).strip()) == float(f"{value:.3g}")
    # the strongest vacuum has the highest TEWL peak (bump height ~ vacuum)
    assert np.all(np.diff(want, axis=0) > 0)


def test_plot_cli_on_a_store_and_a_run(tmp_path):
    store = tmp_path / "sweep.zarr"
    synthetic_sweep().to_zarr(store, zarr_format=2, consolidated=True)
    result = runner.invoke(app, ["plot", str(store), "--kind", "heatmap", "--outcome", "smoothness_gain", "-o", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "figs" / "heatmap_smoothness_gain.png").exists()
    assert not (tmp_path / "figs" / "timecourse.png").exists()
    assert "figures (" in result.stdout
    run = synthetic_sweep().isel(interval_days=1, vacuum_kpa=1, replicate=0)
    run.attrs = {}
    path = tmp_path / "run.nc"
    run.to_netcdf(path)
    result = runner.invoke(app, ["plot", str(path), "--kind", "timecourse", "-o", str(tmp_path / "runfigs")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runfigs" / "timecourse.svg").exists()
    # a kind that does not apply: one line, exit 2
    result = runner.invoke(app, ["plot", str(path), "--kind", "heatmap", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    err = result.stderr.strip()
    assert "\n" not in err and "heatmap" in err and "grid sweep" in err
    result = runner.invoke(app, ["plot", str(path), "--kind", "spectrum"])
    assert result.exit_code == 2 and "timecourse, heatmap, tradeoff, profiles" in result.stderr
    result = runner.invoke(app, ["plot", str(tmp_path / "none.nc")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = runner.invoke(app, ["plot", str(store), "--kind", "heatmap", "--outcome", "happiness", "-o", str(tmp_path / "y")])
    assert result.exit_code == 2 and "happiness" in result.stderr and "tewl_peak_ratio" in result.stderr


@pytest.mark.parametrize("kind, outcome, parameter, words", [
    ("spectrum", None, "kind", "timecourse, heatmap, tradeoff, profiles"),
    ("tradeoff", None, "kind", "several scenarios"),
    ("heatmap", "happiness", "outcome", "tewl_peak_ratio"),
])
def test_bad_kind_or_outcome_names_the_parameter_not_a_flag(tmp_path, kind, outcome, parameter, words):
    ds = synthetic_sweep()
    if kind == "tradeoff":
        ds = ds.isel(interval_days=0, vacuum_kpa=0, replicate=0)
        ds.attrs = {}
    with pytest.raises(InputError) as info:
        plot_result(ds, kind, tmp_path, outcome=outcome)
    error = info.value
    assert error.parameter == parameter and str(error).startswith(f"{parameter}: ") and words in str(error)
    assert "--" not in str(error)
    flag = for_command_line(error, {"kind": "--kind", "outcome": "--outcome"})
    assert flag.startswith(f"--{parameter}: ")
