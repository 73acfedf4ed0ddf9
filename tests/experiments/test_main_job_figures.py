"""Regression tests for what a run of the main job's figures showed wrong.

Found by running `epiturn sweep configs/sweeps/frequency_intensity.yaml` (daily saves, 6
sessions, 100 scenarios) from a fresh clone and reading its figures:

* the "peak TEWL / untreated TEWL" heat map came from the daily saves and missed the
  jump at each session (1.43 where the sessions reached 1.86, at 2 d and 50 kPa);
* a "TEWL excess" heat map repeated the irritation burden (same integral) on the daily
  points only, with other numbers (4.9 d against 5.87 d): the summary now keeps the
  run's ``irritation_burden_days`` and computes it from the saved points only when a
  result lacks it;
* the deepest-injury heat map was one colour (0 um everywhere) with a colour bar from
  -0.1 to 0.1;
* the trade-off's colour bar for the 5 intervals had ticks at 2.5, 5.0, ... 17.5 (the colours are now
  a legend entry per swept value);
* the command said "ran 25 batches ... on in-process".
"""

from __future__ import annotations

import types
import importlib
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from experiments.cli import app
from experiments._outputs import annotate
from experiments.report import plot_result, summary_outcomes

INTERVALS = np.array([2, 7, 14])
VACUUM = np.array([10, 30, 50])


def main_job_like(injury: float = 0.0) -> xr.Dataset:
    """A grid sweep shaped like the main job's store: daily TEWL plus the per-session outputs."""
    t = np.arange(0.0, 71.0)
    n_sessions = 4
    shape = (INTERVALS.size, VACUUM.size, 2)
    tewl = np.full(shape + (t.size,), 10.0)
    after = np.full(shape + (n_sessions,), np.nan)
    session_day = np.full(shape + (n_sessions,), np.nan)
    ra = np.full(shape + (t.size,), 20.0)
    for i, iv in enumerate(INTERVALS):
        for j, v in enumerate(VACUUM):
            jump = 0.02 * v * 10.0  # the TEWL right after a session: 1.2x, 1.6x, 2x baseline
            for s in range(n_sessions):
                day = s * iv
                after[i, j, :, s] = 10.0 + jump
                session_day[i, j, :, s] = day
                # hours later, at the next daily save, the jump has mostly gone
                tewl[i, j, :, :] += 0.25 * jump * np.exp(-(t - day - 1.0) / 2.0) * (t >= day + 1.0)
            ra[i, j, :, :] -= 0.02 * v * (1 + 7 / iv) * t / t[-1]
        end = n_sessions * iv + 28
        tewl[i, :, :, t > end] = np.nan
        ra[i, :, :, t > end] = np.nan
    dims = ("interval_days", "vacuum_kpa", "replicate")
    burden = np.nansum(np.maximum(tewl / 10.0 - 1.0, 0.0), axis=-1) * 1.2  # the model's, finer than the saves
    data = {
        "tewl": (dims + ("time",), tewl),
        "ra_um": (dims + ("time",), ra),
        "tewl_after_session": (dims + ("session",), after),
        "session_day": (dims + ("session",), session_day),
        "tewl_baseline": (dims, np.full(shape, 10.0)),
        "irritation_burden_days": (dims, burden),
        "ra_change_pct_end_followup": (dims, 100.0 * (np.nanmin(ra, axis=-1) - 20.0) / 20.0),
        "max_injury_um": (dims, np.full(shape, injury)),
    }
    coords = {
        "interval_days": ("interval_days", INTERVALS, {"units": "d", "long_name": "interval between sessions",
                                                       "sweep_path": "protocol.interval_days"}),
        "vacuum_kpa": ("vacuum_kpa", VACUUM, {"units": "kPa", "long_name": "vacuum", "sweep_path": "protocol.settings.vacuum_kpa"}),
        "replicate": ("replicate", [0, 1], {"units": "1", "long_name": "replicate (random seed of the run)"}),
        "session": np.arange(1, n_sessions + 1),
        "time": t,
    }
    ds = annotate(xr.Dataset(data, coords=coords))
    ds.attrs.update({"sweep_dims": list(dims), "sweep_mode": "grid", "title": "main-job-like sweep"})
    return ds


def svg_texts(path: Path) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", path.read_text(), flags=re.S)]


def test_tewl_peak_includes_the_jump_at_each_session():
    ds = main_job_like()
    out = summary_outcomes(ds)
    # the TEWL right after the session is the peak, not the next daily save
    np.testing.assert_allclose(out["tewl_peak"].values, ds["tewl_after_session"].max("session").values)
    np.testing.assert_allclose(out["tewl_peak_ratio"].sel(vacuum_kpa=50).values, 2.0)
    assert float(ds["tewl"].sel(vacuum_kpa=50).max()) / 10.0 < 1.5  # what the daily saves alone said
    assert out["tewl_peak"].dims == ("interval_days", "vacuum_kpa", "replicate")
    # a later rise above the session jump (no sessions: all NaN) still counts
    ds2 = ds.copy(deep=True)
    ds2["tewl_after_session"][:] = np.nan
    np.testing.assert_allclose(summary_outcomes(ds2)["tewl_peak"].values, ds["tewl"].max("time").values)


def test_default_heat_maps_leave_out_the_duplicate_and_the_constant(tmp_path):
    files, notes = plot_result(main_job_like(injury=0.0), ["heatmap"], tmp_path)
    stems = {f.stem for f in files}
    assert {"heatmap_smoothness_gain", "heatmap_irritation_burden", "heatmap_tewl_peak_ratio"} <= stems, stems
    # one irritation burden, the model's (from every step), not also the saved points' integral
    assert [s for s in stems if "burden" in s or "excess" in s] == ["heatmap_irritation_burden"], stems
    burden = " | ".join(svg_texts(tmp_path / "heatmap_irritation_burden.svg"))
    assert "irritation burden (d)" in burden and "saved" not in burden
    # a field that is the same everywhere is one line, not a one-colour figure
    assert "heatmap_max_injury_um" not in stems
    assert any("max_injury_um" in n and "0 µm in every scenario" in n for n in notes), notes
    # asked for explicitly, it is drawn, and its title says it is constant
    files, _ = plot_result(main_job_like(injury=0.0), ["heatmap"], tmp_path / "one", outcome="max_injury_um")
    assert [f.name for f in files] == ["heatmap_max_injury_um.png", "heatmap_max_injury_um.svg"]
    assert "the same in every scenario: 0 µm" in " | ".join(svg_texts(tmp_path / "one" / "heatmap_max_injury_um.svg"))
    # not constant: drawn by default
    files, _ = plot_result(main_job_like(injury=0.0).assign(max_injury_um=lambda d: d.tewl_baseline * 0 + d.vacuum_kpa / 10.0),
                           ["heatmap"], tmp_path / "two")
    assert "heatmap_max_injury_um" in {f.stem for f in files}


def test_without_the_model_burden_the_heat_map_uses_the_saved_points_and_says_so(tmp_path):
    ds = main_job_like(injury=1.0).drop_vars("irritation_burden_days")
    files, _ = plot_result(ds, ["heatmap"], tmp_path)
    assert "heatmap_irritation_burden" in {f.stem for f in files}
    label = " | ".join(svg_texts(tmp_path / "heatmap_irritation_burden.svg"))
    assert "irritation burden, from the saved time points (d)" in label, label
    # the saved points' integral: trapezoid rule on the daily saves
    burden = summary_outcomes(ds)["irritation_burden_days"]
    excess = np.maximum(ds["tewl"].values / 10.0 - 1.0, 0.0)
    want = np.nansum(0.5 * (excess[..., 1:] + excess[..., :-1]), axis=-1)  # dt = 1 d
    np.testing.assert_allclose(burden.values, want)


def test_tradeoff_colours_are_listed_at_the_swept_values(tmp_path):
    plot_result(main_job_like(), ["tradeoff"], tmp_path)
    svg = (tmp_path / "tradeoff.svg").read_text()
    legend = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.split('id="legend"', 1)[1], flags=re.S)]
    # one entry per interval, at its value (not 2.5, 5.0, ... of a continuous scale), then the vacuum markers
    at = legend.index("interval between sessions (d):")
    assert legend[at + 1: at + 4] == ["2 d", "7 d", "14 d"], legend
    assert legend[at + 4: at + 8] == ["vacuum (kPa):", "10 kPa", "30 kPa", "50 kPa"], legend


def test_timecourse_title_names_the_fixed_axis_with_units(tmp_path):
    plot_result(main_job_like(), ["timecourse"], tmp_path)
    title = " | ".join(svg_texts(tmp_path / "timecourse.svg"))
    assert "vacuum = 30 kPa" in title, title


@pytest.mark.parametrize("executor, where", [("in-process", "in-process;"), ("tcp://127.0.0.1:8786", "on tcp://127.0.0.1:8786;")])
def test_sweep_command_says_where_the_batches_ran(monkeypatch, tmp_path, executor, where):
    sweep_mod = importlib.import_module("experiments.sweep")  # `experiments.sweep` is also a function

    def fake_run_sweep(plan, out, *, report, **kwargs):
        report.__dict__.update(computed_batches=2, batch_size=2, wall_s=1.5, executor=executor)
        return xr.Dataset()

    monkeypatch.setattr(sweep_mod, "load_sweep", lambda path: types.SimpleNamespace(source={}))  # the file as written
    monkeypatch.setattr(sweep_mod, "run_sweep", fake_run_sweep)
    result = CliRunner().invoke(app, ["sweep", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "s.zarr"), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert f"ran 2 batches (2 scenarios each) in 1.5 s {where}" in result.stdout, result.stdout
    assert "on in-process" not in result.stdout
