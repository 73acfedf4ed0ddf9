"""The status of a run: whether, and where first, a per-step readout became non-finite.

Computed inside the jitted :func:`models.simulate` as one reduction over the stacked
per-step readouts (``(N, R)`` scalars), so its cost is negligible. Like diffrax's
``RESULTS``, it is data (arrays, batched under ``vmap``), never a Python exception,
unless ``simulate(..., throw=True)`` asks for one.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

STATUS_SUCCESSFUL = 0
"""Every per-step readout that was finite at the start stayed finite."""

STATUS_NONFINITE = 1
"""A per-step readout became non-finite (NaN or inf)."""


class RunStatus(eqx.Module):
    """Status of one run (each field a scalar ``()``; a leading batch axis under ``vmap``).

    ``code``: :data:`STATUS_SUCCESSFUL` or :data:`STATUS_NONFINITE` (int32);
    ``step``: the first step index (0-based, into the per-step outputs) at which a
    readout became non-finite, -1 when none; ``readout``: the index of the first such
    readout in ``readout_names`` (:data:`models.READOUT_NAMES`), -1 when none;
    ``time_h``: the end time (h) of that step, NaN when none. A readout counts only if
    it was finite in the initial output (the roughness of a single column is NaN by
    definition).
    """

    code: jax.Array
    step: jax.Array
    readout: jax.Array
    time_h: jax.Array


def nonfinite_status(per_step, initial, dt) -> RunStatus:
    """The :class:`RunStatus` of the stacked readouts ``per_step`` ``(N, R)``.

    ``initial``: the readouts of the initial state ``(R,)``; ``dt``: the steps (h) ``(N,)``.
    """
    bad = ~jnp.isfinite(per_step) & jnp.isfinite(initial)[None, :]
    bad_step = jnp.any(bad, axis=1)
    failed = jnp.any(bad_step)
    first = jnp.argmax(bad_step)
    step = jnp.where(failed, first, -1).astype(jnp.int32)
    readout = jnp.where(failed, jnp.argmax(bad[first]), -1).astype(jnp.int32)
    time_h = jnp.where(failed, jnp.cumsum(dt)[first], jnp.nan)
    return RunStatus(code=failed.astype(jnp.int32), step=step, readout=readout, time_h=time_h)


def status_message(status: RunStatus, readout_names) -> str | None:
    """One line naming the readout and step of a failed run, or None when it succeeded.

    ``status``: a :class:`RunStatus` of concrete arrays (one run; for a batch, index it
    first). Host-side (NumPy).
    """
    if int(np.asarray(status.code)) == STATUS_SUCCESSFUL:
        return None
    name = readout_names[int(np.asarray(status.readout))]
    return (f"readout {name!r} became non-finite at step {int(np.asarray(status.step))} "
            f"(t = {float(np.asarray(status.time_h)):.6g} h)")


def raise_if_failed(status: RunStatus, readout_names) -> None:
    """Raise ``FloatingPointError`` inside a jitted computation when ``status`` failed.

    A ``jax.debug.callback`` (it runs even under ``jit`` and ``vmap``; the message names
    the readout, the step and its time, so it cannot be a static ``eqx.error_if``
    message). Under ``vmap`` the first failed member is named.
    """

    def check(*fields):
        for member in zip(*(np.atleast_1d(np.asarray(a)).ravel() for a in fields)):
            message = status_message(RunStatus(*member), readout_names)
            if message is not None:
                raise FloatingPointError(f"simulate: {message}")

    jax.debug.callback(check, status.code, status.step, status.readout, status.time_h)
