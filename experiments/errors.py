"""The errors that ``experiments`` raises for people, each with a one-line message.

Every error a user can cause (bad input, a run that fails, a store that cannot be
written or resumed, a cluster that cannot be reached) is an :class:`EpiturnError`.
Messages speak the library's words: ``parameter`` names the keyword argument of the
Python function at fault (``output``, ``cluster``, ``kind``, ...), never a command-line
flag; the command line (:mod:`experiments.cli`) translates ``parameter`` into its own
flag (``-o/--output``, ``--cluster``, ``--kind``) with :func:`for_command_line`.
"""

from __future__ import annotations


class EpiturnError(Exception):
    """Base of the errors with a one-line message for people.

    ``parameter``: the keyword argument of the public function the problem is about
    (None when it is about a file's content, which the message names itself).
    """

    def __init__(self, message: str, parameter: str | None = None):
        self.parameter = parameter
        super().__init__(" ".join(str(message).split()))

    def __reduce__(self):  # picklable (raised on a Dask worker, re-raised in the client)
        return (type(self), (str(self), self.parameter))


class InputError(EpiturnError, ValueError):
    """Bad input: an option value, a result file that is not one, a sweep too large."""


class SimulationError(EpiturnError, RuntimeError):
    """The numerical run failed (non-finite values); the message says where."""


class StoreError(EpiturnError, OSError):
    """A result store that cannot be created, resumed, locked or written."""


class DiskFullError(StoreError):
    """The disk (or the user's quota) filled while a store was written; the finished
    batches are kept. ``reason`` ("disk full", "disk quota exceeded"), ``store``, ``kept``
    and ``total`` say what, which store and how many batches of all are kept."""

    reason: str = "disk full"
    store: str = ""
    kept: int = 0
    total: int = 0


class ClusterError(EpiturnError, RuntimeError):
    """A Dask cluster that cannot be started or reached."""


def for_command_line(error: EpiturnError, flags: dict[str, str]) -> str:
    """The message of ``error`` with its ``parameter`` named as the command-line flag.

    ``flags`` maps a keyword argument to its flag (``{"output": "-o/--output"}``). A
    message that starts with ``"<parameter>: "`` gets the flag in its place; one that
    names a config path and says where it came from (``"... (from <parameter>) ..."``,
    as a bad override does) gets the flag there; any other gets the flag in front.
    """
    text = str(error)
    if error.parameter and error.parameter in flags:
        flag = flags[error.parameter]
        prefix = f"{error.parameter}: "
        if text.startswith(prefix):
            return f"{flag}: {text[len(prefix):]}"
        mention = f"(from {error.parameter}"
        if mention in text:
            return text.replace(mention, f"(from {flag}")
        return f"{flag}: {text}"
    return text
