"""The figures of the students' guide (docs/learn/) are made by scripts that still run, and say what the pages say.

Each ``docs/learn/figures/*.py`` is run as a user would run it (``python
docs/learn/figures/NAME.py OUT_DIR``, in a subprocess, from an empty working folder), with
the conventions of docs/examples (a ``Run:`` line in the docstring, every file written
announced as ``wrote PATH`` inside OUT_DIR). The test checks that it writes the PNG that is
committed beside it, at the committed size (so the committed figure is what the script
draws), and that the numbers it prints are those the guide quotes where the guide quotes
them (docs/learn/renewal.md, barrier.md, exfoliation.md).

The scripts share ``$EPITURN_CACHE`` (as the rest of the suite does): a profile's
homeostasis is spun up once for all of them.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "learn" / "figures"
SCRIPTS = sorted(p for p in FIGURES.glob("*.py") if not p.name.startswith("_"))  # _common.py: shared helpers
PAGES = sorted((ROOT / "docs" / "learn").glob("*.md"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def run_script(path: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path]:
    out, work = tmp_path / "out", tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    proc = subprocess.run([sys.executable, str(path), str(out)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"{path.name} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"
    assert not any(work.iterdir()), f"{path.name} wrote into the working folder, not OUT_DIR"
    return proc, out


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, flags=re.M)
    assert match, f"no match for {pattern!r} in\n{text}"
    return float(match.group(1))


# --------------------------------------------------------------------------- what each script claims


def layers_claims(stdout: str) -> None:
    pass  # a schematic: its numbers are read from configs/skin/young_face.yaml


def renewal_clocks_claims(stdout: str) -> None:
    rows = {m[0]: [float(v) for v in m[1:]] for m in re.findall(
        r"^(\w+)\s+([\d.]+) d\s+([\d.]+) d\s+([\d.]+)\s+([\d.]+) um\s+([\d.]+) um\s+([\d.]+) g m-2 h-1$", stdout, flags=re.M)}
    assert set(rows) == {"young_face", "aged_face", "forearm"}, stdout
    (ve_y, sc_y, n_y, _, _, _), (ve_a, sc_a, n_a, _, _, _), (_, sc_f, n_f, _, _, _) = (
        rows[k] for k in ("young_face", "aged_face", "forearm"))
    # docs/learn/renewal.md: the face renews its SC about twice as fast as the forearm (10 vs ~20 d; T3 19.8 +- 1.4 d)
    assert 9 <= sc_y <= 11 and 18.4 <= sc_f <= 21.2 and sc_f / sc_y > 1.7, rows
    # ageing slows both compartments and keeps the layer count (9 +- 2, T1)
    assert ve_a > ve_y and sc_a > sc_y and abs(n_a - n_y) < 0.5 and 7 <= n_y <= 11 and 11 <= n_f <= 19, rows
    # the table of renewal.md quotes these values to one decimal
    page = (ROOT / "docs" / "learn" / "renewal.md").read_text(encoding="utf-8")
    for value in (sc_y, sc_a, sc_f, n_f):
        assert f"{value:.1f}" in page, (value, "not in docs/learn/renewal.md")


def strip_response_claims(stdout: str) -> None:
    peak_h = number(r"proliferation peak: (\d+) h after the strip", stdout)
    fold = number(r"h after the strip, ([\d.]+)x baseline", stdout)
    assert 40 <= peak_h <= 48, peak_h  # T13: maximal 40-48 h after the strip ("about two days")
    assert 3 <= fold <= 4, fold        # T13: 3-4x (Exp Dermatol 2013;22:18)
    flux = number(r"flux into the SC 1 day after the strip: ([\d.]+)x", stdout)
    assert flux > 1.5, flux            # faster differentiation
    tewl_days = number(r"TEWL back within 10 % of baseline: ([\d.]+) d", stdout)
    sc_days = number(r"SC back to 80 % of its thickness: ([\d.]+) d", stdout)
    store = number(r"lamellar-body store, lowest: ([\d.]+)", stdout)
    assert store < 0.2 and sc_days < tewl_days, (store, sc_days, tewl_days)
    text = (ROOT / "docs" / "learn" / "barrier.md").read_text(encoding="utf-8")
    assert f"day {sc_days:.1f}" in text and f"day {tewl_days:.1f}" in text, (sc_days, tewl_days)
    assert f"{peak_h:.0f} h after a full forearm strip" in (ROOT / "docs" / "learn" / "exfoliation.md").read_text("utf-8")


def session_response_claims(stdout: str) -> None:
    rows = re.findall(r"^(typical|injuring) .*?: removed ([\d.]+) SC layers, injury ([\d.]+) um, "
                      r"barrier recovery (\d+) h, proliferation peak ([\d.]+)x at (\d+) h$", stdout, flags=re.M)
    assert [r[0] for r in rows] == ["typical", "injuring"], stdout
    (_, rem_t, inj_t, rec_t, fold_t, _), (_, rem_i, inj_i, rec_i, fold_i, _) = rows
    assert float(inj_t) == 0 and float(inj_i) > 1, rows          # only the strong session reaches living cells
    assert float(rem_t) < float(rem_i) and int(rec_t) < 24 < int(rec_i), rows
    assert 1 < float(fold_t) < float(fold_i), rows
    page = (ROOT / "docs" / "learn" / "exfoliation.md").read_text(encoding="utf-8")
    for quoted in (f"{rem_t} layers", f"in {rec_t} h", f"it takes {rec_i} h", f"{fold_t} times", f"{fold_i} times"):
        assert quoted in page, (quoted, "not in docs/learn/exfoliation.md")


CLAIMS = {"layers": layers_claims, "renewal_clocks": renewal_clocks_claims, "strip_response": strip_response_claims,
          "session_response": session_response_claims}


# --------------------------------------------------------------------------- tests


def test_every_figure_script_has_its_claims_and_its_committed_png():
    assert {p.stem for p in SCRIPTS} == set(CLAIMS), "a figure script without checks here, or checks without a script"
    for path in SCRIPTS:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and f"Run:  python docs/learn/figures/{path.name}" in doc, f"{path.name}: no 'Run:' line"
        assert (FIGURES / f"{path.stem}.png").is_file(), f"{path.stem}.png is not committed beside its script"


def test_every_figure_of_the_guide_has_a_script():
    shown = {m for page in PAGES for m in re.findall(r"\]\(figures/([\w-]+)\.png\)", page.read_text(encoding="utf-8"))}
    assert shown, "the guide shows no figure"
    assert shown <= {p.stem for p in SCRIPTS}, shown - {p.stem for p in SCRIPTS}
    assert {p.stem for p in FIGURES.glob("*.png")} <= shown, "a committed figure the guide does not show"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_figure_script_draws_the_committed_figure(path, tmp_path):
    proc, out = run_script(path, tmp_path)
    written = [Path(m) for m in re.findall(r"^wrote (.+?)\s*$", proc.stdout, flags=re.M)]
    assert [f.name for f in written] == [f"{path.stem}.png"], proc.stdout
    assert written[0].parent == out and written[0].stat().st_size > 10_000
    committed = FIGURES / f"{path.stem}.png"
    assert png_size(written[0]) == png_size(committed), "the committed figure is not what the script draws now"
    CLAIMS[path.stem](proc.stdout)
