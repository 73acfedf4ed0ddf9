"""The CF encoding of results on disk: the time coordinate, attribute values, coordinates.

Every file epiturn writes (a run's NetCDF, a sweep's Zarr store) follows the CF
conventions :data:`experiments._provenance.CF_CONVENTIONS` (CF-1.8, the newest version
the NCAS ``cfchecker`` checks; tests/experiments/test_cf_conventions.py runs it, and the
IOOS compliance checker, on both kinds of result). :func:`encode` is applied on the way
to disk, :func:`decode` on the way back (:func:`experiments.storage.open_result`,
:func:`experiments.storage.open_dataset`).

**Time.** In memory (``experiments.run``, ``experiments.sweep``, the readers of
``experiments.storage``) ``time`` is float days since the start of the run, ``units:
"d"``, so that plots, summaries and users work in days of the course. On disk it is the
CF time coordinate: the same numbers with ``units:`` :data:`TIME_UNITS`,
``calendar:`` :data:`TIME_CALENDAR`, ``standard_name: time``, ``axis: T`` and a
``comment`` saying what the reference date means (:data:`TIME_ATTRS`). The
simulation has no calendar: the reference date :data:`TIME_REFERENCE` is a convention,
"day 0 of the run" (the spun-up, untreated skin; ``protocol.start_day`` counts from it),
chosen so that a value read from the file *is* the day of the course. A plain
``xarray.open_dataset`` / ``open_zarr`` decodes it to datetimes from 2000-01-01T00:00;
``decode_times=False`` (or epiturn's readers) gives the days.

**Attribute values** are strings, numbers or lists of numbers (NetCDF and Zarr keep
those as they are); a dict, a list of names or a boolean is stored as its JSON text
(:func:`attribute_value`), so that it reads back the same from either format.

**Coordinates** have no ``_FillValue`` (CF: coordinates have no missing values); integer
variables are stored as 32-bit integers when their values fit (the CF-1.8 checkers take
no 64-bit integers). A text coordinate on more than one dimension (a sweep's
``config_hash``) is left out of the variables' ``coordinates`` attributes (CF-1.8 labels
have one dimension); xarray names it in the global ``coordinates`` attribute instead.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import numpy as np
import xarray as xr

__all__ = ["TIME_REFERENCE", "TIME_UNITS", "TIME_CALENDAR", "TIME_ATTRS", "attribute_value",
           "attributes", "encode", "decode"]

TIME_REFERENCE = "2000-01-01 00:00:00"
TIME_UNITS = f"days since {TIME_REFERENCE}"
TIME_CALENDAR = "proleptic_gregorian"
# the attributes of ``time`` on disk; in memory ``time`` has ``units: "d"`` and none of the others
TIME_ATTRS: dict[str, str] = {
    "standard_name": "time", "units": TIME_UNITS, "calendar": TIME_CALENDAR, "axis": "T",
    "comment": f"the simulation has no calendar: the reference date {TIME_REFERENCE} is day 0 of the run, "
               "so the values are the days since the start of the run",
}
IN_MEMORY_TIME_UNITS = "d"

_INT32 = np.iinfo(np.int32)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def attribute_value(value: Any) -> Any:
    """``value`` as stored: strings and numbers as they are, lists of numbers as lists,
    anything else that is structured (dict, list of names, boolean) as JSON text."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (str, bytes)) or _is_number(value):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value.tolist()
    if isinstance(value, (list, tuple)) and all(_is_number(v) for v in value):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, sort_keys=True, default=str)


def attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Every attribute value as stored (:func:`attribute_value`); ``None`` values are dropped."""
    return {k: attribute_value(v) for k, v in attrs.items() if v is not None}


def _fits_int32(var: xr.Variable) -> bool:
    values = np.asarray(var.values)
    return values.size == 0 or (int(values.min()) >= _INT32.min and int(values.max()) <= _INT32.max)


def encode(ds: xr.Dataset) -> tuple[xr.Dataset, dict[str, dict]]:
    """``ds`` as written to disk, and the per-variable encoding to write it with.

    A shallow copy (the data are not copied) with ``time`` as the CF time coordinate
    (float days since the start of the run become days since :data:`TIME_REFERENCE`: the
    numbers are unchanged), attribute values as :func:`attribute_value` stores them and
    text coordinates of more than one dimension (``config_hash`` of a sweep) left out of the
    ``coordinates`` attributes (CF labels have one dimension); the encoding gives
    coordinates no ``_FillValue`` and 64-bit integers that fit 32 bits the type ``int32``.
    """
    out = ds.copy(deep=False)
    out.attrs = attributes(ds.attrs)
    encoding: dict[str, dict] = {}
    aux = [c for c in out.coords if c not in out.dims]
    labels = [c for c in aux if out[c].ndim > 1 and out[c].dtype.kind in "USO"]
    for name, var in out.variables.items():
        attrs = attributes(ds.variables[name].attrs)
        if name == "time" and attrs.get("units") in (IN_MEMORY_TIME_UNITS, TIME_UNITS):
            attrs.update(TIME_ATTRS)
        var.attrs = attrs
        enc: dict[str, Any] = {}
        if name in out.coords and var.dtype.kind in "iufc":
            enc["_FillValue"] = None
        if var.dtype.kind in "iu" and var.dtype.itemsize > 4 and _fits_int32(var):
            enc["dtype"] = "int32"
        if labels and name in out.data_vars:
            # CF labels (text auxiliary coordinates) have one dimension: a text coordinate on
            # several (config_hash on the sweep dims) is not named in ``coordinates``
            # attributes; xarray lists it in the global ``coordinates`` and reads it back as one
            own = sorted(c for c in aux if c not in labels and set(out[c].dims) <= set(var.dims))
            var.encoding = {**var.encoding, "coordinates": " ".join(own) if own else None}
        if enc:
            encoding[str(name)] = enc
    return out, encoding


def decode(ds: xr.Dataset) -> xr.Dataset:
    """A result read with ``decode_times=False`` back in memory form: ``time`` in days, ``units: "d"``.

    The inverse of :func:`encode` for the time coordinate (the numbers are unchanged); a
    ``time`` in other units (not written by epiturn) is left as it is.
    """
    if "time" in ds.variables and ds["time"].attrs.get("units") == TIME_UNITS:
        attrs = {k: v for k, v in ds["time"].attrs.items() if not (k in TIME_ATTRS and v == TIME_ATTRS[k])}
        attrs["units"] = IN_MEMORY_TIME_UNITS
        # keep the attribute order of the in-memory dataset: units first
        ds["time"].attrs = {"units": attrs.pop("units"), **attrs}
    return ds
