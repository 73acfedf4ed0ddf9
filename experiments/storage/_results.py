"""Reading a result back: a run's NetCDF file or a sweep's Zarr store."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import xarray as xr

from experiments.errors import InputError
from experiments.storage import _cf
from experiments.storage._netcdf import NETCDF_SUFFIXES, open_netcdf
from experiments.storage._zarr import is_zarr_store

__all__ = ["open_result"]


def open_result(path: str | os.PathLike, load: bool = False) -> xr.Dataset:
    """A result: a NetCDF file of ``epiturn run`` or a Zarr store of ``epiturn sweep``.

    As epiturn holds it in memory: ``time`` in days since the start of the run (the
    files hold the CF time coordinate, see :mod:`experiments.storage._cf`). Raises
    :class:`experiments.errors.InputError` (``parameter="result"``) for a path that is
    neither, or whose metadata cannot be read; with ``load`` the data are read too (into
    memory), so a damaged chunk (garbage, truncated) is the same one-line error instead
    of a failure later, wherever the data are first used.
    """
    p = Path(path).expanduser()
    allowed = "a NetCDF file from `epiturn run` or a Zarr store from `epiturn sweep`"
    shown = repr(str(path)) if len(str(path)) <= 200 else repr(str(path)[:197] + "...")
    try:
        p.exists()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte
        raise InputError(f"result: {shown} is not a usable path ({type(exc).__name__}); allowed: {allowed}", parameter="result") from None
    try:
        ds = None
        with warnings.catch_warnings():  # a store without consolidated metadata (zarr v3, another program's)
            warnings.simplefilter("ignore", RuntimeWarning)
            if is_zarr_store(p):
                ds = _cf.decode(xr.open_zarr(str(p), consolidated=None, decode_times=False))
            elif p.is_file() and p.suffix.lower() in NETCDF_SUFFIXES:
                ds = open_netcdf(p)
            if ds is not None:
                return ds.load() if load else ds
    except InputError:
        raise
    except Exception as exc:  # not NetCDF/Zarr, not UTF-8 metadata, a chunk that does not decompress, ...
        kind = "Zarr store" if p.is_dir() else "NetCDF file"
        raise InputError(f"result: {shown} cannot be read as a {kind} ({type(exc).__name__}); allowed: {allowed}",
                         parameter="result") from None
    if not p.exists():
        raise InputError(f"result: {shown} does not exist; allowed: {allowed}", parameter="result")
    raise InputError(f"result: {shown} is not a result; allowed: a NetCDF file (.nc) from `epiturn run` "
                     "or a Zarr store (folder) from `epiturn sweep`", parameter="result")
