"""Latency of the live explorer's re-simulation (``epiturn explore`` without a result).

After the live model is compiled (:class:`experiments.explore.LiveModel`: the young face,
the medium diamond tip, 6 weekly sessions), 20 control changes are made in turn (vacuum,
passes, hand speed, interval, sessions, a tape strip, the crystal device and its flow) and
each is re-simulated as the page does it: first the single column (the time courses and the
SC cohorts; what the page draws first), then the short 1-D transect (surface profile and
roughness; drawn when it arrives). Reported: median and max over the 20 changes of the
column's latency and of column + transect, against the 2 s the page is allowed; the
programs compiled during the changes (must be 0); and, as a reference, ``experiments.run``
of the same column setting (what one change would cost without the live model's fixed
padded grid: it prepares, loads the compiled program and labels the dataset per call; the
ratio is the live model's median over it), once for the same setting again (its program
compiled already) and once for three settings whose course has another length (a new grid
length each: compiled, or loaded from the persistent compilation cache when an earlier run
of the benchmark made it). The browser's round trip (websocket, drawing) is
not included; the end-to-end test prints it (tests/experiments/test_explore.py).

Run: ``python benchmarks/bench_explore.py [--changes 20] [--no-transect]``. Prints a table.
The spin-up of the skin profile is cached on disk beforehand (not timed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax

jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats (see sim)

BUDGET_S = 2.0
# the control changes, in turn (each relative to the first setting)
CHANGES = [
    {"vacuum_kpa": 20}, {"vacuum_kpa": 40}, {"passes": 1}, {"passes": 4}, {"speed_mm_s": 10}, {"speed_mm_s": 40},
    {"interval_days": 3}, {"interval_days": 14}, {"sessions": 2}, {"sessions": 8}, {"strip_fraction": 0.5},
    {"strip_fraction": 0.9, "strip_day": 10}, {"device": "crystal_al2o3"}, {"device": "crystal_al2o3", "crystal_flow_g_min": 35},
    {"device": "diamond_coarse", "vacuum_kpa": 55}, {"device": "diamond_fine", "vacuum_kpa": 25},
    {"vacuum_kpa": 35, "passes": 3}, {"interval_days": 21, "sessions": 8}, {"sessions": 1}, {},
]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=20, help="control changes timed (cycled from the list)")
    ap.add_argument("--no-transect", action="store_true", help="the column only")
    args = ap.parse_args(argv)

    import experiments
    from experiments._jaxconfig import compile_counts
    from experiments.explore import LiveModel, column_config

    t0 = time.perf_counter()
    model = LiveModel(transect=not args.no_transect)
    model.compile()
    print(f"live model ready (spin-up cached, compiled or loaded from the compilation cache) in "
          f"{time.perf_counter() - t0:.1f} s; {model.n_steps} padded time steps, {model.n_events} event rows")
    before = compile_counts().programs
    column, full = [], []
    for k in range(args.changes):
        controls = model.controls.updated(**CHANGES[k % len(CHANGES)])
        t = time.perf_counter()
        model.run(controls, transect=False)
        column.append(time.perf_counter() - t)
        model.run_transect(controls)
        full.append(time.perf_counter() - t)
    compiled = compile_counts().programs - before

    reference = []  # the same setting again: the program of this grid length is compiled already
    for _ in range(3):
        t = time.perf_counter()
        experiments.run(column_config(model.controls))
        reference.append(time.perf_counter() - t)
    ref = min(reference)
    changed = []  # settings whose course has another length: a new grid length each (compiled, or loaded from the cache)
    for change in ({"sessions": 2}, {"sessions": 3}, {"interval_days": 5}):
        t = time.perf_counter()
        experiments.run(column_config(model.controls.updated(**change)))
        changed.append(time.perf_counter() - t)

    load = os.getloadavg()[0]
    print(f"\nmachine: {os.cpu_count()} CPU cores, load average {load:.2f} (1 min) at the end")
    print(f"{args.changes} control changes after compilation; budget {BUDGET_S:g} s per change\n")
    print(f"{'quantity':58s} {'median':>8s} {'max':>8s} {'median/budget':>14s}")
    rows = [("column re-simulation (time courses, cohorts) (s)", column)]
    if not args.no_transect:
        rows.append(("column + transect (surface, roughness) (s)", full))
    for name, values in rows:
        med = statistics.median(values)
        print(f"{name:58s} {med:8.3f} {max(values):8.3f} {med / BUDGET_S:14.2f}")
    print(f"{'programs compiled during the changes':58s} {compiled:8d}")
    print(f"{'reference: experiments.run of the same column setting (s)':58s} {ref:8.3f}")
    print(f"{'ratio: live column median / experiments.run':58s} {statistics.median(column) / ref:8.2f}")
    print(f"{'reference: experiments.run, course of another length (s)':58s} {statistics.median(changed):8.3f} "
          f"{max(changed):8.3f}")
    print(f"{'ratio: live column median / that':58s} {statistics.median(column) / statistics.median(changed):8.3f}")


if __name__ == "__main__":
    main()
