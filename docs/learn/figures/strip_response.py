"""Figure of the guide: the two speeds of repair and the regenerative response after a full tape strip.

Run:  python docs/learn/figures/strip_response.py [OUT_DIR]      (about 30 s on 2 CPU cores, empty cache)

Removes the whole stratum corneum (SC) of the volar forearm by tape stripping on day 1 (the
T13 experiment of ``configs/validation/regeneration_strip_forearm.yaml``, single column)
and follows it for 3 weeks. Left: TEWL and the lamellar-body store (fast repair: lipid
secreted within hours) against the SC thickness (slow repair: rebuilt by renewal).
Right: basal proliferation and the corneocyte flux into the SC, relative to their resting
values: proliferation rises within a day and peaks about two days after the strip;
the flux into the SC rises at once (faster differentiation), both return to rest over two
weeks. Prints the proliferation peak (hours after the strip, fold of baseline) and the days
at which TEWL is back within 10 % of baseline and the SC back to 80 % of its thickness.

Writes OUT_DIR/strip_response.png (default OUT_DIR: docs/learn/figures, the committed
figure of docs/learn/barrier.md and docs/learn/exfoliation.md) and prints ``wrote PATH``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _common import HERE, save  # noqa: E402
import numpy as np  # noqa: E402

from experiments import run  # noqa: E402

STRIP_DAY = 1.0


def first_day_within(t, y, limit, after=STRIP_DAY, above=False):
    """First time (days after the strip) from which ``y`` stays on the good side of ``limit``."""
    t, y = np.asarray(t), np.asarray(y)
    good = (y >= limit) if above else (y <= limit)
    later = t > after
    for i in np.flatnonzero(later):
        if good[i:].all():
            return float(t[i] - after)
    return float("nan")


def main(out_dir=HERE):
    out = Path(out_dir)
    ds = run({"skin": "forearm", "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 2},
              "events": [{"day": STRIP_DAY, "kind": "strip", "remove_fraction": 1.0}], "duration_days": 22})
    t = ds.time.values
    before = ds.sel(time=STRIP_DAY - 0.5, method="nearest")
    prolif = ds.basal_proliferation / float(before.basal_proliferation)
    flux = ds.sc_production_rate / float(before.sc_production_rate)
    tewl = ds.tewl / float(ds.tewl_baseline)
    sc = ds.sc_thickness_um / float(before.sc_thickness_um)
    peak = int(np.argmax(prolif.values))
    peak_h = 24 * (t[peak] - STRIP_DAY)
    print(f"proliferation peak: {peak_h:.0f} h after the strip, {float(prolif[peak]):.2f}x baseline")
    print(f"flux into the SC 1 day after the strip: {float(flux.sel(time=STRIP_DAY + 1, method='nearest')):.2f}x baseline")
    print(f"TEWL back within 10 % of baseline: {first_day_within(t, tewl.values, 1.1):.1f} d after the strip")
    print(f"SC back to 80 % of its thickness: {first_day_within(t, sc.values, 0.8, above=True):.1f} d after the strip")
    print(f"lamellar-body store, lowest: {float(ds.lamellar_body_store.min()):.2f} (before the strip "
          f"{float(before.lamellar_body_store):.2f})")

    days = t - STRIP_DAY
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    ax1.plot(days, tewl, color="tab:red", label="TEWL / baseline")
    ax1.set_ylabel("TEWL relative to baseline (1)", color="tab:red")
    ax1b = ax1.twinx()
    ax1b.plot(days, sc, color="0.3", label="SC thickness / before")
    ax1b.plot(days, ds.lamellar_body_store, color="tab:brown", ls="--", label="lamellar-body store (0..1)")
    ax1b.set_ylabel("SC thickness relative to before; store (1)")
    ax1b.set_ylim(0, 1.15)
    lines = ax1.get_lines() + ax1b.get_lines()
    ax1.legend(lines, [ln.get_label() for ln in lines], frameon=False, fontsize=8, loc="center right")
    ax1.set_title("Fast lipid repair, slow rebuilding")
    ax2.plot(days, prolif, color="tab:purple", label="basal proliferation")
    ax2.plot(days, flux, color="tab:green", label="corneocyte flux into the SC")
    ax2.axhline(1, color="0.6", lw=0.8, ls=":")
    ax2.axvline(peak_h / 24, color="tab:purple", lw=0.8, ls="--")
    ax2.annotate(f"peak {peak_h:.0f} h", xy=(peak_h / 24, float(prolif[peak])), xytext=(5, float(prolif[peak]) * 0.95),
                 fontsize=9, arrowprops={"arrowstyle": "->"})
    ax2.set_ylabel("relative to the resting rate (1)")
    ax2.legend(frameon=False, fontsize=8)
    ax2.set_title("The regenerative response")
    for ax in (ax1, ax2):
        ax.set_xlabel("days after the strip (d)")
        ax.set_xlim(-1, days[-1])
    fig.suptitle("Volar forearm, whole SC removed by tape stripping (model)", fontsize=11)
    path = save(fig, out, "strip_response")


if __name__ == "__main__":
    main(*sys.argv[1:2])
