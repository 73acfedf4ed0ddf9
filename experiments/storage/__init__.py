"""Results on disk: one run as NetCDF, one sweep as a resumable Zarr store.

* :mod:`._cf`: the CF encoding on disk (the time coordinate, attribute values);
* :mod:`._netcdf`: :func:`write_netcdf` (a run, or a sweep's dataset), :func:`open_netcdf`;
* :mod:`._zarr`: the sweep store (:class:`StoreState`, :func:`create_store`,
  :func:`write_block`, :func:`mark_done`, :func:`finish`, ...; layout in its docstring
  and docs/sweeps.md);
* :mod:`._lock`: the writer lock of a store (:func:`lock_store`; one writer at a time);
* :mod:`._results`: :func:`open_result` reads either back.

Problems with a store raise :class:`experiments.errors.StoreError` whose ``parameter``
names the keyword argument at fault (``output``, ``resume``).
"""

from experiments.storage._cf import TIME_CALENDAR, TIME_REFERENCE, TIME_UNITS
from experiments.storage._netcdf import open_netcdf, write_netcdf
from experiments.storage._results import open_result
from experiments.storage._lock import WriterLock, lock_path, lock_store
from experiments.storage._zarr import (StoreState, check_arrays, check_resumable, clean_partial, create_store, finish,
                                       is_zarr_store, mark_done, open_dataset, open_store, store_state, write_block)

__all__ = ["StoreState", "TIME_CALENDAR", "TIME_REFERENCE", "TIME_UNITS", "WriterLock", "check_arrays",
           "check_resumable", "clean_partial", "create_store", "finish", "is_zarr_store", "lock_path", "lock_store",
           "mark_done", "open_dataset", "open_netcdf", "open_result", "open_store", "store_state", "write_block",
           "write_netcdf"]
