"""Experiments: configs, runs, sweeps, storage, plots and the command line.

The only package that touches configs, disk and the terminal. Public entry points:
:func:`run` (one scenario -> ``xarray.Dataset``), :func:`sweep` (a parameter sweep ->
one Zarr store, docs/sweeps.md), :func:`load_run_config`. Errors for people are
:class:`experiments.errors.EpiturnError` (``SimulationError`` among them). Every entry
point computes in 64-bit floats and keeps its compiled programs in the persistent
compilation cache (:func:`experiments._jaxconfig.configure_jax`).

The public names are imported when first used (``experiments.run`` imports JAX, the
models and xarray then), so that ``import experiments`` and the command line's
``--help`` stay fast.

``experiments.sweep`` is also a package (``from experiments.sweep import run_sweep``);
the attribute ``experiments.sweep`` is the function, also after that package was imported.
"""

import importlib
import sys
import types

from experiments._packages import check_sibling_packages

check_sibling_packages()  # before anything imports `sim` or `models`

# public name -> the module that defines it (imported on first use)
_LAZY = {
    "ConfigError": "experiments.config",
    "SimulationError": "experiments.errors",
    "load_run_config": "experiments.config",
    "run": "experiments._run",
    "run_config": "experiments._run",
}

# subpackages and modules reachable as attributes before anyone imported them (``experiments.storage``)
_SUBMODULES = ("calibrate", "cli", "config", "docs", "errors", "explore", "optimise", "report", "sensitivity", "storage",
               "validation")

__all__ = ["ConfigError", "SimulationError", "load_run_config", "run", "run_config", "sweep"]


def __getattr__(name: str):
    """The public names of :data:`_LAZY` and the modules of :data:`_SUBMODULES`, imported on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # binds itself as an attribute
    raise AttributeError(f"module 'experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Experiments(types.ModuleType):
    """The module ``experiments``, whose attribute ``sweep`` is always the function.

    Importing the subpackage ``experiments.sweep`` makes Python bind it as the attribute
    ``sweep`` of this module; the setter keeps the function there instead (the package
    stays reachable by ``from experiments.sweep import ...`` and ``importlib``).
    """

    @property
    def sweep(self):
        """:func:`experiments.sweep.sweep`: a parameter sweep -> one Zarr store."""
        replaced = self.__dict__.get("_sweep_replaced")
        return replaced if replaced is not None else importlib.import_module("experiments.sweep._run").sweep

    @sweep.setter
    def sweep(self, value) -> None:
        if not isinstance(value, types.ModuleType):  # not the import system binding the subpackage
            self.__dict__["_sweep_replaced"] = value  # e.g. a test's monkeypatch


sys.modules[__name__].__class__ = _Experiments
