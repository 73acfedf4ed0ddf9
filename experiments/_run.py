"""One scenario from a resolved config to a finished dataset (the pipeline, top-down).

config --(experiments.config)--> ResolvedRunConfig
       --(plan_run)--> RunPlan: ModelGrid, EventTable, TimeGrid (cheap, no spin-up)
       --(prepare)--> Prepared: + SkinParams, homeostatic state (cached spin-up), Schedule
       --> models.simulate (one jitted scan)
       --(to_dataset)--> xarray.Dataset labelled from the output table (experiments._outputs)
       --(finalize)--> provenance attributes, the finiteness check, warnings

:func:`run` and the sweep's batches (:mod:`experiments.sweep`) share every step; a sweep
runs ``simulate`` vmapped over a batch and finalizes each scenario the same way.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, Sequence

import jax
import numpy as np
import xarray as xr

from sim import LateralGrid, TimeGrid, make_time_grid, pad_time_grid
from models import (Diagnostics, EVENT_SESSION, EVENT_STRIP, HARDWARE_KEYS, READOUT_NAMES, DeviceParams, ModelGrid, Schedule, SkinParams, SkinState,
                    make_device_params, make_params, make_schedule, outcomes, simulate, status_message)
from experiments.config import ResolvedRunConfig, limits, load_run_config
from experiments.errors import SimulationError
from experiments._activity import reporting, step
from experiments._homeostasis import homeostatic_state
from experiments._jaxconfig import compile_counts, configure_jax
from experiments._outputs import OUTPUTS, COLUMN_NAN, NO_COURSE_NAN, annotate, dims_on, fixed_comments, is_nan_by_definition, run_outputs
from experiments._provenance import cf_global_attrs, provenance_attrs, run_title

__all__ = ["EventTable", "Prepared", "RunPlan", "check_finite", "device_params", "event_table", "finalize",
           "first_nonfinite", "label_outputs", "model_grid", "nonfinite_message", "plan_run", "prepare", "run", "run_config",
           "time_grid", "to_dataset"]

HOURS_PER_DAY = 24.0
# SC layers in the last ("older than sc_max_age_days") age bin above which a run warns
OLDEST_BIN_WARN_LAYERS = 0.01


def model_grid(resolved: ResolvedRunConfig) -> ModelGrid:
    g = resolved.grid
    lateral = LateralGrid(g.lateral, g.n, g.width_mm * 1000.0)
    n_bins = int(round(g.sc_max_age_days * HOURS_PER_DAY / g.sc_bin_hours))
    return ModelGrid(lateral=lateral, nz=g.nz, n_stages=limits.N_MATURATION_STAGES,
                     bin_width_h=float(g.sc_bin_hours), n_bins=n_bins)


@dataclass(frozen=True)
class EventTable:
    """Events of one scenario in time order (strips first on a shared day).

    ``times_h`` (h), ``kinds`` (``EVENT_STRIP`` / ``EVENT_SESSION``), ``strip_fraction``;
    ``settings[i]`` the filled session settings of a session row (None for a strip) and
    ``session[i]`` its session number (-1 for a strip).
    """

    times_h: np.ndarray
    kinds: np.ndarray
    strip_fraction: np.ndarray
    settings: list = field(default_factory=list)
    session: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def size(self) -> int:
        return int(self.times_h.size)


def event_table(resolved: ResolvedRunConfig) -> EventTable:
    """Tape strips (``events``) and device sessions (``protocol``) as one sorted table."""
    times, kinds, fracs, settings, session = [], [], [], [], []
    for e in resolved.events:
        if e.kind == "strip":
            times.append(e.day * HOURS_PER_DAY)
            kinds.append(EVENT_STRIP)
            fracs.append(e.remove_fraction)
            settings.append(None)
            session.append(-1)
    for k, (day, row) in enumerate(zip(resolved.session_days(), resolved.session_settings())):
        times.append(day * HOURS_PER_DAY)
        kinds.append(EVENT_SESSION)
        fracs.append(0.0)
        settings.append(dict(row))
        session.append(k)
    order = np.argsort(np.asarray(times, float), kind="stable")
    return EventTable(np.asarray(times, float)[order], np.asarray(kinds, np.int32)[order],
                      np.asarray(fracs, float)[order], [settings[i] for i in order],
                      np.asarray(session, np.int64)[order])


def device_params(resolved: ResolvedRunConfig) -> DeviceParams:
    """The scenario's hardware and skin mechanics (placeholder hardware when untreated)."""
    hardware = None
    if resolved.device is not None:
        hardware = resolved.device.model_dump(include=set(HARDWARE_KEYS))
    return _device_params(json.dumps([hardware, resolved.skin], sort_keys=True))


# The scenarios of a sweep mostly share their profile, seed, grid and device: their
# parameters are built once per process (pure functions of these; JAX arrays are
# immutable, so sharing them is safe). 3.2 + 1.7 ms per scenario otherwise, a tenth of a
# single-column scenario's cost in a sweep (docs/sweeps.md, "Per-scenario work").
@lru_cache(maxsize=64)
def _device_params(key: str) -> DeviceParams:
    hardware, skin = json.loads(key)
    return make_device_params(hardware, skin)


@lru_cache(maxsize=64)
def _skin_params(key: str, grid: ModelGrid, seed: int) -> SkinParams:
    return make_params(json.loads(key), grid, seed)


def skin_params(resolved: ResolvedRunConfig, grid: ModelGrid) -> SkinParams:
    """:func:`models.make_params` of the scenario's profile on ``grid`` (built once per process)."""
    return _skin_params(json.dumps(resolved.skin, sort_keys=True), grid, int(resolved.seed))


def time_grid(resolved: ResolvedRunConfig, grid: ModelGrid, events: EventTable) -> TimeGrid:
    return make_time_grid(resolved.duration_days * HOURS_PER_DAY, resolved.grid.dt_hours, events.times_h,
                          bin_width_h=grid.bin_width_h, save_every_h=resolved.save.every_hours)


def _session_steps(events: EventTable, tgrid: TimeGrid) -> tuple[tuple[int, int], ...]:
    """``(event row, step)`` of every device session on the time grid, in time order."""
    event = np.asarray(tgrid.event)
    steps = np.flatnonzero(event >= 0)
    rows, first = np.unique(event[steps], return_index=True)
    step_of_row = {int(r): int(steps[i]) for r, i in zip(rows, first)}
    return tuple((r, step_of_row[r]) for r in range(events.size) if events.session[r] >= 0 and r in step_of_row)


class RunPlan(NamedTuple):
    """What a scenario does when: its grid, events and time grid (cheap: no spin-up).

    Built once per scenario (:func:`plan_run`); a sweep reads its sizes, save times and
    output layout from here before running anything.
    """

    grid: ModelGrid
    events: EventTable
    tgrid: TimeGrid
    profiles: bool
    session_steps: tuple[tuple[int, int], ...]  # (event row, step) of each device session

    @property
    def size(self) -> tuple[int, int]:
        """``(n_steps, n_events)`` before padding."""
        return self.tgrid.n_steps, max(self.events.size, 1)

    @property
    def save_times_days(self) -> np.ndarray:
        return self.tgrid.save_times_h() / HOURS_PER_DAY

    @property
    def n_sessions(self) -> int:
        return len(self.session_steps)

    def outputs(self) -> dict[str, tuple[str, ...]]:
        """The variables of this run's dataset and their dimensions (from the output table)."""
        return run_outputs(self.grid.lateral.ndim, self.profiles, self.n_sessions > 0)

    def sizes(self) -> dict[str, int]:
        """Sizes of the run dimensions of this run's dataset."""
        sizes = {"time": int(self.save_times_days.size)}
        if self.n_sessions:
            sizes["session"] = self.n_sessions
        if self.profiles and self.grid.lateral.ndim:
            for d in ("x", "y")[: self.grid.lateral.ndim]:
                sizes[d] = int(self.grid.lateral.n)
        return sizes

    def coords(self) -> dict[str, np.ndarray]:
        """Dimension coordinates of this run's dataset (``time`` in days, ``session``, ``x``, ``y``)."""
        coords = {"time": self.save_times_days}
        if self.n_sessions:
            coords["session"] = np.arange(1, self.n_sessions + 1)
        if self.profiles and self.grid.lateral.ndim:
            for d in ("x", "y")[: self.grid.lateral.ndim]:
                coords[d] = np.asarray(self.grid.lateral.x_um)
        return coords


def plan_run(resolved: ResolvedRunConfig) -> RunPlan:
    """Grid, events and time grid of one scenario."""
    grid = model_grid(resolved)
    events = event_table(resolved)
    tgrid = time_grid(resolved, grid, events)
    return RunPlan(grid, events, tgrid, bool(resolved.save.profiles), _session_steps(events, tgrid))


class Prepared(NamedTuple):
    """Everything one scenario needs before the scan."""

    grid: ModelGrid
    state0: SkinState
    params: SkinParams
    tgrid: TimeGrid
    schedule: Schedule
    events: EventTable
    info: dict


def prepare(resolved: ResolvedRunConfig, n_steps: int | None = None, n_events: int | None = None, *,
            plan: RunPlan | None = None) -> Prepared:
    """Build grid, spun-up state, parameters and schedule of one scenario.

    ``n_steps`` / ``n_events`` pad the time grid and the event table to common lengths
    (inert zero-length steps, kind-0 events) so that scenarios stack under ``vmap``;
    :attr:`RunPlan.size` gives a scenario's unpadded lengths. ``plan``: the scenario's
    :func:`plan_run`, when already built. Sessions are event rows whose settings and the
    device (:class:`models.DeviceParams`) travel in the schedule, so every
    scenario-specific value is in ``params``, ``state0`` or ``schedule``.
    """
    plan = plan_run(resolved) if plan is None else plan
    grid, events, tgrid = plan.grid, plan.events, plan.tgrid
    params = skin_params(resolved, grid)
    state0, params, info = homeostatic_state(resolved.skin, params, grid, resolved.seed, resolved.grid.dt_hours,
                                             name=resolved.skin_name)
    if n_steps is not None:
        tgrid = pad_time_grid(tgrid, n_steps)
    schedule = make_schedule(tgrid, events.kinds, events.strip_fraction, n_events,
                             settings=events.settings, device=device_params(resolved))
    return Prepared(grid, state0, params, tgrid, schedule, events, info)


# =========================================================================== labelling


def _series(outs, out0, name):
    first = np.asarray(getattr(out0.diag, name))[None]
    rest = np.asarray(getattr(outs.diag, name))
    return np.concatenate([first, rest])


def _dense(out0, outs, name):
    """Per-step series of a diagnostic, initial state first (aligned with ``[0] + t_end``)."""
    return np.concatenate([np.asarray(getattr(out0.diag, name), float).reshape(1),
                           np.asarray(getattr(outs.diag, name), float).reshape(-1)])


# the time series read straight from the per-step readouts: the outputs on ("time",) that
# models.Diagnostics names (the others, desquamation rate and transit time, are derived below)
_TIME_SERIES = tuple(name for name, out in OUTPUTS.items() if out.dims == ("time",) and name in Diagnostics._fields)


def to_dataset(resolved: ResolvedRunConfig, grid: ModelGrid, tgrid: TimeGrid, out0, outs,
               profiles: bool, events: EventTable | None = None) -> xr.Dataset:
    """Select the save points and label them (lateral means on ``time`` in days).

    Dimensions, units and long names come from the output table (:mod:`experiments._outputs`).
    ``events``: the scenario's :func:`event_table`, when already built.
    """
    events = event_table(resolved) if events is None else events
    ndim = grid.lateral.ndim
    save_idx = np.concatenate([[0], 1 + np.flatnonzero(tgrid.save)])
    t_h = np.concatenate([[0.0], tgrid.t_end])[save_idx]
    time_d = t_h / HOURS_PER_DAY
    values: dict[str, Any] = {}
    for name in _TIME_SERIES:
        values[name] = _series(outs, out0, name)[save_idx]
    desq = np.concatenate([[float(out0.desquamated)], np.asarray(outs.desquamated)])[save_idx]
    rate = np.empty_like(desq)
    rate[1:] = np.diff(desq) / np.maximum(np.diff(time_d), 1e-12)
    production = values["sc_production_rate"]
    rate[0] = production[0]  # homeostasis: shedding balances production
    values["desquamation_rate"] = rate
    values["sc_transit_days"] = values["sc_layers"] / production
    values["tewl_baseline"] = float(out0.diag.tewl)
    values["sc_layers_baseline"] = float(out0.diag.sc_layers)
    values["sc_transit_days_baseline"] = float(out0.diag.sc_layers / out0.diag.sc_production_rate)
    values["ve_thickness_um_baseline"] = float(out0.diag.ve_thickness_um)
    coords: dict[str, Any] = {"time": time_d}
    if profiles and ndim:
        values["surface_um"] = np.concatenate([np.asarray(out0.surface)[None], np.asarray(outs.surface)])[save_idx]
        coords["x"] = grid.lateral.x_um
        if ndim == 2:
            coords["y"] = grid.lateral.x_um
    course, session_coords, comments = _course_outcomes(resolved, events, tgrid, out0, outs)
    values.update(course)
    coords.update(session_coords)
    ds = annotate(xr.Dataset({name: (dims_on(name, ndim), v) for name, v in values.items()}, coords=coords))
    for v, text in {**fixed_comments(ndim, True), **comments}.items():
        ds[v].attrs["comment"] = text
    return ds


def _course_outcomes(resolved: ResolvedRunConfig, events: EventTable, tgrid: TimeGrid, out0, outs):
    """Per-session outputs (on ``session``) and the course scalars of docs/interface.md.

    Read from the per-step record (every step, not only the save points); definitions
    in :mod:`models.outcomes` and docs/outcomes.md. Returns ``(values, coords, comments)``.
    """
    t_h = np.concatenate([[0.0], np.asarray(tgrid.t_end, float)])
    end_h = float(t_h.max())
    tewl = _dense(out0, outs, "tewl")
    baseline = float(tewl[0])
    rec = {f: np.asarray(getattr(outs.event, f), float).reshape(-1) for f in outs.event._fields}
    steps = [step for _, step in _session_steps(events, tgrid)]
    starts = np.asarray([t_h[i] for i in steps], float)  # start time of the session's step
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    coords: dict[str, Any] = {}
    jumps_t, jumps_v = [], []
    if steps:
        n = len(steps)
        stops = np.concatenate([starts[1:], [end_h]])
        hours, recovered = np.zeros(n), np.zeros(n)
        at_start = np.zeros(n)
        for k, i in enumerate(steps):
            hours[k], ok = outcomes.recovery_after(t_h, tewl, baseline, starts[k], rec["tewl_after"][i], stops[k])
            recovered[k] = float(ok)
            at_start[k] = float(outcomes.recovered_at(tewl[i], baseline))
            jumps_t.append(starts[k])
            jumps_v.append(rec["tewl_after"][i])
        coords["session"] = np.arange(1, n + 1)
        values["session_day"] = starts / HOURS_PER_DAY
        for name, record in (("removed_layers", "removed_layers"), ("removed_um", "removed_um")):
            values[name] = rec[record][steps]
        values["barrier_recovery_hours"] = hours
        values["barrier_recovered"] = recovered
        values["recovered_at_start"] = at_start
        for name, record in (("injury_max_um", "injury_um"), ("petechiae_risk", "petechiae_risk"),
                             ("session_strain", "strain"), ("session_exposed_fraction", "exposed_fraction"),
                             ("session_denuded_fraction", "denuded_fraction"), ("tewl_after_session", "tewl_after")):
            values[name] = rec[record][steps]
        interval_h = resolved.protocol.interval_days * HOURS_PER_DAY
        t_course = min(starts[-1] + interval_h, end_h)
    t_all = np.concatenate([t_h, jumps_t])
    v_all = np.concatenate([tewl, jumps_v])
    values["irritation_burden_days"] = outcomes.irritation_burden_days(t_all, v_all, baseline)
    # the deepest loss: the unhealed depth at every step end, and what each event removed
    # (a full-thickness wound refills fast enough that a step end can miss its depth)
    values["max_injury_um"] = float(max(np.max(_dense(out0, outs, "injury_depth_um")),
                                        np.max(rec["injury_um"], initial=0.0)))
    values["exposed_fraction"] = float(np.max(rec["exposed_fraction"], initial=0.0))
    values["denuded_fraction"] = float(np.max(rec["denuded_fraction"], initial=0.0))
    for name, diag in (("ra", "ra_um"), ("fine_line", "fine_line_depth_um"), ("ve_thickness", "ve_thickness_um")):
        series = _dense(out0, outs, diag)
        whens = [("end_course", t_course if steps else None)]
        if name != "ve_thickness":
            whens.append(("end_followup", end_h if steps else None))
        for label, when in whens:
            var = f"{name}_change_pct_{label}"
            if when is None:
                values[var] = float("nan")
                comments[var] = NO_COURSE_NAN
            else:
                values[var] = outcomes.change_pct(t_h, series, when)
                if not np.all(np.isfinite(series)):
                    comments[var] = COLUMN_NAN
    values["barrier_recovery_hours_max"] = float(np.max(values["barrier_recovery_hours"])) if steps else float("nan")
    if not steps:
        comments["barrier_recovery_hours_max"] = NO_COURSE_NAN
    return values, coords, comments


# =========================================================================== finishing


def first_nonfinite(ds: xr.Dataset) -> tuple[str, str] | None:
    """``(variable, where)`` of the first output with non-finite values, else None.

    ``where`` is ``" first at t = 3 d"`` for a time series, else empty. Variables NaN by
    definition (their ``comment`` says so) are skipped.
    """
    variables = ds.variables  # Variable objects: no DataArray built per variable
    for name in ds.data_vars:
        var = variables[name]
        if is_nan_by_definition(var):
            continue
        values = np.asarray(var.values)
        if values.dtype.kind not in "fc":
            continue
        if not np.all(np.isfinite(values)):
            where = ""
            if "time" in var.dims:
                bad = np.flatnonzero(~np.isfinite(values.ravel()))[0]
                t = ds.time.values[np.unravel_index(bad, values.shape)[var.dims.index("time")]]
                where = f" first at t = {float(t):g} d"
            return str(name), where
    return None


def nonfinite_message(ds: xr.Dataset, status=None) -> str | None:
    """What became non-finite, in one phrase, or None when the run is finite.

    ``status``: the :class:`models.RunStatus` of the run (computed inside the scan: the
    first readout and step that became non-finite); else, and for outputs derived after
    the run, the first non-finite variable of ``ds`` (:func:`first_nonfinite`).
    """
    if status is not None:
        text = status_message(status, READOUT_NAMES)
        if text is not None:
            return text
    bad = first_nonfinite(ds)
    if bad is not None:
        return f"{bad[0]}{bad[1]}"
    return None


def check_finite(ds: xr.Dataset, scenario: str | None = None, status=None) -> None:
    """Raise :class:`SimulationError` naming what became non-finite (variable, step) and the scenario."""
    text = nonfinite_message(ds, status)
    if text is not None:
        of = f" in scenario {scenario}" if scenario else ""
        raise SimulationError(f"simulation produced non-finite values{of}: {text}; try a smaller grid.dt_hours")


def finalize(ds: xr.Dataset, resolved: ResolvedRunConfig, *, spin_up_drift: float | None = None,
             oldest_bin_layers: float | None = None, scenario: str | None = None, status=None,
             check: bool = True, provenance: bool = True) -> xr.Dataset:
    """The last step from a resolved config to a dataset, shared by runs and sweeps.

    * ``check``: raise :class:`experiments.errors.SimulationError` (one line naming the
      readout and step from ``status``, :class:`models.RunStatus`, or the variable and
      time, and ``scenario``) when an output is non-finite; without ``check`` the
      attribute ``nonfinite`` says so instead (a sweep records ``all_finite``);
    * ``provenance``: attributes of :func:`experiments._provenance.provenance_attrs`
      (version, git commit, resolved config and hash), ``skin_profile`` and the CF global
      attributes (:func:`experiments._provenance.cf_global_attrs`: ``Conventions``, ``title``, ...);
      a sweep keeps provenance once for the whole store instead;
    * ``spin_up_drift``: recorded as an attribute; ``oldest_bin_layers`` (SC layers that
      reached the last age bin): recorded, and a ``RuntimeWarning`` naming
      ``grid.sc_max_age_days`` when above :data:`OLDEST_BIN_WARN_LAYERS`.
    """
    if check:
        check_finite(ds, scenario, status)
    else:
        text = nonfinite_message(ds, status)
        if text is not None:
            ds.attrs["nonfinite"] = text
    if provenance:
        made = provenance_attrs(resolved)
        ds.attrs.update({**cf_global_attrs(run_title(resolved), "experiments.run", made["created_utc"]), **made})
        ds.attrs["skin_profile"] = resolved.skin_name
    if spin_up_drift is not None:
        ds.attrs["spin_up_drift"] = spin_up_drift
    if oldest_bin_layers is not None:
        ds.attrs["sc_oldest_bin_layers_max"] = oldest_bin_layers
        if oldest_bin_layers > OLDEST_BIN_WARN_LAYERS:
            warnings.warn(
                f"grid.sc_max_age_days = {resolved.grid.sc_max_age_days:g}: up to {oldest_bin_layers:.3g} SC layers "
                f"outlived the last age bin and were merged there; raise grid.sc_max_age_days "
                f"(e.g. to {2 * resolved.grid.sc_max_age_days:g}) to resolve their ages", RuntimeWarning, stacklevel=3)
    return ds


def label_outputs(resolved: ResolvedRunConfig, prep: Prepared, out0, outs, *, status=None,
                  scenario: str | None = None, check: bool = True, provenance: bool = True) -> xr.Dataset:
    """:func:`to_dataset` then :func:`finalize`: the outputs of ``simulate`` as a finished dataset."""
    profiles = bool(resolved.save.profiles)
    ds = to_dataset(resolved, prep.grid, prep.tgrid, out0, outs, profiles, prep.events)
    return finalize(ds, resolved, spin_up_drift=prep.info.get("drift"),
                    oldest_bin_layers=float(np.max(np.asarray(outs.oldest_bin_layers))),
                    scenario=scenario, status=status, check=check, provenance=provenance)


def _compiled_simulation(prep: Prepared, profiles: bool):
    """``models.simulate`` compiled for this scenario's shapes (once per process and grid;
    loaded from the persistent compilation cache when an earlier process compiled it)."""
    before = compile_counts()
    with step("compiling the simulation for this grid", "compiled the simulation") as done:
        compiled = simulate.lower(prep.state0, prep.params, prep.schedule, prep.grid, profiles).compile()
        counts = compile_counts() - before
        if counts.programs == 0:
            done.done = "reused the simulation compiled earlier in this process"
        elif counts.compiled == 0:
            done.done = "loaded the compiled simulation from the compilation cache"
    return compiled


def run_config(resolved: ResolvedRunConfig, progress=None) -> xr.Dataset:
    """Run one resolved scenario and return its finished dataset (``progress``: as :func:`run`)."""
    configure_jax()
    with reporting(progress):
        prep = prepare(resolved)
        compiled = _compiled_simulation(prep, bool(resolved.save.profiles))
        with step(f"simulating {resolved.duration_days:g} days ({prep.tgrid.n_steps} time steps)", "simulated"):
            result = jax.block_until_ready(compiled(prep.state0, prep.params, prep.schedule))
        _, out0, outs = result
        return label_outputs(resolved, prep, out0, outs, status=result.status, scenario=f"config {resolved.hash[:12]}")


def run(config, overrides: Sequence[str] = (), *, progress=None) -> xr.Dataset:
    """Run one scenario. ``config``: a path, a mapping or a (resolved) config object.

    ``overrides``: ``dotted.path=value`` strings (as ``epiturn run --set``). Returns the
    labelled dataset (docs/interface.md); raises :class:`experiments.errors.SimulationError`
    when the run produced non-finite values. ``progress``: what it is doing while it works
    (spin-up, compilation, simulation, each with its time): ``True`` prints lines on
    stderr, a callable receives each line, ``None``/``False`` (the default) is quiet.
    """
    configure_jax()
    resolved = load_run_config(config, overrides)
    return run_config(resolved, progress)
