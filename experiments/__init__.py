"""Experiments: configs, runs, storage, plots and the command line.

The only package that touches configs, disk and the terminal. Public entry points:
:func:`run` (one scenario -> ``xarray.Dataset``), :func:`load_run_config`.
"""

from experiments.config import ConfigError, load_run_config
from experiments.runner import SimulationError, run, run_config
from experiments.sweep import sweep  # the function; `from experiments.sweep import X` still reaches the module

__all__ = ["ConfigError", "SimulationError", "load_run_config", "run", "run_config", "sweep"]
