"""Everything differentiable: reverse-mode gradients through a whole run are
finite and agree with central finite differences, through a tape strip and through a
device session (the gated event, the age-bin shift and empty SC bins included)."""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.config import load_run_config
from experiments._run import prepare
from models import simulate

ROOT = Path(__file__).resolve().parents[2]
STRIP = ROOT / "configs" / "runs" / "strip_forearm.yaml"
COURSE = ROOT / "configs" / "runs" / "course_typical_face.yaml"


def _check(loss, x0: float, rel_step: float = 1e-5, rtol: float = 2e-3, grad: float | None = None, label: str = ""):
    """``grad`` (reverse mode; computed here when None) against the central difference of ``loss`` at ``x0``."""
    def point(x):  # a strongly typed float64, like the parameter it replaces (a weak type would recompile)
        return jnp.asarray(np.float64(x))

    if grad is None:
        grad = float(jax.grad(loss)(point(x0)))
    assert np.isfinite(grad), (label, grad)
    h = rel_step * abs(x0)
    fd = (float(loss(point(x0 + h))) - float(loss(point(x0 - h)))) / (2 * h)
    assert abs(fd) > 0, f"the readout does not depend on {label or 'the parameter'}: the test would be vacuous"
    assert grad == pytest.approx(fd, rel=rtol), (label, grad, fd)


STRIP_PARAMETERS = ("desquamation_rate_per_hour", "cytokine_store_release_per_hour", "basal_flux_layers_per_hour")


def test_gradient_through_a_tape_strip():
    """The gradient with respect to three parameters at once (one reverse pass, one
    compilation), each component against its own central difference."""
    prep = prepare(load_run_config(STRIP, ["duration_days=4"]))

    def mean_tewl(values):
        params = eqx.tree_at(lambda p: tuple(getattr(p, n) for n in STRIP_PARAMETERS), prep.params, tuple(values))
        _, _, outs = simulate(prep.state0, params, prep.schedule, prep.grid)
        return jnp.mean(outs.diag.tewl) + jnp.mean(outs.diag.cytokine)

    x0 = np.array([float(getattr(prep.params, n)) for n in STRIP_PARAMETERS])
    grad = np.asarray(jax.grad(lambda v: mean_tewl(list(v)))(jnp.asarray(x0)))
    for i, name in enumerate(STRIP_PARAMETERS):
        def along(value, i=i):
            return mean_tewl([value if j == i else jnp.asarray(x0[j]) for j in range(len(x0))])

        _check(along, float(x0[i]), grad=float(grad[i]), label=name)


def test_gradient_through_a_device_session():
    prep = prepare(load_run_config(COURSE, ["grid.lateral=column", "protocol.sessions=1",
                                            "protocol.follow_up_days=2"]))

    def mean_tewl(vacuum_kpa):
        settings = eqx.tree_at(lambda s: s.vacuum_kpa, prep.schedule.settings,
                               prep.schedule.settings.vacuum_kpa.at[0].set(vacuum_kpa))
        schedule = eqx.tree_at(lambda s: s.settings, prep.schedule, settings)
        _, _, outs = simulate(prep.state0, prep.params, schedule, prep.grid)
        return jnp.mean(outs.diag.tewl)

    _check(mean_tewl, float(prep.schedule.settings.vacuum_kpa[0]))
