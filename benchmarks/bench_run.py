"""What one run costs a user: the 12-week transect through ``experiments.run``, and a new seed.

Three timings of the 84-day untreated run of the default 1-D transect (forearm, 256
columns over 5 mm, dt 1 h, saved every 6 h: ``bench_core.TRANSECT``), in one process,
alternating, after one untimed call of each so that every program is compiled:

1. **scan**: the compiled ``models.simulate`` alone on prepared inputs (the floor of 2);
2. **run**: ``experiments.run(config)`` with the spin-up cached: resolving the config,
   the grid, the time grid and schedule, the run, and the labelled dataset;
3. **new seed**: ``experiments.run`` with a seed whose spin-up is not cached (the
   spin-up to homeostasis, a simulated year, then 2); each repeat takes the next seed.

Reported: the minimum and median of each, and the ratios run / scan (the overhead
outside the scan) and new seed / run (the spin-up). Targets of the hardening work: run
<= 0.5 s, new seed <= 3 s on the 2-core CPU machine.

Run: ``python benchmarks/bench_run.py [--repeats 5] [--json out.json]``. The homeostasis
cache goes to a temporary folder (``$EPITURN_CACHE`` is set for this process); the
compilation cache is that folder's too, so the first calls compile.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    os.environ.setdefault("EPITURN_CACHE", tempfile.mkdtemp(prefix="epiturn-bench-run-"))
    sys.path.insert(0, HERE)
    import jax

    import experiments
    from bench_core import TRANSECT
    from experiments._jaxconfig import configure_jax
    from experiments._run import prepare
    from experiments.config import load_run_config
    from models import simulate

    configure_jax()
    # the forearm transect warns that its slowest columns outlive the 40-day SC age grid
    # (docs/numerics.md, section 6, item 6); once per run, it is not news here
    warnings.filterwarnings("ignore", message="grid.sc_max_age_days", category=RuntimeWarning)
    prep = prepare(load_run_config(TRANSECT))
    compiled = simulate.lower(prep.state0, prep.params, prep.schedule, prep.grid).compile()

    def scan():
        jax.block_until_ready(compiled(prep.state0, prep.params, prep.schedule))

    def run():
        experiments.run(TRANSECT)

    seeds = iter(range(1000, 2000))

    def new_seed():
        experiments.run({**TRANSECT, "seed": next(seeds)})

    cases = {"scan": scan, "run": run, "new seed": new_seed}
    for fn in cases.values():  # compile everything, outside the timings
        fn()
    times = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    out = {name: {"min_s": min(v), "median_s": statistics.median(v), "all_s": v} for name, v in times.items()}
    out["run_over_scan"] = out["run"]["min_s"] / out["scan"]["min_s"]
    out["new_seed_over_run"] = out["new seed"]["min_s"] / out["run"]["min_s"]
    try:
        out["load_avg"] = os.getloadavg()
    except OSError:  # pragma: no cover
        pass
    print(f"cores: {os.cpu_count()}, load average {out.get('load_avg')}")
    for name in cases:
        print(f"{name:9s} min {out[name]['min_s']:6.3f} s  median {out[name]['median_s']:6.3f} s  "
              f"({', '.join(f'{t:.3f}' for t in times[name])})")
    print(f"run / scan {out['run_over_scan']:.2f}; new seed / run {out['new_seed_over_run']:.2f} "
          f"(targets: run <= 0.5 s, new seed <= 3 s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
