"""Parameter sweeps: a base run config, axes over dotted config paths, batched runs, one store.

The pipeline, top-down::

    sweep file --(load_sweep)--> SweepPlan: every scenario resolved and checked (no compute)
               --(plan_layout)--> blocks of scenarios = batches = Zarr chunks
               --(run_block, in-process or on Dask workers)--> one jitted, vmapped call per batch
               --(experiments.storage)--> one Zarr store, written batch by batch, resumable

A sweep file (YAML or a mapping)::

    base: configs/runs/x.yaml     # a run config, or a path to one (relative to this file)
    mode: grid                    # grid | zip | lhs | sobol
    axes:                         # dotted config paths
      protocol.interval_days: {start: 2, stop: 21, num: 5}     # grid/zip: a list or a range
      protocol.settings.vacuum_kpa: [10, 20, 30, 40, 50]
    replicates: 4                 # seeds base.seed + 0..3, or a list of seeds
    # samples: 64                 # lhs/sobol: number of samples; axes are {min, max[, log, integer]}
    # seed: 0                     # lhs/sobol: seed of the sampler

Layout of the result: in ``grid`` mode every axis is a dimension (named after the last
part of its path, e.g. ``interval_days``) with its values as coordinate; in ``zip``,
``lhs`` and ``sobol`` modes the scenarios run along one ``scenario`` dimension and the
axis values are coordinates on it. ``replicate`` (coordinate: the seed) is the last
sweep dimension when ``replicates`` is given. The run outputs (``time``, ``session``,
``x`` ...) follow the sweep dimensions; scenarios shorter than the longest are NaN
after their end.

Batching: the scenarios of one grid shape are padded to the sweep-wide longest schedule
(inert zero-length steps, empty event rows) and run ``B`` at a time through
:func:`simulate_batch` = ``jit(vmap(models.simulate.simulate))``, so a sweep over one
grid compiles once (see :func:`trace_count`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import jax
import numpy as np
import xarray as xr

from experiments.config import ConfigError, ResolvedRunConfig, apply_overrides, load_run_config, load_yaml
from experiments.output import COORDS, VARIABLES, annotate
from experiments import runner
from models.simulate import simulate

__all__ = [
    "Axis",
    "SweepPlan",
    "Layout",
    "load_sweep",
    "plan_layout",
    "run_scenarios",
    "run_sweep",
    "simulate_batch",
    "sweep",
    "trace_count",
]

MODES = ("grid", "zip", "lhs", "sobol")
SWEEP_KEYS = ("base", "axes", "mode", "samples", "seed", "replicates", "name", "description")
RESERVED_DIMS = ("time", "x", "y", "z", "session", "event", "scenario", "replicate", "batch")
HOURS_PER_DAY = 24.0
SCHEDULER_TIMEOUT_S = 15  # how long --scheduler ADDRESS is tried before giving up
# Batch-size rules (see plan_layout): a batch holds at most this much model state ...
BATCH_STATE_BYTES = 8 * 2**20
# ... uses at most this fraction of the available memory ...
MEMORY_FRACTION = 0.5
# ... and working memory per scenario is estimated as this many copies of its state
WORK_COPIES = 40

_UNIT_SUFFIXES = (
    ("_mm_s", "mm s-1"), ("_g_min", "g min-1"), ("_l_min", "l min-1"), ("_cm2", "cm2"), ("_kpa", "kPa"),
    ("_days", "d"), ("_hours", "h"), ("_mm", "mm"), ("_um", "um"), ("_n", "N"), ("_s", "s"),
)


# long names of the sweep coordinates of common axes (else "sweep axis <path>")
_AXIS_NAMES = {
    "interval_days": "interval between sessions", "sessions": "number of sessions", "start_day": "day of the first session",
    "follow_up_days": "follow-up after the last session", "vacuum_kpa": "vacuum", "passes": "passes per session",
    "speed_mm_s": "hand-piece speed", "load_n": "hand load", "crystal_flow_g_min": "crystal flow", "dwell_s": "dwell time",
    "level": "dial level", "mode": "hand-piece mode", "treated_area_cm2": "treated area",
}


def _long_name(path: str) -> str:
    last = re.split(r"[.\[\]]", path.strip("]"))[-1]
    if path.startswith("protocol.") and last in _AXIS_NAMES:
        return _AXIS_NAMES[last]
    return f"sweep axis {path}"


def _units_of(path: str) -> str:
    last = re.split(r"[.\[\]]", path.strip("]"))[-1] if path else ""
    for suffix, unit in _UNIT_SUFFIXES:
        if last.endswith(suffix):
            return unit
    return "1"


# =========================================================================== the sweep file


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
        if num > 1 and start == stop:
            raise _bad(where, spec, "repeats one value", "start != stop, or num: 1", file)
        values = np.linspace(float(start), float(stop), num).tolist()
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
            raise _bad(f"{where}.{key}", v, "is not a boolean", "true or false", file)
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
    taken = set(VARIABLES) | set(COORDS) | set(RESERVED_DIMS) | {"config_hash", "all_finite"}
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
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


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
        if not path.is_file():
            raise ConfigError("sweep", str(source), "file does not exist" if not path.exists() else "is not a file", "a path to a YAML sweep file")
        data = load_yaml(path, "sweep")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError("sweep", type(data).__name__, "is not a mapping at the top of the file", "a YAML mapping with base: and axes:", path)
        return data, path.resolve().parent, str(data.get("name") or path.stem)
    raise ConfigError("sweep", type(source).__name__, "is not a sweep source", "a path to a YAML sweep file or a mapping")


def _absolutize_refs(base: dict, folder: Path | None) -> dict:
    """Skin/device references given as paths relative to the sweep file become absolute."""
    if folder is None:
        return base
    out = dict(base)
    for key in ("skin", "device"):
        ref = out.get(key)
        if isinstance(ref, str) and (ref.endswith((".yaml", ".yml")) or "/" in ref) and not Path(ref).is_absolute():
            candidate = (folder / ref).expanduser()
            if candidate.is_file():
                out[key] = str(candidate.resolve())
    return out


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
            base_path = Path(base_spec).expanduser()
            if not base_path.is_absolute() and folder is not None and (folder / base_path).is_file():
                base_path = folder / base_path
            base = load_run_config(base_path)
            raw_base = load_yaml(base_path, "base") or {}
            base_dir = base_path.resolve().parent
            if not isinstance(raw_base, dict):
                raise _bad("base", base_spec, "is not a mapping", "a run config (YAML mapping)", base_path)
        elif isinstance(base_spec, dict):
            raw_base = _absolutize_refs(base_spec, folder)
            base = load_run_config(raw_base)
            base_dir = Path.cwd()
        else:
            raise _bad("base", base_spec, "is not a run config", "a run config mapping, or a path to one", file)
    except ConfigError as exc:
        field_name = exc.field if exc.field.startswith("base") else f"base.{exc.field}" if exc.field != "config" else "base"
        raise ConfigError(field_name, exc.value, exc.problem, exc.allowed, exc.file or file) from None

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
        if mode == "sobol" and samples & (samples - 1):
            raise _bad("samples", samples, "is not a power of 2 (Sobol' points lose their balance otherwise)",
                       f"2^k, e.g. {2 ** max(0, int(math.floor(math.log2(samples))))} or {2 ** int(math.ceil(math.log2(samples)))}; or mode: lhs", file)
        if sample_seed is None:
            sample_seed = 0
        if isinstance(sample_seed, bool) or not isinstance(sample_seed, int) or sample_seed < 0:
            raise _bad("seed", sample_seed, "is not a non-negative integer", "an integer >= 0 (seed of the sampler)", file)
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
        if reps < 1:
            raise _bad("replicates", reps, "is out of range", "an integer >= 1 (seeds base.seed + 0, 1, ...)", file)
        seeds = tuple(base.seed + i for i in range(reps))
    elif isinstance(reps, list):
        if not reps or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in reps) or len(set(reps)) != len(reps):
            raise _bad("replicates", reps, "is not a list of distinct seeds", "a non-empty list of distinct integers >= 0", file)
        seeds = tuple(reps)
    else:
        raise _bad("replicates", reps, "is not a count or a list of seeds", "an integer >= 1, or a list of distinct integer seeds", file)

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
    for combo in combos:
        for seed in replicate_seeds:
            pairs = tuple(zip(paths, combo)) + ((("seed", seed),) if seed is not None else ())
            index = len(scenarios)
            try:
                data_i = _overridden(fast_base, pairs + ((("seed", base.seed),) if seed is None else ()), base_dir)
                scenarios.append(load_run_config(data_i))
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


def _overridden(base: dict, pairs: Sequence[tuple[str, Any]], base_dir: Path | None) -> dict:
    """``base`` with the scenario's ``(path, value)`` pairs (as ``--set path=value`` would)."""
    try:
        data = base
        for path, value in pairs:
            data = _set_path(data, _path_parts(path), value)
        return data
    except _Irregular:
        return apply_overrides(base, [f"{p}={json.dumps(v)}" for p, v in pairs], base_dir)


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


# =========================================================================== the batched run

_TRACES = {"simulate_batch": 0}


def trace_count() -> int:
    """How often :func:`simulate_batch` has been traced (= compiled) in this process."""
    return _TRACES["simulate_batch"]


@partial(jax.jit, static_argnames=("grid", "profiles", "vector_width"))
def simulate_batch(state0, params, schedule, grid, profiles: bool = False, vector_width: int | None = None):
    """:func:`models.simulate.simulate` over a leading batch axis, in one compiled call.

    ``state0``, ``params``, ``schedule``: pytrees whose leaves have a leading axis ``B``
    (scenarios); ``grid`` and ``profiles`` are static (shared). ``vector_width`` (static):
    how many scenarios advance together -- ``None`` or ``>= B``: all of them,
    ``jax.vmap(simulate, in_axes=(0, 0, 0, None, None))`` (the default); ``1``: one after
    the other (``lax.map`` over the unbatched scan); ``k``: ``lax.map`` over vmapped groups
    of ``k``. Returns what ``simulate`` returns
    with the batch axis in front of every leaf. Compiled once per grid, ``B``, padded
    step and event counts and ``vector_width``.
    """
    _TRACES["simulate_batch"] += 1
    size = jax.tree_util.tree_leaves(state0)[0].shape[0]
    if vector_width is None or vector_width >= size:
        return jax.vmap(simulate, in_axes=(0, 0, 0, None, None))(state0, params, schedule, grid, profiles)

    def one(args):
        return simulate(args[0], args[1], args[2], grid, profiles)

    return jax.lax.map(one, (state0, params, schedule), batch_size=None if vector_width == 1 else vector_width)


def default_vector_width(grid, batch: int) -> int | None:
    """Scenarios advanced together inside a batch call (see :func:`simulate_batch`): all.

    ``vmap`` over the whole batch was the fastest form measured on the CPU for single
    columns and for 1-D transects (benchmarks/bench_sweep.py ``width``, 2 cores: columns,
    batch of 64: 0.029 s per scenario vmapped vs 0.064 s one at a time; 1-D n=32, batch of
    8: 0.82 s vs 0.88 s), since device sessions only run on the steps where a scenario of
    the batch has one (models.simulate's batching rule). ``lax.map`` (``vector_width=1``)
    stays available.
    """
    return None


def _stack(trees: Sequence[Any]) -> Any:
    return jax.tree.map(lambda *a: np.stack([np.asarray(x) for x in a]), *trees)


def _group_key(resolved: ResolvedRunConfig) -> tuple:
    return (runner.model_grid(resolved), bool(resolved.save.profiles))


def _scenario_dataset(resolved: ResolvedRunConfig, prep: runner.Prepared, out0: Any, outs: Any, profiles: bool) -> xr.Dataset:
    """Adapter onto :func:`experiments.runner.to_dataset` (the only call site in sweeps)."""
    ds = runner.to_dataset(resolved, prep.grid, prep.tgrid, out0, outs, profiles)
    if any("units" not in v.attrs for v in ds.variables.values()):
        ds = annotate(ds)
    return ds


def _all_finite(ds: xr.Dataset) -> bool:
    variables = ds.variables
    for name in ds.data_vars:
        var = variables[name]
        if "NaN by definition" in str(var.attrs.get("comment", "")):
            continue
        values = np.asarray(var.values)
        if values.dtype.kind in "fc" and not np.all(np.isfinite(values)):
            return False
    return True


def scenario_lengths(scenarios: Iterable[ResolvedRunConfig]) -> dict[tuple, tuple[int, int]]:
    """Padded ``(n_steps, n_events)`` per ``(grid, profiles)`` group: the longest of the group."""
    out: dict[tuple, tuple[int, int]] = {}
    for r in scenarios:
        key = _group_key(r)
        n, e = runner.scenario_size(r)
        old = out.get(key, (0, 0))
        out[key] = (max(old[0], n), max(old[1], e))
    return out


def run_scenarios(scenarios: Sequence[ResolvedRunConfig], batch_size: int | None = None,
                  lengths: Mapping[tuple, tuple[int, int]] | None = None,
                  vector_width: int | None | str = "auto") -> list[xr.Dataset]:
    """Run scenarios through :func:`simulate_batch`; one labelled dataset per scenario.

    Scenarios are grouped by grid (and by the pytree structure of their prepared inputs),
    padded to the group's longest schedule (or ``lengths[(grid, profiles)]``) and run
    ``batch_size`` at a time (default: a whole group at once); a short last batch is
    filled with copies of its last scenario so that every call has the same shape.
    ``vector_width``: see :func:`simulate_batch` (``"auto"``: :func:`default_vector_width`).
    """
    if not scenarios:
        return []
    lengths = dict(lengths) if lengths is not None else scenario_lengths(scenarios)
    preps = []
    for r in scenarios:
        n_steps, n_events = lengths[_group_key(r)]
        preps.append(runner.prepare(r, n_steps, n_events))
    groups: dict[tuple, list[int]] = {}
    for i, (r, p) in enumerate(zip(scenarios, preps)):
        treedef = jax.tree_util.tree_structure((p.state0, p.params, p.schedule))
        groups.setdefault((_group_key(r), treedef), []).append(i)
    results: list[xr.Dataset | None] = [None] * len(scenarios)
    for (key, _), members in groups.items():
        grid, profiles = key
        size = batch_size or len(members)
        for start in range(0, len(members), size):
            chunk = members[start:start + size]
            padded = chunk + [chunk[-1]] * (size - len(chunk))
            state0 = _stack([preps[i].state0 for i in padded])
            params = _stack([preps[i].params for i in padded])
            schedule = _stack([preps[i].schedule for i in padded])
            width = default_vector_width(grid, size) if vector_width == "auto" else vector_width
            _, out0, outs = jax.device_get(simulate_batch(state0, params, schedule, grid, profiles, width))
            for j, i in enumerate(chunk):
                o0 = jax.tree.map(lambda a: a[j], out0)
                o = jax.tree.map(lambda a: a[j], outs)
                results[i] = _scenario_dataset(scenarios[i], preps[i], o0, o, profiles)
    return results  # type: ignore[return-value]


# =========================================================================== layout and template


@dataclass(frozen=True)
class Template:
    """The non-sweep part of the stored variables: dims, sizes, coordinates and attrs."""

    variables: dict[str, tuple[tuple[str, ...], dict]]  # name -> (dims, attrs)
    sizes: dict[str, int]
    coords: dict[str, tuple[np.ndarray, dict]]  # dimension coordinates of non-sweep dims
    bytes_per_scenario: int
    state_bytes: int


def _save_times_days(resolved: ResolvedRunConfig) -> np.ndarray:
    """Save times (d) of a scenario: every ``save.every_hours`` from 0 to the end of its grid.

    The time grid (:mod:`sim.timegrid`) puts a node on every multiple of the save interval
    and ends on the first base node at or after the duration; each stored scenario is
    checked against this (:func:`run_block`).
    """
    dt, every = float(resolved.grid.dt_hours), float(resolved.save.every_hours)
    end_h = math.ceil(resolved.duration_days * HOURS_PER_DAY / dt - 1e-9) * dt
    return np.arange(0, int(math.floor(end_h / every + 1e-9)) + 1) * every / HOURS_PER_DAY


def _union(arrays: Sequence[np.ndarray]) -> np.ndarray:
    values = np.concatenate([np.asarray(a) for a in arrays])
    if values.dtype.kind not in "fc":
        return np.unique(values)
    values = np.sort(values)
    keep = np.concatenate([[True], np.diff(values) > 1e-9 * np.maximum(1.0, np.abs(values[1:]))])
    return values[keep]


def _nbytes(tree: Any) -> int:
    return int(sum(np.prod(x.shape) * np.dtype(x.dtype).itemsize for x in jax.tree_util.tree_leaves(tree)))


def build_template(plan: SweepPlan, lengths: Mapping[tuple, tuple[int, int]]) -> Template:
    """The stored layout of one scenario's outputs, found without running the model.

    For each grid of the sweep the scenario with the most sessions/events is prepared and
    ``simulate`` is traced abstractly (``jax.eval_shape``); zero outputs of that shape go
    through :func:`experiments.runner.to_dataset`. ``time`` is the union of every
    scenario's save times. Also estimates the memory per scenario of a batch.
    """
    reps: dict[tuple, ResolvedRunConfig] = {}
    for r in plan.scenarios:
        key = _group_key(r)
        score = (len(r.session_days()) + len(r.events), r.duration_days)
        old = reps.get(key)
        if old is None or score > (len(old.session_days()) + len(old.events), old.duration_days):
            reps[key] = r
    datasets, per_scenario, state_bytes = [], 0, 0
    for key, r in reps.items():
        grid, profiles = key
        n_steps, n_events = lengths[key]
        prep = runner.prepare(r, n_steps, n_events)
        shapes = jax.eval_shape(lambda s, p, sc: simulate(s, p, sc, grid, profiles), prep.state0, prep.params, prep.schedule)
        zeros = jax.tree.map(lambda x: np.zeros(x.shape, x.dtype), shapes)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            datasets.append(_scenario_dataset(r, prep, zeros[1], zeros[2], profiles))
        s_bytes = _nbytes(prep.state0) + _nbytes(prep.params) + _nbytes(prep.schedule)
        state_bytes = max(state_bytes, _nbytes(prep.state0))
        per_scenario = max(per_scenario, 3 * _nbytes(shapes) + WORK_COPIES * s_bytes)
    variables: dict[str, tuple[tuple[str, ...], dict]] = {}
    sizes: dict[str, int] = {}
    coord_parts: dict[str, list[np.ndarray]] = {}
    coord_attrs: dict[str, dict] = {}
    for ds in datasets:
        for name, var in ds.data_vars.items():
            if name in variables and variables[name][0] != var.dims:
                raise RuntimeError(f"output {name} has dims {var.dims} in one grid and {variables[name][0]} in another")
            variables.setdefault(name, (tuple(var.dims), dict(var.attrs)))
        for dim, n in ds.sizes.items():
            sizes[dim] = max(sizes.get(dim, 0), int(n))
            if dim in ds.coords:
                coord_parts.setdefault(dim, []).append(np.asarray(ds[dim].values))
                coord_attrs.setdefault(dim, dict(ds[dim].attrs))
    clash = [n for n in variables if n in plan.coords or n in plan.dims]
    if clash:
        raise ConfigError("axes", clash[0], "is both a sweep coordinate and an output variable", "axis paths whose last part is not an output name")
    if "time" in sizes:
        distinct = {(r.duration_days, r.grid.dt_hours, r.save.every_hours): r for r in plan.scenarios}
        coord_parts["time"] = coord_parts.get("time", []) + [_save_times_days(r) for r in distinct.values()]
    coords = {}
    for dim, parts in coord_parts.items():
        values = _union(parts)
        coords[dim] = (values, coord_attrs.get(dim, {}))
        sizes[dim] = len(values)
    return Template(variables, sizes, coords, int(per_scenario), int(state_bytes))


@dataclass(frozen=True)
class Layout:
    """Blocks of scenarios: each block is one batch and one Zarr chunk along the sweep dims."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]

    @property
    def batch_size(self) -> int:
        return int(np.prod(self.chunks))

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks))

    @property
    def n_blocks(self) -> int:
        return int(np.prod(self.grid_shape))

    def region(self, block: int) -> tuple[slice, ...]:
        idx = np.unravel_index(block, self.grid_shape)
        return tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, self.chunks, self.shape))

    def members(self, block: int) -> list[int]:
        """Flat (C-order) indices of the scenarios of ``block``, in C order within it."""
        ranges = [range(r.start, r.stop) for r in self.region(block)]
        return [int(np.ravel_multi_index(ix, self.shape)) for ix in itertools.product(*ranges)]


# padded (repeated) scenarios accepted in the uneven last batch of a dimension, for larger
# batches: single columns gain from large vmapped batches; lateral grids are compute-bound,
# so there the least padding wins
MAX_PADDING_COLUMNS = 0.25
MAX_PADDING_LATERAL = 0.0


def chunks_for(shape: Sequence[int], batch_size: int, max_padding: float = MAX_PADDING_COLUMNS) -> tuple[int, ...]:
    """Chunk shape of at most ``batch_size`` scenarios: whole trailing dims, part of one, 1s before.

    The split dimension gets the largest chunk whose uneven last chunk pads (with repeated
    scenarios) at most ``max_padding`` of that dimension, else the least padding (largest
    chunk among those): e.g. 5 values in chunks of 3 compute 6, 20 % padding.
    """
    target = max(1, int(batch_size))
    chunks = [1] * len(shape)
    inner = 1
    for d in range(len(shape) - 1, -1, -1):
        if inner * shape[d] <= target:
            chunks[d] = shape[d]
            inner *= shape[d]
            continue
        size, largest = shape[d], max(1, target // inner)
        waste = {c: (-(-size // c) * c - size) / size for c in range(1, largest + 1)}
        fine = [c for c, w in waste.items() if w <= max_padding + 1e-12]
        least = min(waste.values())
        chunks[d] = max(fine) if fine else max(c for c, w in waste.items() if w == least)
        break
    return tuple(chunks)


def available_memory() -> int:
    """Bytes of memory available now (psutil, else /proc/meminfo, else 4 GiB)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - psutil is installed with dask
        pass
    try:  # pragma: no cover
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    return 4 * 2**30  # pragma: no cover


def default_batch_size(n_scenarios: int, template: Template, workers: int = 1, memory: int | None = None) -> int:
    """Scenarios per batch: bounded by memory, by the state per batch, and by the work per worker.

    * memory: ``MEMORY_FRACTION`` of the available memory / estimated bytes per scenario
      (outputs x 3 + ``WORK_COPIES`` x inputs), shared by the ``workers`` batches in flight;
    * ``BATCH_STATE_BYTES`` of model state per batch: on a CPU larger batches of large
      grids gain nothing (benchmarks/bench_sweep.py) and cost memory;
    * at least 4 batches per worker when there are enough scenarios, for load balance
      and a progress bar that moves.
    """
    memory = available_memory() if memory is None else memory
    by_memory = max(1, int(MEMORY_FRACTION * memory / max(1, workers) // max(template.bytes_per_scenario, 1)))
    by_state = max(1, BATCH_STATE_BYTES // max(template.state_bytes, 1))
    by_work = max(1, -(-n_scenarios // (4 * max(1, workers))))
    return int(max(1, min(by_memory, by_state, by_work, n_scenarios)))


def plan_layout(plan: SweepPlan, batch_size: int) -> Layout:
    """Blocks of at most ``batch_size`` scenarios (see :func:`chunks_for` for the padding rule)."""
    columns_only = all(r.grid.lateral == "column" for r in plan.scenarios)
    return Layout(plan.shape, chunks_for(plan.shape, batch_size, MAX_PADDING_COLUMNS if columns_only else MAX_PADDING_LATERAL))


# =========================================================================== blocks (the unit of work)


@dataclass(frozen=True)
class BlockTask:
    """One batch: its scenarios (C order within the block) and what the result must look like."""

    index: int
    block_shape: tuple[int, ...]
    scenarios: tuple[ResolvedRunConfig, ...]
    batch_size: int
    lengths: dict
    template: Template


@dataclass(frozen=True)
class BlockResult:
    index: int
    data: dict[str, np.ndarray]  # name -> block_shape + variable shape
    elapsed_s: float
    n_scenarios: int


def _positions(target: np.ndarray, values: np.ndarray, dim: str) -> Any:
    """Where ``values`` sit in the template coordinate ``target`` (a slice when contiguous)."""
    if target.dtype.kind in "fc":
        tol = 1e-9 * np.maximum(1.0, np.abs(values))
        pos = np.clip(np.searchsorted(target, values - tol), 0, len(target) - 1)
        ok = np.abs(target[pos] - values) <= tol
    else:
        pos = np.clip(np.searchsorted(target, values), 0, len(target) - 1)
        ok = target[pos] == values
    if not np.all(ok):
        raise RuntimeError(f"{dim} = {values[~ok][:3]} is not in the sweep's {dim} coordinate")
    if pos.size and np.all(np.diff(pos) == 1):
        return slice(int(pos[0]), int(pos[-1]) + 1)
    return pos


def _lay_out(datasets: Sequence[xr.Dataset], template: Template, block_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Stack scenario outputs on the template's coordinates: ``block_shape + variable shape``.

    Values go where their coordinates are (``time`` of a shorter run is a prefix); what a
    scenario does not have stays NaN. A dimension without coordinate is filled from the start.
    """
    out = {name: np.full((len(datasets),) + tuple(template.sizes[d] for d in dims), np.nan)
           for name, (dims, _) in template.variables.items()}
    for k, ds in enumerate(datasets):
        variables = ds.variables
        extra = [n for n in ds.data_vars if n not in template.variables]
        if extra:
            raise RuntimeError(f"outputs {extra} are not in the sweep's template")
        where: dict[str, Any] = {}
        for dim, size in ds.sizes.items():
            if dim not in template.sizes:
                raise RuntimeError(f"dimension {dim} of the outputs is not in the sweep's template")
            if dim in template.coords and dim in variables:
                where[dim] = _positions(template.coords[dim][0], np.asarray(variables[dim].values), dim)
            elif size > template.sizes[dim]:
                raise RuntimeError(f"{size} entries along {dim}, more than the sweep's {template.sizes[dim]}")
            else:
                where[dim] = slice(0, int(size))
        for name, (dims, _) in template.variables.items():
            var = variables.get(name)
            if var is None:
                continue
            if var.dims != dims:
                raise RuntimeError(f"output {name} has dims {var.dims}, expected {dims}")
            index = tuple(where[d] for d in dims)
            if any(not isinstance(i, slice) for i in index):
                index = np.ix_(*[np.arange(template.sizes[d])[i] for d, i in zip(dims, index)])
                out[name][k][index] = np.asarray(var.values, dtype=float)
            else:
                out[name][(k,) + index] = np.asarray(var.values, dtype=float)
    return {name: a.reshape(block_shape + a.shape[1:]) for name, a in out.items()}


def run_block(task: BlockTask) -> BlockResult:
    """Run one block (on this process or a Dask worker) and lay its outputs out for storage."""
    start = time.perf_counter()
    datasets = run_scenarios(task.scenarios, task.batch_size, task.lengths)
    for r, ds in zip(task.scenarios, datasets):
        if "time" in ds.coords:
            planned = _save_times_days(r)
            got = np.asarray(ds["time"].values, float)
            if got.shape != planned.shape or not np.allclose(got, planned, rtol=0, atol=1e-9):
                raise RuntimeError(f"scenario {r.hash[:12]}: saved {got.size} times, the sweep planned {planned.size} "
                                   f"(every {r.save.every_hours:g} h to day {r.duration_days:g})")
    data = _lay_out(datasets, task.template, task.block_shape)
    data["all_finite"] = np.asarray([float(_all_finite(ds)) for ds in datasets]).reshape(task.block_shape)
    return BlockResult(task.index, data, time.perf_counter() - start, len(datasets))


# =========================================================================== execution


def _parse_cluster(cluster: str) -> int:
    m = re.fullmatch(r"local:(\d+)", cluster.strip())
    if not m or int(m.group(1)) < 1:
        raise ConfigError("--cluster", cluster, "is not a local cluster spec", "local:N with N >= 1 workers (or --scheduler ADDRESS)")
    return int(m.group(1))


class _DaskExecutor:
    """Batches on a dask.distributed cluster: a LocalCluster started here, or one at an address."""

    def __init__(self, cluster: str | None, scheduler: str | None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a declared extra
            raise ConfigError("--cluster" if cluster else "--scheduler", cluster or scheduler, "needs dask.distributed, which is not installed",
                              "pip install 'epiturn[dask]', or run without --cluster/--scheduler") from None
        self.cluster = None
        if cluster is not None:
            n = _parse_cluster(cluster)
            env = {k: v for k, v in os.environ.items() if k.startswith(("EPITURN_", "JAX_", "XLA_"))}
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                        silence_logs=40, env=env)
            self.client = Client(self.cluster)
            self.address = self.cluster.scheduler_address
        else:
            try:
                self.client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError("--scheduler", scheduler, f"cannot be reached ({type(exc).__name__}: {exc})",
                                  "the address of a running dask scheduler, e.g. tcp://10.0.0.5:8786") from None
            self.address = scheduler
        self.workers = max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def map(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        from distributed import as_completed

        futures = [self.client.submit(run_block, t, key=f"epiturn-block-{t.index}-{os.getpid()}-{time.time_ns()}", pure=False) for t in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class _LocalExecutor:
    """Batches in this process. With ``threads > 1`` (default: up to 2 cores) the first batch
    runs alone (it compiles) and the others run ``threads`` at a time, so that one batch's
    Python work (preparing inputs, labelling outputs) overlaps another's compiled run,
    which releases the GIL. Results are the same as one at a time."""

    workers = 1
    address = "in-process"

    def __init__(self, threads: int | None = None):
        self.threads = max(1, min(2, os.cpu_count() or 1) if threads is None else int(threads))

    def map(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        tasks = list(tasks)
        if not tasks:
            return
        yield run_block(tasks[0])
        rest = tasks[1:]
        if self.threads == 1 or len(rest) <= 1:
            for t in rest:
                yield run_block(t)
            return
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="epiturn-batch") as pool:
            futures = [pool.submit(run_block, t) for t in rest]
            try:
                for f in as_completed(futures):
                    yield f.result()
            finally:
                for f in futures:
                    f.cancel()

    def close(self) -> None:
        pass


class _Progress:
    """A rich progress bar on stderr: scenarios done, rate, elapsed and time left."""

    def __init__(self, total: int, done: int, enabled: bool, description: str):
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task):  # noqa: D401 - rich API
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.2f} scenarios/s" if speed else "– scenarios/s")

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("scenarios"),
                            Rate(), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        self.bar.start()
        self.task = self.bar.add_task(description, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did."""

    store: str
    n_scenarios: int
    n_batches: int
    batch_size: int
    computed_batches: int = 0
    reused_batches: int = 0
    compute_s: float = 0.0
    wall_s: float = 0.0
    nonfinite: list[str] = field(default_factory=list)
    executor: str = "in-process"


def run_sweep(source: Any, output: str | os.PathLike | None = None, *, resume: bool = False,
              cluster: str | None = None, scheduler: str | None = None, batch_size: int | None = None,
              progress: bool = False, report: SweepReport | None = None,
              echo: Callable[[str], None] | None = None) -> xr.Dataset:
    """Run a sweep into a Zarr store and return the result as a dataset.

    ``source``: a sweep file path, a mapping or a :class:`SweepPlan`. ``output``: the
    store (a folder; None keeps it in memory). ``resume``: continue an unfinished store
    of the same sweep (otherwise an unfinished store is an error). A finished store of
    the same sweep is returned without computing anything. ``cluster="local:N"`` starts a
    dask LocalCluster of N single-threaded worker processes; ``scheduler`` connects to a
    running one. ``batch_size`` overrides the memory-based choice (a fresh store only; a
    resumed store keeps its layout). Every problem of the sweep file raises ConfigError
    before any compute.
    """
    from experiments import storage

    t0 = time.perf_counter()
    if cluster is not None and scheduler is not None:
        raise ConfigError("--cluster", cluster, "is given together with --scheduler", "one of --cluster local:N or --scheduler ADDRESS")
    if cluster is not None:
        _parse_cluster(cluster)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ConfigError("--batch-size", batch_size, "is not a positive integer", "an integer >= 1")
    plan = load_sweep(source)
    say = echo or (lambda s: None)
    store = storage.open_store(output)
    state = storage.store_state(store)
    if state is not None:
        if state.sweep_hash != plan.hash:
            raise ConfigError("--output", str(output), f"holds a different sweep (hash {state.sweep_hash[:12]}, this one {plan.hash[:12]})",
                              "the store of this sweep, or a new output path")
        if state.complete:
            say(f"{output}: sweep already complete ({state.n_batches} batches); nothing to compute")
            if report is not None:
                report.__dict__.update(store=str(output), n_scenarios=plan.size, n_batches=state.n_batches, batch_size=int(np.prod(state.chunks)),
                                       reused_batches=state.n_batches, wall_s=time.perf_counter() - t0)
            return storage.open_dataset(store)
        if not resume:
            raise ConfigError("--output", str(output), f"holds an unfinished run of this sweep ({len(state.done)} of {state.n_batches} batches done)",
                              "--resume to continue it, or a new output path")
        storage.check_resumable(state)
    lengths = scenario_lengths(plan.scenarios)
    template = build_template(plan, lengths)
    executor: _LocalExecutor | _DaskExecutor = _DaskExecutor(cluster, scheduler) if (cluster or scheduler) else _LocalExecutor()
    try:
        if state is None:
            b = batch_size or default_batch_size(plan.size, template, executor.workers * getattr(executor, "threads", 1))
            layout = plan_layout(plan, b)
            storage.create_store(store, plan, template, layout)
            done: set[int] = set()
        else:
            layout = Layout(plan.shape, tuple(state.chunks))
            done = set(state.done)
        pending = [i for i in range(layout.n_blocks) if i not in done]
        tasks = []
        for i in pending:
            members = layout.members(i)
            block_shape = tuple(r.stop - r.start for r in layout.region(i))
            tasks.append(BlockTask(i, block_shape, tuple(plan.scenarios[m] for m in members), layout.batch_size,
                                   {k: lengths[k] for k in {_group_key(plan.scenarios[m]) for m in members}}, template))
        say(f"sweep {plan.name}: {plan.size} scenarios ({' x '.join(f'{d} {n}' for d, n in zip(plan.dims, plan.shape))}) "
            f"in {layout.n_blocks} batches of {layout.batch_size}; {len(pending)} to run {executor.address if executor.workers > 1 or cluster or scheduler else 'in-process'}")
        n_done = sum(len(layout.members(i)) for i in done)
        bar = _Progress(plan.size, n_done, progress and bool(tasks), plan.name)
        nonfinite: list[str] = []
        compute_s = 0.0
        try:
            for result in executor.map(tasks):
                storage.write_block(store, plan, layout, result)
                storage.mark_done(store, result.index)
                compute_s += result.elapsed_s
                bad = np.flatnonzero(np.asarray(result.data["all_finite"]).ravel() == 0)
                members = layout.members(result.index)
                nonfinite.extend(plan.label(members[j]) for j in bad)
                bar.advance(result.n_scenarios)
        finally:
            bar.close()
        storage.finish(store)
    finally:
        executor.close()
    if nonfinite:
        say(f"warning: {len(nonfinite)} scenario(s) produced non-finite values (all_finite = 0), e.g. {nonfinite[0]}; try a smaller grid.dt_hours")
    if report is not None:
        report.__dict__.update(store=str(output) if output is not None else "(memory)", n_scenarios=plan.size, n_batches=layout.n_blocks,
                               batch_size=layout.batch_size, computed_batches=len(pending), reused_batches=len(done),
                               compute_s=compute_s, wall_s=time.perf_counter() - t0, nonfinite=nonfinite,
                               executor=executor.address if not isinstance(executor, _LocalExecutor) else "in-process")
    return storage.open_dataset(store)


def sweep(config: Any, output: str | os.PathLike | None = None, **kwargs: Any) -> xr.Dataset:
    """Run a sweep: ``config`` is a sweep file path, a mapping or a :class:`SweepPlan`.

    Returns the labelled dataset (sweep dimensions first). With ``output`` the results
    are kept in that Zarr store (and the returned dataset reads from it); keyword
    arguments as :func:`run_sweep` (``resume``, ``cluster``, ``scheduler``,
    ``batch_size``, ``progress``).
    """
    return run_sweep(config, output, **kwargs)
