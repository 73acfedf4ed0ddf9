"""What a computation is doing, told to whoever asked for it (the command line, a callback).

The library is quiet: a step of a computation (a spin-up, a compilation, the simulation)
is announced with :func:`say` / :func:`step`, and the lines go nowhere unless a caller
asked for them with :func:`reporting` (``experiments.run(..., progress=...)``, the
command line). A listener is a callable that takes one line of text; a step is two
lines, ``"spinning up ...…"`` when it starts (the line ends in ``…``) and
``"... in 12.3 s"`` when it ends. The innermost :func:`reporting` is told, from any
thread of the process (the sweep's in-process executor runs blocks in threads); worker
processes of a Dask cluster are not.

:class:`StderrLines` is the listener of ``progress=True``: plain lines on stderr with the
time since it was made; on a terminal, an open step also shows a spinner with its running
time (no control codes anywhere else).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from experiments.errors import InputError

__all__ = ["Listener", "Step", "StderrLines", "listener_for", "reporting", "say", "step"]

Listener = Callable[[str], None]
OPEN = "…"  # the end of a line that starts a step

_LOCK = threading.Lock()
_LISTENERS: list[Listener] = []  # a stack: the last one is told


def listener_for(progress: Any, parameter: str = "progress") -> Listener | None:
    """The listener that ``progress`` asks for: True -> :class:`StderrLines`, False/None -> none, a callable -> itself."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return StderrLines()
    if callable(progress):
        return progress
    raise InputError(f"{parameter}: {progress!r} is not a progress setting; allowed: True (lines on stderr), "
                     "False or None (quiet), or a callable taking one line of text", parameter=parameter)


@contextmanager
def reporting(progress: Any, parameter: str = "progress") -> Iterator[Listener | None]:
    """Send the lines of the computation inside to ``progress`` (see :func:`listener_for`).

    ``None``/``False`` add nothing: a listener installed further out (the command line)
    still hears them. Yields the listener (None for none).
    """
    listener = listener_for(progress, parameter)
    if listener is None:
        yield None
        return
    with _LOCK:
        _LISTENERS.append(listener)
    try:
        yield listener
    finally:
        with _LOCK:
            _LISTENERS.remove(listener)
        close = getattr(listener, "close", None)
        if callable(close):
            close()


def say(line: str) -> None:
    """Tell the innermost listener one line (nothing when no one listens)."""
    listener = _LISTENERS[-1] if _LISTENERS else None
    if listener is not None:
        listener(line)


class Step:
    """An open step of :func:`step`; ``done`` is the text of its last line (changeable inside)."""

    def __init__(self, done: str):
        self.done = done


@contextmanager
def step(doing: str, done: str) -> Iterator[Step]:
    """Announce ``doing…``; at the end, ``"<done> in 12.3 s"`` (``done`` may be changed on the yielded :class:`Step`).

    A step that raises ends without its last line (the error says what happened).
    """
    say(doing + OPEN)
    start = time.perf_counter()
    handle = Step(done)
    yield handle
    say(f"{handle.done} in {time.perf_counter() - start:.1f} s")


class StderrLines:
    """The listener of ``progress=True``: each line on stderr as ``[   12.3 s] line``.

    The time is since the listener was made. On a terminal, while a step is open (its
    line ended in ``…``) a spinner below it shows its running time until the next line.
    ``console``: a ``rich.console.Console`` (default: one on stderr).
    """

    def __init__(self, console=None, clock: Callable[[], float] = time.monotonic):
        if console is None:
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console
        self.clock = clock
        self.started = clock()
        self._spinner = None
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self._stop_spinner()
            self.console.print(f"[{self.clock() - self.started:7.1f} s] {line}", markup=False, highlight=False,
                               soft_wrap=True)
            if line.endswith(OPEN) and self.console.is_terminal and not self.console.is_dumb_terminal:
                from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

                self._spinner = Progress(SpinnerColumn(), TimeElapsedColumn(), console=self.console, transient=True)
                self._spinner.add_task("", total=None)
                self._spinner.start()

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def close(self) -> None:
        """Remove a spinner still shown."""
        with self._lock:
            self._stop_spinner()
