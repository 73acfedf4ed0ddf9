"""The model at the data points as a function of the fitted skin parameters.

For a base run and the fitted factors (:class:`experiments.sensitivity.Factor`, skin
parameters only), a point ``x`` (``(D,)``, the parameters' table units) gives the model's
value of every measured point (``(n,)``, the outputs' units):

1. skin parameters (``kind = "skin"``) set their fields of the profile and the skin is
   spun up to its own homeostasis (:func:`models.spin_up_traced`, the four stages of every
   run's cached spin-up); mechanics parameters set their field of the device parameters
   (no spin-up): the chain of :class:`experiments.sensitivity.ModelProblem`, whose
   ``spin``, ``_schedule`` and ``point`` this class inherits;
2. the base run's schedule is run (:func:`models.simulate`);
3. each point's output is read from the per-step record (every step, not only the save
   points) and interpolated linearly in time at the point's ``time_days``:
   ``m_i = (1 - w_i) y[j_i] + w_i y[j_i + 1]`` with the weights fixed once in NumPy
   (:func:`experiments.sensitivity._outcomes._interp_weights`, that of the course
   outcomes). ``y`` is the lateral-mean readout of :class:`models.Diagnostics` named as
   the output (already in the output table's units), or for ``sc_transit_days`` the
   ratio ``sc_layers / sc_production_rate`` as the run computes it.

:meth:`SeriesProblem.point` is traceable: the fit differentiates it in reverse mode
(the event branch of the scan has a custom VJP, which forward mode cannot go through).
"""

from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp
import numpy as np

from models import HOURS_PER_DAY, make_params, simulate
from experiments.config import ResolvedRunConfig
from experiments._run import plan_run, prepare
from experiments.calibrate._data import DERIVED_SERIES, Observations
from experiments.sensitivity import Factor, ModelProblem
from experiments.sensitivity._outcomes import _dense, _interp_weights

__all__ = ["SeriesProblem"]


class SeriesProblem(ModelProblem):
    """The model's values at the measured points as a function of the factors (module docstring).

    ``stage_days``: length of each of the four spin-up stages (90 d as in every run).
    Attributes used by the fit: ``factors``, ``n_points``; ``t_h`` (``(n_steps + 1,)``,
    h): the initial time and the step ends.
    """

    def __init__(self, resolved: ResolvedRunConfig, factors: Sequence[Factor], obs: Observations,
                 stage_days: float = 90.0):
        plan = plan_run(resolved)
        prep = prepare(resolved, plan=plan)
        self.factors = tuple(factors)
        self.outcomes = ()
        self.grid = prep.grid
        self.dt_h = float(resolved.grid.dt_hours)
        self.stage_days = float(stage_days)
        self.state0, self.params, self.schedule = prep.state0, prep.params, prep.schedule
        self.raw_params = make_params(resolved.skin, prep.grid, resolved.seed)
        self.skin_index = np.asarray([i for i, f in enumerate(factors) if f.kind == "skin"], int)
        self.n_steps = prep.tgrid.n_steps
        self.t_h = np.concatenate([[0.0], np.asarray(prep.tgrid.t_end, float)])
        self.variables = obs.variables
        self.n_points = obs.size
        # per point: its variable's row in the stacked series and the interpolation weights
        self._row = np.asarray([self.variables.index(v) for v in obs.variable], int)
        weights = [_interp_weights(self.t_h, t * HOURS_PER_DAY) for t in obs.time_days]
        self._i0 = np.asarray([w[0] for w in weights], int)
        self._i1 = np.asarray([w[1] for w in weights], int)
        self._w = np.asarray([w[2] for w in weights], float)

    def series(self, out0, outs, name: str):
        """The per-step series of output ``name`` (``(n_steps + 1,)``, initial state first)."""
        if name in DERIVED_SERIES:
            num, den = DERIVED_SERIES[name]
            return _dense(out0, outs, num) / _dense(out0, outs, den)
        return _dense(out0, outs, name)

    def outcomes_of(self, state0, params, x):
        """The model's values ``(n_points,)`` at the measured points, from ``state0`` with ``params`` at ``x``."""
        run = simulate(state0, params, self._schedule(x), self.grid)
        stacked = jnp.stack([self.series(run.initial, run.steps, name) for name in self.variables])
        return (1.0 - self._w) * stacked[self._row, self._i0] + self._w * stacked[self._row, self._i1]
