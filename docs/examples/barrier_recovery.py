"""Tutorial: how the skin barrier recovers after tape stripping.

Run:  python docs/examples/barrier_recovery.py [OUT_DIR]

Strips 90 % of the stratum corneum (SC) of a young forearm and of an aged face, then
plots TEWL (water loss), the recovery fraction (Ghadially et al. 1995 definition), the
calcium under the SC and the SC layer count. What to look for:

* TEWL jumps at once (the barrier is the SC lipids), then falls within hours: lamellar
  bodies secrete lipid into the few remaining layers (fast repair);
* the SC layer count comes back only at the renewal rate (~1 layer/day: slow repair);
* the calcium gradient, the barrier sensor that triggers secretion, is lost at once and
  returns with the barrier;
* the aged profile repairs more slowly.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments import run  # noqa: E402


def recovery(ds):
    """Recovery fraction (TEWL_after - TEWL(t)) / (TEWL_after - TEWL_baseline)."""
    after = ds.tewl.sel(time=slice(1.0, None)).max()
    return (after - ds.tewl) / (after - ds.tewl_baseline)


def main(out_dir="results/tutorial", days=8):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for skin in ("forearm", "aged_face"):
        ds = run({"skin": skin, "events": [{"day": 1, "kind": "strip", "remove_fraction": 0.9}],
                  "grid": {"lateral": "column"}, "save": {"every_hours": 1}, "duration_days": days})
        axes[0, 0].plot(ds.time, ds.tewl, label=skin)
        axes[0, 1].plot(ds.time, 100 * recovery(ds).where(ds.time > 1), label=skin)
        axes[1, 0].plot(ds.time, ds.calcium_top, label=skin)
        axes[1, 1].plot(ds.time, ds.sc_layers, label=skin)
    labels = [("TEWL (g m$^{-2}$ h$^{-1}$)", axes[0, 0]), ("barrier recovery (%)", axes[0, 1]),
              ("calcium under the SC (normalised)", axes[1, 0]), ("SC layers", axes[1, 1])]
    for text, ax in labels:
        ax.set_ylabel(text)
        ax.legend()
    for ax in axes[1]:
        ax.set_xlabel("time (days)")
    fig.suptitle("Tape stripping (90 % of the SC) at day 1")
    fig.tight_layout()
    path = out / "barrier_recovery.png"
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main(*(sys.argv[1:2] or []))
