"""Numerics core of epiturn: grids, implicit diffusion, time grids and the scan driver.

``sim`` knows no biology. It offers

* :mod:`sim.grids` -- lateral grids (single column, periodic 1-D transect, periodic
  2-D patch) and a cell-centred depth grid;
* :mod:`sim.diffusion` -- one backward-Euler step of reaction-diffusion with linear
  decay, implicit in depth and laterally (lateral FFT x tridiagonal solve in depth),
  with Neumann, Robin or Dirichlet conditions at the two depth faces;
* :mod:`sim.timegrid` -- a schedule-aware time grid (refined after events, save points
  and age-bin shifts on grid nodes, padded for batching);
* :mod:`sim.driver` -- one ``lax.scan`` over a pure step function.

64-bit floats are enabled here, at import: cell conservation is checked to round-off
and the stiff diffusion solves lose digits in float32 (see docs/model.md, "Numerics").
"""

import jax

jax.config.update("jax_enable_x64", True)

from sim.grids import DepthGrid, LateralGrid  # noqa: E402
from sim.diffusion import BoundaryCondition, depth_diffusion_step, depth_operator, implicit_diffusion_step, lateral_diffusion_step  # noqa: E402
from sim.timegrid import TimeGrid, make_time_grid, pad_time_grid, pad_time_grids  # noqa: E402
from sim.driver import scan_steps  # noqa: E402

__all__ = [
    "DepthGrid",
    "LateralGrid",
    "BoundaryCondition",
    "implicit_diffusion_step",
    "lateral_diffusion_step",
    "depth_operator",
    "depth_diffusion_step",
    "TimeGrid",
    "make_time_grid",
    "pad_time_grid",
    "pad_time_grids",
    "scan_steps",
]
