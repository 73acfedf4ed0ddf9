"""Cost of protocol optimisation: the optimiser against the main job's grid, and gradient vs forward run.

1. On the main job's problem (young_face, medium diamond, 6 sessions, 28 days of follow-up,
   intervals 2-21 d; configs/optimise/frequency_intensity.yaml, on its 32-column transect):
   ``experiments.optimise.optimise`` (vacuum, passes, load and hand speed free) against the
   main job's grid, the device's six dial levels at each interval (30 cells on the
   optimiser's seeds, 90 runs with its 3; the same model and transect), judged by the same
   decision rule (the mean over the seeds, safe on every one): the best objective of each
   and the model runs each took (a gradient evaluation counts as one run; its cost in
   forward runs is part 2's ratio).
2. The gradient of a 12-week column course against one forward run: the measurement of
   ``benchmarks/bench_sensitivity.py`` (``gradient_vs_forward``), reused.

Run: ``python benchmarks/bench_optimise.py [--starts 2] [--iterations 12] [--skip-ratio] [--grid-only]``;
prints the numbers and writes them as JSON (``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLE = os.path.join(ROOT, "configs", "optimise", "frequency_intensity.yaml")
sys.path.insert(0, HERE)


def grid_best(cfg) -> dict:
    """The main job's grid (the dial levels x the intervals) on the optimiser's model and rule,
    on the optimiser's seeds (``cfg.replicates``), judged as a sweep's decision judges
    replicates: the mean objective, safe when every seed is within every limit."""
    import dataclasses

    from experiments.optimise._run import replicate_rows
    from experiments.sensitivity import ModelProblem

    levels = cfg.base.device.levels
    names = [f.name for f in cfg.factors]
    speed = float(cfg.base.session_settings()[0].get("speed_mm_s", 20.0))
    rows = np.array([[getattr(lv, n) if n != "speed_mm_s" else speed for n in names] for lv in levels.values()], float)
    keys = tuple(dataclasses.replace(f, low=0.0, high=0.0, nominal=0.0, range_kind="", source="") for f in cfg.factors)
    limits = cfg.rule.constraints()
    outcomes = [cfg.rule.objective] + [lim.outcome for lim in limits]
    sign = 1.0 if cfg.rule.sense == "min" else -1.0
    k = len(cfg.replicates)
    cells, t0 = [], time.perf_counter()
    for interval in cfg.intervals:
        problem = ModelProblem.shared(cfg.at_interval(interval), keys, outcomes)
        starts = problem.homeostasis_at([cfg.at_interval(interval, seed) for seed in cfg.replicates])
        runs = replicate_rows(rows, k)
        y = problem.values_from(starts, runs, len(runs)).reshape(len(rows), k, len(outcomes))
        for level, per_seed in zip(levels, y):
            safe = all(lim.satisfied(v) for row in per_seed for lim, v in zip(limits, row[1:]))
            cells.append({"interval_days": interval, "level": level, "objective": float(per_seed[:, 0].mean()),
                          "objective_per_seed": [float(v) for v in per_seed[:, 0]], "safe": safe,
                          **{lim.name: float(per_seed[:, 1 + j].max()) for j, lim in enumerate(limits)}})
    safe = [c for c in cells if c["safe"]]
    best = min(safe, key=lambda c: sign * c["objective"]) if safe else None
    return {"cells": cells, "best": best, "runs": len(cells) * k, "safe": len(safe), "seeds": list(cfg.replicates),
            "time_s": time.perf_counter() - t0}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=None)
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-ratio", action="store_true")
    ap.add_argument("--grid-only", action="store_true", help="only the main job's grid (part 1's reference)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    from experiments._jaxconfig import configure_jax

    configure_jax()
    import yaml

    from experiments.optimise import load_optimise_config, optimise

    data = yaml.safe_load(open(EXAMPLE))
    for key in ("starts", "iterations"):
        if getattr(args, key) is not None:
            data["optimise"][key] = getattr(args, key)
    cfg = load_optimise_config(data)
    out = {}
    if args.grid_only:
        g = grid_best(cfg)
        print(json.dumps(g, indent=1), flush=True)
        return
    t0 = time.perf_counter()
    res = optimise(cfg, progress=True)
    out["optimiser"] = {"best": None if res.best is None else {k: res.best[k] for k in ("interval_days", "settings", "objective")},
                        "resimulated": None if res.best is None else res.best["run"], "counts": res.counts,
                        "time_s": time.perf_counter() - t0, "per_interval": [
                            {k: e.get(k) for k in ("interval_days", "feasible", "objective", "settings")} for e in res.intervals]}
    print(json.dumps(out["optimiser"], indent=1, default=str), flush=True)
    g = grid_best(cfg)
    out["grid"] = g
    print(json.dumps({k: v for k, v in g.items() if k != "cells"}, indent=1), flush=True)
    if not args.skip_ratio:
        from bench_sensitivity import gradient_vs_forward

        out["ratio"] = gradient_vs_forward(["vacuum_kpa", "passes", "sc_delamination_energy_j_per_m2"], args.repeats)
        r = out["ratio"]
        print(f"12-week column course ({r['steps']} steps): forward {r['forward_s']:.3f} s, gradient "
              f"{r['gradient_s']:.3f} s, ratio {r['ratio']:.1f}")
    ob, gb = out["optimiser"]["best"], g["best"]
    print(f"optimiser: {ob and ob['objective']:.3f} at {ob and ob['interval_days']} d with {res.counts['model_runs']} model runs "
          f"({res.counts['gradient_evaluations']} with gradients); grid: {gb and gb['objective']:.3f} at "
          f"{gb and (gb['interval_days'], gb['level'])} with {g['runs']} runs ({g['safe']} safe)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
