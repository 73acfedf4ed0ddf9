"""The writer lock of a sweep store: one process writes a store at a time; readers are free.

The lock is ``fcntl.flock`` on the hidden file ``.<name>.lock`` beside the store folder
``<name>`` (:func:`lock_path`), which holds the PID of its holder. It lies beside the
store, not in it, so that it is held before the store exists (two sweeps creating one
store: the second is refused) and so that zarr, which warns about every file in a store
that is not part of the hierarchy, never sees it. The kernel releases the lock when the
holder exits for any reason (a SIGKILL included), so a lock is never left behind: the
file stays, unlocked, and the next writer takes it. Reading a store (``epiturn plot``,
``report``, ``explore``, :func:`experiments.storage.open_result`) takes no lock and is
never blocked.

A second writer (another ``epiturn sweep`` or ``--resume`` on the same store, also in
the same process) is refused with :class:`experiments.errors.StoreError` naming the
store and the PID that holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from experiments.errors import StoreError

__all__ = ["WriterLock", "lock_path", "lock_store"]


def lock_path(store: str | os.PathLike) -> Path:
    """The lock file of the store folder ``store``: ``.<name>.lock`` beside it."""
    store = Path(store)
    return store.with_name(f".{store.name}.lock")


class WriterLock:
    """A held writer lock (an open, flock-ed file descriptor); :meth:`release` drops it."""

    def __init__(self, fd: int, store: Path):
        self.fd: int | None = fd
        self.store = store

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None

    def __enter__(self) -> "WriterLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"


def lock_store(store: str | os.PathLike, shown: str | None = None) -> WriterLock:
    """Take the writer lock of the store folder ``store`` (which need not exist yet) without waiting.

    Raises :class:`StoreError` (``parameter="output"``) when another process, or another
    writer in this one, holds it: ``shown`` (default the path) names the store.
    """
    store = Path(store)
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _holder(fd)
        os.close(fd)
        raise StoreError(f"output: {shown or repr(str(store))} is being written by another epiturn process (PID {pid}); "
                         "allowed: wait until it ends (readers such as plot and report may use the store meanwhile), "
                         "or another output path", parameter="output") from None
    except BaseException:
        os.close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:  # a full disk: the lock holds all the same, only the PID is not shown
        pass
    return WriterLock(fd, store)
