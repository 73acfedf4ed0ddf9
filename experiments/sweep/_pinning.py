"""Each worker of a local Dask cluster on a core of its own (a Dask preload module).

A worker process runs XLA's thread pool beside Dask's threads; left alone, every worker
spreads over every core, so two workers on two cores compete for both and a second
worker adds little (docs/sweeps.md, "Throughput"). :func:`dask_setup` runs in each
worker process when it starts (``LocalCluster(preload=[__name__])``) and restricts every
thread of the process -- and so every thread it starts later, which inherits the mask --
to one core: worker ``i`` (its name in a ``LocalCluster``) to the ``i``-th core this
process may use, round robin. Numbers are unchanged (the same kernels, the same threads,
on fewer cores). Where the platform has no ``sched_setaffinity`` (macOS, Windows), or a
worker has no integer name, nothing is pinned.
"""

from __future__ import annotations

import os

__all__ = ["dask_setup", "pin_process"]


def pin_process(index: int) -> int | None:
    """Restrict every thread of this process to the ``index``-th allowed core (round robin); returns it, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    core = cores[index % len(cores)]
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    for tid in tids:
        try:
            os.sched_setaffinity(tid, {core})
        except OSError:  # a thread that ended meanwhile
            pass
    return core


def dask_setup(worker) -> None:
    """Dask's preload hook: pin the worker process to its core."""
    try:
        index = int(worker.name)
    except (TypeError, ValueError):
        return
    pin_process(index)
