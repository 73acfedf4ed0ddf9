"""Spatial grids.

A model state lives on ``lateral.shape + (depth.nz,)`` (depth fields) or on
``lateral.shape`` (per-column quantities). Grids are static: hashable frozen
dataclasses, used as ``static`` arguments of jitted functions, so one compilation
serves every parameter value on a given grid shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

LATERAL_KINDS = ("column", "1d", "2d")


@dataclass(frozen=True)
class LateralGrid:
    """Periodic lateral grid.

    Attributes
    ----------
    kind : ``"column"`` (a single column, 0-D lateral), ``"1d"`` (periodic transect of
        ``n`` columns) or ``"2d"`` (periodic ``n x n`` patch).
    n : columns per side (ignored, and 1, for ``column``).
    width_um : side length of the periodic domain (µm).
    """

    kind: str = "1d"
    n: int = 256
    width_um: float = 5000.0

    def __post_init__(self):
        if self.kind not in LATERAL_KINDS:
            raise ValueError(f"lateral kind {self.kind!r} not one of {LATERAL_KINDS}")
        if self.kind == "column":
            object.__setattr__(self, "n", 1)
        elif self.n < 2:
            raise ValueError(f"lateral n={self.n} must be >= 2 for kind {self.kind!r}")
        if not self.width_um > 0:
            raise ValueError(f"lateral width_um={self.width_um} must be > 0")

    @property
    def ndim(self) -> int:
        return {"column": 0, "1d": 1, "2d": 2}[self.kind]

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.n,) * self.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int)) if self.ndim else 1

    @property
    def dx_um(self) -> float:
        return self.width_um / self.n if self.ndim else self.width_um

    @property
    def x_um(self) -> np.ndarray:
        """Cell-centre coordinates along one side (µm), shape ``(n,)``."""
        return (np.arange(self.n) + 0.5) * self.dx_um

    @cached_property
    def k2_per_um2(self) -> np.ndarray:
        """Squared wavenumbers of the real-FFT layout, shape ``rfftn`` of ``shape``.

        For the periodic Laplacian the spectral symbol is ``-|k|^2`` (exact for
        band-limited fields). ``()`` shape for a column.
        """
        if self.ndim == 0:
            return np.zeros(())
        k_full = 2 * np.pi * np.fft.fftfreq(self.n, d=self.dx_um)
        k_half = 2 * np.pi * np.fft.rfftfreq(self.n, d=self.dx_um)
        if self.ndim == 1:
            return k_half**2
        kx, ky = np.meshgrid(k_full, k_half, indexing="ij")
        return kx**2 + ky**2


@dataclass(frozen=True)
class DepthGrid:
    """Cell-centred (finite-volume) depth grid over ``[0, thickness_um]``.

    ``z = 0`` is the bottom face (the basal membrane for the epidermis) and
    ``z = thickness_um`` the top face. Cell ``j`` has centre ``(j + 1/2) h``.
    """

    nz: int = 16
    thickness_um: float = 60.0

    def __post_init__(self):
        if self.nz < 3:
            raise ValueError(f"depth nz={self.nz} must be >= 3")
        if not self.thickness_um > 0:
            raise ValueError(f"depth thickness_um={self.thickness_um} must be > 0")

    @property
    def h_um(self) -> float:
        return self.thickness_um / self.nz

    @property
    def z_um(self) -> np.ndarray:
        return (np.arange(self.nz) + 0.5) * self.h_um
