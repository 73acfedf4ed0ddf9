"""Cost of calibration: the command on its example, and one model evaluation with its Jacobian.

1. ``epiturn calibrate configs/calibrate/t7_barrier_recovery.yaml
   configs/calibrate/t7_barrier_recovery.csv`` in a child process (the homeostasis of
   the base profile cached beforehand; compilation counted unless the persistent
   compilation cache already holds the solve: ``--cold`` gives the child an empty one):
   wall-clock time, CPU time, peak RSS, and what the written profile's ``calibration``
   block records: model evaluations with their Jacobian (one per optimiser step, every
   start), the time of the solves, chi2 / dof.
2. The example's model at its data points, ``(D,) -> (n,)`` (D = 2 skin parameters, so
   every evaluation spins the skin up: four 90-day stages, then the 5-day strip run): one
   forward evaluation against its Jacobian in reverse mode (``jax.jacrev``, n backward
   passes), both jit-compiled; times after compilation (minimum over repeats), compile
   times, the ratio.

Run: ``python benchmarks/bench_calibrate.py [--repeats 3] [--skip-command] [--cold]``.
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
import yaml

jax.config.update("jax_enable_x64", True)  # a process entry point: 64-bit floats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]  # this checkout's packages, and the other benchmarks
from bench_sensitivity import _best  # noqa: E402  (the minimum over repeats of a compiled call)

EXAMPLE = os.path.join(ROOT, "configs", "calibrate", "t7_barrier_recovery.yaml")
DATA = os.path.join(ROOT, "configs", "calibrate", "t7_barrier_recovery.csv")


def command_cost(cold: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "p.yaml")
        env = dict(os.environ)
        if cold:
            env["JAX_COMPILATION_CACHE_DIR"] = os.path.join(tmp, "jax")
        cmd = [sys.executable, "-m", "experiments.cli", "calibrate", EXAMPLE, DATA, "-o", out]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"epiturn calibrate failed: {proc.stderr.strip().splitlines()[-1:]}")
        with open(out, encoding="utf-8") as fh:
            block = yaml.safe_load(fh)["calibration"]
    fit = block["fit"]
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_gib": after.ru_maxrss / 1024**2, "evaluations": fit["evaluations"], "fit_s": fit["time_s"],
            "starts": len(fit["starts"]), "chi2": fit["chi2"], "dof": fit["dof"], "points": block["data"]["points"],
            "parameters": {k: (v["value"], v["standard_error"]) for k, v in block["parameters"].items()},
            "stdout": proc.stdout.strip().splitlines()}


def jacobian_vs_forward(repeats: int) -> dict:
    from experiments.calibrate import SeriesProblem, load_calibration_config, load_observations

    cfg = load_calibration_config(EXAMPLE)
    obs = load_observations(DATA)
    problem = SeriesProblem(cfg.base, cfg.factors, obs, cfg.spin_up_stage_days)
    x = jax.numpy.asarray([f.nominal for f in cfg.factors])
    out = {"points": obs.size, "parameters": len(cfg.factors), "steps": problem.n_steps}
    for name, fn in (("forward", jax.jit(problem.point)), ("jacobian", jax.jit(jax.jacrev(problem.point)))):
        t = time.perf_counter()
        compiled = fn.lower(x).compile()
        out[f"{name}_compile_s"] = time.perf_counter() - t
        out[f"{name}_s"] = _best(compiled, x, repeats)
    out["ratio"] = out["jacobian_s"] / out["forward_s"]
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-command", action="store_true")
    ap.add_argument("--cold", action="store_true", help="the command with an empty compilation cache")
    args = ap.parse_args(argv)
    from experiments._jaxconfig import configure_jax

    configure_jax()
    if not args.skip_command:
        c = command_cost(args.cold)
        print(f"epiturn calibrate {os.path.relpath(EXAMPLE, ROOT)} {os.path.relpath(DATA, ROOT)} "
              f"({'cold' if args.cold else 'warm'} compilation cache): {c['points']} points, {c['starts']} starts")
        print(f"  wall {c['wall_s']:.1f} s (solves {c['fit_s']:.1f} s), CPU {c['cpu_s']:.1f} s, "
              f"peak RSS {c['peak_rss_gib']:.2f} GiB; {c['evaluations']} model evaluations with their Jacobian")
        print("  " + ", ".join(f"{k} {v:.4g} +- {se:.2g}" for k, (v, se) in c["parameters"].items())
              + f"; chi2 {c['chi2']:.3g} / {c['dof']} dof")
    j = jacobian_vs_forward(args.repeats)
    print(f"model at the {j['points']} data points ({j['parameters']} skin parameters: spin-up inside, "
          f"then {j['steps']} steps):")
    print(f"  forward {j['forward_s']:.3f} s (compile {j['forward_compile_s']:.1f} s), "
          f"Jacobian {j['jacobian_s']:.3f} s (compile {j['jacobian_compile_s']:.1f} s), ratio {j['ratio']:.1f}")
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")


if __name__ == "__main__":
    main()
