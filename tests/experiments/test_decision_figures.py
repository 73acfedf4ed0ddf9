"""The figures of the decision, on a small synthetic sweep whose decision is known by construction.

Interval x vacuum (or x dial level) x 3 seeds, 3 sessions, daily saves (as in
test_decision.py): the Ra change at the end of the course improves with vacuum and
frequency; at 2 days the barrier never heals before the next session, 50 kPa injures in
one seed, 40 kPa has petechiae risk 0.3; so the best safe setting is 4 d at 30 kPa. The
TEWL of each session jumps to 10 + 0.4 x vacuum and decays within hours, so the daily
saves miss every peak: the time course must merge them back in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from experiments._outputs import annotate
from experiments.errors import InputError
from experiments.report import DEFAULT_RULE, decide, plot_result, rule_of
from experiments.report._heatmap import heatmap_figure, outline_segments
from experiments.report._timecourse import timecourse_figure, timecourse_notes
from experiments.report._tradeoff import tradeoff_points

INTERVALS = [2.0, 4.0, 7.0]
VACUA = [10.0, 30.0, 40.0, 50.0]
LEVELS = ["gentle", "moderate", "firm", "maximum"]
DEVICE_LEVELS = {"gentle": {"vacuum_kpa": 10.0, "passes": 1, "load_n": 1.0},
                 "moderate": {"vacuum_kpa": 30.0, "passes": 2, "load_n": 2.0},
                 "firm": {"vacuum_kpa": 40.0, "passes": 3, "load_n": 3.0},
                 "maximum": {"vacuum_kpa": 50.0, "passes": 6, "load_n": 5.0}}
SEEDS, SESSIONS, FOLLOW_UP, BASELINE = 3, 3, 5, 10.0


def synthetic_sweep(level_axis: bool = False, decision: dict | None = None) -> xr.Dataset:
    rng = np.random.default_rng(0)
    ni, nv = len(INTERVALS), len(VACUA)
    shape = (ni, nv, SEEDS)
    i = np.asarray(INTERVALS)[:, None, None]
    v = np.asarray(VACUA)[None, :, None]
    t = np.arange(0.0, 2 * max(INTERVALS) + FOLLOW_UP + 1)
    days = np.asarray(INTERVALS)[:, None] * np.arange(SESSIONS)[None, :]  # (interval, session)
    session_day = np.broadcast_to(days[:, None, None, :], shape + (SESSIONS,)).copy()
    peak = BASELINE + 0.4 * np.broadcast_to(v, shape)
    tewl = np.full(shape + (t.size,), BASELINE)
    for s in range(SESSIONS):
        d = session_day[..., s][..., None]
        tewl += (peak[..., None] - BASELINE) * np.exp(-(t - d) / 0.2) * (t > d)  # gone within hours: daily saves miss it
    ra = 20.0 - 0.01 * v[..., None] * (10.0 / i[..., None]) * t + 0.01 * rng.standard_normal(shape + (t.size,))
    end = 2 * np.asarray(INTERVALS) + FOLLOW_UP
    for k, e in enumerate(end):  # a shorter course is NaN after its end (sweep padding)
        tewl[k, ..., t > e] = np.nan
        ra[k, ..., t > e] = np.nan
    objective = -(v / 10.0) * (10.0 / i) + 0.05 * rng.standard_normal(shape)
    recovered = np.ones(shape + (SESSIONS,))
    recovered[0] = 0.0  # 2 d: never heals before the next session
    injury = np.zeros(shape + (SESSIONS,))
    injury[:, 3, 1, 1] = 4.0  # 50 kPa wounds in seed 1
    risk = np.zeros(shape + (SESSIONS,))
    risk[:, 2] = 0.3  # 40 kPa
    risk[:, 3] = 0.05
    dims = ("interval_days", "vacuum_kpa", "replicate")
    sdims = dims + ("session",)
    data = {
        "tewl": (dims + ("time",), tewl), "ra_um": (dims + ("time",), ra),
        "tewl_baseline": (dims, np.full(shape, BASELINE)),
        "session_day": (sdims, session_day), "tewl_after_session": (sdims, np.broadcast_to(peak[..., None], shape + (SESSIONS,)).copy()),
        "barrier_recovered": (sdims, recovered), "barrier_recovery_hours": (sdims, np.where(recovered > 0.5, 20.0, 48.0)),
        "injury_max_um": (sdims, injury), "petechiae_risk": (sdims, risk),
        "ra_change_pct_end_course": (dims, objective),
        "irritation_burden_days": (dims, 0.02 * np.broadcast_to(v, shape) * (10.0 / i) + 0.01 * rng.random(shape)),
        "barrier_recovery_hours_max": (dims, np.where(recovered.min(-1) > 0.5, 20.0, 48.0)),
    }
    coords = {
        "interval_days": ("interval_days", INTERVALS, {"units": "d", "long_name": "interval between sessions",
                                                       "sweep_path": "protocol.interval_days"}),
        "vacuum_kpa": ("vacuum_kpa", VACUA, {"units": "kPa", "long_name": "vacuum", "sweep_path": "protocol.settings.vacuum_kpa"}),
        "replicate": ("replicate", np.arange(SEEDS), {"units": "1", "long_name": "replicate (random seed of the run)"}),
        "session": np.arange(1, SESSIONS + 1), "time": ("time", t, {"units": "d"}),
    }
    ds = annotate(xr.Dataset(data, coords=coords))
    sweep_config = {"base": {"device": "diamond_medium", "protocol": {"settings": {"speed_mm_s": 20}}}}
    if decision is not None:
        sweep_config["decision"] = decision
    ds.attrs.update({"sweep_dims": json.dumps(list(dims)), "sweep_mode": "grid", "title": "synthetic decision sweep",
                     "sweep_config": json.dumps(sweep_config),
                     "config_json": json.dumps({"base": {"device": {"name": "diamond_medium", "levels": DEVICE_LEVELS}}})})
    if level_axis:
        ds = ds.rename(vacuum_kpa="level").assign_coords(level=("level", LEVELS, {"long_name": "dial level",
                                                                                   "sweep_path": "protocol.settings.level"}))
        ds.attrs["sweep_dims"] = json.dumps(["interval_days", "level", "replicate"])
    return ds


def svg_texts(path: Path) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", path.read_text(), flags=re.S)]


def gids(path: Path, prefix: str) -> list[str]:
    return re.findall(rf'id="({re.escape(prefix)}[^"]*)"', path.read_text())


# --------------------------------------------------------------------------- the rule of a result


def test_rule_of_reads_the_decision_block_of_the_sweep_file():
    assert rule_of(synthetic_sweep()) == DEFAULT_RULE
    assert rule_of(xr.Dataset()) == DEFAULT_RULE  # a run: no sweep file
    ds = synthetic_sweep(decision={"max_petechiae_risk": 0.5})
    assert rule_of(ds).max_petechiae_risk == 0.5
    assert decide(ds, rule_of(ds)).best == {"interval_days": 4.0, "vacuum_kpa": 40.0}  # 40 kPa now allowed
    with pytest.raises(InputError, match="decision.limit"):
        rule_of(synthetic_sweep(decision={"limit": 1}))


# --------------------------------------------------------------------------- heat maps


def test_outline_runs_around_the_healing_cells_only():
    mask = np.array([[True, True], [True, False]])  # an L of three cells
    segs = {tuple(sorted(s)) for s in outline_segments(mask)}
    assert len(segs) == 8  # the L's perimeter: 8 unit edges, none between two healing cells
    assert ((-0.5, 0.5), (0.5, 0.5)) not in segs  # between (0,0) and (1,0): inside
    assert ((0.5, 0.5), (1.5, 0.5)) in segs and ((0.5, 0.5), (0.5, 1.5)) in segs  # around the missing corner


def test_heatmap_marks_best_cell_hatches_unsafe_and_outlines_healing(tmp_path):
    files, _ = plot_result(synthetic_sweep(), ["heatmap"], tmp_path, outcome="ra_change_pct_end_course")
    svg = tmp_path / "heatmap_ra_change_pct_end_course.svg"
    assert svg in files
    # best safe = 4 d (column 1), 30 kPa (row 1); runner-up 7 d at 30 kPa
    assert gids(svg, "best-") == ["best-vacuum_kpa-1-interval_days-1", "best-star"]
    assert gids(svg, "runner-up-") == ["runner-up-vacuum_kpa-1-interval_days-2"]
    # injures: the 50 kPa row in every interval; petechiae: the 40 kPa row
    assert sorted(gids(svg, "injures-")) == [f"injures-vacuum_kpa-3-interval_days-{i}" for i in range(3)]
    assert sorted(gids(svg, "petechiae-")) == [f"petechiae-vacuum_kpa-2-interval_days-{i}" for i in range(3)]
    assert gids(svg, "heals-outline") == ["heals-outline"]
    texts = " | ".join(svg_texts(svg))
    assert "best safe setting: interval 4 d, vacuum 30 kPa" in texts
    assert "injures" in texts and "petechiae risk ≥ 0.1" in texts and "heals before every next session" in texts


def test_heatmap_cells_show_mean_and_seed_spread():
    ds = synthetic_sweep()
    fig, _ = heatmap_figure(ds, "ra_change_pct_end_course")
    ax = fig.axes[0]
    by_gid = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    want = ds["ra_change_pct_end_course"].isel(interval_days=1, vacuum_kpa=1)
    assert float(by_gid["cell-vacuum_kpa-1-interval_days-1"]) == float(f"{float(want.mean()):.3g}")
    sd = float(want.std(ddof=1))
    assert by_gid["sd-vacuum_kpa-1-interval_days-1"].startswith("± ")
    assert float(by_gid["sd-vacuum_kpa-1-interval_days-1"][2:]) == pytest.approx(sd, abs=0.006)


def test_colour_maps_by_meaning_and_the_day_the_outcome_refers_to():
    ds = synthetic_sweep()
    fig, _ = heatmap_figure(ds, "ra_change_pct_end_course")
    im = fig.axes[0].images[0]
    # a signed change: diverging, centred at 0, blue (good, smoother) for negative values
    assert im.norm.vmin == pytest.approx(-im.norm.vmax) and im.get_cmap().name.startswith("RdBu_r")
    assert {fig.axes[1].get_title(), fig.axes[1].get_xlabel()} == {"rougher", "smoother"}
    # the end of the course = last session + interval, capped at the end of the run: day 6, 12 and 19 (not 21)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2\nday 6", "4\nday 12", "7\nday 19"], ticks
    assert "when the next session would be due" in fig.axes[0].get_title(loc="left")
    fig, _ = heatmap_figure(ds, "irritation_burden")
    im = fig.axes[0].images[0]
    assert im.norm.vmin > 0 and im.get_cmap().name.startswith("YlOrRd")  # more is worse: sequential from the least
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2\nto day 9", "4\nto day 13", "7\nto day 19"]


def test_named_level_axis_shows_the_level_settings(tmp_path):
    ds = synthetic_sweep(level_axis=True)
    fig, _ = heatmap_figure(ds, "petechiae_risk_max")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[1] == "moderate\n30 kPa, 2 passes, 2 N" and ticks[0] == "gentle\n10 kPa, 1 pass, 1 N", ticks
    assert "interval 4 d, level moderate (30 kPa, 2 passes, 2 N)" in fig.axes[0].get_title(loc="left").replace("\n", " ")
    plot_result(ds, ["decision"], tmp_path)
    svg = tmp_path / "decision.svg"
    # the decision page: four panels, each marking the same best cell
    assert gids(svg, "best-level") == ["best-level-1-interval_days-1"] * 4
    assert len(gids(svg, "injures-level-3")) == 4 * 3


# --------------------------------------------------------------------------- trade-off


def test_tradeoff_points_are_setting_means_and_the_front_is_safe_only(tmp_path):
    ds = synthetic_sweep()
    pts = tradeoff_points(ds)
    assert len(pts.settings) == len(INTERVALS) * len(VACUA)  # one point per setting, not per seed
    want = -ds["ra_change_pct_end_course"].mean("replicate").values.ravel()
    np.testing.assert_allclose(pts.gain, want)
    np.testing.assert_allclose(pts.gain_sd, ds["ra_change_pct_end_course"].std("replicate", ddof=1).values.ravel())
    assert pts.front.any() and not (pts.front & ~pts.safe).any()  # the front: safe settings only
    assert pts.settings[pts.best] == {"interval_days": 4.0, "vacuum_kpa": 30.0} and pts.front[pts.best]
    assert all("h" in r for s, r in zip(pts.settings, pts.reasons) if s["interval_days"] == 2.0)
    assert all("i" in r for s, r in zip(pts.settings, pts.reasons) if s["vacuum_kpa"] == 50.0)
    assert all(r == "" for r, safe in zip(pts.reasons, pts.safe) if safe)
    # over every setting, the front would take an unsafe one (the smoothest, at 2 d and 50 kPa)
    from experiments.report import pareto_front
    assert (pareto_front(pts.burden, pts.gain) & ~pts.safe).any()

    plot_result(ds, ["tradeoff"], tmp_path)
    svg = tmp_path / "tradeoff.svg"
    front = sorted(int(g.split("-")[1]) for g in gids(svg, "front-"))
    assert front == sorted(np.flatnonzero(pts.front).tolist())
    unsafe = sorted(int(g.split("-")[1]) for g in gids(svg, "unsafe-"))
    assert unsafe == sorted(np.flatnonzero(~pts.safe).tolist())  # drawn hollow, apart from the safe ones
    assert gids(svg, "best-setting") == ["best-setting"]
    texts = " | ".join(svg_texts(svg))
    assert "best safe setting: interval 4 d, vacuum 30 kPa" in texts and "4 d, 30 kPa" in texts
    assert "Pareto front of the safe settings" in texts and "h: barrier not healed before the next session" in texts


# --------------------------------------------------------------------------- time courses


def one_run(ds: xr.Dataset) -> xr.Dataset:
    run = ds.isel(interval_days=1, vacuum_kpa=1, replicate=0)
    run.attrs = {"title": "course 4 d at 30 kPa"}
    return run


def test_timecourse_reaches_every_session_peak_with_baseline_and_band():
    run = one_run(synthetic_sweep())
    fig = timecourse_figure(run)
    ax = fig.axes[0]
    line = next(l for l in ax.get_lines() if l.get_gid() == "tewl-line-0")
    t, y = line.get_xdata(), line.get_ydata()
    assert float(np.nanmax(run["tewl"])) < 0.5 * (BASELINE + float(run["tewl_after_session"].max()))  # saves miss the peaks
    for day, peak in zip(run["session_day"].values, run["tewl_after_session"].values):
        at = np.flatnonzero(np.isclose(t, day))
        assert at.size == 2 and y[at[0]] < y[at[1]] == pytest.approx(peak)  # the save, then the jump to the peak
    baseline = next(l for l in ax.get_lines() if l.get_gid() == "tewl-baseline")
    assert set(baseline.get_ydata()) == {BASELINE}
    band = next(p for p in ax.patches if p.get_gid() == "recovery-band")  # y in data units
    assert band.get_y() == pytest.approx(BASELINE) and band.get_y() + band.get_height() == pytest.approx(1.1 * BASELINE)
    assert fig.get_suptitle().startswith("course 4 d at 30 kPa")  # a single run has a title


def test_column_run_has_no_empty_roughness_panel_and_labels_have_proper_units(tmp_path):
    run = one_run(synthetic_sweep())
    run["ra_um"] = run["ra_um"] * np.nan
    run["ra_um"].attrs.update(units="um", comment="undefined for a single column (no lateral profile): NaN by definition")
    fig = timecourse_figure(run)
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "TEWL (g m⁻² h⁻¹)"
    assert "roughness Ra (µm) not shown" in fig.get_suptitle()
    assert any("ra_um" in n and "left out" in n for n in timecourse_notes(run))
    files, notes = plot_result(run, ["timecourse"], tmp_path)
    assert any("left out" in n for n in notes)


def test_no_cf_unit_strings_in_any_figure_text(tmp_path):
    files, _ = plot_result(synthetic_sweep(), None, tmp_path)
    stems = {f.stem for f in files}
    assert {"timecourse", "tradeoff", "decision", "heatmap_ra_change_pct_end_course", "heatmap_petechiae_risk_max",
            "heatmap_injury_max_um"} <= stems, stems
    for svg in (f for f in files if f.suffix == ".svg"):
        for text in svg_texts(svg):
            assert not re.search(r"\bum\b", text), (svg.name, text)
            assert "(1)" not in text and "g m-2 h-1" not in text, (svg.name, text)


def test_decision_kind_needs_a_grid_sweep(tmp_path):
    with pytest.raises(InputError, match="kind: decision needs a grid sweep"):
        plot_result(one_run(synthetic_sweep()), ["decision"], tmp_path)


def test_column_sweep_without_roughness_says_why_there_is_no_best_setting(tmp_path):
    ds = synthetic_sweep()
    ds["ra_change_pct_end_course"] = ds["ra_change_pct_end_course"] * np.nan  # a column: Ra undefined
    files, notes = plot_result(ds, ["decision"], tmp_path)
    assert files == [] and any("decision" in n and "no finite value" in n for n in notes), notes
    fig, _ = heatmap_figure(ds, "petechiae_risk_max")  # the safety marks are still drawn
    assert "no best setting" in fig.axes[0].get_title(loc="left").replace("\n", " ")
    assert any(p.get_gid() == "injures-vacuum_kpa-3-interval_days-0" for p in fig.axes[0].patches)
