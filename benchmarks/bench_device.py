"""Cost of the device: a 12-week weekly course against the untreated run of the same length.

Target: on the default 1-D transect (256 columns, 5 mm, dt 1 h) the course
runs within 1.5x the time of the untreated 84-day run. Sessions are ``lax.cond``
branches, skipped at run time on the steps without a session; the extra cost is the
sessions themselves plus the refined steps after each. Under ``vmap`` the cond becomes
a select, so the session branch is evaluated on every step: that cost is measured too
(``--batch``), for the sweep runner.

Run: ``python benchmarks/bench_device.py [--repeats 5] [--batch 4] [--lateral 1d --n 256]``.
Times are wall-clock and process-CPU seconds after compilation (minimum over interleaved
repeats; on a shared machine the CPU time is the steadier of the two).
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats (see sim)

from experiments import _run as runner
from experiments.config import load_run_config


def configs(lateral: str, n: int):
    grid = {"lateral": lateral, "n": n, "width_mm": 5.0, "dt_hours": 1.0}
    base = {"skin": "young_face", "grid": grid, "save": {"every_hours": 6}}
    course = dict(base, device="diamond_medium", duration_days=84,
                  protocol={"interval_days": 7, "sessions": 12, "settings": {"level": "moderate"}})
    plain = dict(base, duration_days=84)
    return load_run_config(course), load_run_config(plain)


def prepared(resolved):
    try:
        return runner.prepare(resolved)
    except RuntimeError as exc:  # spin-up drift check of the homeostasis cache
        print(f"note: {exc}; using the unchecked spin-up state for timing")
        from models import make_params, make_schedule, spin_up

        grid = runner.model_grid(resolved)
        state0, params, _ = spin_up(make_params(resolved.skin, grid, resolved.seed), grid, resolved.grid.dt_hours)
        events = runner.event_table(resolved)
        tgrid = runner.time_grid(resolved, grid, events)
        schedule = make_schedule(tgrid, events.kinds, events.strip_fraction, None,
                                 settings=events.settings, device=runner.device_params(resolved))
        return runner.Prepared(grid, state0, params, tgrid, schedule, events, {})


def timed(fn, *args):
    """Wall-clock seconds of one call (``CPU[fn]`` holds the process CPU seconds of the last call)."""
    t, c = time.perf_counter(), time.process_time()
    jax.block_until_ready(fn(*args))
    CPU[fn] = time.process_time() - c
    return time.perf_counter() - t


CPU: dict = {}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=4, help="scenarios per vmapped call (0: skip)")
    ap.add_argument("--lateral", default="1d")
    ap.add_argument("--n", type=int, default=256)
    args = ap.parse_args(argv)
    from models import simulate

    course, plain = configs(args.lateral, args.n)
    runs = {"untreated": prepared(plain), "course": prepared(course)}
    single = {}
    for name, p in runs.items():
        f = lambda p=p: simulate(p.state0, p.params, p.schedule, p.grid, False)  # noqa: E731
        single[name] = f
        print(f"{name:9s}: {p.tgrid.n_steps} steps, first call (compile + run) {timed(f):.2f} s")
    best = {k: np.inf for k in single}
    cpu = {k: np.inf for k in single}
    for _ in range(args.repeats):
        for name, f in single.items():
            best[name] = min(best[name], timed(f))
            cpu[name] = min(cpu[name], CPU[f])
    for name, t in best.items():
        print(f"{name:9s}: {t:.3f} s wall, {cpu[name]:.3f} s CPU per run (min of {args.repeats})")
    print(f"course / untreated = {best['course'] / best['untreated']:.3f} wall, "
          f"{cpu['course'] / cpu['untreated']:.3f} CPU  (target <= 1.5)")

    if args.batch:
        stack = lambda *xs: jax.tree.map(lambda *leaves: np.stack(leaves), *xs)  # noqa: E731
        n_steps = max(p.tgrid.n_steps for p in runs.values())
        n_events = max(runner.plan_run(r).size[1] for r in (course, plain))
        batched = {}
        from sim import pad_time_grid
        from models import make_schedule

        for name in ("untreated", "course"):
            base = runs[name]
            tg = pad_time_grid(base.tgrid, n_steps)
            sched = make_schedule(tg, base.events.kinds, base.events.strip_fraction, n_events,
                                  settings=base.events.settings, device=base.schedule.device)
            args3 = [stack(*([x] * args.batch)) for x in (base.state0, base.params, sched)]
            vm = jax.jit(jax.vmap(simulate, in_axes=(0, 0, 0, None, None)), static_argnums=(3, 4))
            batched[name] = (lambda vm=vm, a=args3, g=base.grid: vm(a[0], a[1], a[2], g, False))
            print(f"{name:9s} x{args.batch} (vmap): first call {timed(batched[name]):.2f} s")
        bbest = {k: np.inf for k in batched}
        for _ in range(args.repeats):
            for name, f in batched.items():
                bbest[name] = min(bbest[name], timed(f))
        for name, t in bbest.items():
            print(f"{name:9s} x{args.batch} (vmap): {t:.3f} s per batch")
        print(f"vmapped course / untreated = {bbest['course'] / bbest['untreated']:.3f}")


if __name__ == "__main__":
    main()
