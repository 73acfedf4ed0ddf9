"""The sweep store: one Zarr store per sweep, written batch by batch, resumable.

Layout (Zarr format 2, consolidated metadata; readable with ``xarray.open_zarr``):

* every output variable of a run, with the sweep dimensions in front
  (``interval_days, vacuum_kpa, replicate, time`` ...), float64, NaN where not (yet)
  computed or after a shorter scenario's end; CF ``units`` and ``long_name`` on each;
* ``all_finite`` (sweep dims): 1 when every output of the scenario is finite, else 0;
* coordinates: the sweep axes (values, ``units``, ``long_name``, ``sweep_path``),
  ``replicate`` (seeds), ``config_hash`` (sweep dims: hash of each scenario's resolved
  run config) and the run coordinates (``time``: the CF time coordinate, days since
  2000-01-01, see :mod:`._cf`; ``session``, ``x``, ...);
* chunks: one chunk per batch along the sweep dimensions, whole along the others, so a
  batch is written without touching any other batch's chunks;
* attributes: the CF global attributes (``Conventions``, ``title``, ``history``,
  ``source``, ``references``), provenance (:func:`experiments._provenance.provenance_attrs`
  of the sweep: ``config_json`` = the sweep definition with the resolved base config,
  ``config_hash``, version, git commit, library versions), ``sweep_config`` (the file as
  written), ``sweep_hash``, ``sweep_dims`` (JSON list), ``batch_chunks``, ``batches_total``
  and the record of completed batches ``batches_done`` (sorted), ``sweep_complete`` (0/1).

The store is CF-encoded like a run's file (:func:`._cf.encode`); :func:`open_dataset`
reads it back with ``time`` in days.

Faults lose nothing (docs/sweeps.md, "Faults"):

* a folder store is created aside, in the hidden sibling ``.<name>.creating-<pid>``, and
  renamed into place (``os.replace``) once its metadata is complete, so a store folder
  either does not exist or is whole; a creation folder left by a killed process is
  removed by the next creation (:func:`create_store`);
* a batch's chunks are written first, then its number is added to ``batches_done`` (zarr
  replaces each file atomically: a new file is written beside it, then renamed). A sweep
  killed at any point therefore has a record that lists only batches whose data is
  complete; ``resume=True`` recomputes the others, half-written ones included, and
  :func:`clean_partial` removes the half-written files a kill leaves;
* one writer at a time: :mod:`._lock` (a lock file beside the store).
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from experiments.errors import StoreError
from experiments._outputs import check_annotated, flag_attrs
from experiments._provenance import cf_global_attrs, package_version, provenance_attrs
from experiments.storage import _cf

__all__ = ["StoreState", "open_store", "store_state", "check_resumable", "check_arrays", "clean_partial", "create_store",
           "write_block", "mark_done", "finish", "open_dataset", "is_zarr_store"]

ZARR_FORMAT = 2
KIND = "epiturn-sweep"


def open_store(output: str | os.PathLike | None) -> Any:
    """The store of ``output``: a folder path (str), or an in-memory store for None."""
    if output is None:
        return zarr.storage.MemoryStore()
    return str(Path(output).expanduser())


def is_zarr_store(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_dir() and any((p / f).exists() for f in (".zgroup", ".zmetadata", "zarr.json"))


def _group(store: Any, mode: str = "r+") -> zarr.Group:
    return zarr.open_group(store=store, mode=mode, zarr_format=ZARR_FORMAT, use_consolidated=False)


@dataclass(frozen=True)
class StoreState:
    """What an existing sweep store holds (from its attributes)."""

    sweep_hash: str
    chunks: tuple[int, ...]
    n_batches: int
    done: tuple[int, ...]
    complete: bool
    version: str
    git_commit: str


def _shown(store: Any) -> str:
    text = str(store)
    return repr(text if len(text) <= 200 else text[:197] + "...")


NOT_A_STORE = "allowed: a new path, or the store of an earlier run of this sweep"


def store_state(store: Any) -> StoreState | None:
    """State of the sweep store at ``store``; None when there is none yet.

    A folder that is not a Zarr store, a Zarr store that is not an epiturn sweep store
    (another format, another program) and one whose metadata cannot be read (damaged,
    not UTF-8, not JSON) raise :class:`StoreError` with one line (``parameter="output"``).
    """
    if isinstance(store, str):
        p = Path(store)
        if not p.exists():
            return None
        if not is_zarr_store(p):
            raise StoreError(f"output: {_shown(store)} exists and is not a Zarr store; {NOT_A_STORE}", parameter="output")
    else:
        try:
            _group(store, "r")
        except Exception:
            return None
    try:
        attrs = dict(_group(store, "r").attrs)
    except Exception as exc:  # zarr v3, unreadable or not-JSON metadata: nothing of it is echoed
        raise StoreError(f"output: {_shown(store)} cannot be read as an epiturn sweep store ({type(exc).__name__}); "
                         f"{NOT_A_STORE}", parameter="output") from None
    if attrs.get("epiturn_kind") != KIND:
        raise StoreError(f"output: {_shown(store)} is not an epiturn sweep store; {NOT_A_STORE}", parameter="output")
    try:
        return StoreState(str(attrs["sweep_hash"]), tuple(int(c) for c in attrs["batch_chunks"]), int(attrs["batches_total"]),
                          tuple(int(i) for i in attrs.get("batches_done", [])), bool(attrs.get("sweep_complete", 0)),
                          str(attrs.get("epiturn_version", "unknown")), str(attrs.get("git_commit", "unknown")))
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"output: {_shown(store)} is a damaged epiturn sweep store (its record of batches: "
                         f"{type(exc).__name__}); {NOT_A_STORE}", parameter="output") from None


def check_arrays(store: Any, names: Any) -> None:
    """Every variable of ``names`` is in the store, else one line: a store whose creation was
    cut short (by a version that wrote it in place) cannot be continued."""
    try:
        present = set(_group(store, "r").array_keys())
    except Exception as exc:
        raise StoreError(f"output: {_shown(store)} cannot be read as an epiturn sweep store ({type(exc).__name__}); "
                         f"{NOT_A_STORE}", parameter="output") from None
    missing = sorted(set(names) - present)
    if missing:
        raise StoreError(f"output: {_shown(store)} is an incomplete sweep store (no {missing[0]!r}: its creation was "
                         "interrupted); allowed: delete it and run the sweep again, or a new output path", parameter="output")


def clean_partial(store: Any) -> int:
    """Remove the half-written files (``*.partial``) a killed write left in a folder store."""
    if not isinstance(store, str):
        return 0
    n = 0
    for path in Path(store).rglob("*.partial"):
        path.unlink(missing_ok=True)
        n += 1
    return n


def check_resumable(state: StoreState) -> None:
    """A store written by another epiturn version is not continued (results would mix)."""
    if state.version != package_version():
        raise StoreError(f"resume: {state.version!r} is the epiturn version of the store, this is {package_version()}; "
                         "allowed: resume with the version that started the sweep, or start a new store", parameter="resume")


CREATING = ".creating-"


def create_store(store: Any, plan: Any, template: Any, layout: Any) -> None:
    """Create the empty sweep store: metadata, coordinates and attributes.

    A folder store is written aside, in ``.<name>.creating-<pid>`` beside it, then renamed
    into place: the store appears whole, never half-created (a kill at any instant leaves
    either no store or a whole one). The caller holds the store's writer lock
    (:func:`experiments.storage.lock_store`), so every creation folder of this store
    found here was left by a killed process, and is removed. Any error (a full disk
    among them) removes the creation folder and is raised as it is.
    """
    if not isinstance(store, str):
        _write_empty(store, plan, template, layout)
        return
    final = Path(store)
    if final.parent.is_dir():
        for stale in final.parent.iterdir():
            if stale.name.startswith(f".{final.name}{CREATING}"):
                shutil.rmtree(stale, ignore_errors=True)
    aside = final.with_name(f".{final.name}{CREATING}{os.getpid()}")
    try:
        _write_empty(str(aside), plan, template, layout)
        os.replace(aside, final)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise


def _write_empty(store: Any, plan: Any, template: Any, layout: Any) -> None:
    """Write the metadata, coordinates and attributes of an empty sweep store into ``store``."""
    import dask.array as da

    sweep_dims = tuple(plan.dims)
    data_vars: dict[str, Any] = {}
    for name, (dims, attrs) in template.variables.items():
        shape = tuple(plan.shape) + tuple(template.sizes[d] for d in dims)
        chunks = tuple(layout.chunks) + tuple(template.sizes[d] for d in dims)
        data_vars[name] = xr.Variable(sweep_dims + dims, da.full(shape, np.nan, chunks=chunks, dtype=float), attrs)
    data_vars["all_finite"] = xr.Variable(sweep_dims, da.full(tuple(plan.shape), np.nan, chunks=tuple(layout.chunks), dtype=float),
                                          {"units": "1", "long_name": "1 if every output of the scenario is finite, else 0",
                                           **flag_attrs("not_all_finite all_finite")})
    coords: dict[str, Any] = {}
    for name, (dims, values, attrs) in plan.coords.items():
        coords[name] = xr.Variable(dims, values, attrs)
    for dim, (values, attrs) in template.coords.items():
        coords[dim] = xr.Variable((dim,), values, attrs)
    hashes = np.asarray([r.hash for r in plan.scenarios]).reshape(plan.shape)
    coords["config_hash"] = xr.Variable(sweep_dims, hashes, {"long_name": "sha256 of the scenario's resolved run config"})
    ds = xr.Dataset(data_vars, coords=coords)
    check_annotated(ds)
    attrs = provenance_attrs(plan)
    attrs = {**cf_global_attrs(f"epiturn sweep {plan.name}", f"experiments.sweep ({plan.mode}, {int(plan.size)} scenarios)",
                               attrs["created_utc"]), **attrs}
    attrs.update({
        "epiturn_kind": KIND,
        "sweep_name": plan.name,
        "sweep_mode": plan.mode,
        "sweep_hash": plan.hash,
        "sweep_config": json.dumps(plan.source, sort_keys=True),
        "sweep_file": plan.file or "",
        "sweep_dims": json.dumps(list(sweep_dims)),
        "sweep_axes": json.dumps({a.name: a.path for a in plan.axes}),
        "base_config_hash": plan.base.hash,
        "n_scenarios": int(plan.size),
        "batch_chunks": [int(c) for c in layout.chunks],
        "batch_size": int(layout.batch_size),
        "batches_total": int(layout.n_blocks),
        "batches_done": [],
        "sweep_complete": 0,
    })
    ds.attrs.update(attrs)
    ds, encoding = _cf.encode(ds)
    for name, (dims, _) in template.variables.items():
        encoding.setdefault(name, {})["chunks"] = tuple(layout.chunks) + tuple(template.sizes[d] for d in dims)
    encoding.setdefault("all_finite", {})["chunks"] = tuple(layout.chunks)
    mode = "w" if not isinstance(store, str) else "w-"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        ds.to_zarr(store, mode=mode, compute=False, zarr_format=ZARR_FORMAT, consolidated=True, encoding=encoding)


def write_block(store: Any, plan: Any, layout: Any, result: Any) -> None:
    """Write one finished batch into its chunks (no other batch's chunks are touched)."""
    group = _group(store)
    region = layout.region(result.index)
    for name, values in result.data.items():
        array = group[name]
        index = region + (slice(None),) * (array.ndim - len(region))
        array[index] = values


def mark_done(store: Any, index: int) -> None:
    """Add batch ``index`` to the record of completed batches (atomic attribute update)."""
    group = _group(store)
    done = sorted(set(int(i) for i in group.attrs.get("batches_done", [])) | {int(index)})
    group.attrs["batches_done"] = done
    zarr.consolidate_metadata(store, zarr_format=ZARR_FORMAT)


def finish(store: Any) -> None:
    """Mark the sweep complete once every batch is recorded."""
    group = _group(store)
    done = group.attrs.get("batches_done", [])
    if len(done) == int(group.attrs["batches_total"]):
        group.attrs["sweep_complete"] = 1
    zarr.consolidate_metadata(store, zarr_format=ZARR_FORMAT)


def open_dataset(store: Any) -> xr.Dataset:
    """The sweep store as a dataset (lazy for a folder, loaded for an in-memory store).

    ``time`` in days, as in memory (:func:`._cf.decode`); a plain ``xarray.open_zarr``
    decodes the CF time coordinate to datetimes instead.
    """
    ds = _cf.decode(xr.open_zarr(store, consolidated=True, zarr_format=ZARR_FORMAT, decode_times=False))
    return ds.load() if not isinstance(store, str) else ds
