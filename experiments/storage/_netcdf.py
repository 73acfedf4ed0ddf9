"""One result as a NetCDF-4 file (``epiturn run``, ``epiturn compare``), CF-encoded (:mod:`._cf`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from experiments._outputs import check_annotated
from experiments._provenance import cf_global_attrs
from experiments.storage import _cf

__all__ = ["NETCDF_SUFFIXES", "open_netcdf", "write_netcdf"]

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write ``ds`` (a run, or a sweep's dataset) to NetCDF-4, compressed and CF-encoded.

    Replaces an existing file atomically. The CF global attributes (``Conventions``,
    ``title``, ``history``, ``source``, ``references``) that ``ds`` lacks are added
    (:func:`experiments._provenance.cf_global_attrs`); ``time`` is written as the CF time
    coordinate (:mod:`experiments.storage._cf`); :func:`open_netcdf` reads it back as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_annotated(ds)
    out, encoding = _cf.encode(ds)
    for key, value in cf_global_attrs("epiturn result", "experiments.storage.write_netcdf").items():
        out.attrs.setdefault(key, value)
    for v in out.data_vars:
        if np.issubdtype(out[v].dtype, np.number):
            encoding.setdefault(str(v), {}).update(zlib=True, complevel=4)
    for name, var in out.variables.items():
        if var.dtype.kind in "USO" and var.size and isinstance(np.asarray(var.values).flat[0], (str, bytes)):
            # text (e.g. config_hash) as CF character arrays: CF-1.8 checkers take no NetCDF-4 strings
            encoding.setdefault(str(name), {})["dtype"] = "S1"
    tmp = path.with_name(path.name + ".tmp")
    out.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    tmp.replace(path)
    return path


def open_netcdf(path: str | os.PathLike) -> xr.Dataset:
    """A NetCDF result as epiturn holds it in memory (``time`` in days, see :mod:`._cf`)."""
    return _cf.decode(xr.open_dataset(path, decode_times=False))
