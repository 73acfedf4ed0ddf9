"""Reading a result back: a run's NetCDF file or a sweep's Zarr store."""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

from experiments.errors import InputError
from experiments.storage import _cf
from experiments.storage._netcdf import NETCDF_SUFFIXES, open_netcdf
from experiments.storage._zarr import is_zarr_store

__all__ = ["open_result"]


def open_result(path: str | os.PathLike) -> xr.Dataset:
    """A result: a NetCDF file of ``epiturn run`` or a Zarr store of ``epiturn sweep``.

    As epiturn holds it in memory: ``time`` in days since the start of the run (the
    files hold the CF time coordinate, see :mod:`experiments.storage._cf`). Raises
    :class:`experiments.errors.InputError` (``parameter="result"``) for a path that is
    neither.
    """
    p = Path(path).expanduser()
    if is_zarr_store(p):
        return _cf.decode(xr.open_zarr(str(p), consolidated=None, decode_times=False))
    if p.is_file() and p.suffix.lower() in NETCDF_SUFFIXES:
        return open_netcdf(p)
    if not p.exists():
        raise InputError(f"result: {str(path)!r} does not exist; allowed: a NetCDF file from `epiturn run` "
                         "or a Zarr store from `epiturn sweep`", parameter="result")
    raise InputError(f"result: {str(path)!r} is not a result; allowed: a NetCDF file (.nc) from `epiturn run` "
                     "or a Zarr store (folder) from `epiturn sweep`", parameter="result")
