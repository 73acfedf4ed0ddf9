"""The optimisation file: a base run and an ``optimise:`` block -> OptimiseConfig.

An optimisation file (``configs/optimise/*.yaml``)::

    name: typical_face                 # default: the file's stem
    base: configs/runs/x.yaml          # a run config with device sessions, or a path to one
    optimise:
      objective: ra_change_pct_end_followup   # an objective of the decision (OBJECTIVES)
      goal: min                               # default: the objective's own
      settings: [vacuum_kpa, passes, load_n]  # or {name: {min, max}}; default: every
                                              # continuous setting of the device kind
      interval_days: [2, 4, 7, 14, 21]        # the interval grid (d); default: the main job's
      starts: 4                               # starts per interval (run as one batch)
      iterations: 40                          # gradient steps per start
      learning_rate: 0.25                     # Adam step in the sigmoid-transformed space
      seed: 0                                 # of the random starts
      replicates: 3                           # the search runs on these seeds of the heterogeneity at
                                              # once, as a sweep's replicates (base.seed + 0..2, or a
                                              # list): their mean objective, every one within the limits
                                              # (default 1: the base's seed)
      check_seeds: [3, 4]                     # the best protocol re-simulated on these seeds too, its
                                              # limits judged on each (default: the next two seeds after
                                              # the replicates on a transect or patch, none on a column)
      check_grid: {n: 256, width_mm: 5}       # the best protocol also re-simulated on this grid (keys of
                                              # base.grid replaced), on the replicates and checked seeds
      max_petechiae_risk: 0.1                 # the limits of the decision rule
      max_injury_um: 0.1                      # (experiments.report.DecisionRule)
      require_healing: true

The limits and the objective are those of :class:`experiments.report.DecisionRule`: the
rule is built from this block, so the optimiser and a sweep's decision share one
definition of "safe". A setting's range is the device's hardware range
(:func:`experiments.sensitivity.build_factors`), narrowed by ``{min, max}``. Every problem
is an :class:`experiments.ConfigError` with a one-line message (field, value, allowed).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from experiments.config import ConfigError, ResolvedRunConfig, load_run_config
from experiments.config._limits import MAX_DAYS
from experiments.config._yaml import load_yaml
from experiments.errors import InputError
from experiments.report._decision import OBJECTIVES, DecisionRule
from experiments.sensitivity._config import _float, _int, _load_base, read_config_source
from experiments.sensitivity._outcomes import ROUGHNESS_OUTCOMES
from experiments.sensitivity._space import SAMPLED_SETTINGS, Factor, _setting_problem, build_factors, factor_names

__all__ = ["DEFAULT_INTERVALS", "OPTIMISE_KEYS", "OptimiseConfig", "load_optimise_config"]

OPTIMISE_KEYS = ("objective", "goal", "settings", "interval_days", "starts", "iterations", "learning_rate", "seed",
                 "replicates", "check_seeds", "check_grid", "batch_size", "max_petechiae_risk", "max_injury_um", "require_healing")
MAX_CHECK_SEEDS = 16
MAX_REPLICATES = 16
_TOP_KEYS = ("name", "description", "base", "optimise")
_RULE_KEYS = ("objective", "goal", "max_petechiae_risk", "max_injury_um", "require_healing")
DEFAULT_INTERVALS = (2.0, 4.0, 7.0, 14.0, 21.0)
"""The interval grid of a file that names none: the main job's (configs/sweeps/frequency_intensity.yaml)."""
DEFAULT_OBJECTIVE = "ra_change_pct_end_followup"
# the continuous dial settings an optimisation varies by default (those the device kind and mode have)
DEFAULT_SETTINGS = ("vacuum_kpa", "passes", "speed_mm_s", "load_n", "crystal_flow_g_min", "air_flow_l_min", "dwell_s")


@dataclass(frozen=True)
class OptimiseConfig:
    """A validated optimisation file.

    ``base``: the base run (resolved); ``base_source``: the base as written (a mapping, the
    run config the best protocol is written from); ``rule``: the objective and limits;
    ``factors``: the free settings with their ranges; ``intervals``: the interval grid (d);
    ``replicates``: the seeds of the lateral heterogeneity the search runs on at once
    (default: the base's own); ``check_seeds``: further seeds the answer is re-simulated on;
    ``check_grid``: keys of ``base.grid`` replaced for a re-simulation on another grid (empty: none).
    """

    name: str
    description: str
    base: ResolvedRunConfig
    base_source: dict
    rule: DecisionRule
    factors: tuple[Factor, ...]
    intervals: tuple[float, ...]
    starts: int
    iterations: int
    learning_rate: float
    seed: int
    batch_size: int
    source: str = field(default="{}")
    check_seeds: tuple[int, ...] = ()
    check_grid: dict = field(default_factory=dict)
    replicates: tuple[int, ...] = (0,)

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved base and the file as written."""
        payload = {"base": self.base.to_dict(), "source": json.loads(self.source)}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def at_interval(self, interval_days: float, seed: int | None = None) -> ResolvedRunConfig:
        """The base run with ``protocol.interval_days`` set (the duration follows, as in a sweep),
        and ``seed`` when given."""
        overrides = [f"protocol.interval_days={interval_days:g}"] + ([] if seed is None else [f"seed={int(seed)}"])
        return load_run_config(self.base_source, overrides)


def _raw_base(spec: Any, folder: Path | None) -> dict:
    if isinstance(spec, str):
        path = Path(spec).expanduser()
        if not path.is_absolute() and folder is not None and (folder / path).is_file():
            path = folder / path
        return dict(load_yaml(path, "base"))
    return dict(spec)


def _rule(block: Mapping, file) -> DecisionRule:
    given = {k: block[k] for k in _RULE_KEYS if k in block}
    given.setdefault("objective", DEFAULT_OBJECTIVE)
    try:
        return DecisionRule(**given)
    except InputError as exc:  # "decision.KEY: ..." -> "optimise.KEY: ..."
        text = str(exc).replace("decision.", "optimise.", 1)
        raise InputError(text + (f" (in {file})" if file else ""), parameter="config") from None


def _intervals(value: Any, file) -> tuple[float, ...]:
    allowed = f"a list of distinct numbers of days in (0, {MAX_DAYS:g}]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError("optimise.interval_days", value, "is not a list of intervals", allowed, file)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= MAX_DAYS:
            raise ConfigError("optimise.interval_days", v, "is not an interval", allowed, file)
    if len(set(value)) != len(value):
        raise ConfigError("optimise.interval_days", value, "repeats an interval", allowed, file)
    return tuple(sorted(float(v) for v in value))


DEFAULT_CHECK_SEEDS = 2
"""On a transect or patch, the answer is re-checked by default on the next two seeds of the
heterogeneity (the thinnest-SC columns of a draw decide the injury limit: docs/optimise.md)."""


def _replicates(value: Any, base: ResolvedRunConfig, file) -> tuple[int, ...]:
    """The search's seeds, as a sweep's ``replicates``: a count ``N`` (base.seed + 0..N-1) or a list;
    default: the base's seed alone."""
    base_seed = int(base.seed)
    top = min(MAX_REPLICATES, 2**31 - base_seed)
    allowed = (f"a count in [1, {top}] (seeds base.seed + 0, 1, ...), or a non-empty list of at most {MAX_REPLICATES} "
               "distinct integer seeds in [0, 2^31 - 1]")
    if value is None:
        return (base_seed,)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= top:
            raise ConfigError("optimise.replicates", value, "is out of range", allowed, file)
        seeds = tuple(base_seed + k for k in range(value))
    else:
        seeds = _seed_list(value, allowed, file)
    if base.grid.lateral == "column" and len(seeds) > 1:
        raise ConfigError("optimise.replicates", value, "repeats one run: a column has no lateral heterogeneity",
                          "1 (or one seed) on base.grid.lateral: column", file)
    return seeds


def _seed_list(value: Any, allowed: str, file) -> tuple[int, ...]:
    if (not isinstance(value, list) or not value or len(value) > MAX_REPLICATES
            or any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**31 - 1 for v in value)):
        raise ConfigError("optimise.replicates", value, "is not a list of seeds", allowed, file)
    if len(set(value)) != len(value):
        raise ConfigError("optimise.replicates", value, "repeats a seed", allowed, file)
    return tuple(int(v) for v in value)


def _check_seeds(value: Any, base: ResolvedRunConfig, replicates: tuple[int, ...], file) -> tuple[int, ...]:
    shown = ", ".join(map(str, replicates))
    allowed = (f"a list of at most {MAX_CHECK_SEEDS} distinct integer seeds in [0, 2^31 - 1], other than the seeds "
               f"searched on ({shown}), or [] for none")
    if value is None:  # a column has no lateral heterogeneity: its seed changes nothing
        if base.grid.lateral == "column":
            return ()
        out, s = [], max(replicates)
        while len(out) < DEFAULT_CHECK_SEEDS:
            s = (s + 1) % 2**31
            if s not in replicates:
                out.append(s)
        return tuple(out)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_CHECK_SEEDS:
        raise ConfigError("optimise.check_seeds", value, "is not a list of seeds", allowed, file)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**31 - 1 or v in replicates:
            raise ConfigError("optimise.check_seeds", v, "is not a seed to check", allowed, file)
    if len(set(value)) != len(value):
        raise ConfigError("optimise.check_seeds", value, "repeats a seed", allowed, file)
    return tuple(int(v) for v in value)


def _check_grid(value: Any, base_source: dict, intervals: tuple[float, ...], objective: str, file) -> dict:
    """Keys of ``base.grid`` replaced for the re-check on another grid, validated as the run of
    a protocol at every interval of the grid (the time steps, the run's size and memory
    depend on the interval): a problem is found here, not after the search."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not value:
        raise ConfigError("optimise.check_grid", value, "is not a mapping of grid keys",
                          "keys of base.grid and their values, e.g. {n: 256, width_mm: 5}", file)
    grid = {**dict(base_source.get("grid") or {}), **value}
    source = {k: v for k, v in base_source.items() if k != "duration_days"}  # as the protocols are written
    for interval in intervals:
        try:
            resolved = load_run_config({**source, "grid": grid}, [f"protocol.interval_days={interval:g}"])
        except ConfigError as exc:
            at = f" at interval_days {interval:g}" if len(intervals) > 1 else ""
            if exc.field.startswith("grid"):
                raise ConfigError("optimise.check_" + exc.field, exc.value, exc.problem + at, exc.allowed, file) from None
            raise ConfigError("optimise.check_grid", value, f"makes the base run fail{at} ({exc.field}: {exc.value!r} "
                              f"{exc.problem})", exc.allowed, file) from None
        if resolved.grid.lateral == "column" and objective in ROUGHNESS_OUTCOMES:
            raise ConfigError("optimise.check_grid", value, f"is a single column, where {objective} is NaN by definition",
                              "a 1-D transect or 2-D patch (lateral: 1d or 2d)", file)
    return dict(value)


def _factors(base: ResolvedRunConfig, given: Any, file) -> tuple[Factor, ...]:
    where = "optimise.settings"
    if given is None:
        given = [s for s in DEFAULT_SETTINGS if _setting_problem(base, s) is None]
    if not isinstance(given, (list, Mapping)):
        raise ConfigError(where, given, "is not a list or mapping of settings",
                          "names of session settings, or {name: {min, max}}", file)
    for name in factor_names(list(given)):
        if name not in SAMPLED_SETTINGS:
            raise ConfigError(where, name, "is not a continuous session setting",
                              ", ".join(s for s in SAMPLED_SETTINGS if _setting_problem(base, s) is None), file)
    try:
        return tuple(build_factors(base, given, field=where))
    except ConfigError as exc:
        raise exc.in_file(file) from None


def load_optimise_config(source: Any, **replace: Any) -> OptimiseConfig:
    """Load and validate an optimisation file (a path or a mapping; see the module docstring).

    ``replace``: keys of the ``optimise:`` block that replace the file's (the command line's
    ``--objective``, ``--max-petechiae-risk``); a None value leaves the file's.
    """
    data, file, folder = read_config_source(source, "an optimisation file (YAML)", "a YAML mapping with base: and optimise:")
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(key, key, "is not a key of an optimisation file", ", ".join(_TOP_KEYS), file)
    if "base" not in data:
        raise ConfigError("base", "(missing)", "is required", "a run config mapping, or a path to one", file)
    block = data.get("optimise") or {}
    if not isinstance(block, Mapping):
        raise ConfigError("optimise", block, "is not a mapping", f"a mapping with keys {', '.join(OPTIMISE_KEYS)}", file)
    block = {**block, **{k: v for k, v in replace.items() if v is not None}}
    data["optimise"] = block
    for key in block:
        if key not in OPTIMISE_KEYS:
            raise ConfigError(f"optimise.{key}", key, "is not a key of the optimise block", ", ".join(OPTIMISE_KEYS), file)
    base = _load_base(data["base"], folder, file)
    if base.protocol is None or not base.session_days():
        raise ConfigError("base.protocol", None, "has no device sessions", "a base run with a device and a protocol", file)
    rule = _rule(block, file)
    if base.grid.lateral == "column" and rule.objective in ROUGHNESS_OUTCOMES:
        raise ConfigError("optimise.objective", rule.objective, "is NaN by definition on a single column (no surface profile)",
                          f"{', '.join(o for o in OBJECTIVES if o not in ROUGHNESS_OUTCOMES)}, or base.grid.lateral: 1d",
                          file)
    factors = _factors(base, block.get("settings"), file)
    b = dict(block)
    intervals = _intervals(b.get("interval_days", list(DEFAULT_INTERVALS)), file)
    starts = _checked_int(b, "starts", 1, 256, file, 4)
    replicates = _replicates(b.get("replicates"), base, file)
    raw_base = _raw_base(data["base"], folder)
    return OptimiseConfig(
        name=str(data.get("name", file.stem if file is not None else "optimise")),
        description=str(data.get("description", "")),
        base=base, base_source=raw_base, rule=rule, factors=factors, intervals=intervals,
        starts=starts, iterations=_checked_int(b, "iterations", 0, 10000, file, 40),
        learning_rate=_checked_float(b, "learning_rate", 0.0, 10.0, file, 0.25),
        seed=_checked_int(b, "seed", 0, 2**31 - 1, file, 0),
        batch_size=_checked_int(b, "batch_size", 1, 256, file, _even_batches(starts * len(replicates))),
        source=json.dumps({k: v for k, v in data.items()}, sort_keys=True, default=str),
        check_seeds=_check_seeds(b.get("check_seeds"), base, replicates, file),
        check_grid=_check_grid(b.get("check_grid"), raw_base, intervals, rule.objective, file),
        replicates=replicates,
    )


def _even_batches(runs: int, most: int = 4) -> int:
    """The default points per compiled batch: at most ``most`` (the reverse pass of each point
    keeps its run's record in memory), in batches as even as they come (6 runs: 2 x 3, not 4 + 2
    padded to 4)."""
    return math.ceil(runs / math.ceil(runs / most))


def _checked_int(block, key, low, high, file, default=None) -> int:
    try:
        return _int(block, key, default, low, high, None)
    except ConfigError as exc:
        raise ConfigError(f"optimise.{key}", exc.value, exc.problem, exc.allowed, file) from None


def _checked_float(block, key, low, high, file, default) -> float:
    try:
        return _float(block, key, default, low, high, None)
    except ConfigError as exc:
        raise ConfigError(f"optimise.{key}", exc.value, exc.problem, exc.allowed, file) from None
