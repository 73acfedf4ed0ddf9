"""The sweep file: a base run config, axes over dotted config paths, replicates -> SweepPlan.

A sweep file (YAML or a mapping; docs/sweeps.md)::

    base: configs/runs/x.yaml     # a run config, or a path to one (relative to this file)
    mode: grid                    # grid | zip | lhs | sobol
    axes:                         # dotted config paths
      protocol.interval_days: {start: 2, stop: 21, num: 5}     # grid/zip: a list or a range
      protocol.settings.vacuum_kpa: [10, 20, 30, 40, 50]
    replicates: 4                 # seeds base.seed + 0..3, or a list of seeds
    # samples: 64                 # lhs/sobol: number of samples; axes are {min, max[, log, integer]}
    # seed: 0                     # lhs/sobol: seed of the sampler
    decision:                     # optional: what the best setting must satisfy (docs/sweeps.md)
      max_petechiae_risk: 0.1     # experiments.report.DecisionRule; it does not change the results

Layout of the result: in ``grid`` mode every axis is a dimension (named after the last
part of its path, e.g. ``interval_days``) with its values as coordinate; in ``zip``,
``lhs`` and ``sobol`` modes the scenarios run along one ``scenario`` dimension and the
axis values are coordinates on it. ``replicate`` (coordinate: the seed) is the last
sweep dimension when ``replicates`` is given. :func:`load_sweep` validates the file and
resolves every scenario without computing anything.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import math
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from experiments.config import (ConfigError, boolean_allowed, ResolvedRunConfig, apply_overrides, canonical_json, check_reference_text, confine,
                                content_hash, is_file, limits, load_run_config, load_yaml, long_name, units_of)
from experiments._activity import step
from experiments._outputs import COORDINATES, OUTPUTS
from experiments._run import RunPlan, plan_run

__all__ = ["Axis", "MODES", "SweepPlan", "load_sweep"]

MODES = ("grid", "zip", "lhs", "sobol")
SWEEP_KEYS = ("base", "axes", "mode", "samples", "seed", "replicates", "name", "description", "decision")
RESERVED_DIMS = ("time", "x", "y", "z", "session", "event", "scenario", "replicate", "batch")


def _long_name(path: str) -> str:
    """Long name of the sweep coordinate of an axis (from the config schema)."""
    try:
        return long_name(path) or f"sweep axis {path}"
    except ConfigError:  # not a config path: the scenarios' resolution says so
        return f"sweep axis {path}"


def _units_of(path: str) -> str:
    """Units of the sweep coordinate of an axis (from the config schema)."""
    try:
        return units_of(path)
    except ConfigError:
        return "1"


@dataclass(frozen=True)
class Axis:
    """One sweep axis: a dotted config path, the dimension/coordinate name and its values."""

    path: str
    name: str
    values: tuple[Any, ...]  # grid/zip: the values; lhs/sobol: the sampled values (one per sample)
    spec: Any  # the axis as written (list or mapping)

    @property
    def units(self) -> str:
        return _units_of(self.path)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bad(field: str, value: Any, problem: str, allowed: str, file: Any = None) -> ConfigError:
    return ConfigError(field, value, problem, allowed, file)


def _check_path(path: Any, file: Any) -> str:
    if isinstance(path, str) and (len(path) > 1000 or path.count(".") + path.count("[") >= 64):
        raise _bad("axes", path, "is too long a config path", "a dotted config path of at most 64 parts, e.g. protocol.interval_days", file)
    if not isinstance(path, str) or not re.fullmatch(r"[A-Za-z_]\w*((\.[A-Za-z_]\w*)|(\[\d+\]))*", path):
        raise _bad("axes", path, "is not a dotted config path", "e.g. protocol.interval_days or protocol.settings.vacuum_kpa", file)
    if path == "seed" or path.startswith("seed."):
        raise _bad(f"axes.{path}", path, "is set by the sweep's replicates", "replicates: N (seeds) instead of a seed axis", file)
    return path


def _grid_values(path: str, spec: Any, file: Any) -> tuple[Any, ...]:
    where = f"axes.{path}"
    allowed = "a non-empty list of values, or {start, stop, num} with num >= 1"
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise _bad(where, spec, "is an empty axis", allowed, file)
        kinds = set()
        for i, v in enumerate(spec):
            if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
                raise _bad(f"{where}[{i}]", v, "is not a number or a name", "numbers (or names, e.g. dial levels); one value per scenario", file)
            if _is_number(v) and not math.isfinite(v):
                raise _bad(f"{where}[{i}]", v, "is not finite", "finite numbers", file)
            kinds.add("number" if _is_number(v) else "name")
        if len(kinds) > 1:
            raise _bad(where, spec, "mixes numbers and names", "all numbers or all names", file)
        if len(set(spec)) != len(spec):
            raise _bad(where, spec, "repeats a value", "distinct values (use replicates for repeated runs)", file)
        return tuple(spec)
    if isinstance(spec, dict):
        if set(spec) >= {"min", "max"} and not set(spec) & {"start", "stop", "num"}:
            raise _bad(where, spec, "is a sampling range, used only by modes lhs and sobol", allowed, file)
        unknown = [k for k in spec if k not in ("start", "stop", "num")]
        if unknown:
            raise _bad(f"{where}.{unknown[0]}", unknown[0], "is not a known key", "start, stop, num", file)
        for key in ("start", "stop", "num"):
            if key not in spec:
                raise _bad(f"{where}.{key}", "(missing)", "is required", allowed, file)
        start, stop, num = spec["start"], spec["stop"], spec["num"]
        for key, v in (("start", start), ("stop", stop)):
            if not _is_number(v) or not math.isfinite(v):
                raise _bad(f"{where}.{key}", v, "is not a finite number", "a finite number", file)
        if isinstance(num, bool) or not isinstance(num, int):
            raise _bad(f"{where}.num", num, "is not an integer", "an integer >= 1", file)
        if num < 1:
            raise _bad(f"{where}.num", num, "is an empty axis" if num == 0 else "is out of range", "an integer >= 1", file)
        if num > limits.MAX_SCENARIOS:
            raise _bad(f"{where}.num", num, "is more values than a sweep may hold", f"an integer in [1, {limits.MAX_SCENARIOS}] (docs/limits.md)", file)
        if num > 1 and start == stop:
            raise _bad(where, spec, "repeats one value", "start != stop, or num: 1", file)
        with np.errstate(all="ignore"):
            values = np.linspace(float(start), float(stop), num).tolist()
        if not all(math.isfinite(v) for v in values):
            raise _bad(where, spec, "gives values that are not finite", "start and stop within +-1e300", file)
        if isinstance(start, int) and isinstance(stop, int) and all(float(v).is_integer() for v in values):
            values = [int(round(v)) for v in values]
        return tuple(values)
    raise _bad(where, spec, "is not an axis", allowed, file)


@dataclass(frozen=True)
class _Range:
    low: float
    high: float
    log: bool
    integer: bool

    def scale(self, u: np.ndarray) -> list:
        if self.integer:
            lo, hi = int(round(self.low)), int(round(self.high))
            return [int(v) for v in np.minimum(lo + np.floor(u * (hi - lo + 1)), hi)]
        if self.log:
            return (np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))).tolist()
        return (self.low + u * (self.high - self.low)).tolist()


def _sample_range(path: str, spec: Any, mode: str, file: Any) -> _Range:
    where = f"axes.{path}"
    allowed = f"{{min, max}} (optional log: true, integer: true) in mode {mode}"
    if not isinstance(spec, dict):
        problem = "is an empty axis" if isinstance(spec, (list, tuple)) and not spec else "is not a sampling range"
        raise _bad(where, spec, problem, allowed, file)
    unknown = [k for k in spec if k not in ("min", "max", "log", "integer")]
    if unknown:
        raise _bad(f"{where}.{unknown[0]}", unknown[0], "is not a known key", "min, max, log, integer", file)
    for key in ("min", "max"):
        if key not in spec:
            raise _bad(f"{where}.{key}", "(missing)", "is required", allowed, file)
        if not _is_number(spec[key]) or not math.isfinite(spec[key]):
            raise _bad(f"{where}.{key}", spec[key], "is not a finite number", "a finite number", file)
    lo, hi = float(spec["min"]), float(spec["max"])
    if not hi > lo:
        raise _bad(f"{where}.max", spec["max"], f"is not above min ({lo:g})", f"> {lo:g}", file)
    flags = {}
    for key in ("log", "integer"):
        v = spec.get(key, False)
        if not isinstance(v, bool):
            raise _bad(f"{where}.{key}", v, "is not a boolean", boolean_allowed(v), file)
        flags[key] = v
    if flags["log"] and lo <= 0:
        raise _bad(f"{where}.min", spec["min"], "is not positive (log scale)", "> 0 with log: true", file)
    if flags["log"] and flags["integer"]:
        raise _bad(where, spec, "is both log and integer", "one of log: true, integer: true", file)
    if flags["integer"] and (not float(lo).is_integer() or not float(hi).is_integer()):
        raise _bad(where, spec, "has non-integer bounds with integer: true", "integer min and max", file)
    return _Range(lo, hi, flags["log"], flags["integer"])


def _axis_names(paths: Sequence[str], file: Any) -> list[str]:
    def short(p: str) -> str:
        return re.sub(r"\[(\d+)\]", r"_\1", p).split(".")[-1]

    def long(p: str) -> str:
        return re.sub(r"\[(\d+)\]", r"_\1", p).replace(".", "_")

    shorts = [short(p) for p in paths]
    taken = set(OUTPUTS) | set(COORDINATES) | set(RESERVED_DIMS) | {"config_hash", "all_finite"}
    names = []
    for p, s in zip(paths, shorts):
        name = s if shorts.count(s) == 1 and s not in taken else long(p)
        if name in taken or name in names:
            raise _bad(f"axes.{p}", p, "gives a coordinate name already used by an output", "another axis path", file)
        names.append(name)
    return names


def _overlapping(paths: Sequence[str]) -> tuple[str, str] | None:
    for a in paths:
        for b in paths:
            if a != b and (b.startswith(a + ".") or b.startswith(a + "[")):
                return a, b
    return None


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A validated sweep: every scenario resolved, the labelled layout of the result.

    ``scenarios`` run in C order over ``shape`` (the sizes of ``dims``); ``overrides[i]``
    are the ``(path, value)`` pairs of scenario ``i``; ``coords`` maps a coordinate name
    to ``(dims, values, attrs)``.
    """

    name: str
    mode: str
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...] | None
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    coords: dict[str, tuple[tuple[str, ...], np.ndarray, dict]]
    scenarios: tuple[ResolvedRunConfig, ...]
    overrides: tuple[tuple[tuple[str, Any], ...], ...]
    base: ResolvedRunConfig
    samples: int | None
    sample_seed: int | None
    source: dict
    file: str | None = None

    @property
    def size(self) -> int:
        return len(self.scenarios)

    @cached_property
    def run_plans(self) -> tuple[RunPlan, ...]:
        """Grid, events and time grid of every scenario (:func:`experiments._run.plan_run`), built once."""
        return tuple(plan_run(r) for r in self.scenarios)

    def label(self, index: int) -> str:
        """``interval_days=2, vacuum_kpa=5, seed=0`` for scenario ``index``."""
        names = {a.path: a.name for a in self.axes}
        parts = [f"{names.get(p, p)}={_fmt(v)}" for p, v in self.overrides[index]]
        return ", ".join(parts)

    def to_dict(self) -> dict:
        """The content that defines the results (hashed): base, mode, axis values, seeds."""
        return {
            "base": self.base.to_dict(),
            "mode": self.mode,
            "axes": {a.path: list(a.values) for a in self.axes},
            "replicates": list(self.seeds) if self.seeds is not None else None,
            "samples": self.samples,
            "sample_seed": self.sample_seed,
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    @property
    def hash(self) -> str:
        return content_hash(self.to_dict())


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _source_mapping(source: Any) -> tuple[dict, Path | None, str]:
    """(raw mapping, folder for relative paths, name) of a sweep source."""
    if isinstance(source, SweepPlan):
        raise TypeError("already a SweepPlan")
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), Path.cwd(), str(source.get("name") or "sweep")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        check_reference_text(str(source), "sweep", "sweep file")
        if not is_file(path):
            raise ConfigError("sweep", str(source), "file does not exist" if not path.exists() else "is not a file", "a path to a YAML sweep file")
        data = load_yaml(path, "sweep")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError("sweep", type(data).__name__, "is not a mapping at the top of the file", "a YAML mapping with base: and axes:", path)
        return data, path.resolve().parent, str(data.get("name") or path.stem)
    raise ConfigError("sweep", type(source).__name__, "is not a sweep source", "a path to a YAML sweep file or a mapping")


ANNOUNCE_SCENARIOS = 500
"""Sweeps of at least this many scenarios announce their resolution (a line on stderr from the command line)."""


def load_sweep(source: Any) -> SweepPlan:
    """Validate a sweep file (path or mapping) and resolve every scenario; no compute.

    Raises :class:`experiments.config.ConfigError` with a one-line message naming the
    field (``axes.<path>``, ``mode``, ...) or the scenario and its axis values.
    """
    if isinstance(source, SweepPlan):
        return source
    data, folder, name = _source_mapping(source)
    file = str(source) if isinstance(source, (str, os.PathLike)) else None
    for key in data:
        if key not in SWEEP_KEYS:
            raise _bad(str(key), key, "is not a known key of a sweep file", ", ".join(SWEEP_KEYS), file)
    if "decision" in data:  # validated here, so a bad rule fails before any compute
        from experiments.report._decision import DecisionRule

        DecisionRule.from_mapping(data["decision"])
    mode = data.get("mode", "grid")
    if mode not in MODES:
        raise _bad("mode", mode, "is not a sweep mode", ", ".join(MODES), file)
    sampled = mode in ("lhs", "sobol")

    # ---- base run config
    if "base" not in data:
        raise _bad("base", "(missing)", "is required", "a run config mapping, or a path to one", file)
    base_spec = data["base"]
    try:
        if isinstance(base_spec, str):
            check_reference_text(base_spec, "base", "run config")
            base_path = Path(base_spec).expanduser()
            if not base_path.is_absolute() and folder is not None and is_file(folder / base_path):
                base_path = folder / base_path
            if is_file(base_path):
                base_path = confine(base_path, folder, "base", base_spec, "run config")
            base = load_run_config(base_path)
            raw_base = load_yaml(base_path, "base") or {}
            base_dir = base_path.resolve().parent
            if not isinstance(raw_base, dict):
                raise _bad("base", base_spec, "is not a mapping", "a run config (YAML mapping)", base_path)
        elif isinstance(base_spec, dict):
            raw_base = base_spec
            base_dir = folder if folder is not None else Path.cwd()
            base = load_run_config(raw_base, base_dir=base_dir if file else None)
        else:
            raise _bad("base", base_spec, "is not a run config", "a run config mapping, or a path to one", file)
    except ConfigError as exc:
        field_name = exc.field if exc.field.startswith("base") else f"base.{exc.field}" if exc.field != "config" else "base"
        raise ConfigError(field_name, exc.value, exc.problem, exc.allowed, exc.file or file) from None

    confined = file is not None or isinstance(base_spec, str)  # references read from a file stay in the allowed folders

    # ---- axes
    axes_spec = data.get("axes")
    if not isinstance(axes_spec, dict) or not axes_spec:
        raise _bad("axes", axes_spec if axes_spec is not None else "(missing)", "is required" if axes_spec is None else "has no axes" if isinstance(axes_spec, dict) else "is not a mapping",
                   "a mapping of dotted config paths to values, e.g. protocol.interval_days: [2, 7, 14]", file)
    paths = [_check_path(p, file) for p in axes_spec]
    clash = _overlapping(paths)
    if clash:
        raise _bad(f"axes.{clash[1]}", clash[1], f"lies inside another axis ({clash[0]})", "axes that do not contain one another", file)
    names = _axis_names(paths, file)

    samples = data.get("samples")
    sample_seed = data.get("seed")
    if sampled:
        if samples is None:
            raise _bad("samples", "(missing)", f"is required in mode {mode}", "an integer >= 1", file)
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise _bad("samples", samples, "is not a positive integer", "an integer >= 1", file)
        if samples > limits.MAX_SCENARIOS:
            raise _bad("samples", samples, "is more samples than a sweep may hold", f"an integer in [1, {limits.MAX_SCENARIOS}] (docs/limits.md)", file)
        if mode == "sobol" and samples & (samples - 1):
            raise _bad("samples", samples, "is not a power of 2 (Sobol' points lose their balance otherwise)",
                       f"2^k, e.g. {2 ** max(0, int(math.floor(math.log2(samples))))} or {2 ** int(math.ceil(math.log2(samples)))}; or mode: lhs", file)
        if sample_seed is None:
            sample_seed = 0
        if isinstance(sample_seed, bool) or not isinstance(sample_seed, int) or not 0 <= sample_seed <= limits.MAX_SEED:
            raise _bad("seed", sample_seed, "is not an integer in range", f"an integer in [0, {limits.MAX_SEED}] (seed of the sampler)", file)
    else:
        for key, value in (("samples", samples), ("seed", sample_seed)):
            if value is not None:
                raise _bad(key, value, f"is used only by modes lhs and sobol, not {mode}", "remove it, or mode: lhs / sobol", file)

    if sampled:
        ranges = [_sample_range(p, axes_spec[p], mode, file) for p in paths]
        from scipy.stats import qmc

        d = len(paths)
        if mode == "lhs":
            u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(sample_seed)).random(samples)
        else:
            u = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(sample_seed)).random_base2(int(round(math.log2(samples))))
        axes = tuple(Axis(p, n, tuple(r.scale(u[:, j])), axes_spec[p]) for j, (p, n, r) in enumerate(zip(paths, names, ranges)))
    else:
        axes = tuple(Axis(p, n, _grid_values(p, axes_spec[p], file), axes_spec[p]) for p, n in zip(paths, names))
        if mode == "zip":
            lengths = {a.path: len(a.values) for a in axes}
            if len(set(lengths.values())) > 1:
                shown = ", ".join(f"{p}: {n}" for p, n in lengths.items())
                raise _bad("axes", shown, "have different lengths in mode zip", "axes of one common length (or mode: grid for all combinations)", file)

    # ---- replicates
    reps = data.get("replicates")
    seeds: tuple[int, ...] | None
    if reps is None:
        seeds = None
    elif isinstance(reps, bool):
        raise _bad("replicates", reps, "is not a count or a list of seeds", "an integer >= 1, or a list of distinct integer seeds", file)
    elif isinstance(reps, int):
        if reps < 1 or reps > limits.MAX_SCENARIOS or base.seed + reps - 1 > limits.MAX_SEED:
            raise _bad("replicates", reps, "is out of range", f"an integer in [1, {min(limits.MAX_SCENARIOS, limits.MAX_SEED - base.seed + 1)}] (seeds base.seed + 0, 1, ... up to {limits.MAX_SEED})", file)
        seeds = tuple(base.seed + i for i in range(reps))
    elif isinstance(reps, list):
        if not reps or any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= limits.MAX_SEED for s in reps) or len(set(reps)) != len(reps):
            raise _bad("replicates", reps, "is not a list of distinct seeds", f"a non-empty list of distinct integers in [0, {limits.MAX_SEED}]", file)
        seeds = tuple(reps)
    else:
        raise _bad("replicates", reps, "is not a count or a list of seeds", "an integer >= 1, or a list of distinct integer seeds", file)

    # ---- the size, before anything of that size is built
    n_combos = math.prod(len(a.values) for a in axes) if mode == "grid" else len(axes[0].values)
    total = n_combos * (len(seeds) if seeds is not None else 1)
    if total > limits.MAX_SCENARIOS:
        shown = " x ".join(str(len(a.values)) for a in axes) if mode == "grid" else str(n_combos)
        shown += f" x {len(seeds)} replicates" if seeds is not None else ""
        raise _bad("axes", f"{shown} = {total:,} scenarios", "is more scenarios than a sweep may hold",
                   f"at most {limits.MAX_SCENARIOS:,} scenarios (docs/limits.md): fewer axis values or replicates, or mode: lhs", file)

    # ---- layout
    if mode == "grid":
        dims = tuple(a.name for a in axes)
        shape = tuple(len(a.values) for a in axes)
        combos = list(itertools.product(*[a.values for a in axes]))
    else:
        dims = ("scenario",)
        shape = (len(axes[0].values),)
        combos = list(zip(*[a.values for a in axes]))
    if seeds is not None:
        dims += ("replicate",)
        shape += (len(seeds),)
    coords: dict[str, tuple[tuple[str, ...], np.ndarray, dict]] = {}
    for a in axes:
        vals = np.asarray(a.values)
        attrs = {"units": a.units, "long_name": _long_name(a.path), "sweep_path": a.path}
        if vals.dtype.kind in "US":
            attrs.pop("units")
        coords[a.name] = ((a.name,) if mode == "grid" else ("scenario",), vals, attrs)
    if mode != "grid":
        coords["scenario"] = (("scenario",), np.arange(shape[0]), {"units": "1", "long_name": f"scenario number ({mode})"})
    if seeds is not None:
        coords["replicate"] = (("replicate",), np.asarray(seeds), {"units": "1", "long_name": "replicate (random seed of the run)"})

    # ---- resolve every scenario
    expand_skin = not any(p == "skin" or (p.startswith("skin.") and not p.startswith("skin.parameters.")) for p in paths)
    expand_device = not any(p == "device" for p in paths)
    fast_base = copy.deepcopy(raw_base)
    resolved_base = base.to_dict()
    if expand_skin:
        fast_base["skin"] = resolved_base["skin"]
    if expand_device and base.device is not None:
        fast_base["device"] = resolved_base["device"]
    fast_base.pop("seed", None)
    scenarios, overrides = [], []
    replicate_seeds = seeds if seeds is not None else (None,)
    total = len(combos) * len(replicate_seeds)
    # a large sweep says its size before it resolves every scenario (about 1 ms each: 20,000 in ~20 s)
    announce = step(f"resolving the {total:,} scenarios of sweep {name}", f"resolved {total:,} scenarios") \
        if total >= ANNOUNCE_SCENARIOS else contextlib.nullcontext()
    with announce:
        for combo in combos:
            for seed in replicate_seeds:
                pairs = tuple(zip(paths, combo)) + ((("seed", seed),) if seed is not None else ())
                index = len(scenarios)
                try:
                    data_i = _overridden(fast_base, pairs + ((("seed", base.seed),) if seed is None else ()), base_dir, confined)
                    scenarios.append(load_run_config(data_i, base_dir=base_dir if confined else None))
                except ConfigError as exc:
                    label = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(names, combo)) + (f", seed={seed}" if seed is not None else "")
                    axis = next((p for p in paths if exc.field == p or exc.field.startswith(p + ".") or exc.field.startswith(p + "[")), None)
                    lead = f"axes.{axis}" if axis else "sweep"
                    raise ConfigError(f"{lead}: scenario {index} of {total} ({label}): {exc.field}", exc.value, exc.problem, exc.allowed, file) from None
                overrides.append(pairs)
    return SweepPlan(name=name, mode=mode, axes=axes, seeds=seeds, dims=dims, shape=shape, coords=coords,
                     scenarios=tuple(scenarios), overrides=tuple(overrides), base=base,
                     samples=samples if sampled else None, sample_seed=sample_seed if sampled else None,
                     source=_jsonable(data), file=file)


class _Irregular(Exception):
    pass


def _path_parts(path: str) -> list:
    return [int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"[^.\[\]]+|\[\d+\]", path)]


def _set_path(data: Any, parts: Sequence[Any], value: Any) -> Any:
    """Copy of ``data`` with ``value`` at ``parts``, copying only the containers on the path."""
    head, rest = parts[0], parts[1:]
    if isinstance(data, dict) and isinstance(head, str):
        out: Any = dict(data)
        child = data.get(head)
    elif isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        out = list(data)
        child = data[head]
    else:
        raise _Irregular
    if not rest:
        out[head] = value
        return out
    if child is None:
        child = [] if isinstance(rest[0], int) else {}
    if not isinstance(child, (dict, list)):
        raise _Irregular  # e.g. a skin/device given by name: apply_overrides turns it into a mapping
    out[head] = _set_path(child, rest, value)
    return out


def _overridden(base: dict, pairs: Sequence[tuple[str, Any]], base_dir: Path | None, confined: bool = False) -> dict:
    """``base`` with the scenario's ``(path, value)`` pairs (as ``--set path=value`` would)."""
    try:
        data = base
        for path, value in pairs:
            data = _set_path(data, _path_parts(path), value)
        return data
    except _Irregular:
        return apply_overrides(base, [f"{p}={json.dumps(v)}" for p, v in pairs], base_dir, confined=confined)


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))
