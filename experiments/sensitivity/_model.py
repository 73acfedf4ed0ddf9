"""The model as a function of the factor vector, evaluated in vmapped batches and differentiated.

For a base run config and the factors (:mod:`experiments.sensitivity._space`), a point
``x`` (``(D,)``, the factors' table units) gives the outcomes ``(n_outcomes,)``:

1. skin factors (``kind = "skin"``) set their fields of the profile's parameters
   (``value x to_internal``) and the skin is spun up to its own homeostasis
   (:func:`models.spin_up_traced`, the four stages of the cached spin-up of every run;
   a profile slow enough to need more gets a drift above 1e-3, which is reported);
2. mechanics factors set their field of the device parameters, settings their value in
   every session row of the schedule (passes as a float count, as the model takes it);
3. the course is run (:func:`models.simulate`) and its outcomes read from the record
   (:func:`experiments.sensitivity._outcomes.course_outcomes`).

A design is evaluated with one compiled ``jit(vmap(...))`` per stage: the distinct skin
vectors of the design are spun up once each (a Saltelli design varying a setting reuses
the spin-up of its base point), then every point is run. Without skin factors the run
starts from the cached homeostasis of the base profile. :meth:`ModelProblem.gradients`
is ``jit(vmap(jacrev(...)))`` of the whole chain, spin-up included
(:meth:`ModelProblem.values_and_gradients`: the outcomes too, from the same pass) (reverse mode: the
event branch of the scan has a custom VJP, which forward mode cannot go through).
"""

from __future__ import annotations

from typing import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from models import EVENT_SESSION, SKIN_PARAMETERS, make_params, simulate, spin_up_traced
from experiments.config import ResolvedRunConfig
from experiments.errors import InputError
from experiments._run import plan_run, prepare
from experiments.sensitivity._batching import in_batches
from experiments.sensitivity._outcomes import OutcomeGrid, course_outcomes
from experiments.sensitivity._space import Factor

__all__ = ["ModelProblem"]

_SHARED: dict[tuple, "ModelProblem"] = {}  # ModelProblem.shared: one per (base, factors, outcomes, stages)


class ModelProblem:
    """The outcomes of one base run as a function of the factors (see the module docstring).

    ``stage_days``: length of each of the four spin-up stages (90 d as in every run; a
    shorter one is cheaper and less converged: the drift of each spin-up is returned).
    """

    def __init__(self, resolved: ResolvedRunConfig, factors: Sequence[Factor], outcomes: Sequence[str],
                 stage_days: float = 90.0):
        if resolved.protocol is None or not resolved.session_days():
            raise InputError("base: the run has no device sessions; a sensitivity analysis of course outcomes needs some",
                             parameter="config")
        plan = plan_run(resolved)
        prep = prepare(resolved, plan=plan)
        self.factors = tuple(factors)
        self.outcomes = tuple(outcomes)
        self.grid = prep.grid
        self.dt_h = float(resolved.grid.dt_hours)
        self.stage_days = float(stage_days)
        self.state0, self.params, self.schedule = prep.state0, prep.params, prep.schedule
        self.raw_params = make_params(resolved.skin, prep.grid, resolved.seed)
        self.outcome_grid = OutcomeGrid.of(prep.tgrid.t_end, [s for _, s in plan.session_steps],
                                           resolved.protocol.interval_days)
        self.skin_index = np.asarray([i for i, f in enumerate(factors) if f.kind == "skin"], int)
        self.n_steps = prep.tgrid.n_steps
        self._spin_batch = jax.jit(jax.vmap(self.spin))
        self._run_batch = jax.jit(jax.vmap(self.outcomes_of))
        self._grad_batch = jax.jit(jax.vmap(jax.jacrev(self.point)))
        self._value_grad_batch = jax.jit(jax.vmap(jax.jacrev(lambda x: (self.point(x),) * 2, has_aux=True)))
        # the same from a given start: one compiled program for the homeostasis of every seed
        self._value_grad_from = jax.jit(jax.vmap(jax.jacrev(lambda s, p, x: (self.outcomes_of(s, p, x),) * 2,
                                                            argnums=2, has_aux=True)))

    @classmethod
    def shared(cls, resolved: ResolvedRunConfig, factors: Sequence[Factor], outcomes: Sequence[str],
               stage_days: float = 90.0) -> "ModelProblem":
        """The problem of these arguments, built once per process (its compiled batches are reused)."""
        key = (resolved.hash, tuple(factors), tuple(outcomes), float(stage_days))
        if key not in _SHARED:
            _SHARED[key] = cls(resolved, factors, outcomes, stage_days)
        return _SHARED[key]

    # ------------------------------------------------------------------ one point (traceable)

    def spin(self, x_skin):
        """``(state0, params, drift)``: the homeostasis of the skin factors ``x_skin`` (``(n_skin,)``)."""
        specs = [SKIN_PARAMETERS[self.factors[i].name] for i in self.skin_index]
        params = eqx.tree_at(lambda p: tuple(getattr(p, s.internal_name) for s in specs), self.raw_params,
                             tuple(x_skin[k] * s.to_internal for k, s in enumerate(specs)))
        return spin_up_traced(params, self.grid, self.dt_h, self.stage_days)

    def _schedule(self, x):
        sched = self.schedule
        session = sched.event_kind == EVENT_SESSION
        for i, f in enumerate(self.factors):
            if f.kind == "mechanics":
                field = SKIN_PARAMETERS[f.name].internal_name
                sched = eqx.tree_at(lambda s, n=field: getattr(s.device, n), sched, x[i] * SKIN_PARAMETERS[f.name].to_internal)
            elif f.kind == "setting":
                old = getattr(sched.settings, f.name)
                sched = eqx.tree_at(lambda s, n=f.name: getattr(s.settings, n), sched, jnp.where(session, x[i], old))
        return sched

    def outcomes_of(self, state0, params, x):
        """The outcomes ``(n_outcomes,)`` of the run from ``state0`` with ``params`` at point ``x``."""
        run = simulate(state0, params, self._schedule(x), self.grid)
        values = course_outcomes(self.outcome_grid, run.initial, run.steps, self.outcomes)
        return jnp.stack([values[n] for n in self.outcomes])

    def point(self, x):
        """The outcomes ``(n_outcomes,)`` at ``x`` (``(D,)``), spin-up included when skin factors vary."""
        if self.skin_index.size:
            state0, params, _ = self.spin(x[self.skin_index])
        else:
            state0, params = self.state0, self.params
        return self.outcomes_of(state0, params, x)

    # ------------------------------------------------------------------ a design (batched)

    def evaluate(self, x: np.ndarray, batch_size: int) -> tuple[np.ndarray, dict]:
        """Outcomes ``(n_points, n_outcomes)`` of the points ``x`` (``(n_points, D)``) and counts.

        The counts: ``spin_ups`` (distinct skin vectors spun up), ``runs``, ``drift_max``
        (largest spin-up drift).
        """
        x = np.asarray(x, float)
        if self.skin_index.size:
            keys, inverse = np.unique(x[:, self.skin_index], axis=0, return_inverse=True)
            state0, params, drift = in_batches(lambda rows: self._spin_batch(jnp.asarray(rows)), keys, batch_size,
                                               "spin-ups")
            rows = np.column_stack([np.asarray(inverse).reshape(-1), x])  # each point from its own spin-up
            y = self._from_starts(self._run_batch, (state0, params), rows, batch_size, "runs")
            counts = {"spin_ups": int(keys.shape[0]), "drift_max": float(np.max(drift))}
        else:
            b = lambda tree, k: jax.tree.map(lambda a: jnp.broadcast_to(a, (k,) + jnp.shape(a)), tree)  # noqa: E731
            y = in_batches(lambda rows: self._run_batch(b(self.state0, rows.shape[0]), b(self.params, rows.shape[0]),
                                                        jnp.asarray(rows)), x, batch_size, "runs")
            counts = {"spin_ups": 0, "drift_max": 0.0}
        counts["runs"] = int(x.shape[0])
        return np.asarray(y, float), counts

    def homeostasis_at(self, resolved: Sequence[ResolvedRunConfig]) -> tuple:
        """The start ``(state0, params)`` of each of these runs, stacked on a leading axis ``(K, ...)``.

        ``resolved``: the base at other seeds of the lateral heterogeneity (the grid, time grid
        and schedule must be the base's: only the state and the parameters may differ). Each
        is spun up (or read from the homeostasis cache) as for :func:`experiments.run`.
        """
        starts = []
        for r in resolved:
            prep = prepare(r, plan=plan_run(r))
            if prep.tgrid.n_steps != self.n_steps or prep.grid != self.grid:
                raise ValueError("homeostasis_at: a run with another grid or time grid than the base's")
            starts.append((prep.state0, prep.params))
        return jax.tree.map(lambda *a: jnp.stack([jnp.asarray(v) for v in a]), *starts)

    def values_and_gradients_from(self, starts: tuple, rows: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Outcomes ``(n, n_outcomes)`` and gradients ``(n, n_outcomes, D)`` of ``rows`` (``(n, 1 + D)``:
        the index ``k`` of the start in ``starts`` (:meth:`homeostasis_at`), then the point ``x``).

        The state and parameters are arguments of the compiled program (not constants of it,
        as in :meth:`values_and_gradients`), so one program serves the starts of every seed.
        Without skin factors only (a skin factor changes the homeostasis itself).
        """
        self._no_skin_factors()
        jac, y = self._from_starts(self._value_grad_from, starts, rows, batch_size, "gradients")
        return np.asarray(y, float), np.asarray(jac, float)

    def values_from(self, starts: tuple, rows: np.ndarray, batch_size: int) -> np.ndarray:
        """Outcomes ``(n, n_outcomes)`` of ``rows`` as :meth:`values_and_gradients_from`, forward only."""
        self._no_skin_factors()
        return np.asarray(self._from_starts(self._run_batch, starts, rows, batch_size, "runs"), float)

    def _no_skin_factors(self) -> None:
        if self.skin_index.size:
            raise ValueError("the points vary skin factors: their homeostasis is their own (use evaluate)")

    def _from_starts(self, compiled, starts: tuple, rows: np.ndarray, batch_size: int, what: str):
        """``compiled(state0, params, x)`` over ``rows`` (``(n, 1 + D)``: the index of each row's start
        in ``starts``, stacked ``(K, ...)``, then its point), in batches of ``batch_size``."""

        def run(chunk):
            idx = chunk[:, 0].astype(int)
            state0, params = jax.tree.map(lambda a: jnp.asarray(a)[idx], starts)
            return compiled(state0, params, jnp.asarray(chunk[:, 1:]))

        return in_batches(run, np.asarray(rows, float), batch_size, what)

    def gradients(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        """``d outcome / d factor`` at the points ``x``: ``(n_points, n_outcomes, D)`` (reverse mode)."""
        return np.asarray(in_batches(lambda rows: self._grad_batch(jnp.asarray(rows)), np.asarray(x, float),
                                     batch_size, "gradients"), float)

    def values_and_gradients(self, x: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Outcomes ``(n_points, n_outcomes)`` and their gradients ``(n_points, n_outcomes, D)``
        at the points ``x`` from one reverse-mode pass per point (one compiled program)."""
        jac, y = in_batches(lambda rows: self._value_grad_batch(jnp.asarray(rows)), np.asarray(x, float),
                            batch_size, "gradients")
        return np.asarray(y, float), np.asarray(jac, float)
