"""One run as a NetCDF-4 file (``epiturn run``, ``epiturn compare``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from experiments._outputs import check_annotated

__all__ = ["NETCDF_SUFFIXES", "write_netcdf"]

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write ``ds`` to NetCDF-4 (compressed), replacing an existing file atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_annotated(ds)
    tmp = path.with_name(path.name + ".tmp")
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars if np.issubdtype(ds[v].dtype, np.number)}
    ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    tmp.replace(path)
    return path
