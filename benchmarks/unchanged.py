"""Behaviour unchanged: this tree against a reference commit, to 1e-12 relative.

    python benchmarks/unchanged.py REF [--keep DIR] [--only validation|main_job] [--rtol 1e-12] [--scale-tol 0]

Runs, for the reference commit (checked out with ``git worktree`` into a temporary
folder) and for this working tree, each in a fresh process with its own empty
homeostasis cache:

* the literature validation table (``experiments.validation.validate()``: every
  measured value of every check), and
* the main job (``epiturn sweep configs/sweeps/frequency_intensity.yaml``: the
  frequency x intensity sweep of the README, its whole Zarr store),

then compares every number: the validation values, and every data variable and
coordinate of the store that both sides have, with ``|a - b| <= rtol * max(|a|, |b|)``
(``atol`` 1e-300 for exact zeros). NaN must match NaN. ``--scale-tol S`` also accepts a
difference up to ``S`` times the quantity's largest magnitude: a change that only
reorders floating-point operations moves a value near zero (a rate after a denuding
session, an erythema of 1e-14) by a large relative amount but by round-off of the
quantity's scale. Prints one line per quantity
that differs, the largest relative difference, and exits 0 when everything agrees,
1 otherwise. ``--keep DIR`` keeps (and reuses) the reference's outputs in DIR, so a
second comparison against the same commit runs only this tree.

The two sides run one after the other, never at once (two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

VALIDATION = (
    "import json, sys, jax; jax.config.update('jax_enable_x64', True)\n"
    "from experiments.validation import validate\n"
    "t = validate()\n"
    "rows = [{'key': f'{r.id}|{r.experiment}|{r.profile}|{r.quantity}', 'value': float(r.value)} for r in t.itertuples()]\n"
    "json.dump(rows, open(sys.argv[1], 'w'))\n"
)
MAIN_JOB = (
    "import sys\n"
    "from experiments.cli import main\n"
    "sys.argv = ['epiturn', 'sweep', 'configs/sweeps/frequency_intensity.yaml', '-o', sys.argv[1], '--no-plots']\n"
    "main()\n"
)


def commit_of(ref: str) -> str:
    """The full hash of ``ref`` in this repository; exits with a one-line message when it is none."""
    out = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True,
                         text=True)
    if out.returncode != 0:
        sys.exit(f"ref: {ref!r} is not a commit of this repository; allowed: a commit, branch or tag")
    return out.stdout.strip()


@contextmanager
def checked_out(commit: str, tree: Path):
    """``commit`` checked out (``git worktree``, detached) at ``tree`` for the block; removed after."""
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)


def _run(tree: Path, code: str, out: Path, cache: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree), EPITURN_CACHE=str(cache))
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=tree, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0 and not out.exists():
        sys.exit(f"run in {tree} failed:\n{proc.stderr[-3000:]}")


def _outputs(tree: Path, folder: Path, which: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:
        if "validation" in which and not (folder / "validation.json").exists():
            _run(tree, VALIDATION, folder / "validation.json", Path(cache))
        if "main_job" in which and not (folder / "main_job.zarr").exists():
            _run(tree, MAIN_JOB, folder / "main_job.zarr", Path(cache))


def _rel(a: np.ndarray, b: np.ndarray, scale_tol: float = 0.0) -> float:
    """Largest ``|a - b| / max(|a|, |b|)`` over the points, counting as 0 a point whose difference is at most
    ``scale_tol`` times the largest ``|a|, |b|`` of the whole quantity (its scale)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    nan = np.isnan(a) | np.isnan(b)
    if np.any(np.isnan(a) != np.isnan(b)):
        return float("inf")
    a, b = a[~nan], b[~nan]
    if a.size == 0:
        return 0.0
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    diff = np.abs(a - b)
    diff = np.where(diff <= scale_tol * np.max(scale), 0.0, diff)
    return float(np.max(diff / scale))


def _keyed(path: Path) -> dict[str, float]:
    """``{key: value}`` of a validation table; a key that repeats (two checks of one quantity) gets ``#2``..."""
    out: dict[str, float] = {}
    for row in json.loads(path.read_text()):
        key, k = row["key"], 1
        while (key if k == 1 else f"{key}#{k}") in out:
            k += 1
        out[key if k == 1 else f"{key}#{k}"] = row["value"]
    return out


def compare(ref: Path, new: Path, rtol: float, which: list[str], scale_tol: float = 0.0) -> int:
    bad, worst = 0, 0.0
    if "validation" in which:
        a, b = _keyed(ref / "validation.json"), _keyed(new / "validation.json")
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                print(f"validation {key}: only in {'reference' if key in a else 'this tree'}")
                bad += 1
                continue
            d = _rel(np.array(a[key]), np.array(b[key]), scale_tol)
            worst = max(worst, d)
            if d > rtol:
                print(f"validation {key}: {a[key]!r} -> {b[key]!r} (rel {d:.2e})")
                bad += 1
        print(f"validation: {len(a)} values compared")
    if "main_job" in which:
        import xarray as xr

        da = xr.open_zarr(ref / "main_job.zarr")
        db = xr.open_zarr(new / "main_job.zarr")
        names = sorted((set(da.variables) & set(db.variables)))
        for only in sorted(set(da.variables) ^ set(db.variables)):
            print(f"main job {only}: only in {'reference' if only in da.variables else 'this tree'} (not compared)")
        for name in names:
            x, y = da[name].values, db[name].values
            if x.dtype.kind not in "fiub" or y.dtype.kind not in "fiub":
                if not np.array_equal(x.astype(str), y.astype(str)):
                    print(f"main job {name}: values differ")
                    bad += 1
                continue
            d = _rel(x, y, scale_tol)
            worst = max(worst, d)
            if d > rtol:
                print(f"main job {name}: largest relative difference {d:.2e}")
                bad += 1
        print(f"main job: {len(names)} variables compared")
    floor = f", differences up to {scale_tol:g} of a quantity's scale not counted" if scale_tol else ""
    print(f"largest relative difference {worst:.2e} (tolerance {rtol:g}{floor}); {bad} quantities differ")
    return 0 if bad == 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", help="reference commit (e.g. HEAD~1 or a hash)")
    ap.add_argument("--keep", type=Path, help="keep/reuse the reference's outputs in this folder")
    ap.add_argument("--only", choices=["validation", "main_job"], action="append")
    ap.add_argument("--rtol", type=float, default=1e-12)
    ap.add_argument("--scale-tol", type=float, default=0.0,
                    help="also accept a difference up to this fraction of the quantity's largest magnitude "
                         "(round-off of a reordered sum shows as a large relative change of a value near 0)")
    args = ap.parse_args()
    which = args.only or ["validation", "main_job"]
    commit = commit_of(args.ref)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ref_out = args.keep / commit if args.keep else tmp / "ref"
        need = [w for w in which if not (ref_out / ("validation.json" if w == "validation" else "main_job.zarr")).exists()]
        if need:
            with checked_out(commit, tmp / "tree") as tree:
                _outputs(tree, ref_out, need)
        _outputs(ROOT, tmp / "new", which)
        return compare(ref_out, tmp / "new", args.rtol, which, args.scale_tol)


if __name__ == "__main__":
    raise SystemExit(main())
