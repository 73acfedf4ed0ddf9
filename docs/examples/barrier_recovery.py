"""Tutorial: how the skin barrier recovers after tape stripping.

Run:  python docs/examples/barrier_recovery.py [OUT_DIR]      (about 20 s on 2 CPU cores)

Strips 90 % of the stratum corneum (SC) of a young and of an aged face (the same site,
so only age differs) on day 1, then plots TEWL (water loss), the recovery fraction
(Ghadially et al. 1995 definition), the calcium under the SC and the SC layer count, and
prints the recovery 1, 2 and 6 days after the strip. What to look for:

* TEWL jumps at once (the barrier is the SC lipids) and starts to fall within hours:
  lamellar bodies secrete lipid into the few remaining layers (fast repair);
* the SC layer count comes back only at the renewal rate (under a layer a day: slow
  repair);
* the calcium gradient, the barrier sensor that triggers secretion, is lost at once and
  returns with the barrier;
* the aged face repairs more slowly (Ghadially et al. 1995; docs/validation.md, T7).

Writes OUT_DIR/barrier_recovery.png (default OUT_DIR: results/tutorial) and prints
``wrote PATH``. Runs the model on single columns; the homeostatic states are cached in
``$EPITURN_CACHE`` (docs/user_guide.md), so a second run takes about half the time.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments import run  # noqa: E402

SKINS = ("young_face", "aged_face")
STRIP_DAY = 1.0
REPORT_DAYS = (1, 2, 6)  # days after the strip at which the recovery is printed


def recovery(ds):
    """Recovery fraction (TEWL_after - TEWL(t)) / (TEWL_after - TEWL_baseline)."""
    after = ds.tewl.sel(time=slice(STRIP_DAY, None)).max()
    return (after - ds.tewl) / (after - ds.tewl_baseline)


def main(out_dir="results/tutorial", days=8):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    recovered = {}
    for skin in SKINS:
        ds = run({"skin": skin, "events": [{"day": STRIP_DAY, "kind": "strip", "remove_fraction": 0.9}],
                  "grid": {"lateral": "column"}, "save": {"every_hours": 1}, "duration_days": days})
        rec = 100 * recovery(ds).where(ds.time > STRIP_DAY)
        recovered[skin] = [float(rec.sel(time=STRIP_DAY + d, method="nearest")) for d in REPORT_DAYS]
        axes[0, 0].plot(ds.time, ds.tewl, label=skin)
        axes[0, 1].plot(ds.time, rec, label=skin)
        axes[1, 0].plot(ds.time, ds.calcium_top, label=skin)
        axes[1, 1].plot(ds.time, ds.sc_layers, label=skin)
    labels = [("TEWL (g m$^{-2}$ h$^{-1}$)", axes[0, 0]), ("barrier recovery (%)", axes[0, 1]),
              ("calcium under the SC (normalised)", axes[1, 0]), ("SC layers", axes[1, 1])]
    for text, ax in labels:
        ax.set_ylabel(text)
        ax.legend()
    for ax in axes[1]:
        ax.set_xlabel("time (days)")
    fig.suptitle(f"Tape stripping (90 % of the SC) at day {STRIP_DAY:g}")
    fig.tight_layout()
    path = out / "barrier_recovery.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print("barrier recovery (%) " + ", ".join(f"{d} d" for d in REPORT_DAYS) + " after the strip:")
    for skin, values in recovered.items():
        print(f"  {skin}: " + ", ".join(f"{v:.0f}" for v in values))
    print(f"wrote {path}")
    return path, recovered


if __name__ == "__main__":
    main(*(sys.argv[1:2] or []))
