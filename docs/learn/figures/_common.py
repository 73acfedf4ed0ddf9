"""What the figure scripts of the guide share: the profile values they read, and how a figure is written.

Not a figure script itself (``tests/test_learn_figures.py`` runs the ``*.py`` of this folder
whose names do not start with ``_``). The scripts import it as ``_common`` (their own
folder is the first entry of ``sys.path`` when run as ``python docs/learn/figures/NAME.py``).
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent  # the default output folder: the committed figures


def profile_value(name: str, skin: str = "young_face") -> float:
    """The value of parameter ``name`` in ``configs/skin/<skin>.yaml``."""
    data = yaml.safe_load((ROOT / "configs" / "skin" / f"{skin}.yaml").read_text(encoding="utf-8"))
    return float(data["parameters"][name]["value"])


def save(fig, out_dir, name: str) -> Path:
    """Write ``fig`` as ``out_dir/name.png`` (100 dpi), close it and announce it (``wrote PATH``)."""
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    path = out / f"{name}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return path
