"""The core on whatever device JAX finds: the 12-week transect and a batch of 10^4 columns.

Nothing here is CPU-specific: the same script runs on a CPU, a GPU or a TPU (``jax.devices()[0]``;
``JAX_PLATFORMS=cuda`` / ``cpu`` chooses). It prints the device and, per workload, the
trace + compile time, the run time after compilation (minimum over ``--repeats``), the
throughput and the device's peak memory where the backend reports it
(``device.memory_stats()``; ``None`` on a CPU).

1. **transect**: 84 days of the default 1-D transect (forearm, 256 columns over 5 mm,
   dt 1 h, nz 12, 6-hourly saves) through the compiled ``models.simulate``: one long
   scan of small arrays, latency-bound on any device.
2. **columns**: ``--columns`` (default 10,000) single-column courses of the main job's
   treatment (young face, medium diamond, 6 weekly sessions, 28 d follow-up, dt 1 h), the
   vacuum spread over 5-50 kPa, as one ``jit(vmap(models.simulate))`` call
   (:func:`experiments.sweep.simulate_batch`, the sweep's batch runner): throughput-bound,
   where an accelerator should win.

The spin-up (homeostasis) is computed or read from the cache first and not timed.

Run: ``python benchmarks/bench_accelerator.py [--columns 10000] [--repeats 3] [--json out.json]``
(on a 2-core CPU ``--columns 1000`` keeps it to a minute).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats (see sim)

from bench_core import TRANSECT, _prepare  # noqa: E402  (the transect of bench_core, one definition)

COURSE = {"skin": "young_face", "device": "diamond_medium",
          "protocol": {"interval_days": 7, "sessions": 6, "follow_up_days": 28,
                       "settings": {"vacuum_kpa": 30, "passes": 2, "speed_mm_s": 20, "load_n": 2}},
          "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 24}}


def _memory(device) -> dict | None:
    try:
        stats = device.memory_stats()
    except Exception:  # noqa: BLE001 -- a backend without memory statistics
        return None
    return {k: int(stats[k]) for k in ("peak_bytes_in_use", "bytes_limit") if stats and k in stats} or None


def _timed(compiled, args, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        times.append(time.perf_counter() - t)
    return times


def bench_transect(repeats: int) -> dict:
    from models import simulate

    prep, note = _prepare(TRANSECT)
    t0 = time.perf_counter()
    compiled = simulate.lower(prep.state0, prep.params, prep.schedule, prep.grid).compile()
    compile_s = time.perf_counter() - t0
    runs = _timed(compiled, (prep.state0, prep.params, prep.schedule), repeats)
    return {"columns": int(prep.grid.lateral.size), "steps": int(prep.tgrid.n_steps), "compile_s": compile_s,
            "run_s": min(runs), "run_median_s": float(np.median(runs)), "note": note}


def bench_columns(n: int, repeats: int) -> dict:
    from experiments.sweep import simulate_batch

    prep, note = _prepare(COURSE)
    vacuum = jnp.linspace(5.0, 50.0, n)

    def batch(leaf):
        return jnp.broadcast_to(leaf, (n,) + jnp.shape(leaf))

    state0 = jax.tree_util.tree_map(batch, prep.state0)
    params = jax.tree_util.tree_map(batch, prep.params)
    schedule = jax.tree_util.tree_map(batch, prep.schedule)
    import equinox as eqx

    v = schedule.settings.vacuum_kpa  # (n, E): the sessions' vacuum, spread over the device's range
    spread = jnp.where(v > 0, vacuum[:, None], v)
    schedule = eqx.tree_at(lambda s: s.settings.vacuum_kpa, schedule, spread)
    t0 = time.perf_counter()
    compiled = simulate_batch.lower(state0, params, schedule, prep.grid).compile()
    compile_s = time.perf_counter() - t0
    runs = _timed(compiled, (state0, params, schedule), repeats)
    return {"columns": n, "steps": int(prep.tgrid.n_steps), "compile_s": compile_s, "run_s": min(runs),
            "run_median_s": float(np.median(runs)), "columns_per_s": n / min(runs), "note": note}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--columns", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from experiments._jaxconfig import configure_jax

    configure_jax()
    device = jax.devices()[0]
    out = {"device": {"platform": device.platform, "kind": getattr(device, "device_kind", "?"),
                      "count": jax.device_count(), "jax": jax.__version__}}
    print(f"device: {device.platform} ({out['device']['kind']}), {jax.device_count()} device(s), jax {jax.__version__}", flush=True)
    t = bench_transect(args.repeats)
    t["memory"] = _memory(device)
    out["transect"] = t
    print(f"[transect] {t['columns']} columns x {t['steps']} steps: run {t['run_s']:.3f} s (median {t['run_median_s']:.3f}), "
          f"compile {t['compile_s']:.1f} s, memory {t['memory']}", flush=True)
    c = bench_columns(args.columns, args.repeats)
    c["memory"] = _memory(device)
    out["columns"] = c
    print(f"[columns] {c['columns']} single-column courses x {c['steps']} steps in one batch: run {c['run_s']:.2f} s "
          f"({c['columns_per_s']:.0f} columns/s), compile {c['compile_s']:.1f} s, memory {c['memory']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
