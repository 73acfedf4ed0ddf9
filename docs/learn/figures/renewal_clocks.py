"""Figure of the guide: the renewal clock of each skin profile, from the model's homeostasis.

Run:  python docs/learn/figures/renewal_clocks.py [OUT_DIR]      (about a minute on 2 CPU cores, empty cache)

Runs the untreated steady state of the three profiles of ``configs/skin/`` (young face,
aged face, volar forearm) on a single column for two days and draws, per profile, how
long a cell takes to cross the viable epidermis (the profile's ``ve_transit_days``, the
mean transit of the maturation chain) and then the stratum corneum (the model's
homeostatic SC transit time, ``sc_transit_days_baseline``), and how thick each
compartment is (``ve_thickness_um_baseline``, the SC thickness). Prints one row per
profile. What to look for: the face renews its SC in about 10 days, the forearm in about
20 (more, thinner layers), and the aged face is slower in both compartments.

Writes OUT_DIR/renewal_clocks.png (default OUT_DIR: docs/learn/figures, the committed
figure of docs/learn/renewal.md) and prints ``wrote PATH``. Homeostases are cached in
``$EPITURN_CACHE``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _common import HERE, profile_value, save  # noqa: E402

from experiments import run  # noqa: E402

PROFILES = ("young_face", "aged_face", "forearm")


def homeostasis(skin: str) -> dict:
    ds = run({"skin": skin, "grid": {"lateral": "column"}, "duration_days": 2, "save": {"every_hours": 24}})
    return {"ve_days": profile_value("ve_transit_days", skin), "sc_days": float(ds.sc_transit_days_baseline),
            "ve_um": float(ds.ve_thickness_um_baseline), "sc_um": float(ds.sc_thickness_um.isel(time=0)),
            "sc_layers": float(ds.sc_layers_baseline), "tewl": float(ds.tewl_baseline)}


def main(out_dir=HERE):
    out = Path(out_dir)
    rows = {skin: homeostasis(skin) for skin in PROFILES}
    print(f"{'profile':<11} {'VE transit':>11} {'SC transit':>11} {'SC layers':>10} {'SC':>8} {'VE':>8} {'TEWL':>16}")
    for skin, r in rows.items():
        print(f"{skin:<11} {r['ve_days']:>9.1f} d {r['sc_days']:>9.1f} d {r['sc_layers']:>10.1f} "
              f"{r['sc_um']:>5.1f} um {r['ve_um']:>5.1f} um {r['tewl']:>6.2f} g m-2 h-1")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.4))
    names = [s.replace("_", " ") for s in PROFILES]
    ve = [rows[s]["ve_days"] for s in PROFILES]
    sc = [rows[s]["sc_days"] for s in PROFILES]
    ax1.barh(names, ve, color="#eab5a5", label="viable epidermis (basal layer → SC)")
    ax1.barh(names, sc, left=ve, color="0.6", label="stratum corneum (formed → shed)")
    for i, (a, b) in enumerate(zip(ve, sc)):
        ax1.text(a + b + 0.5, i, f"{a + b:.0f} d", va="center", fontsize=9)
    ax1.set_xlabel("time a cell spends in each compartment (days)")
    ax1.set_xlim(0, max(a + b for a, b in zip(ve, sc)) * 1.18)
    ax1.invert_yaxis()
    ax1.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    ax1.set_title("The renewal clock")
    ve_um = [rows[s]["ve_um"] for s in PROFILES]
    sc_um = [rows[s]["sc_um"] for s in PROFILES]
    ax2.barh(names, ve_um, color="#eab5a5", label="viable epidermis")
    ax2.barh(names, sc_um, left=ve_um, color="0.6", label="stratum corneum")
    for i, s in enumerate(PROFILES):
        ax2.text(ve_um[i] + sc_um[i] + 1, i, f"{rows[s]['sc_layers']:.1f} SC layers", va="center", fontsize=9)
    ax2.set_xlabel("thickness (µm)")
    ax2.set_xlim(0, max(a + b for a, b in zip(ve_um, sc_um)) * 1.35)
    ax2.invert_yaxis()
    ax2.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax2.set_title("The two compartments at homeostasis")
    path = save(fig, out, "renewal_clocks")
    return rows


if __name__ == "__main__":
    main(*sys.argv[1:2])
