"""One scenario from a config to a labelled dataset (the pipeline, readable top-down).

config --(experiments.config)--> ResolvedRunConfig
       --> ModelGrid + SkinParams (models.skin.make_params)
       --> homeostatic state (cached spin-up)
       --> TimeGrid + Schedule (events as data)
       --> models.simulate.simulate (one jitted scan)
       --> xarray.Dataset with units and provenance
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import warnings

import numpy as np
import xarray as xr

from sim.grids import LateralGrid
from sim.timegrid import TimeGrid, make_time_grid, pad_time_grid
from models.skin import ModelGrid, make_params, SkinParams, SkinState
from models.simulate import EVENT_SESSION, EVENT_STRIP, Schedule, make_schedule, simulate
from models.device import DeviceParams, make_device_params
from models import outcomes
from experiments.config import ResolvedRunConfig, load_run_config
from experiments.homeostasis import homeostatic_state
from experiments.output import annotate
from experiments.provenance import provenance_attrs

HOURS_PER_DAY = 24.0
N_MATURATION_STAGES = 8


class SimulationError(RuntimeError):
    """The numerical run failed (non-finite values); the message says where."""


def model_grid(resolved: ResolvedRunConfig) -> ModelGrid:
    g = resolved.grid
    lateral = LateralGrid(g.lateral, g.n, g.width_mm * 1000.0)
    n_bins = int(round(g.sc_max_age_days * HOURS_PER_DAY / g.sc_bin_hours))
    return ModelGrid(lateral=lateral, nz=g.nz, n_stages=N_MATURATION_STAGES,
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
        hardware = resolved.device.model_dump(include={"kind", "tip_diameter_mm", "aperture_diameter_mm", "grit_um", "crystal_size_um"})
    return make_device_params(hardware, resolved.skin)


def time_grid(resolved: ResolvedRunConfig, grid: ModelGrid, events: EventTable) -> TimeGrid:
    return make_time_grid(resolved.duration_days * HOURS_PER_DAY, resolved.grid.dt_hours, events.times_h,
                          bin_width_h=grid.bin_width_h, save_every_h=resolved.save.every_hours)


class Prepared(NamedTuple):
    """Everything one scenario needs before the scan."""

    grid: ModelGrid
    state0: SkinState
    params: SkinParams
    tgrid: TimeGrid
    schedule: Schedule
    events: EventTable
    info: dict


def prepare(resolved: ResolvedRunConfig, n_steps: int | None = None, n_events: int | None = None) -> Prepared:
    """Build grid, spun-up state, parameters and schedule of one scenario.

    ``n_steps`` / ``n_events`` pad the time grid and the event table to common lengths
    (inert zero-length steps, kind-0 events) so that scenarios stack under ``vmap``;
    :func:`scenario_size` gives a scenario's unpadded lengths. Sessions are event rows
    whose settings and the device (:class:`models.device.DeviceParams`) travel in the
    schedule, so every scenario-specific value is in ``params``, ``state0`` or ``schedule``.
    """
    grid = model_grid(resolved)
    params = make_params(resolved.skin, grid, resolved.seed)
    state0, params, info = homeostatic_state(resolved.skin, params, grid, resolved.seed, resolved.grid.dt_hours)
    events = event_table(resolved)
    tgrid = time_grid(resolved, grid, events)
    if n_steps is not None:
        tgrid = pad_time_grid(tgrid, n_steps)
    schedule = make_schedule(tgrid, events.kinds, events.strip_fraction, n_events,
                             settings=events.settings, device=device_params(resolved))
    return Prepared(grid, state0, params, tgrid, schedule, events, info)


def scenario_size(resolved: ResolvedRunConfig) -> tuple[int, int]:
    """``(n_steps, n_events)`` of a scenario before padding (cheap: no spin-up)."""
    grid = model_grid(resolved)
    events = event_table(resolved)
    return time_grid(resolved, grid, events).n_steps, max(events.size, 1)


def _series(outs, out0, name):
    first = np.asarray(getattr(out0.diag, name))[None]
    rest = np.asarray(getattr(outs.diag, name))
    return np.concatenate([first, rest])


def to_dataset(resolved: ResolvedRunConfig, grid: ModelGrid, tgrid: TimeGrid, out0, outs,
               profiles: bool) -> xr.Dataset:
    """Select the save points and label them (lateral means on ``time`` in days)."""
    save_idx = np.concatenate([[0], 1 + np.flatnonzero(tgrid.save)])
    t_h = np.concatenate([[0.0], tgrid.t_end])[save_idx]
    time_d = t_h / HOURS_PER_DAY
    data: dict[str, Any] = {}
    names = {"tewl": "tewl", "sc_layers": "sc_layers", "sc_thickness_um": "sc_thickness_um",
             "ve_thickness_um": "ve_thickness_um", "ra_um": "ra_um", "rq_um": "rq_um", "rz_um": "rz_um",
             "fine_line_depth_um": "fine_line_depth_um", "erythema": "erythema", "cytokine": "cytokine",
             "calcium_top": "calcium_top", "injury_depth_um": "injury_depth_um",
             "sc_production_rate": "sc_production_per_day", "lamellar_body_store": "lb_store",
             "sc_lipid": "sc_lipid"}
    for out_name, diag_name in names.items():
        data[out_name] = ("time", _series(outs, out0, diag_name)[save_idx])
    desq = np.concatenate([[float(out0.desquamated)], np.asarray(outs.desquamated)])[save_idx]
    rate = np.empty_like(desq)
    rate[1:] = np.diff(desq) / np.maximum(np.diff(time_d), 1e-12)
    production = data["sc_production_rate"][1]
    rate[0] = production[0]  # homeostasis: shedding balances production
    data["desquamation_rate"] = ("time", rate)
    data["sc_transit_days"] = ("time", data["sc_layers"][1] / production)
    data["tewl_baseline"] = ((), float(out0.diag.tewl))
    data["sc_layers_baseline"] = ((), float(out0.diag.sc_layers))
    data["sc_transit_days_baseline"] = ((), float(out0.diag.sc_layers / out0.diag.sc_production_per_day))
    data["ve_thickness_um_baseline"] = ((), float(out0.diag.ve_thickness_um))
    coords: dict[str, Any] = {"time": time_d}
    if profiles and grid.lateral.ndim:
        surf = np.concatenate([np.asarray(out0.surface)[None], np.asarray(outs.surface)])[save_idx]
        dims = ("time", "x") if grid.lateral.ndim == 1 else ("time", "x", "y")
        data["surface_um"] = (dims, surf)
        coords["x"] = grid.lateral.x_um
        if grid.lateral.ndim == 2:
            coords["y"] = grid.lateral.x_um
    course_data, course_coords, comments = _course_outcomes(resolved, tgrid, out0, outs)
    data.update(course_data)
    coords.update(course_coords)
    ds = annotate(xr.Dataset(data, coords=coords))
    if grid.lateral.ndim == 0:
        for v in ("ra_um", "rq_um", "rz_um", "fine_line_depth_um"):
            ds[v].attrs["comment"] = "undefined for a single column (no lateral profile): NaN by definition"
    for v, text in comments.items():
        ds[v].attrs["comment"] = text
    return ds


_COLUMN_NAN = "undefined for a single column (no lateral profile): NaN by definition"
_NO_COURSE_NAN = "no device sessions in this run: NaN by definition"


def _dense(out0, outs, name):
    """Per-step series of a diagnostic, initial state first (aligned with ``[0] + t_end``)."""
    return np.concatenate([np.asarray(getattr(out0.diag, name), float).reshape(1),
                           np.asarray(getattr(outs.diag, name), float).reshape(-1)])


def _course_outcomes(resolved: ResolvedRunConfig, tgrid: TimeGrid, out0, outs):
    """Per-session outputs (on ``session``) and the course scalars of interface.md.

    Read from the per-step record (every step, not only the save points); definitions
    in :mod:`models.outcomes` and docs/outcomes.md. Returns ``(data, coords, comments)``.
    """
    events = event_table(resolved)
    t_h = np.concatenate([[0.0], np.asarray(tgrid.t_end, float)])
    end_h = float(t_h.max())
    tewl = _dense(out0, outs, "tewl")
    baseline = float(tewl[0])
    rec = {f: np.asarray(getattr(outs.event, f), float).reshape(-1) for f in outs.event._fields}
    step_of_row = {}
    for i, r in enumerate(np.asarray(tgrid.event)):
        if r >= 0 and int(r) not in step_of_row:
            step_of_row[int(r)] = i
    rows = [r for r in range(events.size) if events.session[r] >= 0 and r in step_of_row]
    steps = [step_of_row[r] for r in rows]
    starts = np.asarray([t_h[i] for i in steps], float)  # start time of the session's step
    data: dict[str, Any] = {}
    comments: dict[str, str] = {}
    coords: dict[str, Any] = {}
    jumps_t, jumps_v = [], []
    if rows:
        n = len(rows)
        stops = np.concatenate([starts[1:], [end_h]])
        hours, recovered = np.zeros(n), np.zeros(n)
        at_start = np.zeros(n)
        for k, i in enumerate(steps):
            hours[k], ok = outcomes.recovery_after(t_h, tewl, baseline, starts[k], rec["tewl_after"][i], stops[k])
            recovered[k] = float(ok)
            at_start[k] = float(outcomes.recovered_at(tewl[i], baseline))
            jumps_t.append(starts[k])
            jumps_v.append(rec["tewl_after"][i])
        pick = lambda f: rec[f][steps]  # noqa: E731
        coords["session"] = np.arange(1, n + 1)
        data["session_day"] = ("session", starts / HOURS_PER_DAY)
        data["removed_layers"] = ("session", pick("removed_layers"))
        data["removed_um"] = ("session", pick("removed_um"))
        data["barrier_recovery_hours"] = ("session", hours)
        data["barrier_recovered"] = ("session", recovered)
        data["recovered_at_start"] = ("session", at_start)
        data["injury_max_um"] = ("session", pick("injury_um"))
        data["petechiae_risk"] = ("session", pick("petechiae_risk"))
        data["session_strain"] = ("session", pick("strain"))
        data["session_exposed_fraction"] = ("session", pick("exposed_fraction"))
        data["tewl_after_session"] = ("session", pick("tewl_after"))
        interval_h = resolved.protocol.interval_days * HOURS_PER_DAY
        t_course = min(starts[-1] + interval_h, end_h)
    t_all = np.concatenate([t_h, jumps_t])
    v_all = np.concatenate([tewl, jumps_v])
    data["irritation_burden_days"] = ((), outcomes.irritation_burden_days(t_all, v_all, baseline))
    data["max_injury_um"] = ((), float(np.max(_dense(out0, outs, "injury_depth_um"))))
    data["exposed_fraction"] = ((), float(np.max(rec["exposed_fraction"], initial=0.0)))
    for name, diag in (("ra", "ra_um"), ("fine_line", "fine_line_depth_um"), ("ve_thickness", "ve_thickness_um")):
        series = _dense(out0, outs, diag)
        whens = [("end_course", t_course if rows else None)]
        if name != "ve_thickness":
            whens.append(("end_followup", end_h if rows else None))
        for label, when in whens:
            var = f"{name}_change_pct_{label}"
            if when is None:
                data[var] = ((), float("nan"))
                comments[var] = _NO_COURSE_NAN
            else:
                data[var] = ((), outcomes.change_pct(t_h, series, when))
                if not np.all(np.isfinite(series)):
                    comments[var] = _COLUMN_NAN
    data["barrier_recovery_hours_max"] = ((), float(np.max(data["barrier_recovery_hours"][1])) if rows else float("nan"))
    if not rows:
        comments["barrier_recovery_hours_max"] = _NO_COURSE_NAN
    return data, coords, comments


def check_finite(ds: xr.Dataset) -> None:
    """Raise :class:`SimulationError` naming the first variable with non-finite values."""
    for name, var in ds.data_vars.items():
        if "comment" in var.attrs and "NaN by definition" in var.attrs["comment"]:
            continue
        values = np.asarray(var.values, dtype=float)
        if not np.all(np.isfinite(values)):
            bad = np.flatnonzero(~np.isfinite(values.ravel()))[0]
            where = ""
            if "time" in var.dims:
                where = f" first at t = {float(ds.time.values[np.unravel_index(bad, values.shape)[var.dims.index('time')]]):g} d"
            raise SimulationError(f"simulation produced non-finite {name}{where}; try a smaller grid.dt_hours")


OLDEST_BIN_WARN_LAYERS = 0.01  # SC layers in the last ("older than sc_max_age_days") age bin


def run_config(resolved: ResolvedRunConfig) -> xr.Dataset:
    """Run one resolved scenario and return its labelled dataset."""
    prep = prepare(resolved)
    profiles = bool(resolved.save.profiles)
    _, out0, outs = simulate(prep.state0, prep.params, prep.schedule, prep.grid, profiles)
    ds = to_dataset(resolved, prep.grid, prep.tgrid, out0, outs, profiles)
    info = prep.info
    check_finite(ds)
    ds.attrs.update(provenance_attrs(resolved))
    ds.attrs["skin_profile"] = resolved.skin_name
    ds.attrs["spin_up_drift"] = info["drift"]
    ds.attrs["Conventions"] = "CF-1.10"
    oldest = float(np.max(np.asarray(outs.oldest_bin_layers)))
    ds.attrs["sc_oldest_bin_layers_max"] = oldest
    if oldest > OLDEST_BIN_WARN_LAYERS:
        warnings.warn(
            f"grid.sc_max_age_days = {resolved.grid.sc_max_age_days:g}: up to {oldest:.3g} SC layers "
            f"outlived the last age bin and were merged there; raise grid.sc_max_age_days "
            f"(e.g. to {2 * resolved.grid.sc_max_age_days:g}) to resolve their ages", RuntimeWarning, stacklevel=2)
    return ds


def run(config, overrides: Sequence[str] = ()) -> xr.Dataset:
    """Run one scenario. ``config``: a path, a mapping or a (resolved) config object."""
    return run_config(load_run_config(config, overrides))
