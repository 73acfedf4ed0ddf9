"""Sweep throughput: the main job, 1,000 single columns, Dask scaling, and the batch-call form.

Run from the repository root (numbers in docs/sweeps.md)::

    python benchmarks/bench_sweep.py columns            # 1,000 single-column scenarios (target <= 60 s incl. compilation)
    python benchmarks/bench_sweep.py main               # configs/sweeps/frequency_intensity.yaml: 5 x 5 x 4 on the 1-D transect
    python benchmarks/bench_sweep.py main --n 64        # the same on a coarser transect
    python benchmarks/bench_sweep.py cold               # benchmarks/frequency_intensity_100.yaml end to end, empty cache (target <= 90 s)
    python benchmarks/bench_sweep.py scaling            # in-process vs Dask local:1 vs local:2 workers (compiled code cached)
    python benchmarks/bench_sweep.py scaling --workload transect   # the same on 16 scenarios of the main job's transect
    python benchmarks/bench_sweep.py width              # inside a batch call: vmap vs one scenario at a time
    python benchmarks/bench_sweep.py all --json out.json

Every timed sweep runs in a fresh process (``python -m experiments.cli sweep`` style, via
:func:`experiments.sweep.run_sweep`), so "wall" includes tracing and XLA compilation and
the process start; the spin-up of the skin profile is cached on disk beforehand (it is
part of the first run of a profile on a grid, not of a sweep). Machine load matters on a
2-core box: the load average is printed with every result.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COLUMN_BASE = {
    "skin": "young_face",
    "device": "diamond_medium",
    "protocol": {"interval_days": 7, "sessions": 6, "follow_up_days": 28, "settings": {"vacuum_kpa": 30, "passes": 2}},
    "grid": {"lateral": "column", "dt_hours": 1},
    "save": {"every_hours": 24},
}


def columns_sweep(samples: int = 1000) -> dict:
    """LHS over interval (2-21 d) x vacuum (5-50 kPa): ``samples`` single-column courses."""
    return {"name": f"columns_{samples}", "base": COLUMN_BASE, "mode": "lhs", "samples": samples, "seed": 0,
            "axes": {"protocol.interval_days": {"min": 2, "max": 21}, "protocol.settings.vacuum_kpa": {"min": 5, "max": 50}}}


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


CHILD = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    from experiments.sweep import SweepReport, run_sweep, trace_count
    from experiments._jaxconfig import compile_counts
    t_import = time.perf_counter() - t0
    spec = json.loads(sys.argv[1]); kw = json.loads(sys.argv[2])
    report = SweepReport("", 0, 0, 0)
    t1 = time.perf_counter()
    ds = run_sweep(spec, kw.pop("output", None), report=report, **kw)
    wall = time.perf_counter() - t1
    import resource
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"import_s": t_import, "sweep_wall_s": wall, "compute_s": report.compute_s, "n": report.n_scenarios,
                      "process_cpu_s": ru.ru_utime + ru.ru_stime,
                      "batches": report.n_batches, "batch_size": report.batch_size, "executor": report.executor,
                      "traces": trace_count(), "nonfinite": len(report.nonfinite),
                      "compiled": compile_counts().compiled, "cache_hits": compile_counts().hits}))
    """
)


def timed_sweep(spec, **kw) -> dict:
    """Run a sweep in a fresh process; returns its timings (wall includes compilation)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec), json.dumps(kw)], cwd=REPO,
                         capture_output=True, text=True, timeout=7200, env=dict(os.environ))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - start
    result["scenarios_per_s"] = result["n"] / result["sweep_wall_s"]
    result["load_avg"] = load()
    return result


def warm_spin_up(spec) -> None:
    """Compute (or load) the cached spin-ups the sweep needs, outside the timings."""
    from experiments._jaxconfig import enable_x64
    from experiments._run import prepare
    from experiments.sweep import load_sweep

    enable_x64()
    plan = load_sweep(spec)
    seen = set()
    for r in plan.scenarios:
        key = (r.seed, r.grid.lateral, r.grid.n, json.dumps(r.skin, sort_keys=True))
        if key not in seen:
            seen.add(key)
            prepare(r)


def bench_columns(samples: int = 1000) -> dict:
    spec = columns_sweep(samples)
    warm_spin_up({**spec, "samples": 2})
    r = timed_sweep(spec)
    print(f"[columns] {samples} single-column courses: {r['sweep_wall_s']:.1f} s incl. compilation "
          f"({r['scenarios_per_s']:.1f} scenarios/s; {r['batches']} batches of {r['batch_size']}; process {r['process_s']:.1f} s wall, "
          f"{r['process_cpu_s']:.1f} s CPU; target <= 60 s; load {r['load_avg']})", flush=True)
    return r


def bench_main(n: int | None = None, replicates: int | None = None) -> dict:
    from experiments.config import load_yaml

    spec = load_yaml(REPO / "configs" / "sweeps" / "frequency_intensity.yaml")
    if n is not None:
        spec["base"]["grid"]["n"] = n
    if replicates is not None:
        spec["replicates"] = replicates
    warm_spin_up(spec)
    with tempfile.TemporaryDirectory() as tmp:
        r = timed_sweep(spec, output=str(Path(tmp) / "fi.zarr"))
    grid = spec["base"]["grid"]
    print(f"[main] frequency x intensity {r['n']} scenarios on the 1-D transect n={grid['n']}: {r['sweep_wall_s']:.1f} s incl. compilation, "
          f"{r['scenarios_per_s']:.3f} scenarios/s ({r['batches']} batches of {r['batch_size']}; {r['process_cpu_s']:.0f} s CPU; "
          f"load {r['load_avg']})", flush=True)
    return r


def bench_cold(config: Path = REPO / "benchmarks" / "frequency_intensity_100.yaml") -> dict:
    """``epiturn sweep CONFIG`` end to end from an empty cache, as a user's first run.

    A fresh process with its own empty ``$EPITURN_CACHE`` (so every spin-up and every
    compilation is paid) writing into a temporary folder: planning, spin-ups, compilation,
    the batches, the store, the figures (and the decision when the config has one).
    Default: the 100-scenario sweep kept from when the hardening work was filed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "EPITURN_CACHE": str(Path(tmp) / "cache")}
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "experiments.cli", "sweep", str(config), "-o", str(Path(tmp) / "s.zarr")],
                             cwd=tmp, capture_output=True, text=True, timeout=7200, env=env)
        wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    ran = [line for line in out.stdout.splitlines() + out.stderr.splitlines() if line.startswith("ran ")]
    r = {"config": str(config), "wall_s": wall, "ran": ran[-1] if ran else "", "load_avg": load()}
    print(f"[cold] {config.name} from an empty cache: {wall:.1f} s end to end ({r['ran']}; load {r['load_avg']})", flush=True)
    return r


def transect_sweep() -> dict:
    """16 scenarios of the main job (interval 2-14 d x 4 dial levels) on its 256-column transect."""
    from experiments.config import load_yaml

    spec = load_yaml(REPO / "configs" / "sweeps" / "frequency_intensity.yaml")
    spec.pop("replicates", None)
    spec["name"] = "transect_16"
    spec["axes"] = {"protocol.interval_days": [2, 4, 7, 14], "protocol.settings.level": ["gentle", "moderate", "firm", "maximum"]}
    return spec


def bench_scaling(samples: int = 512, workload: str = "columns") -> dict:
    """In-process vs Dask local:1 vs local:2 on the same batches, compiled code shared.

    ``workload``: ``columns`` -- ``samples`` single-column courses in 16 batches (Python
    work per scenario, preparing inputs and labelling outputs, is most of it); ``transect``
    -- 16 scenarios of the main job on its 256-column transect, one per batch (compiled
    compute is most of it: the work a cluster is for).

    All runs share the persistent XLA compilation cache of ``$EPITURN_CACHE`` (every program,
    however small: :func:`experiments._jaxconfig.enable_compilation_cache`), filled by a
    first (untimed) run, so that the comparison is of running batches, not of each worker
    compiling the model. (A ``JAX_COMPILATION_CACHE_DIR`` of its own, as this benchmark set
    before, is the user's folder to JAX's defaults: programs compiling in under a second are
    not stored there, so every process compiled ~23 of them again.) Each timed process
    reports the programs it compiled and those it loaded, and the time its blocks took
    (``compute_s``, summed over the blocks, wherever they ran) beside the wall time, which
    also holds this process's own serial part: planning the sweep, creating the store,
    writing each block and reading the store back.
    """
    if workload == "transect":
        spec, batch, what = transect_sweep(), 1, "16 transect scenarios"
        warm_spin_up(spec)
    else:
        spec, batch, what = columns_sweep(samples), samples // 16, f"{samples} columns"
        warm_spin_up({**spec, "samples": 2})
    rows = {}
    timed_sweep(spec, batch_size=batch)  # fills the compilation cache
    for label, kw in (("in-process", {}), ("local:1", {"cluster": "local:1"}), ("local:2", {"cluster": "local:2"})):
        # the same 16 batches everywhere, so only the executor differs
        rows[label] = r = timed_sweep(spec, batch_size=batch, **kw)
        print(f"[scaling] {label:10s} {what}, compiled code cached: {r['sweep_wall_s']:.1f} s wall, blocks "
              f"{r['compute_s']:.1f} s ({r['scenarios_per_s']:.2f} scenarios/s; programs compiled in this process "
              f"{r['compiled']}, loaded from the cache {r['cache_hits']}; load {r['load_avg']})", flush=True)
    speedup = rows["local:1"]["sweep_wall_s"] / rows["local:2"]["sweep_wall_s"]
    print(f"[scaling] {what}: 1 -> 2 Dask workers: speed-up x{speedup:.2f} (wall)", flush=True)
    rows["speedup_1_to_2"] = speedup
    return rows


def bench_width() -> dict:
    """Inside one batch call: all scenarios vmapped vs one at a time (lax.map)."""
    import jax

    from experiments._jaxconfig import enable_x64
    from experiments._run import prepare
    from experiments.sweep import load_sweep, scenario_lengths, simulate_batch
    from experiments.sweep._batch import group_key, stack

    enable_x64()
    out = {}
    for label, grid, batch in (("column", {"lateral": "column"}, 64), ("1d n=32", {"lateral": "1d", "n": 32}, 8)):
        spec = {"base": {**COLUMN_BASE, "grid": grid}, "mode": "lhs", "samples": batch, "seed": 1,
                "axes": {"protocol.interval_days": {"min": 2, "max": 21}, "protocol.settings.vacuum_kpa": {"min": 5, "max": 50}}}
        plan = load_sweep(spec)
        lengths = scenario_lengths(plan.scenarios, plan.run_plans)
        preps = [prepare(r, *lengths[group_key(p)], plan=p) for r, p in zip(plan.scenarios, plan.run_plans)]
        args = [stack([p.state0 for p in preps]), stack([p.params for p in preps]), stack([p.schedule for p in preps])]
        g = preps[0].grid
        for width, name in ((None, "vmap"), (1, "one at a time")):
            t = time.perf_counter()
            jax.block_until_ready(simulate_batch(*args, g, False, width))
            first = time.perf_counter() - t
            runs = []
            for _ in range(2):
                t = time.perf_counter()
                jax.block_until_ready(simulate_batch(*args, g, False, width))
                runs.append(time.perf_counter() - t)
            per = min(runs) / batch
            out[f"{label} {name}"] = {"per_scenario_s": per, "compile_and_first_s": first}
            print(f"[width] {label:8s} batch {batch:3d} {name:14s}: {per:.4f} s per scenario "
                  f"(compile + first call {first:.1f} s; load {load()})", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=["all", "columns", "main", "cold", "scaling", "width"])
    ap.add_argument("--n", type=int, default=None, help="lateral cells of the main job's transect (default: the file's)")
    ap.add_argument("--replicates", type=int, default=None, help="replicates of the main job (default: the file's)")
    ap.add_argument("--samples", type=int, default=1000, help="columns in the columns benchmark")
    ap.add_argument("--workload", choices=["columns", "transect"], default="columns",
                    help="what the scaling benchmark runs: 512 single columns, or 16 scenarios of the main job's transect")
    ap.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = ap.parse_args(argv)
    print(f"cores: {os.cpu_count()}, load average {load()}", flush=True)
    results = {}
    if args.what in ("all", "columns"):
        results["columns"] = bench_columns(args.samples)
    if args.what in ("all", "scaling"):
        results["scaling"] = bench_scaling(workload=args.workload)
    if args.what in ("all", "width"):
        results["width"] = bench_width()
    if args.what in ("all", "main"):
        results["main"] = bench_main(args.n, args.replicates)
    if args.what in ("all", "cold"):
        results["cold"] = bench_cold()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
