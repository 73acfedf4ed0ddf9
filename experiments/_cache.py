"""The epiturn cache folder: ``$EPITURN_CACHE``, default ``~/.cache/epiturn``.

It holds what a later process can reuse: the homeostatic states of the spin-up
(``homeostasis/``, :mod:`experiments._homeostasis`) and JAX's compiled programs
(``jax/``, :mod:`experiments._jaxconfig`). Deleting it is always safe: both are rebuilt.
Importing this module imports nothing heavy (the command line's ``--help`` reads it).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_root"]

CACHE_ENV = "EPITURN_CACHE"


def cache_root() -> Path:
    """The cache folder of this process (``$EPITURN_CACHE``, else ``~/.cache/epiturn``); read on every call."""
    value = os.environ.get(CACHE_ENV)
    return Path(value) if value else Path.home() / ".cache" / "epiturn"
