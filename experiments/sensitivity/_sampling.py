"""Saltelli sampling of the factor space (SALib's scrambled Sobol' sequence).

With ``N`` base samples and ``D`` factors, :func:`saltelli_sample` returns the
``N (D + 2)`` points of Saltelli's scheme without second-order terms (SALib
``sample.sobol`` with ``calc_second_order=False``): for each base point ``j`` the rows
``A_j, AB_j^1 .. AB_j^D, B_j``, where ``AB_j^i`` is ``A_j`` with factor ``i`` taken from
``B_j``. Every factor is uniform on ``[low, high]``.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

__all__ = ["base_rows", "problem", "saltelli_sample"]


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict:
    """The SALib problem description: ``num_vars``, ``names``, ``bounds``."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}


def _salib(part: str):
    """SALib's ``sobol`` module of ``part`` (``sample`` or ``analyze``); one line naming the extra when it is missing."""
    try:
        if part == "sample":
            from SALib.sample import sobol
        else:
            from SALib.analyze import sobol
    except ImportError:
        from experiments.errors import InputError

        raise InputError("sensitivity analysis needs SALib: pip install 'epiturn[sensitivity]' (SALib>=1.5)") from None
    return sobol


def saltelli_sample(names: Sequence[str], bounds: Sequence[tuple[float, float]], n: int, seed: int) -> np.ndarray:
    """The Saltelli design, shape ``(n (D + 2), D)`` in the factors' units (``n`` a power of 2)."""
    sobol = _salib("sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's notes on the Sobol' sequence (n is a power of 2 here)
        return np.asarray(sobol.sample(problem(names, bounds), int(n), calc_second_order=False, scramble=True,
                                       seed=int(seed)), float)


def base_rows(n_rows: int, d: int) -> np.ndarray:
    """Indices of the independent points ``A_j`` and ``B_j`` of a Saltelli design of ``n_rows`` rows."""
    step = d + 2
    rows = np.arange(n_rows)
    return rows[(rows % step == 0) | (rows % step == step - 1)]
