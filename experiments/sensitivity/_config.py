"""The sensitivity file: a base run, the factors, the design size -> SensitivityConfig.

A sensitivity file (``configs/sensitivity/*.yaml``)::

    base: configs/runs/x.yaml     # a run config, or a path to one (relative to this file)
    parameters: [ve_transit_days, vacuum_kpa]   # or {name: {min, max}}; default: DEFAULT_FACTORS
    outcomes: [irritation_burden_days]          # default: the headline outcomes
    samples: 32                   # N, base sample size (a power of 2): N (D + 2) model runs
    seed: 0                       # of the Sobol' sequence and the bootstrap

with the optional ``bootstrap`` (resamples, 200), ``confidence`` (0.95),
``gradient_points`` (8; 0: no derivative-based indices), ``gradient_grid`` (``column``:
the gradients are taken on a single column of the base run, the affordable cross-check on
a transect; ``base``: on the base grid), ``batch_size`` (32), ``spin_up_stage_days`` (90),
``name``, ``description``. A sweep file works too: its ``base``, its
``protocol.settings.*`` / ``skin.parameters.*`` axes as the factors (their ranges: ``{min,
max}``, a list's or ``{start, stop}``'s extremes), its ``samples`` (if a power of 2) and
``seed``. A plain run config is the base with every default. Every problem is an
:class:`experiments.ConfigError` with a one-line message (field, value, allowed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from experiments.config import ConfigError, ResolvedRunConfig, load_run_config
from experiments.config._yaml import load_yaml
from experiments.sensitivity._outcomes import HEADLINE_OUTCOMES, ROUGHNESS_OUTCOMES, SUPPORTED_OUTCOMES
from experiments.sensitivity._space import Factor, build_factors

__all__ = ["SENSITIVITY_KEYS", "SensitivityConfig", "load_sensitivity_config"]

SENSITIVITY_KEYS = ("base", "parameters", "outcomes", "samples", "seed", "bootstrap", "confidence", "gradient_points",
                    "gradient_grid", "batch_size", "spin_up_stage_days", "name", "description")
_SWEEP_ONLY = ("axes", "mode", "replicates", "decision")
_RUN_KEYS = ("skin", "device", "protocol", "events", "grid", "save", "duration_days", "seed")
DEFAULT_SAMPLES = 32


@dataclass(frozen=True)
class SensitivityConfig:
    """A validated sensitivity file. ``factors``: the varied inputs with their ranges;
    ``outcomes``: the analysed outcome names; ``source``: the file as written (JSON text)."""

    name: str
    description: str
    base: ResolvedRunConfig
    factors: tuple[Factor, ...]
    outcomes: tuple[str, ...]
    samples: int
    seed: int
    bootstrap: int
    confidence: float
    gradient_points: int
    gradient_grid: str
    batch_size: int
    spin_up_stage_days: float
    source: str = field(default="{}")

    @property
    def model_runs(self) -> int:
        """Runs of the Saltelli design: ``N (D + 2)``."""
        return self.samples * (len(self.factors) + 2)

    @property
    def hash(self) -> str:
        payload = {"base": self.base.to_dict(), "source": json.loads(self.source)}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def to_json(self) -> str:
        return self.source


def _int(data, key, default, low, high, file, power_of_two=False):
    v = data.get(key, default)
    allowed = f"an integer in [{low}, {high}]" + (" that is a power of 2" if power_of_two else "")
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high or (power_of_two and v & (v - 1)):
        raise ConfigError(key, v, "is not allowed", allowed, file)
    return int(v)


def _float(data, key, default, low, high, file, low_open=True):
    v = data.get(key, default)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (v > low if low_open else v >= low) and v <= high
    if not ok:
        raise ConfigError(key, v, "is not allowed", f"a number in {'(' if low_open else '['}{low:g}, {high:g}]", file)
    return float(v)


def _load_base(spec: Any, folder: Path | None, file) -> ResolvedRunConfig:
    try:
        if isinstance(spec, str):
            path = Path(spec).expanduser()
            if not path.is_absolute() and folder is not None and (folder / path).is_file():
                path = folder / path
            if not path.is_file():
                raise ConfigError("base", spec, "is not a file", "a run config mapping, or a path to one", file)
            return load_run_config(path)
        if isinstance(spec, Mapping):
            return load_run_config(dict(spec))
    except ConfigError as exc:
        if exc.field.startswith("base") or exc.file is not None:
            raise
        raise ConfigError(f"base.{exc.field}" if exc.field != "config" else "base", exc.value, exc.problem,
                          exc.allowed, file) from None
    raise ConfigError("base", spec, "is not a run config", "a run config mapping, or a path to one", file)


def _sweep_factors(axes: Any, file) -> dict:
    if not isinstance(axes, Mapping) or not axes:
        raise ConfigError("axes", axes, "is not a mapping of sweep axes", "dotted paths with values", file)
    out = {}
    for path, spec in axes.items():
        if not (str(path).startswith("protocol.settings.") or str(path).startswith("skin.parameters.")):
            raise ConfigError(f"axes.{path}", path, "cannot be a sensitivity factor",
                              "protocol.settings.NAME or skin.parameters.NAME axes", file)
        if isinstance(spec, Mapping) and {"min", "max"} <= set(spec):
            lo, hi = spec["min"], spec["max"]
        elif isinstance(spec, Mapping) and {"start", "stop"} <= set(spec):
            lo, hi = spec["start"], spec["stop"]
        elif isinstance(spec, list) and spec and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec):
            lo, hi = min(spec), max(spec)
        else:
            raise ConfigError(f"axes.{path}", spec, "is not a numeric axis", "{min, max}, {start, stop, num} or a list of numbers", file)
        out[str(path)] = {"min": lo, "max": hi}
    return out


def config_factors(base: ResolvedRunConfig, params: Any, file, allowed: str,
                   required: tuple[str, str] | None = None) -> tuple[Factor, ...]:
    """The factors named by a file's ``parameters`` (:func:`build_factors` on ``base``; None: its defaults).

    ``allowed``: what ``parameters`` may be (the message of a value that is neither a list
    nor a mapping); ``required``: when given, a missing or empty ``parameters`` is an error
    too, ``(problem, allowed)`` its message. Every problem is a one-line ConfigError naming ``file``.
    """
    if required is not None and not params:
        raise ConfigError("parameters", params, *required, file)
    if params is not None and not isinstance(params, (list, Mapping)):
        raise ConfigError("parameters", params, "is not a list or mapping of factors", allowed, file)
    try:
        return tuple(build_factors(base, params))
    except ConfigError as exc:
        raise exc.in_file(file) from None


def read_config_source(source: Any, what: str, shape: str) -> tuple[dict, Path | None, Path | None]:
    """``(data, file, folder)`` of a config given as a path (read as YAML) or a mapping.

    ``what``: the files allowed (the message when ``source`` is not a file); ``shape``: the
    mapping expected (the message when the top of the file is not a mapping).
    """
    file = folder = None
    if isinstance(source, (str, Path)):
        file = Path(source)
        if not file.is_file():
            raise ConfigError("config", str(source), "is not a file", what)
        data = load_yaml(file, "config")
        folder = file.resolve().parent
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ConfigError("config", type(data).__name__, "is not a mapping at the top of the file", shape, file)
    return dict(data), file, folder


def load_sensitivity_config(source: Any, *, samples: int | None = None, parameters: list | None = None) -> SensitivityConfig:
    """Load and validate a sensitivity file, a sweep file or a run config (a path or a mapping).

    ``samples``, ``parameters``: replace the file's (the command line's ``--samples``, ``--param``).
    """
    data, file, folder = read_config_source(source, "a sensitivity file, sweep file or run config (YAML)",
                                            "a YAML mapping with base: (and parameters:, samples:, seed:)")
    is_sweep = "axes" in data
    if "base" not in data:
        if is_sweep or not set(data) & set(_RUN_KEYS):
            raise ConfigError("base", "(missing)", "is required", "a run config mapping, or a path to one", file)
        data = {"base": data}  # a run config: the base, every default
    if samples is not None:
        data["samples"] = samples
    if parameters is not None:
        data["parameters"] = list(parameters)
    allowed_keys = SENSITIVITY_KEYS + (_SWEEP_ONLY if is_sweep else ())
    for key in data:
        if key not in allowed_keys:
            raise ConfigError(key, key, "is not a key of a sensitivity file", ", ".join(SENSITIVITY_KEYS), file)
    base = _load_base(data["base"], folder, file)
    if base.protocol is None or not base.session_days():
        raise ConfigError("base.protocol", None, "has no device sessions", "a base run with a device and a protocol", file)
    params = _sweep_factors(data["axes"], file) if is_sweep and "parameters" not in data else data.get("parameters")
    factors = config_factors(base, params, file,
                             "names of skin parameters and session settings, or {name: {min, max}}")
    column = base.grid.lateral == "column"
    default_outcomes = [o for o in HEADLINE_OUTCOMES if not (column and o in ROUGHNESS_OUTCOMES)]
    outcomes = data.get("outcomes", default_outcomes)
    if not isinstance(outcomes, list) or not outcomes:
        raise ConfigError("outcomes", outcomes, "is not a list of outcome names", ", ".join(SUPPORTED_OUTCOMES), file)
    for o in outcomes:
        if o not in SUPPORTED_OUTCOMES:
            raise ConfigError("outcomes", o, "is not an outcome the analysis supports", ", ".join(SUPPORTED_OUTCOMES), file)
        if column and o in ROUGHNESS_OUTCOMES:
            raise ConfigError("outcomes", o, "is NaN by definition on a single column (no surface profile)",
                              "an outcome other than the roughness changes, or base.grid.lateral: 1d", file)
    samples_default = data.get("samples", DEFAULT_SAMPLES)
    if is_sweep and isinstance(samples_default, int) and samples_default & (samples_default - 1):
        samples_default = DEFAULT_SAMPLES
    samples = _int({"samples": samples_default}, "samples", DEFAULT_SAMPLES, 2, 1 << 16, file, power_of_two=True)
    grid_choice = data.get("gradient_grid", "column")
    if grid_choice not in ("column", "base"):
        raise ConfigError("gradient_grid", grid_choice, "is not allowed", "'column' or 'base'", file)
    gradient_points = _int(data, "gradient_points", min(8, samples), 0, samples, file)
    return SensitivityConfig(
        name=str(data.get("name", file.stem if file is not None else "sensitivity")),
        description=str(data.get("description", "")),
        base=base, factors=factors, outcomes=tuple(outcomes), samples=samples,
        seed=_int(data, "seed", 0, 0, 2**31 - 1, file),
        bootstrap=_int(data, "bootstrap", 200, 10, 100000, file),
        confidence=_float(data, "confidence", 0.95, 0.0, 0.999, file),
        gradient_points=gradient_points, gradient_grid=grid_choice,
        batch_size=_int(data, "batch_size", 32, 1, 4096, file),
        spin_up_stage_days=_float(data, "spin_up_stage_days", 90.0, 1.0, 365.0, file),
        source=json.dumps({k: v for k, v in data.items() if k != "base"} | {"base": data["base"]}, sort_keys=True,
                          default=str),
    )
