"""The scan driver: a whole run is one ``lax.scan`` over a pure step.

Follows the jax-md pattern: models build a pure ``step(carry, x) -> (carry, out)``
closure over their (traced) parameters; the driver scans it over the per-step inputs
of a :class:`sim.timegrid.TimeGrid` and returns the final carry and the stacked
per-step outputs (save-point selection happens outside, in NumPy).
"""

from __future__ import annotations

import jax


def scan_steps(step, carry0, per_step_inputs, *, unroll: int = 1):
    """Run ``step`` over the leading axis of ``per_step_inputs``.

    ``step(carry, x) -> (carry, out)`` must be pure and shape-stable. Returns
    ``(carry_final, outs)`` with ``outs`` stacked along a new leading step axis.
    """
    return jax.lax.scan(step, carry0, per_step_inputs, unroll=unroll)
