"""Cost of global sensitivity analysis: the command on its example, and gradient vs forward run.

1. ``epiturn sensitivity configs/sensitivity/course_typical_face.yaml`` in a child
   process (the homeostasis of the base profile cached beforehand, so its one spin-up is not
   counted; every sample's own spin-up is): wall-clock time, CPU time, peak RSS, and the
   stage times, model runs and spin-ups the result records. ``--samples N`` runs a smaller
   design (N a power of 2).
2. The irritation burden of a 12-week (84-day) course on a single column (the typical
   course: 6 weekly sessions, then follow-up to day 84), as a function of (vacuum, passes,
   the SC delamination energy): one forward run against its reverse-mode gradient
   (``jax.grad``), both jit-compiled, from the cached homeostasis; and the same with
   a skin parameter (``ve_transit_days``) among the inputs, where every evaluation spins the
   skin up again (four 90-day stages) and the gradient runs back through the spin-up.
   Times after compilation (minimum over repeats), compile times, and the ratio
   gradient / forward.

Run: ``python benchmarks/bench_sensitivity.py [--samples 32] [--repeats 3] [--skip-command]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLE = os.path.join(ROOT, "configs", "sensitivity", "course_typical_face.yaml")
COURSE = {"skin": "young_face", "device": "diamond_medium",
          "protocol": {"interval_days": 7, "sessions": 6, "follow_up_days": 28,
                       "settings": {"vacuum_kpa": 30, "passes": 2, "speed_mm_s": 20, "load_n": 2}},
          "grid": {"lateral": "column", "dt_hours": 1}, "duration_days": 84}


def command_cost(samples: int | None) -> dict:
    import xarray as xr

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "s.nc")
        cmd = [sys.executable, "-m", "experiments.cli", "sensitivity", EXAMPLE, "-o", out]
        if samples:
            cmd += ["--samples", str(samples)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"epiturn sensitivity failed: {proc.stderr.strip().splitlines()[-1:]}")
        ds = xr.open_dataset(out, decode_times=False)
        attrs = dict(ds.attrs)
        ds.close()
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_gib": after.ru_maxrss / 1024**2, "model_runs": attrs["model_runs"], "spin_ups": attrs["spin_ups"],
            "samples": attrs["samples"], "evaluate_s": attrs["time_evaluate_s"], "gradients_s": attrs["time_gradients_s"],
            "gradient_points": attrs["gradient_points"]}


def _best(fn, x, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(x))
        times.append(time.perf_counter() - t)
    return min(times)


def gradient_vs_forward(parameters, repeats: int) -> dict:
    from experiments.config import load_run_config
    from experiments.sensitivity import ModelProblem, build_factors

    resolved = load_run_config(COURSE)
    factors = build_factors(resolved, parameters)
    problem = ModelProblem(resolved, factors, ["irritation_burden_days"])
    x = jax.numpy.asarray([f.nominal for f in factors]) * 1.01  # off the integer pass count
    loss = lambda v: problem.point(v)[0]  # noqa: E731
    out = {"steps": problem.n_steps}
    for name, fn in (("forward", jax.jit(loss)), ("gradient", jax.jit(jax.grad(loss)))):
        t = time.perf_counter()
        compiled = fn.lower(x).compile()
        out[f"{name}_compile_s"] = time.perf_counter() - t
        out[f"{name}_s"] = _best(compiled, x, repeats)
    out["ratio"] = out["gradient_s"] / out["forward_s"]
    out["gradient"] = np.asarray(jax.grad(loss)(x)).tolist()
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=None, help="base sample size of the command (default: the example's)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-command", action="store_true")
    args = ap.parse_args(argv)
    from experiments._jaxconfig import configure_jax

    configure_jax()
    if not args.skip_command:
        c = command_cost(args.samples)
        print(f"epiturn sensitivity {os.path.relpath(EXAMPLE, ROOT)}: N = {c['samples']}, {c['model_runs']} runs, "
              f"{c['spin_ups']} spin-ups, gradients at {c['gradient_points']} points")
        print(f"  wall {c['wall_s']:.1f} s (design {c['evaluate_s']:.1f} s, gradients {c['gradients_s']:.1f} s), "
              f"CPU {c['cpu_s']:.1f} s, peak RSS {c['peak_rss_gib']:.2f} GiB")
    for label, params in (("settings + mechanics (from the cached homeostasis)",
                           ["vacuum_kpa", "passes", "sc_delamination_energy_j_per_m2"]),
                          ("with a skin parameter (spin-up inside)", ["ve_transit_days", "vacuum_kpa", "passes"])):
        g = gradient_vs_forward(params, args.repeats)
        print(f"12-week column course ({g['steps']} steps), irritation burden, {label}:")
        print(f"  forward {g['forward_s']:.3f} s (compile {g['forward_compile_s']:.1f} s), "
              f"gradient {g['gradient_s']:.3f} s (compile {g['gradient_compile_s']:.1f} s), ratio {g['ratio']:.1f}")
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")


if __name__ == "__main__":
    main()
