"""The pipeline of ``epiturn optimise``: per interval a constrained search, then the exact re-check.

For each session interval of the grid (:attr:`OptimiseConfig.intervals`):

1. the course at that interval as a function of the free settings
   (:class:`experiments.sensitivity.ModelProblem`; outcomes: the objective and the safety
   reductions of :meth:`experiments.report.DecisionRule.constraints`);
2. :func:`experiments.optimise._search.constrained_search` from ``starts`` points (the
   base's settings, then uniform random points of the box), all in one batch;
3. the answer made a protocol a clinic can dial: continuous settings to 2 decimals and
   passes to an integer -- the nearest count, the other neighbour, then every smaller
   count down to the lowest -- each candidate evaluated again and the best one within
   every limit kept.

Why a grid of intervals and not a relaxed interval: a session is an event at the start of
a time step (the time grid is cut at the session times, :func:`sim.make_time_grid`), so
the interval enters the model only through the integer step index of each session and the
course length; the outcomes are piecewise constant in it between grid changes and its
derivative is zero or undefined, and the compiled program depends on the number of steps.

The best interval's answer is then run through the normal run path (:func:`experiments.run`)
and judged by :func:`experiments.report.decide` under the same rule: the summary reports
each limit's value, limit and margin from that run.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from experiments._activity import reporting, say, step
from experiments._jaxconfig import configure_jax
from experiments.errors import InputError, SimulationError
from experiments._outputs import OUTPUTS
from experiments._provenance import git_commit, package_version, utc_now
from experiments.optimise._config import OptimiseConfig, load_optimise_config
from experiments.optimise._search import constrained_search, feasible
from experiments.report._decision import OBJECTIVES, decide, format_setting
from experiments.sensitivity._model import ModelProblem

__all__ = ["OptimiseResult", "first_feasible", "optimise", "pass_counts", "protocol_config", "seed_notes", "seed_verdict",
           "write_outputs"]

DECIMALS = 2
"""Continuous settings of the answer are rounded to this many decimals (a dial's resolution)."""


@dataclass
class OptimiseResult:
    """What :func:`optimise` found. ``best``: the best protocol (``interval_days``,
    ``settings``, ``objective``, ``limits``, ``run``: the exact re-check), or None when no
    interval has a setting within the limits; ``intervals``: one entry per interval;
    ``counts``: model runs and gradient evaluations; ``config``: the file."""

    config: OptimiseConfig
    best: dict | None
    intervals: list[dict]
    counts: dict
    time_s: float
    best_config: dict | None = None
    closest: dict | None = None
    notes: list[str] = field(default_factory=list)

    def infeasible_message(self) -> str:
        """One line: no setting within the limits, and the closest one found."""
        rule = self.config.rule
        limits = "; ".join(lim.text for lim in rule.constraints())
        text = (f"no feasible setting: none of the settings searched at intervals "
                f"{', '.join(f'{v:g}' for v in self.config.intervals)} d meets the limits ({limits})")
        if self.closest is not None:
            worst = max(self.closest["limits"].items(), key=lambda kv: kv[1]["excess"])
            text += (f"; the closest, {format_setting(self.closest['setting'])}, still breaks {worst[0]} "
                     f"({worst[1]['value']:.3g} against {worst[1]['limit']:g})")
        return text

    def to_dict(self) -> dict:
        cfg = self.config
        return {
            "name": cfg.name, "objective": cfg.rule.objective, "goal": cfg.rule.sense,
            "objective_label": OBJECTIVES[cfg.rule.objective][1], "objective_units": OUTPUTS[cfg.rule.objective].units,
            "settings_free": [{"name": f.name, "units": f.units, "low": f.low, "high": f.high, "range": f.range_kind,
                               "source": f.source} for f in cfg.factors],
            "interval_grid_days": list(cfg.intervals),
            "limits": [{"name": lim.name, "outcome": lim.outcome, "limit": lim.limit, "strict": lim.strict,
                        "text": lim.text} for lim in cfg.rule.constraints()],
            "best": self.best, "intervals": self.intervals, "closest": self.closest, "counts": self.counts,
            "time_s": self.time_s, "notes": self.notes,
            "method": {"starts": cfg.starts, "iterations": cfg.iterations, "learning_rate": cfg.learning_rate,
                       "seed": cfg.seed, "replicates": list(cfg.replicates), "check_seeds": list(cfg.check_seeds),
                       "check_grid": dict(cfg.check_grid), "optimiser": "augmented Lagrangian (PHR), optax.adam, sigmoid box transform",
                       "interval": "grid (session times are integer time steps: no relaxation)"},
            "provenance": {"config_hash": cfg.hash, "epiturn_version": package_version(), "git_commit": git_commit(),
                           "created_utc": utc_now(), "config_json": cfg.source},
        }


def protocol_config(cfg: OptimiseConfig, interval_days: float, setting: dict[str, Any]) -> dict:
    """The run config of a protocol: the base as written, its interval and settings replaced
    (a dial ``level`` dropped: the settings are given one by one)."""
    out = json.loads(json.dumps(cfg.base_source, default=str))
    protocol = dict(out.get("protocol") or {})
    protocol["interval_days"] = _plain(interval_days)
    settings = {k: v for k, v in dict(protocol.get("settings") or {}).items() if k != "level"}
    settings.update({k: _plain(v) for k, v in setting.items()})
    protocol["settings"] = settings
    out["protocol"] = protocol
    out.pop("duration_days", None)
    return out


def _plain(v):
    v = v.item() if hasattr(v, "item") else v
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _starts(cfg: OptimiseConfig, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The base's settings, then uniform random points of the box (``(starts, D)``).

    An integer pass count of the base is moved a quarter pass inwards: the model's
    derivative in ``passes`` is unreliable exactly at an integer, the kink of
    :func:`models._device.pass_groups` (``clip(passes - j, 0, 1)``).
    """
    nominal = np.clip([f.nominal for f in cfg.factors], low, high)
    for k, f in enumerate(cfg.factors):
        if f.name == "passes" and float(nominal[k]).is_integer():
            nominal[k] += 0.25 if nominal[k] + 0.25 < high[k] else -0.25
    rng = np.random.default_rng(cfg.seed)
    rest = low + (high - low) * rng.uniform(0.05, 0.95, (cfg.starts - 1, low.size))
    return np.vstack([nominal[None, :], rest])


def _rounded(cfg: OptimiseConfig, x: np.ndarray) -> np.ndarray:
    return np.asarray([round(float(v)) if f.name == "passes" else round(float(v), DECIMALS) for f, v in zip(cfg.factors, x)])


def pass_counts(relaxed: float, low: float, high: float) -> list[int]:
    """The integer pass counts tried for a relaxed count, in order: the nearest, the other
    neighbour, then every smaller count down to ``low`` (fewer passes: a gentler session)."""
    lo, hi = math.ceil(low), math.floor(high)
    nearest = round(relaxed)
    other = math.floor(relaxed) if nearest > relaxed else math.ceil(relaxed)
    counts = [nearest, other] + list(range(min(nearest, other) - 1, lo - 1, -1))
    return list(dict.fromkeys(int(np.clip(c, lo, hi)) for c in counts))


def _dialable(cfg: OptimiseConfig, xs: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[np.ndarray]:
    """Per point of ``xs`` the dialable candidates in the order they are tried (:func:`pass_counts`)."""
    names = [f.name for f in cfg.factors]
    out = []
    for x in xs:
        base = np.clip(_rounded(cfg, x), low, high)
        if "passes" not in names:
            out.append(base[None, :])
            continue
        p = names.index("passes")
        rows = np.repeat(base[None, :], len(pass_counts(x[p], low[p], high[p])), axis=0)
        rows[:, p] = pass_counts(x[p], low[p], high[p])
        out.append(rows)
    return out


def first_feasible(order: list[np.ndarray], evaluate, limits: np.ndarray, strict: np.ndarray):
    """Per point, its first candidate within the limits: ``(found, seen)``.

    ``order[j]``: point ``j``'s candidates ``(m_j, D)`` in the order they are tried;
    ``evaluate``: rows -> (outcomes ``(m, 1 + C')``, anything), ``C'`` the constraints (``K C``
    on ``K`` seeds). Round ``r`` evaluates the ``r``-th candidate of every point still without one, in one batch. ``found[j]``:
    ``(x, y)`` of the first feasible candidate, or None; ``seen[j]``: every ``(x, y)`` tried.
    """
    found: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(order)
    seen: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in order]
    for r in range(max(len(rows) for rows in order)):
        todo = [j for j, rows in enumerate(order) if found[j] is None and r < len(rows)]
        if not todo:
            break
        y, _ = evaluate(np.asarray([order[j][r] for j in todo]))
        for j, row, ok in zip(todo, y, feasible(y, limits, strict)):
            seen[j].append((order[j][r], row))
            if ok:
                found[j] = (order[j][r], row)
    return found, seen


def _limits_of(cfg: OptimiseConfig, y: np.ndarray) -> dict:
    out = {}
    for k, lim in enumerate(cfg.rule.constraints()):
        value = float(y[1 + k])
        out[lim.name] = {"outcome": lim.outcome, "value": value, "limit": lim.limit, "margin": lim.limit - value,
                         "excess": (value - lim.limit) / lim.scale, "satisfied": lim.satisfied(value)}
    return out


def replicate_rows(points: np.ndarray, n_seeds: int) -> np.ndarray:
    """Every point on every seed: ``(n, D)`` -> ``(n K, 1 + D)``, point-major, the seed's index
    first (the rows of :meth:`ModelProblem.values_and_gradients_from`)."""
    return np.column_stack([np.tile(np.arange(n_seeds), len(points)), np.repeat(points, n_seeds, axis=0)])


@dataclass(frozen=True)
class Replicated:
    """The course at one interval on the seeds ``cfg.replicates`` at once, as the search sees it.

    A point ``x`` (``(D,)``) is run from the homeostasis of each of the ``K`` seeds (one
    compiled program: :meth:`ModelProblem.values_and_gradients_from`); its outcomes are
    reduced as a sweep's decision reduces its replicates (:func:`experiments.report.decide`):
    the objective is the mean over the seeds, and each seed's ``C`` safety reductions are
    constraints of their own (``K C`` in all, seed-major), so the search must keep every seed
    within every limit. ``worst`` reduces a row to the decision's ``1 + C``: the mean
    objective and each limit's largest value over the seeds (every limit is an upper bound).
    """

    problem: ModelProblem
    starts: tuple
    n_seeds: int
    n_limits: int
    batch_size: int

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """rows ``(n, D)`` -> outcomes ``(n, 1 + K C)`` and their Jacobian ``(n, 1 + K C, D)``."""
        n, d = rows.shape
        k, c = self.n_seeds, self.n_limits
        runs = replicate_rows(rows, k)
        pad = np.concatenate([runs, np.repeat(runs[-1:], max(self.batch_size - n * k, 0), axis=0)])  # the compiled shape
        y, jac = self.problem.values_and_gradients_from(self.starts, pad, self.batch_size)
        y, jac = y[:n * k].reshape(n, k, 1 + c), jac[:n * k].reshape(n, k, 1 + c, d)
        return (np.concatenate([y[:, :, 0].mean(axis=1)[:, None], y[:, :, 1:].reshape(n, k * c)], axis=1),
                np.concatenate([jac[:, :, 0, :].mean(axis=1)[:, None, :], jac[:, :, 1:, :].reshape(n, k * c, d)], axis=1))

    def tiled(self, per_limit: np.ndarray) -> np.ndarray:
        """A per-limit array ``(C,)`` repeated for every seed ``(K C,)``, as the rows' constraints."""
        return np.tile(np.asarray(per_limit), self.n_seeds)

    def worst(self, row: np.ndarray) -> np.ndarray:
        """``(1 + K C,)`` -> ``(1 + C,)``: the mean objective and each limit's worst seed."""
        return np.concatenate([row[:1], row[1:].reshape(self.n_seeds, self.n_limits).max(axis=0)])


def _interval(cfg: OptimiseConfig, interval: float, counts: dict) -> tuple[dict, dict | None]:
    """Search one interval; returns its entry and its closest infeasible candidate (or None)."""
    limits = cfg.rule.constraints()
    outcomes = [cfg.rule.objective] + [lim.outcome for lim in limits]
    low = np.asarray([f.low for f in cfg.factors])
    high = np.asarray([f.high for f in cfg.factors])
    # keyed on the settings' names only (a problem does not depend on their ranges): files
    # that differ in ranges, starts or limits share the compiled program of an interval
    keys = tuple(dataclasses.replace(f, low=0.0, high=0.0, nominal=0.0, range_kind="", source="") for f in cfg.factors)
    problem = ModelProblem.shared(cfg.at_interval(interval), keys, outcomes)
    with step(f"interval {interval:g} d: the homeostasis of {_seeds_text(cfg.replicates)}", "ready"):
        starts = problem.homeostasis_at([cfg.at_interval(interval, seed) for seed in cfg.replicates])
    evaluate = Replicated(problem, starts, len(cfg.replicates), len(limits), cfg.batch_size)
    lim_v = evaluate.tiled([lim.limit for lim in limits])
    scales = evaluate.tiled([lim.scale for lim in limits])
    strict = evaluate.tiled([lim.strict for lim in limits])
    names = [f.name for f in cfg.factors]
    k = len(cfg.replicates)

    with step(f"interval {interval:g} d: {cfg.starts} starts x {cfg.iterations} steps", f"searched interval {interval:g} d"):
        res = constrained_search(evaluate, _starts(cfg, low, high), low, high, lim_v, scales, strict,
                                 sense=cfg.rule.sense, iterations=cfg.iterations, learning_rate=cfg.learning_rate)
    counts["gradient_evaluations"] += res.evaluations * k
    # each start's answer: its first feasible candidate in the order tried, evaluated in
    # rounds (round r: the r-th candidate of every start still without one)
    order = _dialable(cfg, res.x, low, high)
    sign = 1.0 if cfg.rule.sense == "min" else -1.0
    found, seen = first_feasible(order, evaluate, lim_v, strict)
    n_checks = sum(len(v) for v in seen) * k
    counts["checks"] += n_checks
    per_start = [{"relaxed": dict(zip(names, map(float, res.x[j]))), "relaxed_objective": float(res.y[j, 0]),
                  "objective_history": [float(v) for v in res.history[:, j]],
                  "relaxed_feasible": bool(res.feasible[j]), "tried": [_setting(cfg, x) for x, _ in seen[j]],
                  "taken": None if found[j] is None else _setting(cfg, found[j][0]),
                  "objective": None if found[j] is None else float(found[j][1][0])} for j in range(len(order))]
    firsts = [f for f in found if f is not None]
    entry = {"interval_days": interval, "feasible": bool(firsts), "starts": per_start,
             "gradient_evaluations": res.evaluations * k, "checks": n_checks}
    if not firsts:
        x, row = min((pair for v in seen for pair in v), key=lambda pair: float(np.max((pair[1][1:] - lim_v) / scales)))
        closest = {"interval_days": interval, "setting": {"interval_days": interval, **_setting(cfg, x)},
                   "objective": float(row[0]), "limits": _limits_of(cfg, evaluate.worst(row))}
        entry.update({"objective": None, "settings": None})
        return entry, closest
    x, row = min(firsts, key=lambda pair: sign * pair[1][0])
    entry.update({"objective": float(row[0]), "settings": _setting(cfg, x), "limits": _limits_of(cfg, evaluate.worst(row))})
    say(f"interval {interval:g} d: {cfg.rule.objective} {row[0]:.4g}{' (mean over the seeds)' if k > 1 else ''} at "
        f"{format_setting(entry['settings'])}")
    return entry, None


def _seeds_text(seeds) -> str:
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"


def _setting(cfg: OptimiseConfig, x: np.ndarray) -> dict:
    return {f.name: (int(v) if f.name == "passes" else float(v)) for f, v in zip(cfg.factors, x)}


def _judged(cfg: OptimiseConfig, entry: dict | None, datasets: list[xr.Dataset], seeds: list[int]) -> dict:
    """Judge the runs ``datasets`` of one protocol (on the ``seeds``) together by :func:`decide`
    under the rule, as a sweep judges a setting's replicates: the mean objective, safe when
    safe on every seed (``entry``: the search's entry of the protocol, when these are the
    seeds searched on; else None). With more than one seed, ``replicates`` holds each seed's
    own judgement (of the same runs)."""
    if len(datasets) == 1:
        ds = datasets[0]
    else:
        ds = xr.concat(datasets, dim="replicate", combine_attrs="drop_conflicts").assign_coords(replicate=list(seeds))
    decision = decide(ds, cfg.rule)
    table = decision.table
    values = {"heals": float(table["heals"]), "injury_max_um": float(table["injury_max_um"]),
              "petechiae_risk_max": float(table["petechiae_risk_max"])}
    limits = {}
    for lim in cfg.rule.constraints():
        if lim.name == "heals":
            n = int(ds.sizes.get("session", 0))
            not_rec = int(float(table["sessions_not_recovered"]))
            worst = " (the worst seed)" if len(datasets) > 1 else ""
            limits[lim.name] = {"value": f"{n - not_rec} of {n} sessions recovered{worst}", "limit": "all",
                                "satisfied": bool(values["heals"] > 0.5),
                                "barrier_recovery_hours_max": float(table["barrier_recovery_hours_max"])}
            if entry is not None:  # the search's smooth healing excess, on the seeds searched on only
                limits[lim.name]["healing_excess_max"] = entry["limits"]["heals"]["value"]
        else:
            v = values[lim.outcome]
            limits[lim.name] = {"value": v, "limit": lim.limit, "margin": lim.limit - v, "satisfied": lim.satisfied(v)}
    out = {"objective": float(table["objective_mean"]), "safe": decision.best is not None, "limits": limits}
    if len(datasets) == 1:
        out["config_hash"] = ds.attrs.get("config_hash")
    else:
        out.update({"objective_sd": float(table["objective_sd"]),
                    "replicates": {str(seed): _judged(cfg, None, [d], [seed]) for d, seed in zip(datasets, seeds)}})
    return out


def _failed(exc: Exception) -> dict:
    return {"objective": float("nan"), "safe": False, "limits": {}, "error": str(exc)}


def best_config_seed(cfg: OptimiseConfig) -> int:
    """The seed ``best.yaml`` is written at: the base's when it is a replicate, else the first replicate."""
    return int(cfg.base.seed) if cfg.base.seed in cfg.replicates else int(cfg.replicates[0])


def _recheck(cfg: OptimiseConfig, entry: dict) -> tuple[dict, dict]:
    """Run the protocol through :func:`experiments.run` on the seeds searched on and judge it
    by :func:`decide` under the rule; then on each of ``cfg.check_seeds`` (``run["seeds"]``:
    one judgement per seed, and ``run["safe_on_every_seed"]``). A run that fails (its spin-up
    does not settle, its outputs become non-finite) is recorded as unsafe with its message,
    not raised: the search's result is kept. Returns ``best.yaml``'s config (at
    :func:`best_config_seed`) and the judgement."""
    from experiments._run import run

    config = protocol_config(cfg, entry["interval_days"], entry["settings"])
    if cfg.base.seed not in cfg.replicates:
        config["seed"] = best_config_seed(cfg)
    with step(f"re-simulating the best protocol through experiments.run on {_seeds_text(cfg.replicates)}",
              "re-simulated the best protocol"):
        datasets, failed = [], {}
        for seed in cfg.replicates:
            try:
                datasets.append(run(config if seed == config.get("seed", cfg.base.seed) else {**config, "seed": seed}))
            except SimulationError as exc:
                failed[str(seed)] = _failed(exc)
        if failed:  # unsafe: a searched seed's exact run did not finish; the others judged on their own
            done = [seed for seed in cfg.replicates if str(seed) not in failed]
            own = {str(seed): _judged(cfg, None, [d], [seed]) for d, seed in zip(datasets, done)}
            run_check = {**_failed(next(iter(failed.values()))["error"]),
                         "replicates": {str(seed): own.get(str(seed)) or failed[str(seed)] for seed in cfg.replicates}}
        else:
            run_check = _judged(cfg, entry, datasets, list(cfg.replicates))
    if cfg.check_seeds:
        with step(f"re-simulating it on the seeds {', '.join(map(str, cfg.check_seeds))} of the heterogeneity",
                  "re-simulated it on the other seeds"):
            run_check["seeds"] = {str(seed): _judged_or_failed(cfg, {**config, "seed": seed}) for seed in cfg.check_seeds}
        run_check["safe_on_every_seed"] = run_check["safe"] and all(r["safe"] for r in run_check["seeds"].values())
    if cfg.check_grid:
        grid = {**dict(config.get("grid") or {}), **cfg.check_grid}
        seeds = list(cfg.replicates) + list(cfg.check_seeds)
        with step(f"re-simulating it on the check grid ({_grid_text(cfg.check_grid)}) on {_seeds_text(seeds)}",
                  "re-simulated it on the check grid"):
            on_grid = {str(seed): _judged_or_failed(cfg, {**config, "seed": seed, "grid": grid}) for seed in seeds}
        run_check["check_grid"] = {"grid": grid, "seeds": on_grid, "safe": all(r["safe"] for r in on_grid.values())}
    return config, run_check


def _grid_text(grid: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in grid.items())


def _judged_or_failed(cfg: OptimiseConfig, config: dict) -> dict:
    """:func:`_judged` of one run of ``config``; a run that fails is recorded as unsafe with its message."""
    from experiments._run import run

    try:
        return _judged(cfg, None, [run(config)], [int(config.get("seed", cfg.base.seed))])
    except (SimulationError, InputError) as exc:  # InputError: a check grid the search's checks let through
        return _failed(exc)


def seed_verdict(judged: dict) -> str:
    """What a judged re-simulation (:func:`_judged`, :func:`_judged_or_failed`) says: "meets
    every limit", "fails to run", "breaks LIMIT, ..." or "has a non-finite objective"."""
    if judged["safe"]:
        return "meets every limit"
    if "error" in judged:
        return "fails to run"
    broken = [name for name, lim in judged["limits"].items() if not lim["satisfied"]]
    return f"breaks {', '.join(broken)}" if broken else "has a non-finite objective"


def seed_notes(run_check: dict) -> list[str]:
    """A note when the re-check on other seeds (``run_check["seeds"]``) finds the protocol unsafe
    on any, and one when the re-check on the check grid (``run_check["check_grid"]``) does."""
    notes = []
    unsafe = [f"on seed {seed} it {seed_verdict(r)}" for seed, r in run_check.get("seeds", {}).items() if not r["safe"]]
    if unsafe:
        notes.append(f"{'; '.join(unsafe)}: the best protocol is not safe beyond the seeds it was searched on; "
                     "see best.run.seeds")
    check = run_check.get("check_grid")
    unsafe = [f"seed {seed} {seed_verdict(r)}" for seed, r in (check or {}).get("seeds", {}).items() if not r["safe"]]
    if unsafe:
        notes.append(f"on the check grid ({_grid_text(check['grid'])}) {'; '.join(unsafe)}: the best protocol is not "
                     "safe on that grid; see best.run.check_grid")
    return notes


def optimise(config: Any, output: str | Path | None = None, *, progress: Any = None) -> OptimiseResult:
    """The best protocol within the limits (see the module docstring).

    ``config``: an optimisation file (path or mapping) or a loaded :class:`OptimiseConfig`;
    ``output``: a folder to write ``best.yaml`` (a run config of the best protocol),
    ``summary.json`` and ``objective_vs_interval.png`` into. ``progress``: as
    :func:`experiments.run`. Raises :class:`experiments.ConfigError` on a bad file; when no
    setting meets the limits the result's ``best`` is None (and
    :meth:`OptimiseResult.infeasible_message` says so).
    """
    configure_jax()
    cfg = config if isinstance(config, OptimiseConfig) else load_optimise_config(config)
    start = time.perf_counter()
    counts = {"gradient_evaluations": 0, "checks": 0, "exact_runs": 0}
    entries, closest = [], []
    with reporting(progress):
        say(f"optimise {cfg.name}: {len(cfg.factors)} settings ({', '.join(f.name for f in cfg.factors)}) at "
            f"{len(cfg.intervals)} intervals, {cfg.starts} starts x {cfg.iterations} steps")
        for interval in cfg.intervals:
            entry, near = _interval(cfg, interval, counts)
            entries.append(entry)
            if near is not None:
                closest.append(near)
        sign = 1.0 if cfg.rule.sense == "min" else -1.0
        ok = [e for e in entries if e["feasible"]]
        best, best_config = None, None
        if ok:
            best = dict(min(ok, key=lambda e: sign * e["objective"]))
            best_config, best["run"] = _recheck(cfg, best)
            counts["exact_runs"] += (len(cfg.replicates) + len(cfg.check_seeds)) * (2 if cfg.check_grid else 1)
        counts["model_runs"] = counts["gradient_evaluations"] + counts["checks"] + counts["exact_runs"]
        near = min(closest, key=lambda c: max(v["excess"] for v in c["limits"].values())) if closest and not ok else None
        result = OptimiseResult(cfg, best, entries, counts, time.perf_counter() - start, best_config, near)
        if best is not None and not best["run"]["safe"]:
            result.notes.append("the exact re-simulation does not meet every limit: see best.run")
        if best is not None:
            result.notes.extend(seed_notes(best["run"]))
        if output is not None:
            write_outputs(result, Path(output))
    return result


def write_outputs(result: OptimiseResult, folder: Path) -> None:
    """``best.yaml`` (when there is a best protocol), ``summary.json`` and the figure, in ``folder``."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    if result.best_config is not None:
        run_check, label = result.best["run"], OBJECTIVES[result.config.rule.objective][1]
        head = (f"# The best protocol of `epiturn optimise` ({result.config.name}): "
                f"{format_setting({'interval_days': result.best['interval_days'], **result.best['settings']})}\n")
        if len(result.config.replicates) > 1:  # the mean over the seeds searched on, and this file's own seed
            seed = best_config_seed(result.config)
            own = run_check["replicates"].get(str(seed), {}).get("objective", float("nan"))
            head += (f"# {label}: {run_check['objective']:.3g}, the mean over the seeds "
                     f"{', '.join(map(str, result.config.replicates))} (re-simulated); at this file's seed {seed}: {own:.3g}\n")
        else:
            head += f"# {label}: {run_check['objective']:.3g} (re-simulated)\n"
        (folder / "best.yaml").write_text(head + yaml.safe_dump(result.best_config, sort_keys=False, allow_unicode=True))
    (folder / "summary.json").write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    _figure(result, folder / "objective_vs_interval.png")


def _figure(result: OptimiseResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    xs = [e["interval_days"] for e in result.intervals if e["feasible"]]
    ys = [e["objective"] for e in result.intervals if e["feasible"]]
    ax.plot(xs, ys, "o-", label="best within the limits")
    for e in result.intervals:  # an interval without a safe setting: a dotted line
        if not e["feasible"]:
            ax.axvline(e["interval_days"], color="0.7", ls=":")
    if result.best is not None:
        ax.plot([result.best["interval_days"]], [result.best["objective"]], "*", ms=14, label="best")
    ax.set_xlabel("session interval (d)")
    ax.set_ylabel(OBJECTIVES[result.config.rule.objective][1], fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
