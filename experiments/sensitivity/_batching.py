"""Evaluating a batched function over many points, a fixed batch size at a time.

The model is compiled once for a batch of ``B`` points (``jit(vmap(...))``); the rows of
a design are cut into batches of ``B``, the last one padded with copies of its last row
so that every call has the same shape (no recompilation), and the results put back in
row order.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import jax
import numpy as np

from experiments._activity import say

__all__ = ["in_batches"]


def in_batches(fn: Callable[[np.ndarray], Any], rows: np.ndarray, batch_size: int, what: str = "points") -> Any:
    """``fn`` over the leading axis of ``rows`` in batches of ``batch_size``; returns the outputs stacked.

    ``fn`` takes an array ``(batch_size, ...)`` and returns a pytree of arrays with a
    leading axis ``batch_size``; the result is that pytree with ``len(rows)`` rows (NumPy).
    One line per batch goes to the listener (:mod:`experiments._activity`).
    """
    rows = np.asarray(rows)
    n = rows.shape[0]
    if n == 0:
        raise ValueError("no rows to evaluate")
    size = max(1, min(int(batch_size), n))
    parts = []
    start_all = time.perf_counter()
    for start in range(0, n, size):
        chunk = rows[start:start + size]
        if chunk.shape[0] < size:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], size - chunk.shape[0], axis=0)])
        out = jax.device_get(fn(chunk))
        parts.append(jax.tree.map(lambda a, k=min(size, n - start): np.asarray(a)[:k], out))
        done = min(start + size, n)
        say(f"{done}/{n} {what} in {time.perf_counter() - start_all:.1f} s")
    return jax.tree.map(lambda *a: np.concatenate(a), *parts)
