"""The live explorer's model layer: a setting of the controls -> its simulated course, compiled once.

:class:`LiveModel` runs a :class:`~experiments.explore._controls.Controls` on a single
column (every time course and the SC cohorts) and, when asked, on a short 1-D transect
(the surface profile and roughness). Every setting is put on one padded time grid of
:attr:`LiveModel.n_steps` steps (inert zero-length steps appended, :func:`sim.pad_time_grid`)
and one padded event table of :attr:`LiveModel.n_events` rows, so changing a control
(vacuum, passes, speed, crystal flow, interval, number of sessions, the strip, the skin
profile or the device) changes only array values and never recompiles;
:meth:`LiveModel.compile` compiles the two programs at server start.

The padded schedule is run in :data:`PIECE_STEPS`-step pieces by one ``lax.scan`` around
:func:`models.simulate` (one compiled program): the state after each piece gives the SC
as its age cohorts (layers per age bin, their cohesion and lipid) at the piece's end, the
steps of all pieces together give the run's dataset (:func:`experiments._run.label_outputs`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from models import simulate
from experiments.config import load_run_config
from experiments.errors import InputError
from experiments._jaxconfig import compile_counts, configure_jax
from experiments._run import label_outputs, plan_run, prepare
from experiments.explore._controls import Controls, check_controls, column_config, transect_config, worst_case

__all__ = ["Cohorts", "LiveModel", "LiveResult", "PIECE_STEPS"]

PIECE_STEPS = 24  # steps per piece: the SC cohorts are pictured after every piece (about daily at dt 1 h)
HOURS_PER_DAY = 24.0


@partial(jax.jit, static_argnames=("grid", "profiles", "piece_steps"))
def _simulate_in_pieces(state0, params, schedule, grid, profiles: bool, piece_steps: int):
    """:func:`models.simulate` over ``schedule`` cut into pieces of ``piece_steps`` steps, in one scan.

    ``schedule.dt`` has ``N = M * piece_steps`` steps. Returns ``(initial, steps, cohorts)``:
    the :class:`models.StepOutput` of the initial state, the per-step outputs ``(N, ...)``
    (as one ``simulate`` over the whole schedule gives them) and the lateral means of the
    SC cohorts after each piece, ``(layers, cohesion, lipid)`` each ``(M, A)``.
    """
    n = schedule.dt.shape[0]
    m = n // piece_steps
    xs = tuple(a.reshape(m, piece_steps) for a in (schedule.dt, schedule.event, schedule.shift))

    def piece(state, x):
        seg = eqx.tree_at(lambda s: (s.dt, s.event, s.shift), schedule, x)
        run = simulate(state, params, seg, grid, profiles)
        final = run.final_state
        lateral = tuple(range(final.sc_layers.ndim - 1))
        cohorts = tuple(jnp.mean(a, axis=lateral) for a in (final.sc_layers, final.sc_cohesion, final.sc_lipid))
        return final, (run.initial, run.steps, cohorts)

    _, (initials, steps, cohorts) = jax.lax.scan(piece, state0, xs)
    initial = jax.tree_util.tree_map(lambda a: a[0], initials)
    steps = jax.tree_util.tree_map(lambda a: a.reshape((n,) + a.shape[2:]), steps)
    return initial, steps, cohorts


@dataclass(frozen=True)
class Cohorts:
    """The SC as its age cohorts over a run (a single column).

    ``time_days`` (M,): when (d, the end of each piece); ``bin_age_days`` (A,): the age at
    the start of each bin (d; bin 0 the youngest, just out of the viable epidermis);
    ``layers``, ``cohesion``, ``lipid`` (M, A): corneocyte layers per bin, their cohesion
    and barrier-lipid content (0..1). Time points in the padding (after the run's end) are
    dropped.
    """

    time_days: np.ndarray
    bin_age_days: np.ndarray
    layers: np.ndarray
    cohesion: np.ndarray
    lipid: np.ndarray


@dataclass(frozen=True)
class LiveResult:
    """One re-simulation: the column's dataset (docs/interface.md), its SC cohorts, the transect's dataset
    (None when not asked for), the controls it ran and the wall time (s)."""

    controls: Controls
    column: xr.Dataset
    cohorts: Cohorts
    transect: xr.Dataset | None
    seconds: float


class _Program:
    """One grid of the live model: its padded sizes and the compiled piecewise simulation."""

    def __init__(self, make_config, base: Controls, profiles: bool):
        self.make_config = make_config
        self.profiles = profiles
        worst = plan_run(load_run_config(make_config(worst_case(base))))
        # one spare piece beyond the worst case: the refined steps after events vary a little with their days
        self.n_steps = (worst.tgrid.n_steps // PIECE_STEPS + 2) * PIECE_STEPS
        self.n_events = worst.events.size
        self.compiled = None
        self.grid = worst.grid

    def prepare(self, controls: Controls):
        resolved = load_run_config(self.make_config(controls))
        plan = plan_run(resolved)
        if plan.tgrid.n_steps > self.n_steps or plan.events.size > self.n_events:  # the limits should prevent it
            raise InputError(f"controls: {controls} need {plan.tgrid.n_steps} time steps and {plan.events.size} events; "
                             f"allowed: at most {self.n_steps} and {self.n_events}", parameter="controls")
        return resolved, prepare(resolved, self.n_steps, self.n_events, plan=plan)

    def run(self, controls: Controls):
        resolved, prep = self.prepare(controls)
        if self.compiled is None:
            self.compiled = _simulate_in_pieces.lower(prep.state0, prep.params, prep.schedule, prep.grid,
                                                      self.profiles, PIECE_STEPS).compile()
        out0, outs, cohorts = jax.block_until_ready(self.compiled(prep.state0, prep.params, prep.schedule))
        ds = label_outputs(resolved, prep, out0, outs, provenance=False, scenario="of the explorer")
        return resolved, prep, ds, cohorts


class LiveModel:
    """The live explorer's simulations (see the module docstring).

    ``transect``: also run the short 1-D transect (surface profile, roughness).
    ``controls``: the first setting (sizes the padding; its skin profile is spun up at
    :meth:`compile`). :meth:`run` is thread-unsafe: the app calls it from one callback at a time.
    """

    def __init__(self, controls: Controls | None = None, transect: bool = True):
        configure_jax()
        self.controls = check_controls(controls or Controls())
        self.column = _Program(column_config, self.controls, False)
        self.transect = _Program(transect_config, self.controls, True) if transect else None
        self.compiles = 0  # programs compiled (or loaded from the persistent cache) by this model's runs

    @property
    def n_steps(self) -> int:
        """Steps of the padded time grid of the column (every setting runs exactly these)."""
        return self.column.n_steps

    @property
    def n_events(self) -> int:
        return self.column.n_events

    def compile(self, say=None) -> LiveResult:
        """Spin up the first setting's profile (cached on disk) and compile both programs by running the first
        setting, which is returned. ``say``: a callable told what is happening (one line each)."""
        if say:
            say("compiling the live model once (a first spin-up of the skin profile takes ~30 s, then it is cached)…")
        result = self.run(self.controls)
        if say:
            say(f"compiled the live model in {result.seconds:.1f} s ({self.n_steps} padded time steps per run)")
        return result

    def run(self, controls: Controls, transect: bool = True) -> LiveResult:
        """Simulate ``controls`` on the column and (``transect`` and the model has one) on the transect.
        Bad values raise a one-line :class:`InputError` (a ``ConfigError`` for what the config schema refuses)."""
        t0 = time.perf_counter()
        controls = check_controls(controls)
        before = compile_counts().programs
        resolved, prep, column, cohorts = self.column.run(controls)
        surface = self.transect.run(controls)[2] if transect and self.transect is not None else None
        self.compiles += compile_counts().programs - before
        return LiveResult(controls, column, self._cohorts(prep, cohorts), surface, time.perf_counter() - t0)

    def run_transect(self, controls: Controls) -> xr.Dataset | None:
        """The transect's dataset of ``controls`` (surface profile ``surface_um``, roughness); None without one."""
        if self.transect is None:
            return None
        before = compile_counts().programs
        surface = self.transect.run(check_controls(controls))[2]
        self.compiles += compile_counts().programs - before
        return surface

    @staticmethod
    def _cohorts(prep, cohorts) -> Cohorts:
        layers, cohesion, lipid = (np.asarray(a, float) for a in cohorts)
        t_end = np.asarray(prep.tgrid.t_end, float).reshape(-1, PIECE_STEPS)[:, -1]
        dt = np.asarray(prep.tgrid.dt, float).reshape(-1, PIECE_STEPS)
        keep = dt.sum(axis=1) > 0  # pieces that advanced time (not the padding)
        width_d = prep.grid.bin_width_h / HOURS_PER_DAY
        return Cohorts(t_end[keep] / HOURS_PER_DAY, np.arange(prep.grid.n_bins) * width_d,
                       layers[keep], cohesion[keep], lipid[keep])
