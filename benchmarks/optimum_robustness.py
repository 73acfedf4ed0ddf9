"""How robust is an optimised protocol? The same settings on other seeds and transects.

``epiturn optimise`` searches on a 32-column, 2 mm transect (the reverse pass of the main
job's 256-column transect does not fit a CPU machine's memory) and on the seeds of its
``replicates``. By default this re-runs the answer of a search on one seed (7 d; 8.57 kPa,
4 passes, 3.67 N, 28.1 mm/s: docs/optimise.md, "How robust the answer is") and, for
comparison, the main job's best safe dial cell (2 d, moderate) through ``experiments.run``
on seeds 0-2 and on the 32-, 64- and 256-column transects, printing the Ra change when the
next session is due, the deepest injury of living epidermis and the worst barrier recovery.

``--summary DIR/summary.json`` re-runs the best protocol of an ``epiturn optimise`` result
instead (e.g. the search on three seeds at once, ``replicates: 3``); ``--seeds`` names the
seeds (default 0 1 2), ``--transects`` the transects as ``COLUMNSxWIDTH_MM``.

Run: ``python benchmarks/optimum_robustness.py [--summary FILE] [--seeds 0 1 2 3 4]``
(~3 min on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

import experiments
from experiments.config import load_yaml

REPO = Path(__file__).resolve().parents[1]
OPTIMUM = {"vacuum_kpa": 8.57, "passes": 4, "load_n": 3.67, "speed_mm_s": 28.1, "mode": "moving"}
GRID_BEST = {"level": "moderate", "speed_mm_s": 20, "mode": "moving"}
TRANSECTS = ((32, 2.0), (64, 2.0), (256, 5.0))  # (columns, width in mm)


def course(base: dict, interval: float, settings: dict, seed: int, n: int, width_mm: float) -> tuple:
    cfg = {**base, "seed": seed, "protocol": {**base["protocol"], "interval_days": interval, "settings": settings},
           "grid": {**base["grid"], "n": n, "width_mm": width_mm}}
    ds = experiments.run(cfg)
    return float(ds.ra_change_pct_end_course), float(ds.max_injury_um), float(ds.barrier_recovery_hours_max)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--summary", default=None, help="an epiturn optimise summary.json: re-run its best protocol")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--transects", nargs="+", default=[f"{n}x{w:g}" for n, w in TRANSECTS])
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)  # the SC age-grid note of some transects
    base = load_yaml(REPO / "configs" / "sweeps" / "frequency_intensity.yaml")["base"]
    cases = [("optimum, 7 d", 7, OPTIMUM), ("grid's best, moderate 2 d", 2, GRID_BEST)]
    if args.summary:
        best = json.loads(Path(args.summary).read_text())["best"]
        cases = [(f"optimum, {best['interval_days']:g} d", best["interval_days"], {**best["settings"], "mode": "moving"})]
    transects = [(int(t.split("x")[0]), float(t.split("x")[1])) for t in args.transects]
    for label, interval, settings in cases:
        for n, width in transects:
            rows = np.array([course(base, interval, settings, seed, n, width) for seed in args.seeds])
            print(f"{label:26s} {n:3d} columns / {width:g} mm: Ra change per seed {', '.join(map(str, args.seeds))}: "
                  f"{', '.join(f'{x:.1f}' for x in rows[:, 0])} % (mean {rows[:, 0].mean():.1f}); injury per seed "
                  f"{', '.join(f'{x:.3g}' for x in rows[:, 1])} um (limit 0.1); worst recovery {rows[:, 2].max():.0f} h",
                  flush=True)


if __name__ == "__main__":
    main()
