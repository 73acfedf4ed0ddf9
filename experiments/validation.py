"""Literature validation: run the calibration experiments of docs/validation.md.

Each file in ``configs/validation/`` describes one validation experiment::

    name: tape_strip_forearm
    description: ...
    experiment: barrier_disruption     # a measurement protocol, see EXPERIMENTS
    profiles: [forearm]                # optional; default: the run config's skin
    run: {...}                         # a run config (docs/interface.md); skin replaced per profile
    strip: {day: 1, to_tewl_g_m2_h: 20}   # barrier_disruption only: how the barrier is broken
    checks:                            # what the measurements must show
      - id: T7
        quantity: recovery_24h
        target: 0.5
        tolerance: {relative: 0.25}    # or {plus_minus: x} or {range: [lo, hi]}
        units: "1"
        condition: young adult (20-30 y)
        source: Ghadially et al. 1995, J Clin Invest 95:2281

A check's ``relation`` is ``within`` (the default; needs ``tolerance``), ``at_least``,
``at_most``, ``less_than`` or ``greater_than`` (the last four compare with ``target``).
``target`` is a number or a reference ``{quantity: q, profile: p}`` to another measured
value (for "aged slower than young" or "calcium in step with the barrier").

:func:`validate` runs every experiment and returns a :class:`pandas.DataFrame` with one
row per check: ``id, experiment, profile, quantity, value, target, target_text, low,
high, tolerance, units, passed, condition, source``. :func:`measure` gives the
measurements of one experiment, ``{profile: Measurement}``: a :class:`Measurement` reads
as ``{quantity: value}`` (what the tests in ``tests/validation`` assert on) and carries
the time series the values were read from (``.series``, an :class:`xarray.Dataset` with
CF ``units`` and ``long_name``) and where each was read (``.at``). :func:`run_validation`
keeps both (a :class:`ValidationRun`: per experiment its measurements and rows, and the
table); :func:`write_report` writes the report of ``epiturn validate -o DIR``
(``validation.md``, a self-contained ``validation.html``, ``figures/<experiment>.png`` and
``.svg``; see :mod:`experiments.report`). ``epiturn validate --update-docs`` rewrites the
result table of docs/validation.md (:func:`experiments.docs.update_validation_doc`).

Add an experiment kind (``experiment: <kind>`` in a config):

1. a measure function ``(resolved run config, ValidationConfig) -> Measurement`` here:
   run the model (:func:`experiments._run.prepare`, :func:`run_steps`), compute the
   scalars the checks name, build ``series`` with :func:`series_dataset` (time in hours
   or days, CF attributes on every variable) and record in ``at`` which series variable
   and time each scalar is read at;
2. a figure function ``(ExperimentResult) -> Figure`` in
   ``experiments/report/_validation_figures.py``: usually :func:`experiments.report.plot_checks`
   with the kind's panels (:class:`experiments.report.Panel`: which series go on one
   axis, its label with units, linear or log time); exported by ``experiments.report``;
3. one entry of :data:`EXPERIMENTS`: ``"<kind>": Experiment(measure=..., figure=...)``;
4. a config in ``configs/validation/`` and the target in docs/validation.md. A config key
   of its own (as ``strip`` is for ``barrier_disruption``) is read in
   :func:`load_validation_config`.

The table, both reports, the terminal output and the docs table then include it.

Experiments (what is measured, and how). Every run goes through
:func:`models.simulate` on the config's grid, from the cached homeostatic state
of :func:`experiments._run.prepare` (the same pipeline as :func:`experiments.run`), cut
into pieces of :data:`PIECE_STEPS` steps by :func:`run_steps` so that every step is kept
and all experiments on a grid share one compiled scan.

``homeostasis``
    An untreated run from the spun-up steady state: SC layers, SC and VE thickness, TEWL,
    the shedding rate (cumulative desquamation over the run), the SC transit time
    (layers / measured shedding rate, Little's law) and the median age of the cohorts at
    shedding (their survival along the age characteristics of the steady state, the
    analogue of the dansyl-chloride method). The VE renewal time is measured by a pulse
    label: cells entering maturation stage 1 during one hour are followed through the
    model's own maturation kernel (:func:`models.erlang_chain_step`), and their mean
    arrival time in the SC is ``ve_renewal_days``; ``ve_renewal_days_steady`` is the
    steady-state VE cell content over the measured production rate.

``barrier_disruption``
    A tape strip at ``strip.day`` removing ``strip.remove_fraction`` of the SC layers from
    the top, or the fraction that raises TEWL to ``strip.to_tewl_g_m2_h`` or to
    ``strip.to_tewl_ratio`` times its homeostatic value (the studies strip until TEWL
    reaches an endpoint), solved on the homeostatic state (:func:`strip_fraction_for_tewl`).
    Every step is kept (the time grid is refined to 1 min after the strip), and the full
    state at 0, 1, 3, 6, 24 and 72 h after the strip. Times below are hours after the
    strip. Reported: TEWL before and 1 min after (``tewl_after``); recovery (T12)
    ``(TEWL_after - TEWL(t)) / (TEWL_after - TEWL_baseline)`` at 3, 6, 24, 72 h; the
    alarm-cytokine excess over its pre-strip value, relative to its peak, at 10 min, its
    minimum over 2-4 h and at 24 h; the fraction of the homeostatic lamellar-body store
    secreted by 15 and 30 min; the lipid rise (0..1 scale) of the lower (younger) and upper
    halves of the SC left by the strip at 1 and 3 h; the calcium gradient (Ca under the
    SC minus the basal Ca) lost at 10 min and 1 h, its largest loss, and its recovery at
    24/72 h measured from 1 h (``calcium_recovery_*``: share of the 1-h deficit gone)
    beside the same measure for TEWL (``barrier_recovery_from_1h_*``: share of the 1-h
    excess over baseline gone).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from experiments.config import ConfigError, load_run_config, load_yaml, ResolvedRunConfig
from experiments.report import (plot_barrier_disruption_checks, plot_homeostasis_checks, plot_regeneration_checks,
                                validation_markdown_table, validation_summary)
from experiments._jaxconfig import enable_x64
from experiments._outputs import OUTPUTS
from experiments._run import prepare, Prepared
from models import HOURS_PER_DAY, barrier_tewl, erlang_chain_step, simulate, strip_top_layers

__all__ = [
    "VALIDATION_DIR", "EXPERIMENTS", "Experiment", "ExperimentResult", "Measurement", "ValidationConfig",
    "ValidationRun", "load_validation_config", "load_validation_configs", "validation_configs", "measure",
    "evaluate", "run_validation", "validate", "markdown_table", "series_dataset", "write_report",
]

VALIDATION_DIR = Path(__file__).resolve().parents[1] / "configs" / "validation"

RELATIONS = ("within", "at_least", "at_most", "less_than", "greater_than")
TOLERANCE_KINDS = ("plus_minus", "relative", "range")


# --------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class Check:
    id: str
    quantity: str
    profile: str
    relation: str
    target: Any  # float or {"quantity": q, "profile": p}
    tolerance: dict | None
    units: str
    condition: str
    source: str


@dataclass(frozen=True)
class ValidationConfig:
    name: str
    description: str
    experiment: str
    profiles: tuple[str, ...]
    run: dict
    strip: dict | None
    checks: tuple[Check, ...]
    file: Path | None = None
    after_day: float | None = None  # regeneration: the day of the stimulus (time origin of the response)


def _fail(field: str, value: Any, problem: str, allowed: str, file: Path | None) -> ConfigError:
    return ConfigError(field, value, problem, allowed, file)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse_check(raw: Any, i: int, profiles: Sequence[str], file: Path | None) -> Check:
    where = f"checks[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(where, raw, "is not a mapping", "a mapping with id, quantity, target, source", file)
    known = {"id", "quantity", "profile", "relation", "target", "tolerance", "units", "condition", "source"}
    for key in raw:
        if key not in known:
            raise _fail(f"{where}.{key}", raw[key], "is not a known key", ", ".join(sorted(known)), file)
    for key in ("id", "quantity", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(f"{where}.{key}", raw.get(key), "is required", "a non-empty string", file)
    profile = raw.get("profile", profiles[0] if len(profiles) == 1 else None)
    if profile not in profiles:
        raise _fail(f"{where}.profile", profile, "is not a profile of this experiment", ", ".join(profiles), file)
    relation = raw.get("relation", "within")
    if relation not in RELATIONS:
        raise _fail(f"{where}.relation", relation, "is not a relation", ", ".join(RELATIONS), file)
    target = raw.get("target")
    if isinstance(target, Mapping):
        extra = set(target) - {"quantity", "profile"}
        if extra or not isinstance(target.get("quantity"), str):
            raise _fail(f"{where}.target", dict(target), "is not a reference", "{quantity: name, profile: name (optional)}", file)
        ref_profile = target.get("profile", profile)
        if ref_profile not in profiles:
            raise _fail(f"{where}.target.profile", ref_profile, "is not a profile of this experiment", ", ".join(profiles), file)
        target = {"quantity": target["quantity"], "profile": ref_profile}
    elif not _number(target) and not (target is None and relation == "within"):
        raise _fail(f"{where}.target", target, "is not a number or a reference", "a number or {quantity: name, profile: name}", file)
    tolerance = raw.get("tolerance")
    if relation == "within":
        if not isinstance(tolerance, Mapping) or len(tolerance) != 1 or next(iter(tolerance)) not in TOLERANCE_KINDS:
            raise _fail(f"{where}.tolerance", tolerance, "is required for relation 'within'",
                        "one of {plus_minus: x}, {relative: r}, {range: [low, high]}", file)
        kind, val = next(iter(tolerance.items()))
        if kind == "range":
            if not (isinstance(val, list) and len(val) == 2 and all(_number(v) for v in val) and val[0] <= val[1]):
                raise _fail(f"{where}.tolerance.range", val, "is not an ordered pair of numbers", "[low, high] with low <= high", file)
        elif not (_number(val) and val >= 0):
            raise _fail(f"{where}.tolerance.{kind}", val, "is not a non-negative number", "a number >= 0", file)
        if target is None and kind != "range":
            raise _fail(f"{where}.target", target, "is required with this tolerance", "a number or a reference", file)
        tolerance = {kind: val}
    elif tolerance is not None:
        raise _fail(f"{where}.tolerance", tolerance, f"is not used with relation {relation!r}", "no tolerance (the target is the bound)", file)
    return Check(
        id=raw["id"].strip(), quantity=raw["quantity"], profile=profile, relation=relation, target=target,
        tolerance=tolerance, units=str(raw.get("units", "1")), condition=str(raw.get("condition", "")),
        source=raw["source"].strip(),
    )


def load_validation_config(source: str | Path | Mapping[str, Any]) -> ValidationConfig:
    """Read and check one validation experiment (a path or a mapping).

    Raises :class:`experiments.config.ConfigError` (one line: field, value, allowed).
    """
    file = None
    if isinstance(source, Mapping):
        raw = dict(source)
    else:
        file = Path(source)
        if not file.is_file():
            raise ConfigError("validation config", str(source), "file does not exist", "a path to a YAML validation experiment")
        raw = load_yaml(file, "validation config")
        if not isinstance(raw, Mapping):
            raise _fail("validation config", raw, "is not a mapping", "a mapping with experiment, run, checks", file)
    known = {"name", "description", "experiment", "profiles", "run", "strip", "after_day", "checks"}
    for key in raw:
        if key not in known:
            raise _fail(key, raw[key], "is not a known key", ", ".join(sorted(known)), file)
    experiment = raw.get("experiment")
    if experiment not in EXPERIMENTS:
        raise _fail("experiment", experiment, "is not a validation experiment", ", ".join(EXPERIMENTS), file)
    run = raw.get("run")
    if not isinstance(run, Mapping) or "skin" not in run and "profiles" not in raw:
        raise _fail("run", run, "is not a run config", "a run config mapping (docs/interface.md) with a skin", file)
    run = dict(run)
    skin = run.get("skin")
    default = skin if isinstance(skin, str) else str((skin or {}).get("name") or "custom")
    profiles = raw.get("profiles", [default])
    if not (isinstance(profiles, list) and profiles and all(isinstance(p, str) for p in profiles)):
        raise _fail("profiles", profiles, "is not a list of profile names", "a non-empty list of skin profile names", file)
    strip = raw.get("strip")
    if experiment == "barrier_disruption":
        strip = _parse_strip(strip, file)
    elif strip is not None:
        raise _fail("strip", strip, f"is not used by experiment {experiment!r}", "no strip", file)
    after_day = raw.get("after_day")
    if experiment == "regeneration":
        if not (_number(after_day) and after_day >= 0):
            raise _fail("after_day", after_day, "is not a day >= 0",
                        "the day of the run's stimulus (its strip event or first session)", file)
        after_day = float(after_day)
    elif after_day is not None:
        raise _fail("after_day", after_day, f"is not used by experiment {experiment!r}", "no after_day", file)
    checks = raw.get("checks", [])
    if not isinstance(checks, list) or not checks:
        raise _fail("checks", checks, "is not a non-empty list", "a list of checks", file)
    parsed = tuple(_parse_check(c, i, profiles, file) for i, c in enumerate(checks))
    name = str(raw.get("name") or (file.stem if file else experiment))
    return ValidationConfig(name, str(raw.get("description", "")), experiment, tuple(profiles), run, strip, parsed, file,
                            after_day)


STRIP_LEVELS = ("remove_fraction", "to_tewl_g_m2_h", "to_tewl_ratio")


def _parse_strip(strip: Any, file: Path | None) -> dict:
    allowed = ("{day: d, and one of remove_fraction: f in (0, 1], to_tewl_g_m2_h: x > 0, "
               "to_tewl_ratio: r > 1 (times the homeostatic TEWL)}")
    if not isinstance(strip, Mapping):
        raise _fail("strip", strip, "is required for a barrier_disruption experiment", allowed, file)
    extra = set(strip) - {"day", *STRIP_LEVELS}
    if extra:
        key = sorted(extra)[0]
        raise _fail(f"strip.{key}", strip[key], "is not a known key", "day, " + ", ".join(STRIP_LEVELS), file)
    day = strip.get("day")
    if not (_number(day) and day >= 0):
        raise _fail("strip.day", day, "is not a day >= 0", allowed, file)
    given = [k for k in STRIP_LEVELS if k in strip]
    if len(given) != 1:
        raise _fail("strip", dict(strip), "needs exactly one of " + ", ".join(STRIP_LEVELS), allowed, file)
    key = given[0]
    value = strip[key]
    ok = _number(value) and {"remove_fraction": 0 < value <= 1, "to_tewl_g_m2_h": value > 0,
                             "to_tewl_ratio": value > 1}[key]
    if not ok:
        raise _fail(f"strip.{key}", value, "is outside its range", allowed, file)
    return dict(strip)


def validation_configs(folder: str | Path | None = None) -> list[Path]:
    """The validation experiment files (``*.yaml``) of ``folder`` (default ``configs/validation``)."""
    return sorted(Path(folder or VALIDATION_DIR).glob("*.yaml"))


def _resolved_for(cfg: ValidationConfig, profile: str, events: Sequence[Mapping] = ()) -> ResolvedRunConfig:
    run = dict(cfg.run)
    skin = run.get("skin")
    if isinstance(skin, Mapping):  # inline mapping or {base: ..., parameters: ...}: keep overrides
        run["skin"] = {**skin, "base": profile} if len(cfg.profiles) > 1 else skin
    else:
        run["skin"] = profile
    run["events"] = list(run.get("events", [])) + [dict(e) for e in events]
    try:
        return load_run_config(run)
    except ConfigError as exc:
        field = f"run.{exc.field}" if exc.field else "run"
        raise ConfigError(field, exc.value, exc.problem, exc.allowed, cfg.file) from None


# --------------------------------------------------------------------------- measurements


@dataclass(frozen=True, eq=False)
class Measurement(Mapping[str, float]):
    """What one experiment measured on one profile: scalars, and the time series they come from.

    A read-only mapping ``{quantity: value}`` of the scalars (so ``measure(...)[profile][q]``
    reads a value); ``series`` is an :class:`xarray.Dataset` on ``time`` (CF ``units`` and
    ``long_name`` on the coordinate and every variable; hours after the strip for a
    barrier disruption, days since the start for a homeostasis run); ``at`` says, for a
    scalar read off a series, which variable of ``series`` and when: ``{quantity:
    (variable, time)}`` with ``time`` a number, or a ``(start, end)`` window for a mean or
    extreme over it, in the units of the variable's time coordinate. The figures place
    each check there; a quantity not in ``at`` is drawn beside the time courses.
    """

    scalars: dict[str, float]
    series: xr.Dataset
    at: dict[str, tuple[str, Any]] = field(default_factory=dict)

    def __getitem__(self, quantity: str) -> float:
        return self.scalars[quantity]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scalars)

    def __len__(self) -> int:
        return len(self.scalars)


def series_dataset(time_values: np.ndarray, time_attrs: Mapping[str, str],
                   variables: Mapping[str, tuple[np.ndarray, str, str]]) -> xr.Dataset:
    """An :class:`xarray.Dataset` on ``time``: ``{name: (values, units, long_name)}``, CF attributes on all."""
    coords = {"time": ("time", np.asarray(time_values, dtype=float), dict(time_attrs))}
    data = {name: ("time", np.asarray(values, dtype=float), {"units": units, "long_name": long_name})
            for name, (values, units, long_name) in variables.items()}
    return xr.Dataset(data, coords=coords)


# --------------------------------------------------------------------------- stepping


@dataclass(frozen=True)
class StepSeries:
    """Per-step lateral-mean readouts of one run and the full state at some times.

    ``time_h``: shape ``(N + 1,)``, the initial state first; ``series[name]`` the same
    shape (the :class:`models.Diagnostics` fields plus the cumulative
    ``desquamated`` and ``produced`` layers); ``states[t]`` the state at the grid node
    ``t`` (h).
    """

    time_h: np.ndarray
    series: dict[str, np.ndarray]
    states: dict[float, Any]


PIECE_STEPS = 128


def run_steps(prep: Prepared, keep_states_h: Iterable[float] = (), piece_steps: int = PIECE_STEPS) -> StepSeries:
    """Run ``prep`` and keep every step's readouts (not only the save points).

    The schedule is cut at the grid nodes nearest to ``keep_states_h`` and further into
    pieces of at most ``piece_steps`` steps; every piece is padded with inert zero-length
    steps to exactly ``piece_steps`` and run by :func:`models.simulate`, the
    final state of one piece starting the next. All runs on one grid therefore share one
    compiled scan, whatever their duration and events.
    """
    t_end = np.asarray(prep.tgrid.t_end)
    n = t_end.size
    cuts = {int(np.argmin(np.abs(t_end - t))) + 1 for t in keep_states_h if 0 < t <= t_end[-1]}
    bounds = sorted({0, n} | {c for c in cuts if 0 < c < n})
    pieces_bounds = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        pieces_bounds += [(k, min(k + piece_steps, b)) for k in range(a, b, piece_steps)]
    sched = prep.schedule
    state = prep.state0
    out0 = None
    pieces: list[Any] = []
    states: dict[float, Any] = {0.0: prep.state0}
    for a, b in pieces_bounds:
        pad = piece_steps - (b - a)
        seg = eqx.tree_at(lambda sc: (sc.dt, sc.event, sc.shift), sched, (
            jnp.concatenate([sched.dt[a:b], jnp.zeros(pad, sched.dt.dtype)]),
            jnp.concatenate([sched.event[a:b], -jnp.ones(pad, sched.event.dtype)]),
            jnp.concatenate([sched.shift[a:b], jnp.zeros(pad, sched.shift.dtype)]),
        ))
        state, first, outs = simulate(state, prep.params, seg, prep.grid)
        out0 = first if out0 is None else out0
        keep = {name: np.asarray(getattr(outs.diag, name))[: b - a] for name in outs.diag._fields}
        keep["desquamated"] = np.asarray(outs.desquamated)[: b - a]
        keep["produced"] = np.asarray(outs.produced)[: b - a]
        pieces.append(keep)
        if b in bounds:
            states[float(t_end[b - 1])] = state
    first_values = {name: float(getattr(out0.diag, name)) for name in out0.diag._fields}
    first_values.update(desquamated=float(out0.desquamated), produced=float(out0.produced))
    series = {name: np.concatenate([[v]] + [p[name] for p in pieces]) for name, v in first_values.items()}
    return StepSeries(np.concatenate([[0.0], t_end]), series, states)


# --------------------------------------------------------------------------- measurements


def ve_pulse_label(prep: Prepared, dt_h: float = 1.0, days: float = 80.0) -> float:
    """Mean arrival time (days) in the SC of cells labelled on entering maturation stage 1.

    A unit pulse enters stage 1 during the first step of length ``dt_h``; the labelled
    cells are carried through the chain with the model's exact maturation kernel and
    their outflow into the SC is recorded per step. Returns ``sum(t out) / sum(out)``
    with ``t`` measured from the middle of the labelling step (lateral mean).
    """
    grid, params = prep.grid, prep.params
    steps = int(round(days * HOURS_PER_DAY / dt_h))
    K = grid.n_stages
    tau_stage = jnp.mean(params.ve_transit_hours) / K

    def step(m, P):
        m_new, out = erlang_chain_step(m, P, tau_stage, dt_h)
        return m_new, out

    P = jnp.zeros(steps).at[0].set(1.0 / dt_h)
    _, out = jax.lax.scan(step, jnp.zeros(K), P)
    out = np.asarray(out)
    # outflow of step k arrives, to second order, at the step middle (k + 1/2) dt; the
    # label entered at the middle of step 0, so its transit is k dt
    t_transit = np.arange(steps) * dt_h
    label = out.sum()
    if not label > 0.999:
        raise RuntimeError(f"pulse label not fully arrived after {days:g} d ({label:.4f}); use more days")
    return float((t_transit * out).sum() / label / HOURS_PER_DAY)


def cohort_shedding_age_days(prep: Prepared) -> float:
    """Median age (days) at which a corneocyte cohort is shed, from the steady cohort profile.

    At steady state the cohort of age ``a`` still holds ``n(a) = F S(a)`` layers per bin
    (``F`` the layers born per bin, ``S`` its survival). The spun-up state sits on a bin
    boundary, so bin ``i >= 1`` holds the cohort born ``i - 1`` to ``i`` bins ago; ``S`` is
    taken at the bin middles and the age where it crosses 1/2 is interpolated.
    """
    n = np.asarray(prep.state0.sc_layers, dtype=float).reshape(-1, prep.grid.n_bins).mean(axis=0)
    width = prep.grid.bin_width_h
    birth = float(np.mean(np.asarray(prep.params.basal_flux_layers_per_hour))) * width
    survival = n[1:] / birth
    ages = (np.arange(1, n.size) - 0.5) * width
    below = np.flatnonzero(survival < 0.5)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    j = below[0]
    a0, a1, s0, s1 = ages[j - 1], ages[j], survival[j - 1], survival[j]
    return float((a0 + (s0 - 0.5) / (s0 - s1) * (a1 - a0)) / HOURS_PER_DAY)


HOMEOSTASIS_SERIES = ("sc_layers", "sc_thickness_um", "ve_thickness_um", "tewl")


def measure_homeostasis(resolved: ResolvedRunConfig) -> Measurement:
    """Readouts of an untreated run from the spun-up state (means over the run).

    The shedding rate is the cumulative desquamation over the run divided by its length;
    the transit time is the mean SC layer count over that rate (Little's law). The series
    (every step, on ``time`` in days since the start) are :data:`HOMEOSTASIS_SERIES`, with
    the units and long names of the output table; the time means are read over the whole
    run, TEWL at its start.
    """
    prep = prepare(resolved)
    res = run_steps(prep)
    s, t = res.series, res.time_h
    days = (t[-1] - t[0]) / HOURS_PER_DAY
    shed = float(s["desquamated"][-1] - s["desquamated"][0]) / days
    produced = float(s["produced"][-1] - s["produced"][0]) / days

    def mean(name):  # time average over the run (trapezoid over the uneven steps)
        return float(np.trapezoid(s[name], t) / (t[-1] - t[0]))

    layers = mean("sc_layers")
    ve_layers = float(np.mean(np.sum(np.asarray(prep.state0.ve_cells), axis=-1)))
    scalars = {
        "sc_layers": layers,
        "sc_thickness_um": mean("sc_thickness_um"),
        "ve_thickness_um": mean("ve_thickness_um"),
        "tewl": float(s["tewl"][0]),
        "desquamation_rate_per_day": shed,
        "production_rate_per_day": produced,
        "sc_transit_days": layers / shed,
        "sc_shedding_age_days": cohort_shedding_age_days(prep),
        "ve_renewal_days": ve_pulse_label(prep),
        "ve_renewal_days_steady": ve_layers / produced,
        "drift": float(max(np.max(np.abs(s[k] - s[k][0])) / abs(s[k][0]) for k in ("sc_layers", "tewl", "ve_thickness_um"))),
    }
    t_days = t / HOURS_PER_DAY
    series = series_dataset(t_days, {"units": "d", "long_name": "time since the start of the run"},
                            {name: (s[name], *OUTPUTS[name][:2]) for name in HOMEOSTASIS_SERIES})
    whole_run = (float(t_days[0]), float(t_days[-1]))
    at = {name: (name, whole_run) for name in ("sc_layers", "sc_thickness_um", "ve_thickness_um")}
    at["tewl"] = ("tewl", float(t_days[0]))
    return Measurement(scalars, series, at)


def strip_fraction_for_tewl(prep: Prepared, tewl_target: float) -> float:
    """The SC fraction a strip must remove (from the top) to raise TEWL to ``tewl_target``.

    TEWL after removing a fraction ``f`` of the homeostatic SC rises monotonically with
    ``f``; solved by bisection to 1e-10. Raises ``ValueError`` when the target lies
    outside [baseline TEWL, fully stripped TEWL].
    """
    n, lam = prep.state0.sc_layers, prep.state0.sc_lipid

    def tewl(f: float) -> float:
        n_left, _ = strip_top_layers(n, f * jnp.sum(n, axis=-1))
        return float(jnp.mean(barrier_tewl(prep.params, n_left, lam)))

    lo_t, hi_t = tewl(0.0), tewl(1.0)
    if not lo_t < tewl_target <= hi_t:
        raise ValueError(f"strip.to_tewl_g_m2_h={tewl_target:g} is outside the reachable range ({lo_t:.3g}, {hi_t:.3g}] g m-2 h-1")
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-10:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if tewl(mid) < tewl_target else (lo, mid)
    return 0.5 * (lo + hi)


def _at(t, y, when):
    return float(np.interp(when, t, y))


def _first_time(t, mask) -> float:
    idx = np.flatnonzero(mask)
    return float(t[idx[0]]) if idx.size else float("nan")


def _lipid_halves(state, n_bins: int) -> tuple[float, float, float]:
    """Layer-weighted lipid of the lower (younger) and upper halves of the SC, and its layers."""
    n = np.asarray(state.sc_layers, dtype=float).reshape(-1, n_bins)
    lam = np.asarray(state.sc_lipid, dtype=float).reshape(-1, n_bins)
    total = n.sum(axis=1, keepdims=True)
    below = np.cumsum(n, axis=1) - n  # layers younger than (below) each cohort
    # share of each cohort lying in the lower half (by layers, from the bottom)
    lower_share = np.clip((0.5 * total - below) / np.maximum(n, 1e-300), 0.0, 1.0)
    w_lo, w_up = n * lower_share, n * (1.0 - lower_share)
    if not np.all(total > 1e-9):  # no SC left: no lipid profile
        return float("nan"), float("nan"), float(np.mean(total))
    lo = float(np.mean((w_lo * lam).sum(axis=1) / w_lo.sum(axis=1)))
    up = float(np.mean((w_up * lam).sum(axis=1) / w_up.sum(axis=1)))
    return lo, up, float(np.mean(total))


STRIP_SNAPSHOTS_H = (1.0, 3.0, 6.0, 24.0, 72.0)


def measure_barrier_disruption(resolved: ResolvedRunConfig, strip: Mapping[str, Any], file: Path | None = None) -> Measurement:
    """The tape-strip experiment of ``resolved`` (plus the strip of ``strip``); see the module docstring.

    The series are on ``time`` in hours after the strip (every step of the run, the
    time before the strip negative): ``tewl`` (g m-2 h-1), ``tewl_ratio`` (TEWL over its
    pre-strip value), ``recovery`` (T12, from the first step after the strip),
    ``cytokine_excess_of_peak``, ``lb_secreted`` (fraction of the homeostatic store),
    ``calcium_gradient`` (Ca under the SC minus basal Ca), ``calcium_gradient_loss``
    (fraction of the pre-strip gradient lost), ``calcium_recovery_from_1h`` and
    ``barrier_recovery_from_1h`` (from 1 h on); and on ``snapshot_time`` (h after the
    strip, 0 = just after it) ``lower_sc_lipid_rise`` and ``upper_sc_lipid_rise``.
    """
    day = float(strip["day"])
    base = prepare(resolved)
    if "remove_fraction" in strip:
        fraction = float(strip["remove_fraction"])
    else:
        key = "to_tewl_g_m2_h" if "to_tewl_g_m2_h" in strip else "to_tewl_ratio"
        target = float(strip[key])
        if key == "to_tewl_ratio":
            target *= float(np.mean(np.asarray(barrier_tewl(base.params, base.state0.sc_layers, base.state0.sc_lipid))))
        try:
            fraction = strip_fraction_for_tewl(base, target)
        except ValueError as exc:
            raise ConfigError(f"strip.{key}", strip[key], "asks for a TEWL outside the reachable range: " + str(exc).split("range ", 1)[-1],
                              "a TEWL between the baseline and the fully stripped value", file) from None
    data = resolved.to_dict()
    data["events"] = list(data["events"]) + [{"day": day, "kind": "strip", "remove_fraction": fraction}]
    run = load_run_config(data)
    prep = prepare(run)
    t_strip = day * HOURS_PER_DAY
    res = run_steps(prep, [t_strip] + [t_strip + h for h in STRIP_SNAPSHOTS_H])
    t = res.time_h - t_strip
    s = res.series
    # the strip acts at the start of the first step after the node t = 0: output `pre` is
    # the state just before it, `post` the state 1 min later (first refined step)
    pre = int(np.searchsorted(t, 0.0, side="right")) - 1
    post = pre + 1

    tewl = s["tewl"]
    tewl_base, tewl_after = float(tewl[pre]), float(tewl[post])
    out: dict[str, float] = {
        "remove_fraction": fraction,
        "tewl_baseline": tewl_base,
        "tewl_after": tewl_after,
        "tewl_after_ratio": tewl_after / tewl_base,
        "sc_layers_after": float(s["sc_layers"][post]),
    }
    at: dict[str, tuple[str, Any]] = {"tewl_after": ("tewl", float(t[post])), "tewl_after_ratio": ("tewl_ratio", float(t[post]))}
    for h in (3, 6, 24, 72):
        if t[-1] >= h:
            out[f"recovery_{h}h"] = (tewl_after - _at(t, tewl, h)) / (tewl_after - tewl_base)
            at[f"recovery_{h}h"] = ("recovery", float(h))

    # T8: alarm cytokine, excess over its pre-strip value, relative to the peak excess
    c = s["cytokine"] - s["cytokine"][pre]
    after = t >= 0
    peak = float(np.max(c[after]))
    out["cytokine_peak_excess"] = peak
    out["cytokine_peak_time_h"] = float(t[after][np.argmax(c[after])])
    out["cytokine_10min_of_peak"] = _at(t, c, 10 / 60) / peak
    window = (t >= 2.0) & (t <= 4.0)
    out["cytokine_2_4h_min_of_peak"] = float(np.min(c[window])) / peak
    at.update(cytokine_10min_of_peak=("cytokine_excess_of_peak", 10 / 60),
              cytokine_2_4h_min_of_peak=("cytokine_excess_of_peak", (2.0, 4.0)))
    if t[-1] >= 24:
        out["cytokine_24h_of_peak"] = _at(t, c, 24.0) / peak
        at["cytokine_24h_of_peak"] = ("cytokine_excess_of_peak", 24.0)

    # T9: lamellar-body secretion (store emptied), relative to the homeostatic store
    lb = s["lamellar_body_store"]
    lb0 = float(lb[pre])
    out["lb_store_baseline"] = lb0
    out["lb_secreted_15min"] = (lb0 - _at(t, lb, 0.25)) / lb0
    out["lb_secreted_30min"] = (lb0 - _at(t, lb, 0.5)) / lb0
    at.update(lb_secreted_15min=("lb_secreted", 0.25), lb_secreted_30min=("lb_secreted", 0.5))
    out["lb_half_secreted_min"] = 60.0 * _first_time(t[after], lb[after] <= 0.5 * lb0)

    # T9: new lipid in the lower SC (younger half of the remaining layers)
    post_state = _lipid_halves_after_strip(prep, res.states[_nearest(res.states, t_strip)], fraction)
    out["lower_sc_lipid_after"] = post_state[0]
    for h in (1.0, 3.0):
        lo, up, _ = _lipid_halves(res.states[_nearest(res.states, t_strip + h)], prep.grid.n_bins)
        out[f"lower_sc_lipid_rise_{h:g}h"] = lo - post_state[0]
        out[f"upper_sc_lipid_rise_{h:g}h"] = up - post_state[1]
        at[f"lower_sc_lipid_rise_{h:g}h"] = ("lower_sc_lipid_rise", h)
        at[f"upper_sc_lipid_rise_{h:g}h"] = ("upper_sc_lipid_rise", h)
    snapshot_h = [0.0] + [h for h in STRIP_SNAPSHOTS_H if t[-1] >= h]
    halves = np.array([post_state[:2]] + [
        _lipid_halves(res.states[_nearest(res.states, t_strip + h)], prep.grid.n_bins)[:2] for h in snapshot_h[1:]])
    lipid_rise = halves - np.asarray(post_state[:2])

    # T9: calcium gradient (Ca under the SC above the basal Ca). The gradient needs a
    # little time to respond, so "in step" compares the two recoveries from the same
    # reference time, 1 h after the strip: the fraction of the gradient deficit and of
    # the TEWL excess (over baseline) present at 1 h that is gone at t.
    ca_basal = float(resolved.skin["calcium_basal"])
    grad = s["calcium_top"] - ca_basal
    g0 = float(grad[pre])
    out["calcium_gradient_baseline"] = g0
    out["calcium_gradient_loss_10min"] = 1.0 - _at(t, grad, 10 / 60) / g0
    out["calcium_gradient_loss_1h"] = 1.0 - _at(t, grad, 1.0) / g0
    out["calcium_gradient_max_loss"] = 1.0 - float(np.min(grad[after])) / g0
    at.update(calcium_gradient_loss_10min=("calcium_gradient_loss", 10 / 60),
              calcium_gradient_loss_1h=("calcium_gradient_loss", 1.0),
              calcium_gradient_max_loss=("calcium_gradient_loss", float(t[after][np.argmin(grad[after])])))
    deficit_1h = g0 - _at(t, grad, 1.0)
    excess_1h = _at(t, tewl, 1.0) - tewl_base
    for h in (24, 72):
        if t[-1] >= h:
            out[f"calcium_recovery_{h}h"] = 1.0 - (g0 - _at(t, grad, h)) / deficit_1h
            out[f"barrier_recovery_from_1h_{h}h"] = 1.0 - (_at(t, tewl, h) - tewl_base) / excess_1h
            at[f"calcium_recovery_{h}h"] = ("calcium_recovery_from_1h", float(h))
            at[f"barrier_recovery_from_1h_{h}h"] = ("barrier_recovery_from_1h", float(h))

    # the same quantities as time series (what the figures draw)
    from_post = np.where(np.arange(t.size) >= post, 1.0, np.nan)
    from_1h = np.where(t >= 1.0, 1.0, np.nan)
    series = series_dataset(t, {"units": "h", "long_name": "time after the strip"}, {
        "tewl": (tewl, *OUTPUTS["tewl"][:2]),
        "tewl_ratio": (tewl / tewl_base, "1", "TEWL over its pre-strip value"),
        "recovery": ((tewl_after - tewl) / (tewl_after - tewl_base) * from_post, "1",
                     "barrier recovery (TEWL_after - TEWL) / (TEWL_after - TEWL_baseline) (T12)"),
        "cytokine_excess_of_peak": (c / peak, "1", "alarm-cytokine excess over its pre-strip value, fraction of its peak"),
        "lb_secreted": ((lb0 - lb) / lb0, "1", "lamellar-body store secreted, fraction of the homeostatic store"),
        "calcium_gradient": (grad, "1", "calcium gradient (Ca under the SC minus basal Ca), normalised"),
        "calcium_gradient_loss": (1.0 - grad / g0, "1", "calcium gradient lost, fraction of its pre-strip value"),
        "calcium_recovery_from_1h": ((1.0 - (g0 - grad) / deficit_1h) * from_1h, "1",
                                     "calcium gradient recovery: share of its 1-h deficit gone"),
        "barrier_recovery_from_1h": ((1.0 - (tewl - tewl_base) / excess_1h) * from_1h, "1",
                                     "barrier recovery: share of the 1-h TEWL excess gone"),
    })
    series = series.assign_coords(snapshot_time=("snapshot_time", np.asarray(snapshot_h),
                                                 {"units": "h", "long_name": "time after the strip (full-state snapshots)"}))
    for k, half in enumerate(("lower", "upper")):
        series[f"{half}_sc_lipid_rise"] = xr.DataArray(
            lipid_rise[:, k], dims="snapshot_time",
            attrs={"units": "1", "long_name": f"lipid rise (0..1) of the {half} half of the SC left by the strip"})
    return Measurement(out, series, at)


REGENERATION_SERIES = ("basal_proliferation", "sc_production_rate", "sc_thickness_um", "ve_thickness_um", "tewl",
                       "growth_factor")


def measure_regeneration(resolved: ResolvedRunConfig, after_day: float) -> Measurement:
    """The regenerative response to the stimulus of ``resolved`` (a strip event or a session) at ``after_day``.

    Every step is kept (:func:`run_steps`); the series are on ``time`` in days after the
    stimulus: ``proliferation_fold`` and ``sc_production_fold`` (basal proliferation and
    corneocyte flux into the SC over their values just before it), ``sc_thickness_um``,
    ``sc_thickness_fraction`` (of its value before), ``ve_thickness_change_pct``,
    ``tewl_ratio`` (over the pre-stimulus TEWL) and ``growth_factor``. Reported:
    ``proliferation_peak_hours`` (time of the proliferation maximum after the stimulus)
    and ``proliferation_peak_fold``; ``proliferation_baseline_days``, the time from which
    proliferation stays within 10 % of its pre-stimulus value to the end of the run (the
    run's end when it never settles); ``sc_production_peak_fold``; ``sc_regrowth_um_per_day_4d``
    (SC thickness gained over the first 4 days, per day); ``sc_rebuilt_80pct_days``
    (first time the SC is back to 80 % of its thickness before); ``ve_thickness_max_change_pct``
    and ``ve_thickness_max_day``; ``ve_thickness_min_change_pct`` (over the first week);
    ``tewl_ratio_1d``, ``tewl_ratio_7d`` and ``barrier_recovered_days`` (first time TEWL is
    back within 10 % of its pre-stimulus value).
    """
    prep = prepare(resolved)
    t0_h = after_day * HOURS_PER_DAY
    res = run_steps(prep, [t0_h])
    t = (res.time_h - t0_h) / HOURS_PER_DAY
    s = res.series
    pre = int(np.searchsorted(t, 0.0, side="right")) - 1  # the state just before the stimulus
    after = np.arange(t.size) > pre
    P, J = np.asarray(s["basal_proliferation"]), np.asarray(s["sc_production_rate"])
    sc, ve, tewl = (np.asarray(s[k]) for k in ("sc_thickness_um", "ve_thickness_um", "tewl"))
    P0, J0, sc0, ve0, tewl0 = P[pre], J[pre], sc[pre], ve[pre], tewl[pre]
    P_fold, J_fold = P / P0, J / J0
    i_peak = pre + 1 + int(np.argmax(P_fold[after]))
    outside = np.flatnonzero(after & (np.abs(P_fold - 1.0) > 0.1))
    settled = t[outside[-1] + 1] if outside.size and outside[-1] + 1 < t.size else (t[-1] if outside.size else 0.0)
    week = after & (t <= 7.0)
    ve_pct = 100.0 * (ve / ve0 - 1.0)
    i_ve = pre + 1 + int(np.argmax(ve_pct[after]))
    i_ve_min = int(np.flatnonzero(week)[np.argmin(ve_pct[week])])
    out = {
        "proliferation_peak_hours": float(t[i_peak] * HOURS_PER_DAY),
        "proliferation_peak_fold": float(P_fold[i_peak]),
        "proliferation_baseline_days": float(settled),
        "sc_production_peak_fold": float(np.max(J_fold[after])),
        "sc_regrowth_um_per_day_4d": float((_at(t, sc, 4.0) - sc[pre + 1]) / 4.0),
        "sc_rebuilt_80pct_days": _first_time(t, after & (sc >= 0.8 * sc0)),
        "ve_thickness_max_change_pct": float(ve_pct[i_ve]),
        "ve_thickness_max_day": float(t[i_ve]),
        "ve_thickness_min_change_pct": float(ve_pct[i_ve_min]),
        "tewl_ratio_1d": float(_at(t, tewl, 1.0) / tewl0),
        "tewl_ratio_7d": float(_at(t, tewl, 7.0) / tewl0),
        "barrier_recovered_days": _first_time(t, after & (t > t[pre + 1]) & (tewl <= 1.1 * tewl0)),
    }
    # where a value is read off a series in that series' units (times, rates and days are
    # drawn beside the time courses, in panels of their own units)
    at = {
        "proliferation_peak_fold": ("proliferation_fold", float(t[i_peak])),
        "sc_production_peak_fold": ("sc_production_fold", float(t[pre + 1 + int(np.argmax(J_fold[after]))])),
        "ve_thickness_max_change_pct": ("ve_thickness_change_pct", float(t[i_ve])),
        "ve_thickness_min_change_pct": ("ve_thickness_change_pct", float(t[i_ve_min])),
        "tewl_ratio_1d": ("tewl_ratio", 1.0),
        "tewl_ratio_7d": ("tewl_ratio", 7.0),
    }
    series = series_dataset(t, {"units": "d", "long_name": "time after the stimulus"}, {
        "proliferation_fold": (P_fold, "1", "basal proliferation over its value before the stimulus"),
        "sc_production_fold": (J_fold, "1", "corneocyte production into the SC over its value before the stimulus"),
        "sc_thickness_um": (sc, *OUTPUTS["sc_thickness_um"][:2]),
        "sc_thickness_fraction": (sc / sc0, "1", "SC thickness over its value before the stimulus"),
        "ve_thickness_change_pct": (ve_pct, "%", "change of viable-epidermis thickness from before the stimulus"),
        "tewl_ratio": (tewl / tewl0, "1", "TEWL over its value before the stimulus"),
        "growth_factor": (np.asarray(s["growth_factor"]), *OUTPUTS["growth_factor"][:2]),
    })
    return Measurement(out, series, at)


def _nearest(states: Mapping[float, Any], t: float):
    return min(states, key=lambda k: abs(k - t))


def _lipid_halves_after_strip(prep: Prepared, state_before, fraction: float) -> tuple[float, float, float]:
    """Lipid halves of the SC just after a strip of ``fraction`` (it only removes layers)."""
    n = state_before.sc_layers
    n_left, _ = strip_top_layers(n, fraction * jnp.sum(n, axis=-1))
    return _lipid_halves(eqx.tree_at(lambda st: st.sc_layers, state_before, n_left), prep.grid.n_bins)


# --------------------------------------------------------------------------- the experiment kinds


@dataclass(frozen=True)
class Experiment:
    """One kind of validation experiment (the ``experiment:`` key of a config).

    ``measure(resolved, cfg) -> Measurement`` runs it for one profile (``resolved``: the
    run config with that profile's skin); ``figure(result) -> matplotlib Figure`` draws
    an :class:`ExperimentResult` of it (every profile's time courses, the checks on them).
    """

    measure: Callable[[ResolvedRunConfig, "ValidationConfig"], Measurement]
    figure: Callable[["ExperimentResult"], Any]


# experiment kind -> how it is measured and drawn (see the module docstring, "Add an experiment kind")
EXPERIMENTS: dict[str, Experiment] = {
    "homeostasis": Experiment(
        measure=lambda resolved, cfg: measure_homeostasis(resolved),
        figure=plot_homeostasis_checks),
    "barrier_disruption": Experiment(
        measure=lambda resolved, cfg: measure_barrier_disruption(resolved, cfg.strip, cfg.file),
        figure=plot_barrier_disruption_checks),
    "regeneration": Experiment(
        measure=lambda resolved, cfg: measure_regeneration(resolved, cfg.after_day),
        figure=plot_regeneration_checks),
}


def measure(cfg: ValidationConfig | str | Path | Mapping[str, Any]) -> dict[str, Measurement]:
    """Run one validation experiment for each of its profiles: ``{profile: Measurement}``.

    A :class:`Measurement` reads as ``{quantity: value}`` and carries its time series.
    """
    if not isinstance(cfg, ValidationConfig):
        cfg = load_validation_config(cfg)
    measure_one = EXPERIMENTS[cfg.experiment].measure
    return {profile: measure_one(_resolved_for(cfg, profile), cfg) for profile in cfg.profiles}


# --------------------------------------------------------------------------- evaluation


def _lookup(results: Mapping[str, Mapping[str, float]], profile: str, quantity: str, cfg: ValidationConfig) -> float:
    values = results[profile]
    if quantity not in values:
        raise ConfigError(f"checks.quantity", quantity, f"is not measured by experiment {cfg.experiment!r}",
                          ", ".join(sorted(values)), cfg.file)
    return float(values[quantity])


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def evaluate(cfg: ValidationConfig, results: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """One table row per check of ``cfg`` from measured ``results`` (see :func:`measure`)."""
    rows = []
    for chk in cfg.checks:
        value = _lookup(results, chk.profile, chk.quantity, cfg)
        target_text = None
        if isinstance(chk.target, Mapping):
            target = _lookup(results, chk.target["profile"], chk.target["quantity"], cfg)
            target_text = f"{chk.target['quantity']} of {chk.target['profile']} ({_fmt(target)})"
        else:
            target = None if chk.target is None else float(chk.target)
        low, high = -math.inf, math.inf
        if chk.relation == "within":
            kind, tol = next(iter(chk.tolerance.items()))
            if kind == "plus_minus":
                low, high, tol_text = target - tol, target + tol, f"± {tol:g}"
            elif kind == "relative":
                low, high, tol_text = target * (1 - tol), target * (1 + tol), f"± {100 * tol:g} %"
            else:
                low, high = float(tol[0]), float(tol[1])
                tol_text = f"[{tol[0]:g}, {tol[1]:g}]"
                target = 0.5 * (low + high) if target is None else target
            if low > high:
                low, high = high, low
            passed = low <= value <= high
        elif chk.relation == "at_least":
            low, passed, tol_text = target, value >= target, "≥ target"
        elif chk.relation == "at_most":
            high, passed, tol_text = target, value <= target, "≤ target"
        elif chk.relation == "greater_than":
            low, passed, tol_text = target, value > target, "> target"
        else:
            high, passed, tol_text = target, value < target, "< target"
        rows.append({
            "id": chk.id, "experiment": cfg.name, "profile": chk.profile, "quantity": chk.quantity,
            "value": value, "target": target, "target_text": target_text or _fmt(target),
            "low": low, "high": high, "tolerance": tol_text, "units": chk.units,
            "passed": bool(passed and math.isfinite(value)), "condition": chk.condition, "source": chk.source,
        })
    return rows


TABLE_COLUMNS = ("id", "experiment", "profile", "quantity", "value", "target", "target_text", "low", "high",
                 "tolerance", "units", "passed", "condition", "source")


@dataclass(frozen=True)
class ExperimentResult:
    """One validation experiment run: its config, ``{profile: Measurement}``, its table rows, wall time (s)."""

    config: ValidationConfig
    measurements: dict[str, Measurement]
    rows: list[dict[str, Any]]
    wall_s: float

    @property
    def passed(self) -> bool:
        return all(row["passed"] for row in self.rows)


@dataclass(frozen=True)
class ValidationRun:
    """Every experiment of a validation: ``experiments`` in order, ``table`` (one row per check)."""

    experiments: tuple[ExperimentResult, ...]
    table: Any  # pandas.DataFrame with TABLE_COLUMNS

    @property
    def n_checks(self) -> int:
        return len(self.table)

    @property
    def n_passed(self) -> int:
        return int(self.table["passed"].sum())

    @property
    def summary(self) -> str:
        return validation_summary(self.table)


def _table(rows: Sequence[Mapping[str, Any]]):
    import pandas as pd

    return pd.DataFrame(list(rows), columns=list(TABLE_COLUMNS))


def load_validation_configs(configs: Iterable[str | Path | Mapping[str, Any] | ValidationConfig] | None = None,
                            ) -> list[ValidationConfig]:
    """Every config read and checked before anything runs (default: every file in ``configs/validation``).

    A folder stands for its ``*.yaml`` files. Raises :class:`ConfigError` (one line) on the first bad one.
    """
    sources: list[Any] = []
    for source in (validation_configs() if configs is None else configs):
        if isinstance(source, (str, Path)) and Path(source).is_dir():
            found = validation_configs(source)
            if not found:
                raise ConfigError("validation config", str(source), "is a folder without *.yaml files",
                                  "a validation config file or a folder of them")
            sources.extend(found)
        else:
            sources.append(source)
    return [s if isinstance(s, ValidationConfig) else load_validation_config(s) for s in sources]


def run_validation(configs: Iterable[str | Path | Mapping[str, Any] | ValidationConfig] | None = None,
                   progress: Callable[[str], None] | None = None) -> ValidationRun:
    """Run the validation experiments (default: every file in ``configs/validation``).

    Every config is checked first (all errors before any compute); then each experiment
    is measured and evaluated. ``progress(line)`` is told when each experiment starts and
    ends. Returns a :class:`ValidationRun` (measurements with their series, and the table).
    """
    enable_x64()
    cfgs = load_validation_configs(configs)
    results = []
    for k, cfg in enumerate(cfgs, 1):
        if progress:
            progress(f"[{k}/{len(cfgs)}] {cfg.name} ({cfg.experiment}, {', '.join(cfg.profiles)}) ...")
        start = time.perf_counter()
        measured = measure(cfg)
        rows = evaluate(cfg, measured)
        wall = time.perf_counter() - start
        results.append(ExperimentResult(cfg, measured, rows, wall))
        if progress:
            failed = sum(not r["passed"] for r in rows)
            progress(f"[{k}/{len(cfgs)}] {cfg.name}: {len(rows) - failed} of {len(rows)} checks pass ({wall:.1f} s)")
    return ValidationRun(tuple(results), _table([row for r in results for row in r.rows]))


def validate(configs: Iterable[str | Path | Mapping[str, Any]] | None = None):
    """Run the validation experiments (default: every file in ``configs/validation``).

    Returns a :class:`pandas.DataFrame`, one row per check (see the module docstring).
    """
    return run_validation(configs).table


# --------------------------------------------------------------------------- report

markdown_table = validation_markdown_table  # the table as Markdown (experiments.report writes the reports)


def write_report(run: ValidationRun, outdir: str | Path) -> list[Path]:
    """Write ``outdir/validation.md``, ``outdir/validation.html`` and ``outdir/figures/<experiment>.png|svg``.

    One figure per experiment, drawn by its kind's ``figure`` (:data:`EXPERIMENTS`).
    Returns the files written (the two pages first).
    """
    from experiments.report import write_validation_report

    figures = {exp.config.name: EXPERIMENTS[exp.config.experiment].figure(exp) for exp in run.experiments}
    files = write_validation_report(run, outdir, figures)
    return [files.markdown, files.html, *files.figures]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.validation [CONFIG ...]``: print the table (Markdown).

    Exit code 0 when every check passes, 1 otherwise, 2 on a bad config (one line).
    ``epiturn validate`` does the same and writes the report with its figures.
    """
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        table = validate(args or None)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown_table(table))
    failed = int((~table["passed"]).sum())
    print(f"\n{len(table) - failed} of {len(table)} checks pass")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
