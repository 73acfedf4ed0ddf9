"""Every example in docs/examples runs as a test (py-pde style), and produces what it says.

Each ``docs/examples/*.py`` is run as a user would run it (``python docs/examples/NAME.py
OUT_DIR``, in a subprocess, from an empty working folder). It shares the suite's
``$EPITURN_CACHE`` (spin-ups and compiled programs), as a user's second script shares
theirs; a first run from an empty cache is tested in tests/experiments/test_first_use.py.
The conventions an example keeps (see
docs/examples/README.md):

* its docstring has a ``Run:`` line with its own path;
* its first argument is the output folder, and it prints ``wrote PATH`` for every file it
  writes there;
* it finishes in about a minute on 2 CPU cores, or it honours ``EPITURN_EXAMPLE_QUICK=1``
  (set here) by running a shorter version of itself.

The test checks the exit code, that every file written exists in the output folder and is
not empty (PNGs: a real image of sensible size), and for the examples listed in
:data:`CLAIMS`, the claims their docstrings make.

File name: tests/test_examples.py (the shipped run configs) already has the basename
``test_examples``, and two test modules of one basename break pytest's collection here.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
TIMEOUT_S = 300  # generous: the 2-core CI machine may be busy; the examples take ~20 s
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_example(path: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path, float]:
    out = tmp_path / "out"
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ)
    env.update({
        "EPITURN_EXAMPLE_QUICK": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]),
    })
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(path), str(out)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    return proc, out, time.perf_counter() - start


def written_files(stdout: str) -> list[Path]:
    return [Path(m) for m in re.findall(r"^wrote (.+?)\s*$", stdout, flags=re.M)]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --------------------------------------------------------------------------- the claims of each example


def barrier_recovery_claims(stdout: str, files: list[Path]) -> None:
    """The docstring: the aged face repairs more slowly; recovery grows with time."""
    assert [f.name for f in files] == ["barrier_recovery.png"]
    width, height = png_size(files[0])
    assert (width, height) == (1200, 840), (width, height)  # 10 x 7 in at 120 dpi: four panels
    rows = dict(re.findall(r"^\s+(\w+): ([\d, ]+)$", stdout, flags=re.M))
    assert set(rows) == {"young_face", "aged_face"}, stdout
    young, aged = ([float(v) for v in rows[k].split(",")] for k in ("young_face", "aged_face"))
    assert young == sorted(young) and 0 < young[0] < 100 and young[-1] <= 100, young  # recovery grows, in %
    # 1 and 2 days after the strip the aged face has recovered less (Ghadially et al. 1995)
    assert aged[0] < young[0] and aged[1] < young[1], (young, aged)


def model_api_claims(stdout: str, files: list[Path]) -> None:
    """The docstring: a deeper strip raises TEWL higher; every vmapped run is finite (status 0)."""
    assert [f.name for f in files] == ["model_api.png"]
    rows = re.findall(r"^\s+(\d+)% of the SC: ([\d.]+) g m-2 h-1 \(status (\d+)\)$", stdout, flags=re.M)
    assert [int(r[0]) for r in rows] == [30, 60, 90], stdout
    peaks = [float(r[1]) for r in rows]
    assert peaks == sorted(peaks) and peaks[0] < peaks[-1], peaks
    baseline = float(re.search(r"TEWL at homeostasis: ([\d.]+)", stdout).group(1))
    assert baseline < peaks[0], (baseline, peaks)
    assert {r[2] for r in rows} == {"0"}, rows


def sweep_from_python_claims(stdout: str, files: list[Path]) -> None:
    """The docstring: at each interval more vacuum removes more and costs more irritation."""
    assert [f.name for f in files] == ["sweep.zarr", "sweep_removal.png"]
    rows = re.findall(r"^\s*([\d.]+) kPa\s+([\d.]+) d\s+([\d.]+) um\s+([\d.]+) d$", stdout, flags=re.M)
    assert len(rows) == 6, stdout
    for interval in {r[1] for r in rows}:
        cells = sorted((float(v), float(rem), float(b)) for v, i, rem, b in rows if i == interval)
        removed, burden = [c[1] for c in cells], [c[2] for c in cells]
        assert removed == sorted(removed) and removed[0] < removed[-1], cells
        assert burden == sorted(burden), cells


CLAIMS = {"barrier_recovery": barrier_recovery_claims, "model_api": model_api_claims,
          "sweep_from_python": sweep_from_python_claims}


# --------------------------------------------------------------------------- tests


def test_there_are_examples():
    assert EXAMPLES, "docs/examples has no *.py"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_says_how_to_run_it(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc, f"{path.name}: no module docstring"
    assert f"Run:  python docs/examples/{path.name}" in doc, f"{path.name}: the docstring needs a 'Run:' line with its path"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_writes_what_it_says(path, tmp_path):
    proc, out, elapsed = run_example(path, tmp_path)
    assert proc.returncode == 0, f"{path.name} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    files = written_files(proc.stdout)
    assert files, f"{path.name} printed no 'wrote PATH' line:\n{proc.stdout}"
    for f in files:
        f = f if f.is_absolute() else tmp_path / "work" / f
        if f.suffix == ".zarr":  # a store is a folder: it must open as a finished sweep
            import xarray as xr

            assert xr.open_zarr(f).attrs.get("sweep_complete") == 1, f
        else:
            assert f.is_file() and f.stat().st_size > 1000, f
        assert out in f.resolve().parents, f"{f} is not in the output folder {out}"
        if f.suffix == ".png":
            width, height = png_size(f)
            assert width >= 400 and height >= 300, (f, width, height)
    assert not any((tmp_path / "work").iterdir()), "the example wrote into the working folder, not OUT_DIR"
    if path.stem in CLAIMS:
        CLAIMS[path.stem](proc.stdout, [f if f.is_absolute() else tmp_path / "work" / f for f in files])
    print(f"{path.name}: {elapsed:.1f} s")
