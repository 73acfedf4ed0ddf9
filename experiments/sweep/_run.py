"""Running a sweep into one store: plan, layout, blocks on an executor, the store, a report.

    sweep file --(load_sweep)--> SweepPlan: every scenario resolved and checked (no compute)
               --(SweepPlan.run_plans)--> each scenario's grid, events, time grid (once)
               --(build_template, plan_layout)--> the store layout; blocks = batches = chunks
               --(run_block on an executor)--> one jitted, vmapped call per batch
               --(experiments.storage)--> one Zarr store, written block by block, resumable
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import xarray as xr

from experiments import storage
from experiments.errors import DiskFullError, InputError, StoreError
from experiments._activity import reporting
from experiments._jaxconfig import configure_jax
from experiments.sweep._batch import group_key, scenario_lengths
from experiments.sweep._blocks import BlockTask
from experiments.sweep._executors import check_executor_options, make_executor
from experiments.sweep._layout import Layout, build_template, default_batch_size, plan_layout
from experiments.sweep._plan import SweepPlan, load_sweep
from experiments.sweep._progress import ProgressBar

__all__ = ["SweepReport", "run_sweep", "sweep"]


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did."""

    store: str
    n_scenarios: int
    n_batches: int
    batch_size: int
    computed_batches: int = 0
    reused_batches: int = 0
    compute_s: float = 0.0
    wall_s: float = 0.0
    nonfinite: list[str] = field(default_factory=list)
    executor: str = "in-process"


def _check_batch_size(batch_size: Any) -> None:
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise InputError(f"batch_size: {batch_size!r} is not a positive integer; allowed: an integer >= 1",
                         parameter="batch_size")


def _tasks(plan: SweepPlan, layout: Layout, pending: list[int], lengths: dict, template) -> list[BlockTask]:
    tasks = []
    for i in pending:
        members = layout.members(i)
        block_shape = tuple(r.stop - r.start for r in layout.region(i))
        plans = tuple(plan.run_plans[m] for m in members)
        tasks.append(BlockTask(i, block_shape, tuple(plan.scenarios[m] for m in members), plans,
                               tuple(plan.label(m) for m in members), layout.batch_size,
                               {k: lengths[k] for k in {group_key(p) for p in plans}}, template))
    return tasks


def run_sweep(source: Any, output: str | os.PathLike | None = None, *, resume: bool = False,
              cluster: str | None = None, scheduler: str | None = None, batch_size: int | None = None,
              progress: bool = False, report: SweepReport | None = None,
              echo: Callable[[str], None] | None = None) -> xr.Dataset:
    """Run a sweep into a Zarr store and return the result as a dataset.

    ``source``: a sweep file path, a mapping or a :class:`SweepPlan`. ``output``: the
    store (a folder; None keeps it in memory). ``resume``: continue an unfinished store
    of the same sweep (otherwise an unfinished store is an error). A finished store of
    the same sweep is returned without computing anything. ``cluster="local:N"`` starts a
    dask LocalCluster of N single-threaded worker processes; ``scheduler`` connects to a
    running one. ``batch_size`` overrides the memory-based choice (a fresh store only; a
    resumed store keeps its layout). ``echo``: called with one-line messages. ``progress``:
    a progress bar on stderr (scenarios done, the rate of this call, elapsed, time left;
    :mod:`experiments.sweep._progress`), with the spin-ups it waits for.

    Every problem of the sweep file raises :class:`experiments.config.ConfigError`, of
    the options :class:`experiments.errors.InputError`, of the store
    :class:`experiments.errors.StoreError` (``parameter`` names the keyword), all before
    any compute; an unreachable cluster :class:`experiments.errors.ClusterError`.
    A folder store has one writer at a time (:func:`experiments.storage.lock_store`: a
    second one is refused with a StoreError naming the holder's PID) and is created whole
    or not at all; a full disk raises :class:`experiments.errors.DiskFullError` with the
    batches kept (docs/sweeps.md, "Faults").
    Scenarios with non-finite outputs do not stop the sweep: ``all_finite`` is 0 there.
    """
    configure_jax()
    t0 = time.perf_counter()
    check_executor_options(cluster, scheduler)
    _check_batch_size(batch_size)
    plan = load_sweep(source)
    say = echo or (lambda s: None)
    store = storage.open_store(output)
    shown = str(output) if output is not None else "(memory)"

    def finished(state: storage.StoreState) -> xr.Dataset:
        say(f"{output}: sweep already complete ({state.n_batches} batches); nothing to compute")
        if report is not None:
            report.__dict__.update(store=shown, n_scenarios=plan.size, n_batches=state.n_batches,
                                   batch_size=int(np.prod(state.chunks)), reused_batches=state.n_batches,
                                   wall_s=time.perf_counter() - t0)
        return storage.open_dataset(store)

    state = storage.store_state(store)  # read without the writer lock: a finished store is not touched
    if state is not None:
        _check_same_sweep(state, plan, output)
        if state.complete:
            return finished(state)
    lock = None
    try:
        if isinstance(store, str):
            lock = storage.lock_store(store, repr(shown))  # one writer at a time (a second one is refused)
            state = storage.store_state(store)  # as the last writer left it
            if state is not None:
                _check_same_sweep(state, plan, output)
                if state.complete:
                    return finished(state)
        if state is not None:
            if not resume:
                raise StoreError(f"resume: not given, and {shown!r} holds an unfinished run of this sweep "
                                 f"({len(state.done)} of {state.n_batches} batches done); allowed: resume it, or a new output path",
                                 parameter="resume")
            storage.check_resumable(state)
        lengths = scenario_lengths(plan.scenarios, plan.run_plans)
        template = build_template(plan, lengths)
        if state is not None:
            storage.clean_partial(store)  # the half-written files of a killed write (its batch runs again)
            storage.check_arrays(store, list(template.variables) + ["all_finite"])
        with make_executor(cluster, scheduler) as executor:
            if state is None:
                layout = plan_layout(plan, batch_size or default_batch_size(plan.size, template, executor.parallel))
                done: set[int] = set()
                with _disk_full(shown, 0, layout.n_blocks):
                    storage.create_store(store, plan, template, layout)
            else:
                layout = Layout(plan.shape, tuple(state.chunks))
                done = set(state.done)
            pending = [i for i in range(layout.n_blocks) if i not in done]
            tasks = _tasks(plan, layout, pending, lengths, template)
            say(f"sweep {plan.name}: {plan.size} scenarios ({' x '.join(f'{d} {n}' for d, n in zip(plan.dims, plan.shape))}) "
                f"in {layout.n_blocks} batches of {layout.batch_size}; {len(pending)} to run {executor.address}")
            n_done = sum(len(layout.members(i)) for i in done)
            nonfinite: list[str] = []
            compute_s = 0.0
            kept = len(done)
            with ProgressBar(plan.size, n_done, progress and bool(tasks), plan.name) as bar, \
                    reporting(bar.say if bar.enabled else None):  # the spin-ups, above the bar
                for result in executor.map(tasks):
                    with _disk_full(shown, kept, layout.n_blocks):
                        storage.write_block(store, plan, layout, result)
                        storage.mark_done(store, result.index)
                    kept += 1
                    compute_s += result.elapsed_s
                    nonfinite.extend(result.nonfinite)
                    bar.advance(result.n_scenarios)
            with _disk_full(shown, kept, layout.n_blocks):
                storage.finish(store)
    finally:
        if lock is not None:
            lock.release()
    if nonfinite:
        say(f"warning: {len(nonfinite)} scenario(s) produced non-finite values (all_finite = 0), e.g. {nonfinite[0]}; "
            "try a smaller grid.dt_hours")
    if report is not None:
        report.__dict__.update(store=shown, n_scenarios=plan.size, n_batches=layout.n_blocks,
                               batch_size=layout.batch_size, computed_batches=len(pending), reused_batches=len(done),
                               compute_s=compute_s, wall_s=time.perf_counter() - t0, nonfinite=nonfinite,
                               executor=executor.address)
    return storage.open_dataset(store)


def _check_same_sweep(state: storage.StoreState, plan: SweepPlan, output: Any) -> None:
    if state.sweep_hash != plan.hash:
        raise StoreError(f"output: {str(output)!r} holds a different sweep (config hash {state.sweep_hash[:12]}, this sweep's "
                         f"{plan.hash[:12]}); allowed: the store of this sweep, or a new output path", parameter="output")


DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def _disk_full(shown: str, kept: int, total: int) -> Iterator[None]:
    """A full disk (or quota) while writing the store: :class:`DiskFullError`, one line, the
    finished batches kept (each is recorded only once its data is written)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in DISK_FULL or isinstance(exc, StoreError):
            raise
        what = "disk full" if exc.errno == errno.ENOSPC else "disk quota exceeded"
        error = DiskFullError(f"{what} writing {shown}: {kept} of {total} batches kept; free space, then continue "
                              "it with resume=True")
        error.reason, error.store, error.kept, error.total = what, shown, kept, total
        raise error from None


def sweep(config: Any, output: str | os.PathLike | None = None, **kwargs: Any) -> xr.Dataset:
    """Run a sweep: ``config`` is a sweep file path, a mapping or a :class:`SweepPlan`.

    Returns the labelled dataset (sweep dimensions first). With ``output`` the results
    are kept in that Zarr store (and the returned dataset reads from it); keyword
    arguments as :func:`run_sweep` (``resume``, ``cluster``, ``scheduler``,
    ``batch_size``, ``progress``).
    """
    configure_jax()
    return run_sweep(config, output, **kwargs)
