"""The progress of a sweep on stderr: scenarios done, the true rate, elapsed time and time left.

One line says it all, with a label on every number::

    12/100 scenarios · 0.29 scenarios/s · elapsed 0:05:50 · left 0:30:20

* the **rate** is the scenarios done *by this call* divided by the wall time since it
  started (a resumed sweep does not count the scenarios it found done), not a
  windowed speed of the last few advances: batches finish in jumps, and the first one
  also spins up and compiles;
* **left** is the scenarios still to do divided by that rate (``–`` before the first
  batch is done).

On a terminal the line follows a bar that rich redraws (the numbers move between
batches); elsewhere (a log file, a pipe, a test) plain lines without control codes are
printed when a batch is done, at most every ``every_s`` seconds, and the last one always.
The clock is injectable (:class:`ProgressBar` ``clock``) so tests can drive it.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

__all__ = ["ProgressBar", "format_duration", "progress_line"]

SEP = " · "


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss`` of a duration in seconds (``–`` for None or a non-finite value)."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    total = int(round(max(seconds, 0.0)))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def progress_line(done: int, total: int, done_here: int, elapsed_s: float, unit: str = "scenarios") -> str:
    """The progress line: ``"12/100 scenarios · 0.29 scenarios/s · elapsed 0:05:50 · left 0:30:20"``.

    ``done`` of ``total`` are done, ``done_here`` of them in the ``elapsed_s`` seconds
    since this call started (the rate is ``done_here / elapsed_s``, per second; the time
    left ``(total - done) / rate``).
    """
    rate = done_here / elapsed_s if done_here > 0 and elapsed_s > 0 else None
    left = 0.0 if done >= total else ((total - done) / rate if rate else None)
    rate_text = f"{rate:.3g} {unit}/s" if rate else f"– {unit}/s"
    return SEP.join((f"{done}/{total} {unit}", rate_text, f"elapsed {format_duration(elapsed_s)}",
                     f"left {format_duration(left)}"))


class ProgressBar:
    """The progress of one sweep call on stderr; does nothing when not ``enabled``.

    ``total`` scenarios, ``done`` of them already done before this call (a resumed store).
    ``clock``: seconds (monotonic), ``console``: a ``rich.console.Console`` (default one
    on stderr), ``every_s``: the least time between two plain lines off a terminal.
    :meth:`say` prints a line about what the sweep is doing (a spin-up of a profile)
    above the bar.
    """

    def __init__(self, total: int, done: int, enabled: bool, description: str, *,
                 clock: Callable[[], float] = time.monotonic, console=None, every_s: float = 10.0):
        self.total, self.done, self.done_at_start = int(total), int(done), int(done)
        self.description = description
        self.enabled = bool(enabled)
        self.clock = clock
        self.started = clock()
        self.every_s = float(every_s)
        self._printed_at: float | None = None  # when the last plain line was printed
        self._printed_done: int | None = None  # and how many were done then
        self._lock = threading.Lock()
        self._progress = None
        if not self.enabled:
            return
        if console is None:
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console
        if console.is_terminal and not console.is_dumb_terminal:
            from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn
            from rich.text import Text

            bar = self

            class Line(ProgressColumn):
                def render(self, task):  # noqa: D401 - rich API
                    return Text(bar.line(), no_wrap=True, overflow="ellipsis")

            # the line needs ~75 columns: the bar takes what is left of the terminal (5 to 40)
            width = max(5, min(40, console.width - len(description) - 80))
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=width), Line(),
                                      console=console, transient=False, get_time=clock)
            self._progress.start()
            self._task = self._progress.add_task(description, total=total, completed=done)

    def elapsed_s(self) -> float:
        """Seconds since this call started."""
        return self.clock() - self.started

    def line(self) -> str:
        """The progress line now (:func:`progress_line`)."""
        return progress_line(self.done, self.total, self.done - self.done_at_start, self.elapsed_s())

    def advance(self, n: int) -> None:
        """``n`` more scenarios are done."""
        if not self.enabled:
            return
        with self._lock:
            self.done += int(n)
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done)
            elif (self._printed_at is None or self.clock() - self._printed_at >= self.every_s
                  or self.done >= self.total):
                self._print_line()

    def say(self, text: str) -> None:
        """Print one line about what the sweep is doing, with the time since it started."""
        if self.enabled:
            self.console.print(f"[{self.elapsed_s():7.1f} s] {text}", markup=False, highlight=False, soft_wrap=True)

    def _print_line(self) -> None:
        line = f"{self.description}: {self.line()}"
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        self._printed_at, self._printed_done = self.clock(), self.done

    def close(self, keep: bool = True) -> None:
        """Stop the bar; ``keep=False`` erases it (a sweep that stopped says why instead)."""
        if not self.enabled:
            return
        if self._progress is not None:
            if not keep:
                self._progress.live.transient = True
            self._progress.stop()
            self._progress = None
        elif keep and self._printed_done != self.done:
            self._print_line()  # the last line, unless the last batch printed it
        self.enabled = False

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(keep=exc_type is None)
