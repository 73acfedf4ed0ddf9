"""Where a sweep's blocks run: one executor base class and its kinds.

* :class:`InProcessExecutor`: this process (the default);
* :class:`LocalClusterExecutor`: a Dask ``LocalCluster`` of N single-threaded worker
  processes started here (``cluster="local:N"``);
* :class:`SchedulerExecutor`: a running Dask scheduler at an address (``scheduler=``).

:func:`make_executor` picks one from the keyword arguments of :func:`run_sweep`. Bad
values raise :class:`experiments.errors.InputError` / :class:`ClusterError` whose
``parameter`` is ``"cluster"`` or ``"scheduler"``.
"""

from __future__ import annotations

import os
import re
import time
from abc import ABC, abstractmethod
from typing import Iterator, Sequence

from experiments.errors import ClusterError, InputError
from experiments.sweep._blocks import BlockResult, BlockTask, run_block

__all__ = ["Executor", "InProcessExecutor", "LocalClusterExecutor", "SchedulerExecutor", "make_executor",
           "parse_cluster"]

MAX_WORKERS_PER_CORE = 4  # a local cluster's largest size, per CPU core (docs/limits.md)
SCHEDULER_TIMEOUT_S = 15  # how long a scheduler address is tried before giving up
IN_PROCESS = "in-process"


def parse_cluster(cluster: str) -> int:
    """Number of workers of a local cluster spec ``local:N``."""
    text = str(cluster).strip()
    m = re.fullmatch(r"local:(\d{1,9})", text)
    if not m or int(m.group(1)) < 1:
        shown = repr(text if len(text) <= 60 else text[:57] + "...")
        raise InputError(f"cluster: {shown} is not a local cluster spec; allowed: local:N with N >= 1 workers "
                         "(or a scheduler address)", parameter="cluster")
    most = MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)
    if int(m.group(1)) > most:  # each worker is a process holding its own JAX: more would only exhaust the machine
        raise InputError(f"cluster: {text!r} starts more worker processes than this machine can hold; allowed: "
                         f"local:N with 1 <= N <= {most} ({MAX_WORKERS_PER_CORE} per CPU core)", parameter="cluster")
    return int(m.group(1))


class Executor(ABC):
    """Runs blocks and yields their results as they finish (in any order).

    ``parallel``: how many blocks are in flight at once (sizes the batches);
    ``address``: where they run (``"in-process"`` or a scheduler address).
    """

    parallel: int = 1
    address: str = IN_PROCESS

    @abstractmethod
    def map(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        """Run ``tasks``; yield each result when it is done."""

    def close(self) -> None:
        """Release what the executor holds (threads, a cluster, a connection)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Blocks in this process. With ``threads > 1`` (default: up to 2 cores) the first block
    runs alone (it compiles) and the others run ``threads`` at a time, so that one block's
    Python work (preparing inputs, labelling outputs) overlaps another's compiled run,
    which releases the GIL. Results are the same as one at a time."""

    def __init__(self, threads: int | None = None):
        self.parallel = max(1, min(2, os.cpu_count() or 1) if threads is None else int(threads))

    def map(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        tasks = list(tasks)
        if not tasks:
            return
        yield run_block(tasks[0])
        rest = tasks[1:]
        if self.parallel == 1 or len(rest) <= 1:
            for t in rest:
                yield run_block(t)
            return
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="epiturn-batch") as pool:
            futures = [pool.submit(run_block, t) for t in rest]
            try:
                for f in as_completed(futures):
                    yield f.result()
            finally:
                for f in futures:
                    f.cancel()


class _DaskExecutor(Executor):
    """Blocks on a dask.distributed cluster through a ``Client`` (the kinds below make it)."""

    client = None
    parameter = "cluster"

    def _import(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a declared extra
            raise InputError(f"{self.parameter}: needs dask.distributed, which is not installed; "
                             "allowed: pip install 'epiturn[dask]', or run in-process", parameter=self.parameter) from None
        return Client, LocalCluster

    def _connected(self) -> None:
        self.parallel = max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def map(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        from distributed import as_completed

        futures = [self.client.submit(run_block, t, key=f"epiturn-block-{t.index}-{os.getpid()}-{time.time_ns()}", pure=False)
                   for t in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


class LocalClusterExecutor(_DaskExecutor):
    """A Dask ``LocalCluster`` of ``n_workers`` single-threaded processes, started here.

    The workers get the ``EPITURN_*``, ``JAX_*`` and ``XLA_*`` environment variables; each
    is pinned to a core of its own (:mod:`experiments.sweep._pinning`), so N workers on N
    cores do not compete for every core. The
    cluster listens on 127.0.0.1 only, serves nothing over HTTP (no dashboard or other
    route, on the scheduler or the workers), and speaks TLS with credentials made for this cluster
    (``Security.temporary()``, kept in memory): another user of the machine can neither
    reach it from the network nor submit work to it, since connecting needs the key.
    """

    parameter = "cluster"

    def __init__(self, n_workers: int):
        Client, LocalCluster = self._import()
        from distributed.security import Security

        env = {k: v for k, v in os.environ.items() if k.startswith(("EPITURN_", "JAX_", "XLA_"))}
        try:
            security = Security.temporary()
        except ImportError:  # pragma: no cover - cryptography comes with distributed's TLS
            raise ClusterError("cluster: local clusters need the 'cryptography' package for their TLS credentials; "
                               "allowed: pip install cryptography, or run in-process", parameter="cluster") from None
        import dask

        try:
            # dask always opens an HTTP server beside the scheduler and each worker: no routes on
            # it (no dashboard, no /health, /json or /metrics), on a free port of 127.0.0.1
            with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
                self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                            protocol="tls://", security=security, dashboard_address=None,
                                            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                                            worker_dashboard_address=None, silence_logs=40, env=env,
                                            preload=["experiments.sweep._pinning"])
        except (OSError, RuntimeError, TimeoutError) as exc:
            raise ClusterError(f"cluster: local:{n_workers} cannot be started ({type(exc).__name__}: {exc})",
                               parameter="cluster") from None
        self.client = Client(self.cluster, security=security)
        self.address = self.cluster.scheduler_address
        self._connected()

    def close(self) -> None:
        super().close()
        self.cluster.close()


class SchedulerExecutor(_DaskExecutor):
    """A running Dask scheduler at ``address`` (tried for ``SCHEDULER_TIMEOUT_S`` seconds)."""

    parameter = "scheduler"

    def __init__(self, address: str):
        Client, _ = self._import()
        try:
            self.client = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"scheduler: {address!r} cannot be reached ({type(exc).__name__}: {exc}); allowed: the "
                               "address of a running dask scheduler, e.g. tcp://10.0.0.5:8786", parameter="scheduler") from None
        self.address = address
        self._connected()


def check_executor_options(cluster: str | None, scheduler: str | None) -> None:
    """Raise :class:`InputError` for a bad ``cluster`` spec or both options at once (no compute)."""
    if cluster is not None and scheduler is not None:
        raise InputError(f"cluster: {cluster!r} is given together with scheduler {scheduler!r}; allowed: one of "
                         "cluster='local:N' or scheduler=ADDRESS", parameter="cluster")
    if cluster is not None:
        parse_cluster(cluster)


def make_executor(cluster: str | None = None, scheduler: str | None = None) -> Executor:
    """The executor of :func:`run_sweep`'s ``cluster`` / ``scheduler`` (neither: in-process)."""
    check_executor_options(cluster, scheduler)
    if cluster is not None:
        return LocalClusterExecutor(parse_cluster(cluster))
    if scheduler is not None:
        return SchedulerExecutor(scheduler)
    return InProcessExecutor()
