"""Experiments: configs, runs, storage, plots and the command line.

The only package that touches configs, disk and the terminal. Public entry points:
:func:`run` (one scenario -> ``xarray.Dataset``), :func:`load_run_config`.
"""

from experiments.config import ConfigError, load_run_config
from experiments.runner import SimulationError, run, run_config

__all__ = ["ConfigError", "SimulationError", "load_run_config", "run", "run_config"]
