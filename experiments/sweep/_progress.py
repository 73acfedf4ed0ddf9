"""The progress bar of a sweep (rich, on stderr): scenarios done, rate, elapsed, time left."""

from __future__ import annotations

__all__ = ["ProgressBar"]


class ProgressBar:
    """A rich progress bar on stderr; does nothing when not ``enabled``."""

    def __init__(self, total: int, done: int, enabled: bool, description: str):
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task):  # noqa: D401 - rich API
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.2f} scenarios/s" if speed else "– scenarios/s")

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("scenarios"),
                            Rate(), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        self.bar.start()
        self.task = self.bar.add_task(description, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def close(self, keep: bool = True) -> None:
        """Stop the bar; ``keep=False`` erases it (a sweep that stopped says why instead)."""
        if self.bar is not None:
            if not keep:
                self.bar.live.transient = True
            self.bar.stop()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(keep=exc_type is None)
