"""Numerical precision of a process: every epiturn run computes in 64-bit floats.

JAX computes in 32-bit floats unless ``jax_enable_x64`` is set. Importing a package does
not change it; the places where a computation starts call :func:`enable_x64`: the
command line's ``main``, :func:`experiments.run`, :func:`experiments.sweep` /
:func:`experiments.sweep.run_sweep` and the sweep's task on a Dask worker (a process
of its own). Scripts that call lower-level functions (``experiments._run.prepare``,
``models.simulate``) call it themselves, before creating any array.
"""

from __future__ import annotations

import jax

__all__ = ["enable_x64"]


def enable_x64() -> None:
    """Make JAX compute in 64-bit floats in this process (idempotent)."""
    if not jax.config.read("jax_enable_x64"):
        jax.config.update("jax_enable_x64", True)
