"""``epiturn validate``: the command, its report (Markdown, self-contained HTML, figures), the docs table.

Not a literature check itself. The command is run on small validation configs written to
a temporary folder (the forearm on a single column for a few days: one spin-up, shared
with the other validation tests through the session's private cache); the result table
of docs/validation.md is compared with the one generated from the measurements the
validation tests compute anyway (the ``measured`` fixture), so it costs no extra run.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from experiments import docs, validation
from experiments.cli import app

runner = CliRunner()

RUN = {"skin": "forearm", "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 24}}
HOMEOSTASIS = {
    "name": "small_homeostasis",
    "description": "Untreated forearm for 3 days (test).",
    "experiment": "homeostasis",
    "run": {**RUN, "duration_days": 3},
    "checks": [
        {"id": "T1", "quantity": "sc_layers", "target": 15, "tolerance": {"plus_minus": 4}, "units": "layers",
         "condition": "forearm", "source": "Ya-Xian, Suetake, Tagami 1999, Arch Dermatol Res 291:555"},
        {"id": "T3", "quantity": "sc_transit_days", "target": 19.8, "tolerance": {"plus_minus": 1.4}, "units": "d",
         "condition": "forearm", "source": "Grove et al. 1981, J Soc Cosmet Chem 32, Table I"},
    ],
}
STRIP = {
    "name": "small_strip",
    "description": "Forearm stripped to TEWL 20 g m-2 h-1 at 6 h, followed for 1 day (test).",
    "experiment": "barrier_disruption",
    "run": {**RUN, "duration_days": 1.25},
    "strip": {"day": 0.25, "to_tewl_g_m2_h": 20},
    "checks": [
        {"id": "T8", "quantity": "cytokine_10min_of_peak", "relation": "at_least", "target": 0.5,
         "source": "Wood et al. 1996, J Invest Dermatol 106:397 (mouse)"},
        {"id": "T9", "quantity": "lb_secreted_30min", "relation": "at_least", "target": 0.5,
         "source": "Menon, Feingold, Elias 1992, J Invest Dermatol 98:279 (mouse)"},
        {"id": "T7", "quantity": "recovery_6h", "target": 0.3, "tolerance": {"range": [0.1, 0.6]},
         "source": "test"},
    ],
}


def _write(folder, data, name=None):
    path = folder / f"{name or data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One run of ``epiturn validate -o DIR`` on the two small configs."""
    root = tmp_path_factory.mktemp("validate")
    configs = [_write(root, HOMEOSTASIS), _write(root, STRIP)]
    out = root / "report"
    result = runner.invoke(app, ["validate", "-o", str(out), *map(str, configs)])
    return result, out


def test_all_pass_exit_0_and_summary_last(report):
    result, _ = report
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "5 of 5 checks pass"
    assert "cytokine_10min_of_peak" in result.stdout and "Grove et al. 1981" in result.stdout


def test_markdown_report(report):
    _, out = report
    md = (out / "validation.md").read_text(encoding="utf-8")
    assert md.startswith("# epiturn literature validation")
    assert "5 of 5 checks pass" in md and "git commit" in md
    assert "| id | profile | quantity | model value | target | accepted range | pass | condition | source |" in md
    for name in ("small_homeostasis", "small_strip"):
        assert f"## {name}" in md and f"figures/{name}.png" in md
    assert "FAIL" not in md


def test_html_is_one_self_contained_page(report):
    _, out = report
    html = (out / "validation.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I), "a network reference"
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<script" not in html
    assert html.count("<img") + html.count("<svg") == 2  # one figure per experiment
    assert html.count('src="data:image/png;base64,') == 2
    assert "<table" in html and "lb_secreted_30min" in html and "5 of 5 checks pass" in html


def test_figures_are_written_and_not_blank(report):
    from PIL import Image

    _, out = report
    for name in ("small_homeostasis", "small_strip"):
        assert (out / "figures" / f"{name}.svg").stat().st_size > 0
        pixels = np.asarray(Image.open(out / "figures" / f"{name}.png").convert("L"), dtype=float)
        assert pixels.shape[0] > 300 and pixels.shape[1] > 300
        assert pixels.var() > 0
    svg = (out / "figures" / "small_strip.svg").read_text(encoding="utf-8")
    assert "time after the strip (h)" in svg and "(1)" not in svg
    assert "µm" in (out / "figures" / "small_homeostasis.svg").read_text(encoding="utf-8")


def test_a_failing_check_exits_1_and_is_marked(tmp_path):
    off = {**HOMEOSTASIS, "name": "far_off", "run": {**RUN, "duration_days": 1},
           "checks": [{**HOMEOSTASIS["checks"][0], "target": 100, "tolerance": {"plus_minus": 1}}]}
    out = tmp_path / "report"
    result = runner.invoke(app, ["validate", "-o", str(out), str(_write(tmp_path, off))])
    assert result.exit_code == 1, result.output
    assert result.stdout.strip().splitlines()[-1] == "0 of 1 checks pass"
    assert "FAIL" in result.stdout
    md = (out / "validation.md").read_text(encoding="utf-8")
    assert "**FAIL**" in md
    html = (out / "validation.html").read_text(encoding="utf-8")
    assert '<tr class="fail">' in html and ">FAIL<" in html and "1 FAILED" in html


@pytest.mark.parametrize("change, fragments", [
    ({"experiment": "regrowth"}, ["experiment: 'regrowth' is not a validation experiment", "homeostasis"]),
    ({"checks": None}, ["checks:"]),
    ({"run": None}, ["run:"]),
    ({"checks": [{"id": "X", "quantity": "sc_layers", "target": 15, "tolerance": {"plus_minus": 4}}]}, ["checks[0].source"]),
])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path, change, fragments):
    bad = {**HOMEOSTASIS, **change}
    bad = {k: v for k, v in bad.items() if v is not None}
    result = runner.invoke(app, ["validate", str(_write(tmp_path, bad))])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "Traceback" not in result.output and "\n" not in err and err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_file_and_update_docs_with_configs_are_bad_input(tmp_path):
    for args in (["validate", str(tmp_path / "none.yaml")],
                 ["validate", "--update-docs", str(_write(tmp_path, HOMEOSTASIS))],
                 ["validate", "-o", str(_write(tmp_path, HOMEOSTASIS, "a_file")), str(tmp_path / "x.yaml")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        err = result.stderr.strip()
        assert "\n" not in err and err.startswith("error: ") and "Traceback" not in result.output, err


# --------------------------------------------------------------------------- the library's series and the docs


def _all_rows(measured):
    rows = []
    for path in validation.validation_configs():
        rows += validation.evaluate(validation.load_validation_config(path), measured(path.stem))
    return rows


def test_docs_validation_table_is_the_generated_one(measured):
    text = docs.VALIDATION_DOC.read_text(encoding="utf-8")
    assert docs.updated_validation_doc(text, _all_rows(measured)) == text, (
        "docs/validation.md result table is stale: run `epiturn validate --update-docs`")


@pytest.mark.parametrize("name", ["tape_strip_forearm", "homeostasis_forearm"])
def test_series_carry_units_and_give_the_scalars_where_they_were_read(measured, name):
    for measurement in measured(name).values():
        series = measurement.series
        assert series["time"].attrs["units"] in ("h", "d")
        for var in series.data_vars.values():
            assert var.attrs["units"] and var.attrs["long_name"]
        for quantity, (variable, when) in measurement.at.items():
            if isinstance(when, tuple):
                continue  # a mean or an extreme over a window
            da = series[variable]
            x, y = np.asarray(da[da.dims[0]].values), np.asarray(da.values)
            ok = np.isfinite(y)
            assert np.interp(when, x[ok], y[ok]) == pytest.approx(measurement[quantity], rel=1e-9, abs=1e-12), quantity
