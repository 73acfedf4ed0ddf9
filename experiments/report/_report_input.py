"""What a result path of ``epiturn report`` holds: a sweep store, a comparison folder or one run.

* a Zarr store (``epiturn sweep``): kind ``sweep``, the store's dataset;
* a folder holding NetCDF runs (``epiturn compare -o DIR``: one ``<name>.nc`` per config,
  beside its figures): kind ``compare``, each run (in the order they were written) and
  the runs concatenated along ``config`` (coordinate: the names), as
  :func:`~experiments.report.outcome_table` concatenates their outcomes;
* a NetCDF file (``epiturn run``): kind ``run``.

Anything else (a path that does not exist, a folder with no run, a file that is not an
epiturn result) raises :class:`~experiments.errors.InputError` with ``parameter="result"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import xarray as xr

from experiments.errors import InputError

from ._scenarios import is_sweep

__all__ = ["ReportInput", "open_report_input", "from_dataset"]

ALLOWED = ("a Zarr store from `epiturn sweep`, a folder from `epiturn compare` (its NetCDF runs) "
           "or a NetCDF file from `epiturn run`")
KINDS = {"sweep": "parameter sweep", "compare": "comparison of run configs", "run": "single run"}


class ReportInput(NamedTuple):
    """``kind``: ``sweep``, ``compare`` or ``run``; ``dataset``: the sweep, the comparison
    along ``config``, or the run; ``runs``/``names``: the runs of a comparison (a run: itself)."""

    kind: str
    path: Path | None
    dataset: xr.Dataset
    runs: tuple[xr.Dataset, ...]
    names: tuple[str, ...]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _is_result(ds: xr.Dataset) -> bool:
    return "tewl" in ds or "epiturn_version" in ds.attrs


def _open(path: Path) -> xr.Dataset:
    from experiments.storage import open_result

    try:
        ds = open_result(path, load=True)
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        kind = "Zarr store" if path.is_dir() else "NetCDF file"
        raise InputError(f"result: {str(path)!r} cannot be read as a {kind} ({type(exc).__name__}); allowed: {ALLOWED}",
                         parameter="result") from None
    if not _is_result(ds):
        raise InputError(f"result: {str(path)!r} is not an epiturn result (no tewl, no provenance); allowed: {ALLOWED}",
                         parameter="result")
    return ds


def _comparison(runs: list[xr.Dataset], names: list[str]) -> xr.Dataset:
    combined = xr.concat(runs, dim="config", join="outer", coords="minimal", compat="override",
                         combine_attrs="drop_conflicts")
    combined = combined.assign_coords(config=("config", list(names)))
    combined.attrs["sweep_dims"] = ["config"]
    return combined


def open_report_input(path: str | os.PathLike) -> ReportInput:
    """The result at ``path`` (see the module docstring)."""
    from experiments.storage import is_zarr_store
    from experiments.storage._netcdf import NETCDF_SUFFIXES

    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"result: {str(path)!r} does not exist; allowed: {ALLOWED}", parameter="result")
    if is_zarr_store(p):
        ds = _open(p)
        return ReportInput("sweep" if is_sweep(ds) else "run", p, ds, (ds,), (p.stem,))
    if p.is_dir():
        files = sorted((f for f in p.iterdir() if f.is_file() and f.suffix.lower() in NETCDF_SUFFIXES),
                       key=lambda f: (f.stat().st_mtime_ns, f.name))
        if not files:
            raise InputError(f"result: {str(path)!r} is a folder with no NetCDF run in it; allowed: {ALLOWED}",
                             parameter="result")
        runs = [_open(f) for f in files]
        names = [f.stem for f in files]
        if len(runs) == 1:
            return ReportInput("run", files[0], runs[0], (runs[0],), (names[0],))
        return ReportInput("compare", p, _comparison(runs, names), tuple(runs), tuple(names))
    if p.suffix.lower() not in NETCDF_SUFFIXES:
        raise InputError(f"result: {str(path)!r} is not a result; allowed: {ALLOWED}", parameter="result")
    ds = _open(p)
    return ReportInput("run", p, ds, (ds,), (p.stem,))


def from_dataset(ds: xr.Dataset) -> ReportInput:
    """A dataset in memory (a run of :func:`experiments.run`, a sweep of :func:`experiments.sweep`)."""
    if not isinstance(ds, xr.Dataset) or not _is_result(ds):
        raise InputError(f"result: {type(ds).__name__} is not an epiturn result; allowed: {ALLOWED}, or its dataset",
                         parameter="result")
    kind = "sweep" if is_sweep(ds) else "run"
    return ReportInput(kind, None, ds, (ds,), (str(ds.attrs.get("title", "result")).split()[-1],))
