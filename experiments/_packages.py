"""Check that ``sim`` and ``models`` are epiturn's own, not other installed packages.

epiturn installs three top-level packages with generic names (``sim``, ``models``,
``experiments``; the layout is fixed at the repository top, see docs/architecture.md,
"Package names"). Another installed distribution that ships a top-level ``sim`` or
``models`` would shadow ours, and the failure would otherwise surface far away as a
missing attribute. :func:`check_sibling_packages` finds each package's location without
importing it and raises one ``ImportError`` line naming the stray folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

SIBLINGS = ("sim", "models")


def check_sibling_packages() -> None:
    """Raise ``ImportError`` unless ``sim`` and ``models`` sit beside this package."""
    home = Path(__file__).resolve().parents[1]
    for name in SIBLINGS:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve().parent if spec is not None and spec.origin else None
        if origin is None or origin.parent != home:
            found = str(origin) if origin is not None else "nowhere"
            raise ImportError(
                f"epiturn: the package {name!r} imported from {found} is not epiturn's (expected {home / name}); "
                f"another installed package named {name!r} shadows it: uninstall it or use a separate environment")
