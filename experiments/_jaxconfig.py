"""How a process runs JAX: 64-bit floats and a persistent compilation cache.

JAX computes in 32-bit floats unless ``jax_enable_x64`` is set, and compiles every
program afresh in every process unless it is given a compilation cache folder. Importing a
package changes neither; the places where a computation starts call
:func:`configure_jax`: :func:`experiments.run`, :func:`experiments.sweep` /
:func:`experiments.sweep.run_sweep`, the sweep's task on a Dask worker (a process of its
own) and the commands of the command line that compute. Scripts that call lower-level
functions (``experiments._run.prepare``, ``models.simulate``) call it (or at least
:func:`enable_x64`) themselves, before creating any array.

The compilation cache is the folder ``jax/`` of the epiturn cache
(:func:`experiments._cache.cache_root`, ``$EPITURN_CACHE``): the second process that runs
a grid loads the compiled spin-up and simulation from there instead of compiling them
(tens of seconds on a CPU). Every program is kept (no minimum compile time or size).
``EPITURN_JAX_CACHE=0`` turns it off; a folder the user gave JAX itself
(``JAX_COMPILATION_CACHE_DIR``, ``jax.config``) is left as it is.

This module imports JAX only inside its functions (the command line imports it for
``--help``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import NamedTuple

from experiments._cache import cache_root
from experiments.errors import InputError

__all__ = ["JAX_CACHE_ENV", "CompileCounts", "compile_counts", "configure_jax", "enable_compilation_cache", "enable_x64",
           "jax_cache_dir"]

JAX_CACHE_ENV = "EPITURN_JAX_CACHE"
_ON = ("", "1", "on", "yes", "true")
_OFF = ("0", "off", "no", "false")

_LOCK = threading.Lock()
_SET_BY_US: dict[str, str | None] = {"dir": None}  # the cache folder this module gave JAX
_COUNTS = {"programs": 0, "hits": 0, "misses": 0}
_LISTENING = [False]
# JAX's monitoring events: a program compiled or loaded from the persistent cache; a cache hit; a miss
_PROGRAM = "/jax/core/compile/backend_compile_duration"
_HIT, _MISS = "/jax/compilation_cache/cache_hits", "/jax/compilation_cache/cache_misses"


def enable_x64() -> None:
    """Make JAX compute in 64-bit floats in this process (idempotent)."""
    import jax

    if not jax.config.read("jax_enable_x64"):
        jax.config.update("jax_enable_x64", True)


def jax_cache_dir() -> Path | None:
    """``<epiturn cache>/jax``, or None when ``$EPITURN_JAX_CACHE`` turns the cache off.

    Raises :class:`experiments.errors.InputError` for a value that is neither on nor off.
    """
    value = os.environ.get(JAX_CACHE_ENV, "").strip().lower()
    if value in _OFF:
        return None
    if value not in _ON:
        raise InputError(f"{JAX_CACHE_ENV}: {os.environ[JAX_CACHE_ENV]!r} is not on or off; allowed: 1 (on, the default) "
                         "or 0 (off)")
    return cache_root() / "jax"


def _count(event: str, *_: object, **__: object) -> None:
    if event == _PROGRAM:
        _COUNTS["programs"] += 1
    elif event == _HIT:
        _COUNTS["hits"] += 1
    elif event == _MISS:
        _COUNTS["misses"] += 1


class CompileCounts(NamedTuple):
    """What XLA did in this process so far (counted once :func:`configure_jax` has run).

    ``programs``: programs made ready to run, compiled or loaded from the persistent
    cache; ``hits``: those loaded from it; ``misses``: those looked up there, not found,
    compiled (and stored). With the cache off, ``programs`` are all compiled.
    """

    programs: int
    hits: int
    misses: int

    @property
    def compiled(self) -> int:
        """Programs compiled (not loaded from the cache)."""
        return self.programs - self.hits

    def __sub__(self, other: "CompileCounts") -> "CompileCounts":  # type: ignore[override]
        return CompileCounts(*(a - b for a, b in zip(self, other)))


def compile_counts() -> CompileCounts:
    """:class:`CompileCounts` of this process so far (from JAX's monitoring events)."""
    return CompileCounts(_COUNTS["programs"], _COUNTS["hits"], _COUNTS["misses"])


def enable_compilation_cache() -> Path | None:
    """Give JAX the persistent compilation cache folder :func:`jax_cache_dir`; return it.

    Idempotent; follows a changed ``$EPITURN_CACHE`` / ``$EPITURN_JAX_CACHE`` on the next
    call. Returns the folder in use (None when off), which is the user's own when they set
    ``jax_compilation_cache_dir`` themselves.
    """
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    wanted = jax_cache_dir()
    target = None if wanted is None else str(wanted)
    with _LOCK:
        if not _LISTENING[0]:
            jax.monitoring.register_event_listener(_count)
            jax.monitoring.register_event_duration_secs_listener(_count)
            _LISTENING[0] = True
        current = jax.config.jax_compilation_cache_dir
        if current is not None and current != _SET_BY_US["dir"]:
            return Path(current)  # the user's folder
        if target != current:
            if current is not None:
                compilation_cache.reset_cache()  # forget the folder it had opened
            jax.config.update("jax_compilation_cache_dir", target)
            _SET_BY_US["dir"] = target
        if target is not None:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)  # no minimum size
    return wanted


def configure_jax() -> Path | None:
    """Set up JAX for an epiturn computation: 64-bit floats and the compilation cache.

    Call it where a computation starts, before any array is created. Returns the
    compilation cache folder (None when ``EPITURN_JAX_CACHE=0``).
    """
    enable_x64()
    return enable_compilation_cache()
