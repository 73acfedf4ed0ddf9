"""Numerics core of epiturn: grids, implicit diffusion, time grids and the scan driver.

``sim`` knows no biology. It offers (one concern per private module, every public name
re-exported here)

* grids (``sim._grids``) -- :class:`LateralGrid` (single column, periodic 1-D transect,
  periodic 2-D patch) and a cell-centred :class:`DepthGrid`;
* diffusion (``sim._diffusion``) -- one backward-Euler step of reaction-diffusion with
  linear decay, implicit in depth and laterally (lateral FFT x tridiagonal solve in
  depth), with Neumann, Robin or Dirichlet conditions at the two depth faces
  (:func:`implicit_diffusion_step`, :func:`depth_diffusion_step`,
  :func:`lateral_diffusion_step`, :func:`depth_operator`); first order in time,
  unconditionally stable; second order in depth, spectral laterally;
* time grids (``sim._timegrid``) -- a schedule-aware :class:`TimeGrid` (refined after
  events, save points and age-bin shifts on grid nodes, padded for batching);
* the driver (``sim._driver``) -- :func:`trajectory`, one ``lax.scan`` over a pure step
  with a post-process hook that makes each step's output, and
  :func:`make_sparse_cond`, a conditional for rare branches that stays cheap under
  ``vmap``, and :func:`make_batch_skip`, a step that a vmapped batch skips while none of
  its members needs it.

64-bit floats: cell conservation is checked to round-off and the stiff diffusion solves
lose digits in float32 (see docs/numerics.md), so runs need
``jax.config.update("jax_enable_x64", True)``. Importing ``sim`` does not change that
setting: a process enables it where it starts (the ``experiments`` entry points, the
test suite's ``tests/conftest.py``); :func:`models.make_params` refuses to build
parameters without it.
"""

from sim._grids import LATERAL_KINDS, DepthGrid, LateralGrid
from sim._diffusion import (
    BC_KINDS, BoundaryCondition, depth_diffusion_step, depth_operator, depth_steady_state, implicit_diffusion_step,
    lateral_diffusion_step,
)
from sim._timegrid import TimeGrid, make_time_grid, pad_time_grid, pad_time_grids
from sim._driver import make_batch_skip, make_sparse_cond, trajectory

__all__ = [
    "LATERAL_KINDS",
    "DepthGrid",
    "LateralGrid",
    "BC_KINDS",
    "BoundaryCondition",
    "implicit_diffusion_step",
    "lateral_diffusion_step",
    "depth_operator",
    "depth_steady_state",
    "depth_diffusion_step",
    "TimeGrid",
    "make_time_grid",
    "pad_time_grid",
    "pad_time_grids",
    "trajectory",
    "make_batch_skip",
    "make_sparse_cond",
]
