"""Experiments: configs, runs, sweeps, storage, plots and the command line.

The only package that touches configs, disk and the terminal. Public entry points:
:func:`run` (one scenario -> ``xarray.Dataset``), :func:`sweep` (a parameter sweep ->
one Zarr store, docs/sweeps.md), :func:`load_run_config`. Errors for people are
:class:`experiments.errors.EpiturnError` (``SimulationError`` among them). Every entry
point computes in 64-bit floats (:func:`experiments._jaxconfig.enable_x64`).

``experiments.sweep`` is also a package (``from experiments.sweep import run_sweep``);
the attribute ``experiments.sweep`` is the function.
"""

from experiments._packages import check_sibling_packages

check_sibling_packages()  # before anything imports `sim` or `models`

from experiments.config import ConfigError, load_run_config  # noqa: E402
from experiments.errors import SimulationError  # noqa: E402
from experiments._run import run, run_config  # noqa: E402
from experiments.sweep import sweep  # noqa: E402  -- the function; `from experiments.sweep import X` still reaches the package

__all__ = ["ConfigError", "SimulationError", "load_run_config", "run", "run_config", "sweep"]
