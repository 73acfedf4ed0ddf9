"""Figure of the guide: what one microdermabrasion session removes, and how the skin answers.

Run:  python docs/learn/figures/session_response.py [OUT_DIR]      (about 40 s on 2 CPU cores, empty cache)

One session on day 1 on the young face (single column), followed for two weeks, at two
settings: the typical clinical session (medium diamond tip, 30 kPa, 2 N, 2 passes; the
``moderate`` level of ``configs/devices/diamond_medium.yaml``) and an injuring one (coarse
diamond tip, 55 kPa, 5 N, 8 passes). Panels: SC layers, TEWL relative to baseline, basal
proliferation relative to its resting rate, and the depth of living epidermis lost (µm).
What to look for: the typical session takes part of the SC, the barrier closes within a
day and proliferation rises modestly; the injuring one takes the whole SC and some living
cells, the barrier stays open for days and the regenerative response is several times
larger. Prints, per setting, the SC removed, the injury, the barrier recovery time and the
proliferation peak.

Writes OUT_DIR/session_response.png (default OUT_DIR: docs/learn/figures, the committed
figure of docs/learn/exfoliation.md) and prints ``wrote PATH``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _common import HERE, save  # noqa: E402
import numpy as np  # noqa: E402

from experiments import run  # noqa: E402

SESSION_DAY = 1.0
SETTINGS = {
    "typical (medium tip, 30 kPa, 2 N, 2 passes)":
        ("diamond_medium", {"vacuum_kpa": 30, "passes": 2, "speed_mm_s": 20, "load_n": 2}),
    "injuring (coarse tip, 55 kPa, 5 N, 8 passes)":
        ("diamond_coarse", {"vacuum_kpa": 55, "passes": 8, "speed_mm_s": 20, "load_n": 5}),
}


def one_session(device: str, settings: dict):
    return run({"skin": "young_face", "device": device, "grid": {"lateral": "column", "dt_hours": 1},
                "protocol": {"sessions": 1, "start_day": SESSION_DAY, "interval_days": 7, "follow_up_days": 14,
                             "settings": settings},
                "save": {"every_hours": 2}})


def main(out_dir=HERE):
    out = Path(out_dir)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    for (label, (device, settings)), colour in zip(SETTINGS.items(), ("tab:blue", "tab:red")):
        ds = one_session(device, settings)
        days = ds.time.values - SESSION_DAY
        before = ds.sel(time=SESSION_DAY - 0.5, method="nearest")
        prolif = (ds.basal_proliferation / float(before.basal_proliferation)).values
        peak = int(np.argmax(prolif))
        print(f"{label}: removed {float(ds.removed_layers.isel(session=0)):.2f} SC layers, "
              f"injury {float(ds.injury_max_um.isel(session=0)):.2f} um, "
              f"barrier recovery {float(ds.barrier_recovery_hours.isel(session=0)):.0f} h, "
              f"proliferation peak {prolif[peak]:.2f}x at {24 * days[peak]:.0f} h")
        axes[0, 0].plot(days, ds.sc_layers, color=colour, label=label)
        axes[0, 1].plot(days, ds.tewl / float(ds.tewl_baseline), color=colour, label=label)
        axes[1, 0].plot(days, prolif, color=colour, label=label)
        axes[1, 1].plot(days, ds.injury_depth_um, color=colour, label=label)
    axes[0, 0].set_ylabel("SC layers (1)")
    axes[0, 1].set_ylabel("TEWL relative to baseline (1)")
    axes[0, 1].axhspan(0, 1.1, color="0.9", zorder=0)
    axes[0, 1].set_ylim(0.8, None)
    axes[1, 0].set_ylabel("basal proliferation relative to rest (1)")
    axes[1, 1].set_ylabel("living epidermis lost, unhealed (µm)")
    axes[0, 0].legend(frameon=False, fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("days after the session (d)")
    for ax in axes.flat:
        ax.set_xlim(-1, 14)
    fig.suptitle("One microdermabrasion session on the young face (model, single column)", fontsize=11)
    path = save(fig, out, "session_response")


if __name__ == "__main__":
    main(*sys.argv[1:2])
