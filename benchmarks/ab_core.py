"""Run time of the core transect, this tree against a reference commit, measured in alternation.

    python benchmarks/ab_core.py REF [--rounds 20]

The benchmark of :mod:`bench_core` (the 84-day default transect, 256 columns, through
``models.simulate`` after compilation), for the reference commit (checked out with
``git worktree`` into a temporary folder) and for this working tree: one warm child
process per tree (each with its own empty homeostasis cache, its tree's own
``bench_core.TRANSECT`` and model), compiled once, then asked for one run at a time, the
two trees taking turns (ABBA order), ``--rounds`` runs each. Alternating keeps slow
changes of a shared machine (other jobs, clock speed) out of the ratio, which separate
``bench_core.py`` runs minutes apart do not (their minimum moves by ±10 % here).

Prints, per tree, the minimum and median run time and the ratio to the reference: of
the minima, and the median of the paired per-round ratios. The reference's
``TRANSECT`` must equal this tree's (else the two measure different runs: it says so and
exits 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from unchanged import ROOT, checked_out, commit_of  # this folder is on the path of a script run from it

# the child: its tree's bench_core preparation and model; one run per input line
CHILD = r"""
import json, sys, time, types
import jax
jax.config.update("jax_enable_x64", True)
tree = sys.argv[1]
sys.path[:0] = [tree, tree + "/benchmarks"]
import bench_core
from models import simulate
if isinstance(simulate, types.ModuleType):  # older trees: models.simulate was a module
    simulate = simulate.simulate
prep, _ = bench_core._prepare(bench_core.TRANSECT)
run = simulate.lower(prep.state0, prep.params, prep.schedule, prep.grid).compile()
jax.block_until_ready(run(prep.state0, prep.params, prep.schedule))
print(json.dumps(bench_core.TRANSECT), flush=True)
for _ in sys.stdin:
    t = time.perf_counter()
    jax.block_until_ready(run(prep.state0, prep.params, prep.schedule))
    print(time.perf_counter() - t, flush=True)
"""


def _start(tree: Path, cache: Path) -> tuple[subprocess.Popen, dict]:
    env = dict(os.environ, PYTHONPATH=str(tree), EPITURN_CACHE=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tree)], cwd=tree, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    if not line:
        sys.exit(f"the benchmark in {tree} failed:\n{proc.stderr.read()[-3000:]}")
    return proc, json.loads(line)


def _once(proc: subprocess.Popen) -> float:
    proc.stdin.write("run\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", help="reference commit (e.g. HEAD~1 or a hash)")
    ap.add_argument("--rounds", type=int, default=20, help="runs per tree (default 20)")
    args = ap.parse_args()
    if args.rounds < 2:
        sys.exit(f"--rounds: {args.rounds} is too few; allowed: an integer >= 2")
    commit = commit_of(args.ref)
    with tempfile.TemporaryDirectory() as tmp, checked_out(commit, Path(tmp) / "ref") as ref_tree:
        tmp = Path(tmp)
        procs = {}
        try:
            procs["reference"], ref_config = _start(ref_tree, tmp / "cache_ref")
            procs["this tree"], config = _start(ROOT, tmp / "cache_new")
            if ref_config != config:
                print(f"the reference's transect differs from this tree's:\n  {ref_config}\n  {config}")
                return 1
            times: dict[str, list[float]] = {name: [] for name in procs}
            order = list(procs)
            for i in range(args.rounds):
                for name in (order if i % 2 == 0 else order[::-1]):
                    times[name].append(_once(procs[name]))
        finally:
            for proc in procs.values():
                proc.kill()
    ref = times["reference"]
    print(f"transect run after compilation, {args.rounds} runs each, alternating; reference {commit[:10]}")
    for name, t in times.items():
        paired = statistics.median(a / b for a, b in zip(t, ref))
        print(f"{name:10s}  min {min(t):.3f} s  median {statistics.median(t):.3f} s  "
              f"ratio of minima {min(t) / min(ref):.3f}  median paired ratio {paired:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
