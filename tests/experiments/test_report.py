"""``epiturn report``: one self-contained HTML page for a sweep, a comparison folder or a run.

A tiny sweep (the main job's base on a 32-column transect, 2 sessions, interval 3 or 6 d x
vacuum 20 or 50 kPa, 2 seeds: the 50 kPa settings risk petechiae, so the answer is a 20 kPa
setting) and a tiny comparison (a gentle course and a harsh one that injures; its NetCDF
runs are the single runs) are made once for the module. Each page is parsed: it is well
formed, refers to nothing outside itself, names the setting :func:`decide` chooses, holds
one figure element per figure the plotting functions draw for the result, and marks the
unsafe settings; one page is rendered in headless Chromium and its screenshot checked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

import experiments
from experiments.cli import app
from experiments.report import (DecisionRule, compare_configs, decide, format_setting, plot_compare, plot_result,
                                write_html_report)
from experiments.report import _model_status
from experiments.report import rule_of
from experiments.report._numbers import format_mean_sd, format_quantity, format_range
from experiments.storage import open_result

REPO = Path(__file__).resolve().parents[2]
GRID = {"lateral": "1d", "n": 32, "width_mm": 0.625, "dt_hours": 1}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def sweep_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_sweep")
    base = yaml.safe_load((REPO / "configs" / "sweeps" / "frequency_intensity.yaml").read_text())["base"]
    base["grid"] = dict(GRID)
    base["protocol"].update({"sessions": 2, "follow_up_days": 3})
    spec = {"name": "tiny_report", "description": "tiny sweep of the report tests", "base": base, "mode": "grid",
            "axes": {"protocol.interval_days": [3, 6], "protocol.settings.vacuum_kpa": [20, 50]}, "replicates": 2}
    path = folder / "tiny_report.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    store = folder / "tiny_report.zarr"
    experiments.sweep(path, store, batch_size=8)
    return store


@pytest.fixture(scope="session")
def compare_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_compare")
    save = {"every_hours": 24, "profiles": False}
    gentle = {"skin": "young_face", "device": "diamond_medium", "grid": GRID, "save": save,
              "protocol": {"interval_days": 4, "sessions": 2, "follow_up_days": 3,
                           "settings": {"vacuum_kpa": 20, "passes": 2, "speed_mm_s": 20, "load_n": 2}}}
    harsh = {"skin": "young_face", "device": "diamond_coarse", "grid": GRID, "save": save,
             "protocol": {"interval_days": 1, "sessions": 2, "follow_up_days": 3,
                          "settings": {"vacuum_kpa": 60, "passes": 8, "speed_mm_s": 5, "load_n": 5}}}
    paths = []
    for name, cfg in (("gentle", gentle), ("harsh", harsh)):
        p = folder / f"{name}.yaml"
        p.write_text(yaml.safe_dump(cfg, sort_keys=False))
        paths.append(p)
    out = folder / "compare"
    compare_configs(paths, out)  # what `epiturn compare -o DIR` writes: DIR/<name>.nc
    return out


@pytest.fixture(scope="module")
def sweep_page(sweep_store, tmp_path_factory):
    return write_html_report(sweep_store, tmp_path_factory.mktemp("pages") / "sweep.html")


@pytest.fixture(scope="module")
def compare_page(compare_folder, tmp_path_factory):
    return write_html_report(compare_folder, tmp_path_factory.mktemp("pages") / "compare.html")


# --------------------------------------------------------------------------- reading a page


class Page(HTMLParser):
    """Tags with their attributes, the text, the styles; raises on a tag closed out of order."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.styles: list[str] = []
        self.stack: list[str] = []
        self._in_style = False
        self.feed(text)
        self.close()
        assert not self.stack, f"tags left open: {self.stack[-5:]}"

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text_parts).append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def count(self, tag: str, css_class: str) -> int:
        return sum(1 for t, a in self.tags if t == tag and css_class in a.get("class", "").split())


def read_page(path: Path) -> Page:
    return Page(Path(path).read_text(encoding="utf-8"))


def assert_self_contained(page: Page) -> None:
    problems = []
    for tag, attrs in page.tags:
        for key in ("src", "href", "xlink:href", "srcset", "action", "data", "poster"):
            if key in attrs and EXTERNAL.match(attrs[key]):
                problems.append(f"<{tag} {key}={attrs[key]!r}>")
        if tag == "link":
            problems.append(f"<link {attrs}>")
        if tag == "script" and "src" in attrs:
            problems.append(f"<script src={attrs['src']!r}>")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", attrs.get("style", "") + " " + attrs.get("clip-path", "")):
            if not url.startswith(("#", "data:")):
                problems.append(f"<{tag}> url({url})")
    for css in page.styles:
        problems += [f"css url({u})" for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", css) if not u.startswith(("#", "data:"))]
        if "@import" in css:
            problems.append("css @import")
    assert not problems, problems


def n_figures(files) -> int:
    return len({Path(f).stem for f in files})


def figure_elements(page: Page) -> int:
    return page.count("svg", "figure") + page.count("img", "figure")


# --------------------------------------------------------------------------- the three kinds


def test_sweep_page(sweep_store, sweep_page, tmp_path):
    ds = open_result(sweep_store)
    decision = decide(ds, rule_of(ds))
    page = read_page(sweep_page.path)
    assert_self_contained(page)
    assert sweep_page.kind == "sweep"
    # the recommendation is decide's, with its plain-language summary
    assert decision.best is not None
    assert f"Recommended: {format_setting(decision.best)}" in page.text
    assert decision.summary().splitlines()[0] in page.text
    # every figure that plot_result draws for this result is on the page
    files, _ = plot_result(ds, None, tmp_path)
    assert figure_elements(page) == n_figures(files) > 0
    # one row per setting; the unsafe ones marked
    unsafe = decision.n_settings - decision.counts()["safe"]
    assert 0 < unsafe < decision.n_settings  # the tiny sweep has both kinds
    rows = [a for t, a in page.tags if t == "tr" and a.get("class") in ("best", "safe", "unsafe")]
    assert len(rows) == decision.n_settings
    assert sum(a["class"] == "unsafe" for a in rows) == unsafe
    assert page.count("span", "badge") > decision.n_settings
    # the seed spread, the model's validity, the provenance (the resolved config collapsible)
    assert "2 seeds per setting" in page.text
    assert "checks pass" in page.text and "Known limits" in page.text
    for key in ("git_commit", "config_hash", "epiturn_version", "created_utc"):
        assert str(ds.attrs[key]) in page.text
    assert sum(t == "details" for t, _ in page.tags) >= 2
    # numbers for people: no exponent notation in the tables
    assert not re.search(r"\d\.\d+e[-+]\d", page.text)


def test_compare_page(compare_folder, compare_page, tmp_path):
    runs = [open_result(compare_folder / f"{n}.nc") for n in ("gentle", "harsh")]
    combined = xr.concat(runs, dim="config", join="outer", coords="minimal", compat="override",
                         combine_attrs="drop_conflicts").assign_coords(config=["gentle", "harsh"])
    decision = decide(combined)
    page = read_page(compare_page.path)
    assert_self_contained(page)
    assert compare_page.kind == "compare"
    assert decision.best == {"config": "gentle"}  # the harsh course injures
    assert "Recommended: gentle" in page.text
    unsafe_rows = [a for t, a in page.tags if t == "tr" and a.get("class") == "unsafe"]
    assert len(unsafe_rows) == 1 and "injures" in page.text
    files, _ = plot_compare(runs, ["gentle", "harsh"], tmp_path)
    assert figure_elements(page) == n_figures(files) > 0
    assert "One seed per setting" in page.text
    for ds in runs:  # the provenance of each run
        assert ds.attrs["config_hash"] in page.text


def test_run_page(compare_folder, tmp_path):
    path = compare_folder / "harsh.nc"
    ds = open_result(path)
    written = write_html_report(path, tmp_path / "harsh.html")
    page = read_page(written.path)
    assert_self_contained(page)
    assert written.kind == "run"
    # a single setting: safe or not, and why
    table = decide(ds).table
    assert float(table["safe"]) == 0.0 and float(table["injures"]) == 1.0
    assert "This setting is not safe" in page.text and "injures" in page.text
    # its sessions: one column per session
    n = ds.sizes["session"]
    assert all(f"session {k}" in page.text for k in range(1, n + 1))
    files, _ = plot_result(ds, None, tmp_path / "figures")
    assert figure_elements(page) == n_figures(files) > 0


def test_run_without_sessions_and_without_docs(compare_folder, tmp_path, monkeypatch):
    ds = open_result(compare_folder / "gentle.nc").load()
    untreated = ds.drop_dims("session")
    path = tmp_path / "untreated.nc"
    untreated.to_netcdf(path)
    monkeypatch.setattr(_model_status, "DOCS_DIR", tmp_path / "no-docs")  # an installed package: no docs/
    written = write_html_report(path, tmp_path / "untreated.html")
    page = read_page(written.path)
    assert written.decision is None
    assert "no device sessions" in page.text and "Recommended" not in page.text
    assert "validation status: see docs/validation.md" in page.text


# --------------------------------------------------------------------------- the command line


runner = CliRunner()


def test_cli_writes_beside_the_result(compare_folder, tmp_path):
    run = tmp_path / "one.nc"
    shutil.copy(compare_folder / "gentle.nc", run)
    result = runner.invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    expected = tmp_path / "one_report.html"
    assert f"wrote {expected}" in result.stdout and expected.is_file()
    assert "This setting is safe" in read_page(expected).text


@pytest.mark.parametrize("case, fragments", [
    ("missing", ["RESULT:", "does not exist", "allowed:"]),
    ("empty folder", ["RESULT:", "no NetCDF run", "allowed:"]),
    ("not netcdf", ["RESULT:", "cannot be read", "allowed:"]),
    ("not a result", ["RESULT:", "not an epiturn result"]),
    ("output is a folder", ["-o/--output:", "is a folder", "allowed:"]),
])
def test_cli_bad_input_is_one_line(case, fragments, tmp_path, compare_folder):
    args = {
        "missing": [str(tmp_path / "nothing.nc")],
        "empty folder": [str(tmp_path)],
        "not netcdf": [str(tmp_path / "bad.nc")],
        "not a result": [str(tmp_path / "other.nc")],
        "output is a folder": [str(compare_folder / "gentle.nc"), "-o", str(tmp_path)],
    }[case]
    (tmp_path / "bad.nc").write_text("not a NetCDF file") if case == "not netcdf" else None
    if case == "not a result":
        xr.Dataset({"a": ("x", np.arange(3.0))}).to_netcdf(tmp_path / "other.nc")
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "Traceback" not in result.output and "\n" not in err and err.startswith("error: "), err
    for f in fragments:
        assert f in err, err


# --------------------------------------------------------------------------- pieces


def test_rule_of_reads_the_decision_block(sweep_store):
    ds = open_result(sweep_store)
    assert rule_of(ds) == DecisionRule()
    ds.attrs["sweep_config"] = json.dumps({**json.loads(ds.attrs["sweep_config"]), "decision": {"max_petechiae_risk": 0.9}})
    assert rule_of(ds).max_petechiae_risk == 0.9


def test_numbers_for_people():
    assert format_quantity(1.28e-10, "um") == "0 µm"
    assert format_quantity(12.345, "%") == "12.3 %"
    assert format_quantity(1.234, "d") == "1.2 d"
    assert format_quantity(72.0, "h") == "72 h"
    assert format_quantity(0.01234) == "0.012"
    assert format_quantity(float("nan"), "%") == "–"
    assert format_quantity(7e-6, "1", 2) == "< 0.01"
    assert format_mean_sd(-11.77, 0.686, "%") == "-11.8 ± 0.7 %"
    assert format_mean_sd(5.0, 0.004) == "5.000 ± 0.004"
    assert format_range(-12.2, -11.24, "%") == "-12.2 .. -11.2 %"


def test_model_status_reads_the_validation_table():
    text = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    m = re.search(r"\*\*(\d+) of (\d+) checks pass", text)
    status = _model_status.model_status()
    assert (status.passed, status.checks) == (int(m.group(1)), int(m.group(2)))
    assert len(status.failing) == text.count("**FAIL**")
    assert status.limits and all(x.text and x.source.startswith("docs/") for x in status.limits)
    assert not _model_status.model_status(REPO / "no-such-folder").known


# --------------------------------------------------------------------------- in a browser


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_page_renders_in_headless_chromium(sweep_page, tmp_path):
    from PIL import Image

    browser = _browser()
    if browser is None:
        if os.environ.get("CI") or os.environ.get("EPITURN_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed, and CI (or EPITURN_REQUIRE_BROWSER) asks for the browser test: "
                        "install it (Debian: apt-get install chromium; .ci/run does where apt-get is available)")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); the page is not rendered")
    shot = tmp_path / "page.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,2000",
           sweep_page.path.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2000)
    pixels = np.asarray(image, dtype=np.int16)
    not_white = (pixels < 245).any(axis=-1)
    assert not_white.mean() > 0.03, "the page rendered (nearly) blank"
    colours = image.getcolors(maxcolors=1 << 24)
    assert len(colours) > 200, f"only {len(colours)} colours: styles or text missing"
    rows = np.flatnonzero(not_white.any(axis=1))
    assert rows[-1] - rows[0] > 1500, "content covers only part of the window"
    # coloured (not grey) pixels: the styled boxes and badges rendered
    spread = pixels.max(axis=-1) - pixels.min(axis=-1)
    assert (spread > 30).mean() > 0.005


# --------------------------------------------------------------------------- parameter uncertainty


def _sensitivity_file(folder: Path, sweep_store: Path, setting: dict, name: str) -> Path:
    """An ``epiturn sensitivity`` file whose base is the tiny sweep's base at ``setting``.

    The indices and bands are made up (the analysis itself is tested in test_sensitivity);
    the file is written by the command's own dataset builder, so the report reads what
    the command writes."""
    from experiments.sensitivity import load_sensitivity_config
    from experiments.sensitivity._analysis import QUANTILES, Indices
    from experiments.sensitivity._dataset import indices_dataset

    base = json.loads(open_result(sweep_store).attrs["sweep_config"])["base"]
    base["protocol"]["interval_days"] = setting["interval_days"]
    base["protocol"]["settings"]["vacuum_kpa"] = setting["vacuum_kpa"]
    cfg = load_sensitivity_config({"base": base, "parameters": ["ve_transit_days", "skin_youngs_modulus_kpa"],
                                   "outcomes": ["ra_change_pct_end_course", "irritation_burden_days"], "samples": 4})
    bands = np.array([[-20.0, -17.0, -15.0, -13.0, -10.0], [1.0, 1.5, 2.0, 2.5, 3.0]])
    ix = Indices(outcomes=cfg.outcomes, factors=tuple(f.name for f in cfg.factors),
                 S1=np.array([[0.2, 0.6], [0.7, 0.1]]), S1_conf=np.full((2, 2), 0.05),
                 ST=np.array([[0.25, 0.71], [0.8, 0.15]]), ST_conf=np.full((2, 2), 0.06),
                 dgsm=np.ones((2, 2)), dgsm_conf=np.zeros((2, 2)), mean=bands[:, 2], sd=np.array([3.0, 0.6]),
                 quantiles=bands, n=4, gradient_points=0, resamples=10, confidence=0.95)
    assert len(QUANTILES) == bands.shape[1]
    path = folder / f"{name}.nc"
    indices_dataset(ix, cfg, {"runs": 16, "spin_ups": 0, "drift_max": 0.0}, {"total_s": 1.0}).to_netcdf(path)
    return path


def test_uncertainty_band_beside_the_recommendation(sweep_store, tmp_path):
    best = decide(open_result(sweep_store), rule_of(open_result(sweep_store))).best
    other = {"interval_days": 6 if best["interval_days"] == 3 else 3, "vacuum_kpa": 50}
    own = _sensitivity_file(tmp_path, sweep_store, best, "own")
    page = read_page(write_html_report(sweep_store, tmp_path / "own.html", uncertainty=own).path)
    assert "Parameter uncertainty" in page.text
    assert "computed at the recommended setting" in page.text
    # the objective's band, its median and the factor with the largest total index
    assert "between -20" in page.text and "-10" in page.text and "skin_youngs_modulus_kpa (ST 0.71" in page.text
    assert page.count("table", "uncertainty") == 1

    elsewhere = _sensitivity_file(tmp_path, sweep_store, other, "other")
    page = read_page(write_html_report(sweep_store, tmp_path / "other.html", uncertainty=elsewhere).path)
    assert "another setting than the recommended one" in page.text
    assert f"vacuum_kpa 50 (recommended {best['vacuum_kpa']:g})" in page.text
    assert "computed at the recommended setting" not in page.text


def test_uncertainty_bad_file_is_one_line(sweep_store, tmp_path):
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"\x89HDF not really")
    run_nc = tmp_path / "plain.nc"
    xr.Dataset({"x": ("t", [1.0])}).to_netcdf(run_nc)
    for bad, fragment in ((tmp_path / "missing.nc", "is not a file"), (garbage, "is not a NetCDF file"),
                          (run_nc, "holds no sensitivity indices")):
        res = CliRunner().invoke(app, ["report", str(sweep_store), "-o", str(tmp_path / "x.html"), "--uncertainty", str(bad)])
        lines = res.output.strip().splitlines()
        assert res.exit_code == 2 and len(lines) == 1, res.output
        assert lines[0].startswith("error: uncertainty:") and fragment in lines[0]
