"""Speed and memory of the core simulator, and the scan against the BDF reference.

1. A 12-week (84-day) untreated run of the default 1-D transect (256 columns, 5 mm,
   dt 1 h, nz 12, forearm profile) through ``models.simulate``: compile time
   (ahead-of-time ``lower`` + ``compile``), run time after compilation (minimum over
   repeats), peak memory of the process (``resource.getrusage`` maximum RSS; XLA's own
   buffers are invisible to ``tracemalloc``, so the RSS is the honest number) and XLA's
   static buffer estimate (``compiled.memory_analysis()``). Measured in a fresh child
   process after the homeostatic state has been cached, so the spin-up is not counted.
   Targets (on the 2-core CI machine): <= 1 s run, <= 20 s compile, < 1 GiB.
   The CPU time of the process (all threads) is printed beside the wall-clock times: on
   a machine shared with other jobs it bounds what the run costs on an idle one.
2. The same 12 weeks on a single column, with a 90 % tape strip at day 1 (so there is
   something to get right), through the scan and through the BDF reference
   (:func:`models.solve_column_bdf`) at a range of tolerances. Accuracy =
   the largest relative error of TEWL, SC layers and calcium_top at the 6-hourly save
   points against a tight BDF solution (rtol 1e-10). The speed ratio compares the scan
   with the loosest BDF tolerance that is at least as accurate as the scan (run times
   after compilation; the first-call times are printed too).

Run: ``python benchmarks/bench_core.py [--repeats 5] [--skip-bdf]``. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats (see sim)

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSECT = {"skin": "forearm", "grid": {"lateral": "1d", "n": 256, "width_mm": 5.0, "dt_hours": 1.0, "nz": 12},
            "save": {"every_hours": 6}, "duration_days": 84}
COLUMN = {"skin": "forearm", "grid": {"lateral": "column", "dt_hours": 1.0, "nz": 12},
          "events": [{"day": 1, "kind": "strip", "remove_fraction": 0.9}],
          "save": {"every_hours": 6}, "duration_days": 84}
ACCURACY_READOUTS = ("tewl", "sc_layers", "calcium_top")
GIB = 1024**3


def _prepare(config):
    from experiments import _run as runner
    from experiments.config import load_run_config

    resolved = load_run_config(config)
    try:
        return runner.prepare(resolved), None
    except RuntimeError as exc:  # the spin-up drift check: time the unchecked state, say so
        from models import make_params, make_schedule, spin_up

        grid = runner.model_grid(resolved)
        state0, params, _ = spin_up(make_params(resolved.skin, grid, resolved.seed), grid, resolved.grid.dt_hours)
        events = runner.event_table(resolved)
        tgrid = runner.time_grid(resolved, grid, events)
        schedule = make_schedule(tgrid, events.kinds, events.strip_fraction)
        return runner.Prepared(grid, state0, params, tgrid, schedule, events, {}), str(exc)


def measure_transect(repeats: int) -> dict:
    """Child-process part: compile and run the 84-day transect; report times and memory."""
    import jax

    from models import simulate

    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    prep, note = _prepare(TRANSECT)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    lowered = simulate.lower(prep.state0, prep.params, prep.schedule, prep.grid)
    t1, c1 = time.perf_counter(), time.process_time()
    compiled = lowered.compile()
    t2, c2 = time.perf_counter(), time.process_time()
    runs, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        jax.block_until_ready(compiled(prep.state0, prep.params, prep.schedule))
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    # the ordinary jitted entry point (what users call): first call = trace + compile + run
    t = time.perf_counter()
    jax.block_until_ready(simulate(prep.state0, prep.params, prep.schedule, prep.grid))
    first_call = time.perf_counter() - t
    mem = compiled.memory_analysis()
    xla = {}
    if mem is not None:
        for k in ("argument_size_in_bytes", "output_size_in_bytes", "temp_size_in_bytes", "generated_code_size_in_bytes"):
            xla[k] = int(getattr(mem, k, 0) or 0)
    return {
        "steps": int(prep.tgrid.n_steps), "columns": int(prep.grid.lateral.size), "note": note,
        "trace_s": t1 - t0, "compile_s": t2 - t1, "compile_cpu_s": c2 - c1, "run_cpu_s": min(cpu), "run_s": min(runs), "run_median_s": float(np.median(runs)),
        "jit_first_call_s": first_call,
        "rss_start": rss_start, "rss_after_load": rss_loaded,
        "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "xla": xla,
    }


def column_vs_bdf(repeats: int, rtols=(1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)) -> dict:
    import jax

    from models import simulate, solve_column_bdf

    prep, note = _prepare(COLUMN)
    save = np.concatenate([[0], 1 + np.flatnonzero(prep.tgrid.save)])
    t_h = np.concatenate([[0.0], prep.tgrid.t_end])[save]
    events = list(zip(prep.events.times_h.tolist(), prep.events.kinds.tolist(), prep.events.strip_fraction.tolist()))

    def scan():
        return simulate(prep.state0, prep.params, prep.schedule, prep.grid)

    t = time.perf_counter()
    _, out0, outs = jax.block_until_ready(scan())
    scan_first = time.perf_counter() - t
    scan_run = min(_timed(scan) for _ in range(repeats))
    scan_series = {n: np.concatenate([[float(getattr(out0.diag, n))], np.asarray(getattr(outs.diag, n))])[save]
                   for n in ACCURACY_READOUTS}

    def bdf(rtol):
        t = time.perf_counter()
        sol = solve_column_bdf(prep.state0, prep.params, prep.grid, float(t_h[-1]), events, t_h, rtol=rtol, atol=rtol * 1e-2)
        return time.perf_counter() - t, sol

    t_first, _ = bdf(1e-3)  # includes jit compilation of the RHS, its Jacobian and the readouts
    t_ref, ref = bdf(1e-10)
    ref_series = {n: np.asarray(getattr(ref.diag, n)) for n in ACCURACY_READOUTS}

    def error(series):
        return max(float(np.max(np.abs(series[n] - ref_series[n]) / np.abs(ref_series[n]))) for n in ACCURACY_READOUTS)

    rows = []
    for rtol in rtols:
        best, sol = np.inf, None
        for _ in range(max(1, repeats // 2)):
            dt, sol = bdf(rtol)
            best = min(best, dt)
        rows.append({"rtol": rtol, "time_s": best, "error": error({n: np.asarray(getattr(sol.diag, n)) for n in ACCURACY_READOUTS}),
                     "nfev": sol.nfev, "nlu": sol.nlu})
    scan_error = error(scan_series)
    matched = [r for r in rows if r["error"] <= scan_error]
    match = max(matched, key=lambda r: r["rtol"]) if matched else None
    return {"note": note, "steps": int(prep.tgrid.n_steps), "scan_first_s": scan_first, "scan_run_s": scan_run,
            "scan_error": scan_error, "bdf_first_call_s": t_first, "bdf_ref_s": t_ref, "rows": rows, "match": match}


def _timed(fn):
    import jax

    t = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-bdf", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure_transect(args.repeats)))
        return

    # 1. cache the homeostatic state of the transect (spin-up not timed), then measure in a child
    t = time.perf_counter()
    _, note = _prepare(TRANSECT)
    print(f"homeostatic state of the 256-column transect ready in {time.perf_counter() - t:.1f} s"
          + (f" (note: {note})" if note else ""))
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--repeats", str(args.repeats)],
                           capture_output=True, text=True, check=True)
    m = json.loads(child.stdout.strip().splitlines()[-1])
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"\nmachine: {cores} CPU cores, load average {load:.2f} (1 min) at the end of the transect run")
    print("\n12-week untreated run, default 1-D transect "
          f"({m['columns']} columns x nz 12, dt 1 h, {m['steps']} steps)")
    print(f"{'quantity':50s} {'measured':>12s} {'target':>10s}")
    rows = [
        ("trace (lower) [s]", m["trace_s"], None),
        ("compile [s]", m["compile_s"], 20.0),
        ("trace + compile [s]", m["trace_s"] + m["compile_s"], 20.0),
        ("run after compilation, min [s]", m["run_s"], 1.0),
        ("run after compilation, median [s]", m["run_median_s"], 1.0),
        ("run after compilation, CPU time (all threads) [s]", m["run_cpu_s"], None),
        ("compile, CPU time [s]", m["compile_cpu_s"], None),
        ("jitted first call (trace+compile+run) [s]", m["jit_first_call_s"], None),
        ("peak RSS of the process [GiB]", m["rss_peak"] / GIB, 1.0),
        ("RSS after imports + cached state [GiB]", m["rss_after_load"] / GIB, None),
    ]
    for k, v in m["xla"].items():
        rows.append((f"XLA {k.replace('_in_bytes', '')} [MiB]", v / 1024**2, None))
    for name, value, target in rows:
        tgt = f"<= {target:g}" if target is not None else ""
        print(f"{name:50s} {value:12.3f} {tgt:>10s}")
    if m.get("note"):
        print(f"note: {m['note']}")
    if args.skip_bdf:
        return

    # 2. single column against the BDF reference
    c = column_vs_bdf(args.repeats)
    print(f"\n12-week single-column run with a 90 % strip at day 1 ({c['steps']} scan steps); accuracy = max relative "
          f"error of {', '.join(ACCURACY_READOUTS)} at the 6-hourly save points vs BDF rtol 1e-10 "
          f"({c['bdf_ref_s']:.1f} s)")
    print(f"{'method':28s} {'time [s]':>10s} {'error':>10s} {'nfev':>7s} {'LU':>5s}")
    print(f"{'scan (dt 1 h)':28s} {c['scan_run_s']:10.4f} {c['scan_error']:10.2e} {'':>7s} {'':>5s}")
    for r in c["rows"]:
        print(f"{'BDF rtol %.0e' % r['rtol']:28s} {r['time_s']:10.3f} {r['error']:10.2e} {r['nfev']:7d} {r['nlu']:5d}")
    print(f"first calls (with compilation): scan {c['scan_first_s']:.2f} s, BDF {c['bdf_first_call_s']:.2f} s")
    if c["match"]:
        r = c["match"]
        print(f"matched accuracy: BDF rtol {r['rtol']:.0e} (error {r['error']:.2e} <= scan {c['scan_error']:.2e}) "
              f"takes {r['time_s']:.3f} s = {r['time_s'] / c['scan_run_s']:.0f} x the scan")
    else:
        print("no BDF tolerance tried was as accurate as the scan")
    if c.get("note"):
        print(f"note: {c['note']}")


if __name__ == "__main__":
    main()
