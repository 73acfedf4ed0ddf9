"""The static discretisation of one skin model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import DepthGrid, LateralGrid


@dataclass(frozen=True)
class ModelGrid:
    """Static discretisation of one skin model (hashable: a jit static argument).

    ``lateral``: the lateral grid (shape ``L``); ``nz``: VE depth cells ``Z`` on the
    normalised depth ``xi = z / H_VE`` in ``(0, 1)`` (basal membrane at ``xi = 0``);
    ``n_stages``: VE maturation stages ``K``; ``n_bins`` SC age bins ``A`` of width
    ``bin_width_h`` (h).
    """

    lateral: LateralGrid = LateralGrid()
    nz: int = 12
    n_stages: int = 8
    bin_width_h: float = 24.0
    n_bins: int = 40

    @property
    def depth(self) -> DepthGrid:
        return DepthGrid(self.nz, 1.0)  # normalised depth, physical H_VE is a parameter

    @property
    def bin_age_mid_h(self) -> np.ndarray:
        """Mid ages of the SC age bins (h), shape ``(A,)``."""
        return (np.arange(self.n_bins) + 0.5) * self.bin_width_h
