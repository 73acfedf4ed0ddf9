"""Figure of the guide: the layers of the epidermis as the model sees them (a schematic).

Run:  python docs/learn/figures/layers.py [OUT_DIR]      (a second; no simulation)

Draws a cross-section of the young-face epidermis to scale in depth: the dermis with its
papillae, the basal layer, the maturation chain (spinous and granular stages, the
lamellar bodies of the granular layer), the stratum corneum (SC) as a stack of dated
cohorts that moves up and is shed at the top, and beside it the calcium gradient of the
viable epidermis (low at the basal layer, high under the SC). The thicknesses are the
young-face profile's own (``configs/skin/young_face.yaml``: viable epidermis
``ve_thickness_um``; SC = about 9 layers of ``sc_layer_thickness_um``), the layer count
its homeostatic value from the model (docs/validation.md, T1).

Writes OUT_DIR/layers.png (default OUT_DIR: docs/learn/figures, the committed figure of
docs/learn/renewal.md) and prints ``wrote PATH``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _common import HERE, profile_value, save  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Ellipse, Rectangle  # noqa: E402

SC_LAYERS = 9  # homeostatic young-face SC: 8.97 layers (docs/device.md), T1: face 9 +- 2


def main(out_dir=HERE):
    out = Path(out_dir)
    h_ve = profile_value("ve_thickness_um")          # um
    h_layer = profile_value("sc_layer_thickness_um")  # um per corneocyte layer
    h_sc = SC_LAYERS * h_layer
    width = 120.0  # um of skin drawn
    x = np.linspace(0, width, 400)
    dermis_top = 6 * np.sin(2 * np.pi * x / 60)  # papillae, drawn (not to the model's relief)

    fig, (ax, axc) = plt.subplots(1, 2, figsize=(9.5, 6.2), gridspec_kw={"width_ratios": [5, 1.1]}, sharey=True)
    # dermis
    ax.fill_between(x, -25, dermis_top, color="#f2c9c0")
    ax.text(4, -18, "dermis (fibroblasts, capillaries)", fontsize=9)
    # viable epidermis: maturation stages as bands above the wavy dermis
    stages = [("basal layer: dividing cells", "#d98c8c"), ("spinous stages", "#eab5a5"),
              ("granular stages", "#f3d9b1")]
    bounds = [0.0, 0.12, 0.72, 1.0]
    for (label, colour), lo, hi in zip(stages, bounds[:-1], bounds[1:]):
        bottom = dermis_top + lo * (h_ve - dermis_top)
        top = dermis_top + hi * (h_ve - dermis_top)
        ax.fill_between(x, bottom, top, color=colour, lw=0)
        ax.text(width + 2, float(np.mean((bottom + top) / 2)), label, fontsize=9, va="center")
    # cells of the basal layer, and lamellar bodies in the granular layer
    for cx in np.arange(3, width, 6):
        cy = 6 * np.sin(2 * np.pi * cx / 60) + 3
        ax.add_patch(Ellipse((cx, cy), 5, 5, fc="#b35f5f", ec="none"))
    rng = np.random.default_rng(1)
    for cx, cy in zip(rng.uniform(2, width - 2, 60), rng.uniform(0.78 * h_ve, 0.97 * h_ve, 60)):
        ax.add_patch(Ellipse((cx, cy), 1.6, 0.9, fc="#7a5c2e", ec="none"))
    ax.annotate("lamellar bodies\n(lipid store)", xy=(30, 0.9 * h_ve), xytext=(36, 0.55 * h_ve), fontsize=9,
                arrowprops={"arrowstyle": "->"})
    # stratum corneum: cohorts as bricks, oldest on top, the top one coming loose
    greys = plt.cm.Greys(np.linspace(0.25, 0.7, SC_LAYERS))
    for i in range(SC_LAYERS):
        y0 = h_ve + i * h_layer
        shift = 7 * (i % 2)
        for bx in np.arange(-shift, width, 14):
            lifted = i == SC_LAYERS - 1 and 40 < bx < 70
            left, right = max(bx + 0.5, 0.0), min(bx + 13.5, width)
            ax.add_patch(Rectangle((left, y0 + (1.2 if lifted else 0) + 0.15), right - left, h_layer - 0.3,
                                   fc=greys[i], ec="white", lw=0.6, angle=6 if lifted else 0))
    ax.text(width + 2, h_ve + h_sc / 2, f"stratum corneum\n{SC_LAYERS} cohorts of corneocytes,\n"
            "oldest on top", fontsize=9, va="center")
    ax.annotate("", xy=(-4, h_ve + h_sc), xytext=(-4, h_ve), arrowprops={"arrowstyle": "->", "lw": 1.5})
    ax.text(-6, h_ve + h_sc / 2, "cohorts move up\nas they age", fontsize=8, ha="right", va="center")
    ax.annotate("desquamation: the oldest\ncohort is shed", xy=(55, h_ve + h_sc + 1.5),
                xytext=(72, h_ve + h_sc + 8), fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.annotate("", xy=(-4, h_ve), xytext=(-4, 2), arrowprops={"arrowstyle": "->", "lw": 1.5})
    ax.text(-6, h_ve / 2, "cells mature\nupward\n(about 2 weeks)", fontsize=8, ha="right", va="center")
    ax.set_xlim(-48, width + 62)
    ax.set_ylim(-25, h_ve + h_sc + 15)
    ax.set_xticks([0, 60, 120])
    ax.set_xlabel("across the skin (µm, schematic)")
    ax.set_ylabel("height above the dermal junction (µm)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Young face: viable epidermis {h_ve:g} µm, SC {h_sc:.0f} µm")

    # calcium gradient of the viable epidermis (schematic shape: low at the base, high under the SC)
    z = np.linspace(0, h_ve, 100)
    ca = 0.38 + 0.09 * (z / h_ve) ** 4
    axc.plot(ca, z, color="tab:blue")
    axc.axhspan(h_ve, h_ve + h_sc, color="0.9")
    axc.set_xlabel("calcium\n(normalised)")
    axc.set_xticks([0.38, 0.47])
    axc.set_title("Ca²⁺ gradient", fontsize=10)
    for side in ("top", "right"):
        axc.spines[side].set_visible(False)
    path = save(fig, out, "layers")
    return path


if __name__ == "__main__":
    main(*sys.argv[1:2])
