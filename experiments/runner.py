"""One scenario from a config to a labelled dataset (the pipeline, readable top-down).

config --(experiments.config)--> ResolvedRunConfig
       --> ModelGrid + SkinParams (models.skin.make_params)
       --> homeostatic state (cached spin-up)
       --> TimeGrid + Schedule (events as data)
       --> models.simulate.simulate (one jitted scan)
       --> xarray.Dataset with units and provenance
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np
import xarray as xr

from sim.grids import LateralGrid
from sim.timegrid import TimeGrid, make_time_grid, pad_time_grid
from models.skin import ModelGrid, make_params, SkinParams, SkinState
from models.simulate import EVENT_STRIP, Schedule, make_schedule, simulate
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
    """Events of one scenario in time order: hours, kind codes and strip fractions."""

    times_h: np.ndarray
    kinds: np.ndarray
    strip_fraction: np.ndarray

    @property
    def size(self) -> int:
        return int(self.times_h.size)


def event_table(resolved: ResolvedRunConfig) -> EventTable:
    times, kinds, fracs = [], [], []
    for e in resolved.events:
        if e.kind == "strip":
            times.append(e.day * HOURS_PER_DAY)
            kinds.append(EVENT_STRIP)
            fracs.append(e.remove_fraction)
    order = np.argsort(np.asarray(times, float), kind="stable")
    return EventTable(np.asarray(times, float)[order], np.asarray(kinds, np.int32)[order],
                      np.asarray(fracs, float)[order])


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
    :func:`scenario_size` gives a scenario's unpadded lengths.
    """
    grid = model_grid(resolved)
    params = make_params(resolved.skin, grid, resolved.seed)
    state0, params, info = homeostatic_state(resolved.skin, params, grid, resolved.seed, resolved.grid.dt_hours)
    events = event_table(resolved)
    tgrid = time_grid(resolved, grid, events)
    if n_steps is not None:
        tgrid = pad_time_grid(tgrid, n_steps)
    schedule = make_schedule(tgrid, events.kinds, events.strip_fraction, n_events)
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
    ds = annotate(xr.Dataset(data, coords=coords))
    if grid.lateral.ndim == 0:
        for v in ("ra_um", "rq_um", "rz_um", "fine_line_depth_um"):
            ds[v].attrs["comment"] = "undefined for a single column (no lateral profile): NaN by definition"
    return ds


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
    return ds


def run(config, overrides: Sequence[str] = ()) -> xr.Dataset:
    """Run one scenario. ``config``: a path, a mapping or a (resolved) config object."""
    return run_config(load_run_config(config, overrides))
