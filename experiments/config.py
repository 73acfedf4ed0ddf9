"""Run configuration: schemas, loading, references, overrides and resolution.

A run config (YAML, a mapping, or a built object) names a skin profile, an optional
device, an optional protocol, extra events, the grid and what to save; see
``../shared/design/interface.md`` and ``docs/``. :func:`load_run_config` turns it into a
:class:`ResolvedRunConfig`: every skin parameter filled (with its source), the device
loaded, each session's settings filled from the device's dial level and defaults and
checked against the device's hardware ranges, the duration resolved.

Every problem is a :class:`ConfigError` whose message is one line::

    <dotted.field.path>: <value> <what is wrong>; allowed: <what is allowed>

Profiles and devices are looked up by name in ``configs/skin/NAME.yaml`` and
``configs/devices/NAME.yaml``; the folders listed in the environment variable
``EPITURN_CONFIGS`` (``os.pathsep``-separated, each holding ``skin/`` and/or
``devices/``) are searched first, then the ``configs/`` folder of this checkout.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Sequence, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from models.parameters import SKIN_PARAMETERS

__all__ = [
    "ConfigError",
    "DeviceSpec",
    "LevelSettings",
    "ProtocolSpec",
    "Range",
    "ResolvedRunConfig",
    "RunConfig",
    "SaveSpec",
    "SettingsSpec",
    "SkinProfile",
    "StripEvent",
    "Event",
    "GridSpec",
    "config_dirs",
    "list_devices",
    "list_profiles",
    "load_device",
    "load_run_config",
    "load_yaml",
    "locate_device",
    "locate_profile",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS_ENV = "EPITURN_CONFIGS"
EVENT_KINDS = ("strip",)
SETTING_NAMES = (
    "vacuum_kpa",
    "passes",
    "speed_mm_s",
    "load_n",
    "crystal_flow_g_min",
    "mode",
    "dwell_s",
    "treated_area_cm2",
)


# --------------------------------------------------------------------------- errors


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING = _Missing()


def _repr(value: Any, limit: int = 80) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # 20.0 (validated) shows as the user wrote it, 20
    elif isinstance(value, Path):
        text = repr(str(value))
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_path(parts: Sequence[Any]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "config"


class ConfigError(ValueError):
    """A bad run config, profile, device or override; the message is one line.

    Attributes ``field`` (dotted path), ``value``, ``problem``, ``allowed`` and ``file``
    (the YAML file the value came from, or None) give the parts of the message.
    """

    def __init__(self, field: str | Sequence[Any], value: Any, problem: str, allowed: str, file: str | Path | None = None):
        self.field = field if isinstance(field, str) else _format_path(field)
        self.value = value
        self.problem = problem
        self.allowed = allowed
        self.file = str(file) if file is not None else None
        msg = f"{self.field}: {_repr(value)} {problem}; allowed: {allowed}"
        if self.file:
            msg += f" (in {self.file})"
        super().__init__(" ".join(msg.split()))

    def __reduce__(self):  # picklable (e.g. raised on a Dask worker)
        return (ConfigError, (self.field, self.value, self.problem, self.allowed, self.file))


_UNITS = (
    ("_mm_s", "mm/s"),
    ("_g_min", "g/min"),
    ("_l_min", "l/min"),
    ("_cm2", "cm2"),
    ("_kpa", "kPa"),
    ("_days", "d"),
    ("_hours", "h"),
    ("_mm", "mm"),
    ("_um", "um"),
    ("_n", "N"),
    ("_s", "s"),
)


def _units(loc: Sequence[Any]) -> str:
    names = [p for p in loc if isinstance(p, str) and p not in ("min", "max")]
    if not names:
        return ""
    name = names[-1]
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return " " + unit
    return ""


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def _clean_loc(loc: Sequence[Any]) -> list[Any]:
    out = []
    for p in loc:
        if isinstance(p, str) and (p in EVENT_KINDS or "[" in p or "(" in p):
            continue  # discriminator tags and validator-function names pydantic puts in paths
        out.append(p)
    return out


_RANGE_TEXT = {"remove_fraction": "(0, 1] (fraction of the SC layers)"}


def _from_validation(exc: ValidationError, prefix: Sequence[Any] = (), file: str | Path | None = None) -> ConfigError:
    """Turn the first error of a pydantic ValidationError into a one-line ConfigError."""
    err = exc.errors(include_url=False)[0]
    loc = list(prefix) + _clean_loc(err["loc"])
    typ = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input", MISSING)
    units = _units(loc)
    if typ == "unknown_key":
        loc.append(ctx["key"])
        value, problem, allowed = ctx["value"], "is not a known key", ctx["allowed"]
    elif typ == "epiturn":
        loc.extend(ctx.get("sub", ()))
        value, problem, allowed = ctx["value"], ctx["problem"], ctx["allowed"]
    elif typ == "missing":
        value, problem, allowed = MISSING, "is required", "this key must be given"
    elif typ in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[typ]
        bound = next(iter(ctx.values()))
        problem, allowed = "is out of range", f"{op} {_num(bound)}{units}"
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if name in _RANGE_TEXT:
            allowed = _RANGE_TEXT[name]
    elif typ in ("int_type", "int_parsing", "int_from_float"):
        problem, allowed = "is not an integer", "an integer"
    elif typ in ("float_type", "float_parsing"):
        problem, allowed = "is not a number", f"a number{(' in' + units) if units else ''}"
    elif typ == "finite_number":
        problem, allowed = "is not finite", "a finite number"
    elif typ in ("bool_type", "bool_parsing"):
        problem, allowed = "is not a boolean", "true or false"
    elif typ == "string_type":
        problem, allowed = "is not a string", "a string"
    elif typ in ("list_type", "tuple_type"):
        problem, allowed = "is not a list", "a list"
    elif typ in ("dict_type", "model_type", "model_attributes_type"):
        problem, allowed = "is not a mapping", "a mapping of keys to values"
    elif typ == "literal_error":
        problem, allowed = "is not one of the allowed values", str(ctx.get("expected", ""))
    elif typ == "union_tag_invalid":
        loc.append("kind")
        value, problem, allowed = ctx.get("tag"), "is not a known kind", str(ctx.get("expected_tags", ""))
    elif typ == "union_tag_not_found":
        loc.append("kind")
        value, problem, allowed = MISSING, "is required", ", ".join(repr(k) for k in EVENT_KINDS)
    else:
        msg = err.get("msg", typ)
        msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        problem, allowed = f"is invalid ({msg})", "see docs/ for this field"
    return ConfigError(loc, value, problem, allowed, file)


def _problem(sub: Sequence[Any], value: Any, problem: str, allowed: str) -> PydanticCustomError:
    """An error raised inside a validator; ``sub`` is the path below the model."""
    return PydanticCustomError(
        "epiturn", "{problem}", {"sub": tuple(sub), "value": value, "problem": problem, "allowed": allowed}
    )


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """Safe YAML loader that also reads ``1e-3`` (no dot) as a float, as YAML 1.2 does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _parse_yaml_text(text: str, field: str, file: str | Path | None = None) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(field, str(file) if file else text, f"is not valid YAML ({where}{what})", "YAML text") from None


def load_yaml(path: str | Path, field: str = "config") -> Any:
    """Read a YAML file (floats like ``1e-3`` included); errors are ConfigErrors."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(field, str(p), "file does not exist", "a path to an existing YAML file") from None
    except IsADirectoryError:
        raise ConfigError(field, str(p), "is a directory", "a path to a YAML file") from None
    except OSError as exc:
        raise ConfigError(field, str(p), f"cannot be read ({exc.strerror})", "a readable YAML file") from None
    return _parse_yaml_text(text, field, p)


def _load_mapping(path: Path, field: str) -> dict:
    data = load_yaml(path, field)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(field, type(data).__name__, "is not a mapping at the top of the file", "a YAML mapping (key: value lines)", path)
    return data


# --------------------------------------------------------------------------- lookup


def config_dirs() -> list[Path]:
    """Folders searched for ``skin/`` and ``devices/``: $EPITURN_CONFIGS entries, then ./configs of the checkout."""
    dirs = [Path(p).expanduser() for p in os.environ.get(CONFIGS_ENV, "").split(os.pathsep) if p.strip()]
    dirs.append(REPO_ROOT / "configs")
    return dirs


def _list_names(category: str) -> list[str]:
    names: set[str] = set()
    for d in config_dirs():
        folder = d / category
        if folder.is_dir():
            for f in folder.iterdir():
                if f.suffix in (".yaml", ".yml") and f.is_file():
                    names.add(f.stem)
    return sorted(names)


def list_profiles() -> list[str]:
    """Names of the skin profiles (``configs/skin/*.yaml``)."""
    return _list_names("skin")


def list_devices() -> list[str]:
    """Names of the devices in the catalogue (``configs/devices/*.yaml``)."""
    return _list_names("devices")


def _looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or ref.startswith((".", "~"))


def _locate(category: str, ref: str, base_dir: Path | None, field: str) -> Path:
    what = {"skin": "skin profile", "devices": "device"}[category]
    if not ref.strip():
        raise ConfigError(field, ref, f"is an empty {what} reference", f"a {what} name, a path or a mapping")
    if _looks_like_path(ref):
        p = Path(ref).expanduser()
        candidates = [p] if p.is_absolute() else [d / p for d in (base_dir, REPO_ROOT, Path.cwd()) if d is not None]
        for c in candidates:
            if c.is_file():
                return c.resolve()
        looked = ", ".join(dict.fromkeys(str(c) for c in candidates))
        raise ConfigError(field, ref, f"file not found (looked at {looked})", f"an existing YAML file, or a {what} name: {', '.join(_list_names(category)) or '(none)'}")
    for d in config_dirs():
        for ext in (".yaml", ".yml"):
            c = d / category / f"{ref}{ext}"
            if c.is_file():
                return c.resolve()
    names = _list_names(category)
    raise ConfigError(field, ref, f"is not a known {what}", ", ".join(names) if names else f"(no {what}s found in {', '.join(str(d / category) for d in config_dirs())})")


def locate_profile(ref: str, base_dir: str | Path | None = None) -> Path:
    """The YAML file of a skin profile given by name or path."""
    return _locate("skin", ref, Path(base_dir) if base_dir else None, "skin")


def locate_device(ref: str, base_dir: str | Path | None = None) -> Path:
    """The YAML file of a device given by name or path."""
    return _locate("devices", ref, Path(base_dir) if base_dir else None, "device")


# --------------------------------------------------------------------------- schema pieces


class _Schema(BaseModel):
    """Base of every schema: no unknown keys (the error lists the allowed ones), immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key {key}",
                        {"key": str(key), "value": key, "allowed": ", ".join(cls.model_fields)},
                    )
        return data


Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
Count = Annotated[int, Field(strict=True, ge=1)]
Text = Annotated[str, Field(strict=True)]


def _is_multiple(a: float, b: float) -> bool:
    r = a / b
    return round(r) >= 1 and abs(r - round(r)) <= 1e-9 * max(1.0, r)


class Range(_Schema):
    """A closed interval ``{min, max}`` of a hardware quantity."""

    min: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.max < self.min:
            raise _problem(("max",), self.max, f"is below min ({self.min:g})", f">= {self.min:g}")
        return self

    def contains(self, value: float) -> bool:
        return self.min - 1e-12 <= value <= self.max + 1e-12

    @property
    def mid(self) -> float:
        return 0.5 * (self.min + self.max)

    def __str__(self) -> str:
        return f"[{self.min:g}, {self.max:g}]"


# --------------------------------------------------------------------------- settings, device


def _scalar_or_list(value: Any, name: str, *, integer: bool = False, gt: float | None = None, ge: float | None = None, le: float | None = None) -> Any:
    """Validate a setting given as one value or a per-session list (without checking the length)."""
    units = _units([name])

    def bound_text() -> str:
        lo = f"> {gt:g}" if gt is not None else f">= {ge:g}" if ge is not None else ""
        hi = f"<= {le:g}" if le is not None else ""
        return " and ".join(x for x in (lo, hi) if x) + units

    def one(v: Any, sub: tuple) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _problem(sub, v, "is not an integer" if integer else "is not a number", f"{'an integer' if integer else 'a number'} {bound_text()}, or a list of them, one per session")
        if integer and not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise _problem(sub, v, "is not an integer", f"an integer {bound_text()}")
        if not math.isfinite(v):
            raise _problem(sub, v, "is not finite", f"a finite number {bound_text()}")
        if (gt is not None and not v > gt) or (ge is not None and not v >= ge) or (le is not None and not v <= le):
            raise _problem(sub, v, "is out of range", bound_text())
        return int(v) if integer else float(v)

    if isinstance(value, (list, tuple)):
        if not value:
            raise _problem((), value, "is an empty list", "a value, or a list with one value per session")
        return [one(v, (i,)) for i, v in enumerate(value)]
    return one(value, ())


_SETTING_BOUNDS: dict[str, dict[str, Any]] = {
    "vacuum_kpa": dict(gt=0, le=101.3),
    "passes": dict(integer=True, ge=1, le=100),
    "speed_mm_s": dict(gt=0, le=1000),
    "load_n": dict(ge=0, le=100),
    "crystal_flow_g_min": dict(gt=0, le=1000),
    "dwell_s": dict(gt=0, le=3600),
    "treated_area_cm2": dict(gt=0, le=20000),
}
_MODES = ("moving", "stationary")


def _check_mode(value: Any) -> Any:
    def one(v: Any, sub: tuple) -> str:
        if v not in _MODES:
            raise _problem(sub, v, "is not a hand-piece mode", ", ".join(repr(m) for m in _MODES))
        return v

    if isinstance(value, (list, tuple)):
        if not value:
            raise _problem((), value, "is an empty list", "a mode, or a list with one mode per session")
        return [one(v, (i,)) for i, v in enumerate(value)]
    return one(value, ())


class LevelSettings(_Schema):
    """A device dial level: a partial set of scalar session settings."""

    vacuum_kpa: float | None = None
    passes: int | None = None
    speed_mm_s: float | None = None
    load_n: float | None = None
    crystal_flow_g_min: float | None = None
    mode: Literal["moving", "stationary"] | None = None
    dwell_s: float | None = None
    treated_area_cm2: float | None = None

    @field_validator("vacuum_kpa", "passes", "speed_mm_s", "load_n", "crystal_flow_g_min", "dwell_s", "treated_area_cm2", mode="before")
    @classmethod
    def _bounds(cls, v: Any, info: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, (list, tuple)):
            raise _problem((), v, "is a list", "a single value (levels apply to every session)")
        return _scalar_or_list(v, info.field_name, **_SETTING_BOUNDS[info.field_name])

    def given(self) -> dict[str, Any]:
        """The settings this level sets."""
        return {k: getattr(self, k) for k in SETTING_NAMES if getattr(self, k) is not None}


class DeviceSpec(_Schema):
    """The hardware of a microdermabrasion device, as a product sheet gives it."""

    name: Text
    kind: Literal["diamond", "crystal"]
    tip_diameter_mm: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=50)]
    aperture_diameter_mm: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=50)]
    grit_um: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=2000)] | None = None
    crystal_size_um: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=2000)] | None = None
    crystal_flow_g_min: Range | None = None
    vacuum_kpa: Range
    air_flow_l_min: Range | None = None
    max_load_n: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=100)] | None = None
    levels: dict[str, LevelSettings] = Field(default_factory=dict)
    sources: list[Text] = Field(default_factory=list)
    description: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> "DeviceSpec":
        if self.kind == "diamond":
            if self.grit_um is None:
                raise _problem(("grit_um",), MISSING, "is required for a diamond device", "the diamond grit size in um (e.g. 100)")
            for f in ("crystal_size_um", "crystal_flow_g_min"):
                if getattr(self, f) is not None:
                    raise _problem((f,), _plain(getattr(self, f)), "is for crystal devices only", "remove it, or set kind: crystal")
        else:
            for f, example in (("crystal_size_um", "the crystal size in um (e.g. 100)"), ("crystal_flow_g_min", "a range {min, max} in g/min")):
                if getattr(self, f) is None:
                    raise _problem((f,), MISSING, "is required for a crystal device", example)
            for f in ("grit_um", "max_load_n"):
                if getattr(self, f) is not None:
                    raise _problem((f,), getattr(self, f), "is for diamond devices only", "remove it, or set kind: diamond")
        if self.aperture_diameter_mm > self.tip_diameter_mm:
            raise _problem(("aperture_diameter_mm",), self.aperture_diameter_mm, f"is wider than the tip ({self.tip_diameter_mm:g} mm)", f"<= tip_diameter_mm ({self.tip_diameter_mm:g} mm)")
        if self.vacuum_kpa.max > 101.3:
            raise _problem(("vacuum_kpa", "max"), self.vacuum_kpa.max, "exceeds atmospheric pressure", "<= 101.3 kPa")
        if self.vacuum_kpa.max <= 0:
            raise _problem(("vacuum_kpa", "max"), self.vacuum_kpa.max, "gives no suction", "> 0 kPa")
        for level, settings in self.levels.items():
            for key, value in settings.given().items():
                problem = _device_problem(self, key, value)
                if problem:
                    raise _problem(("levels", level, key), value, *problem)
        return self

    def settings_allowed(self) -> list[str]:
        """Session settings that apply to this kind of device."""
        drop = "crystal_flow_g_min" if self.kind == "diamond" else "load_n"
        return [s for s in SETTING_NAMES if s != drop]


def _plain(v: Any) -> Any:
    return v.model_dump() if isinstance(v, BaseModel) else v


def _device_problem(device: DeviceSpec, key: str, value: Any) -> tuple[str, str] | None:
    """(problem, allowed) when a scalar setting does not fit the device, else None."""
    if key == "crystal_flow_g_min" and device.kind == "diamond":
        return (f"is not a setting of diamond device {device.name!r}", ", ".join(device.settings_allowed()))
    if key == "load_n" and device.kind == "crystal":
        return (f"is not a setting of crystal device {device.name!r}", ", ".join(device.settings_allowed()))
    if key == "vacuum_kpa" and not device.vacuum_kpa.contains(value):
        return (f"is outside the vacuum range of device {device.name!r}", f"{device.vacuum_kpa} kPa")
    if key == "crystal_flow_g_min" and device.crystal_flow_g_min is not None and not device.crystal_flow_g_min.contains(value):
        return (f"is outside the crystal-flow range of device {device.name!r}", f"{device.crystal_flow_g_min} g/min")
    if key == "load_n" and device.max_load_n is not None and value > device.max_load_n + 1e-12:
        return (f"is above the maximum hand load of device {device.name!r}", f"[0, {device.max_load_n:g}] N")
    return None


class SettingsSpec(_Schema):
    """Session settings; each may be one value (every session) or a list, one per session.

    ``level`` names a dial level of the device; its settings fill in what is not given here.
    """

    vacuum_kpa: float | list[float] = 30.0
    passes: int | list[int] = 2
    speed_mm_s: float | list[float] = 20.0
    load_n: float | list[float] | None = None  # default 2 N on diamond devices
    crystal_flow_g_min: float | list[float] | None = None  # default: middle of the device range
    mode: Literal["moving", "stationary"] | list[Literal["moving", "stationary"]] = "moving"
    dwell_s: float | list[float] = 10.0
    treated_area_cm2: float | list[float] = 50.0
    level: Text | None = None

    @field_validator("vacuum_kpa", "passes", "speed_mm_s", "load_n", "crystal_flow_g_min", "dwell_s", "treated_area_cm2", mode="before")
    @classmethod
    def _bounds(cls, v: Any, info: Any) -> Any:
        if v is None:
            return v
        return _scalar_or_list(v, info.field_name, **_SETTING_BOUNDS[info.field_name])

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> Any:
        return _check_mode(v)


DEFAULT_LOAD_N = 2.0


class ProtocolSpec(_Schema):
    """A course of sessions: when, how many, and with which settings."""

    interval_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=3650)]
    sessions: Annotated[int, Field(strict=True, ge=1, le=1000)]
    start_day: NonNegative = 0.0
    follow_up_days: NonNegative = 28.0
    settings: SettingsSpec = Field(default_factory=SettingsSpec)

    @model_validator(mode="after")
    def _list_lengths(self) -> "ProtocolSpec":
        for name in SETTING_NAMES:
            v = getattr(self.settings, name)
            if isinstance(v, list) and len(v) != self.sessions:
                raise _problem(
                    ("settings", name), v, f"has {len(v)} values for {self.sessions} sessions",
                    f"one value, or a list of {self.sessions} values (one per session)",
                )
        return self

    def session_days(self) -> list[float]:
        """Day of each session: start_day + i * interval_days."""
        return [self.start_day + i * self.interval_days for i in range(self.sessions)]

    def session_settings(self) -> list[dict[str, Any]]:
        """One filled dict of settings per session (keys: SETTING_NAMES).

        Settings that do not apply to the device (load on a crystal device, crystal flow on
        a diamond device) are 0.0; ``mode`` is a string, ``passes`` an int, the rest floats.
        """
        out = []
        for i in range(self.sessions):
            row: dict[str, Any] = {}
            for name in SETTING_NAMES:
                v = getattr(self.settings, name)
                if isinstance(v, list):
                    v = v[i]
                if v is None:
                    v = 0.0
                row[name] = v
            out.append(row)
        return out


class StripEvent(_Schema):
    """Tape stripping: remove ``remove_fraction`` of the SC layers from the top on ``day``."""

    kind: Literal["strip"]
    day: NonNegative
    remove_fraction: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1)]


Event = Annotated[Union[StripEvent], Field(discriminator="kind")]


class GridSpec(_Schema):
    """Numerical grid: lateral geometry, depth cells, time step, SC age bins."""

    lateral: Literal["column", "1d", "2d"] = "1d"
    n: Annotated[int, Field(strict=True, ge=4, le=8192)] = 256
    width_mm: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1000)] = 5.0
    dt_hours: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=24)] = 1.0
    nz: Annotated[int, Field(strict=True, ge=4, le=1000)] = 12
    sc_bin_hours: Positive = 24.0
    sc_max_age_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=3650)] = 40.0

    @model_validator(mode="after")
    def _commensurate(self) -> "GridSpec":
        if not _is_multiple(24.0, self.dt_hours):
            divisors = ", ".join(f"{24 / k:g}" for k in (1, 2, 3, 4, 6, 8, 12, 24, 48))
            raise _problem(("dt_hours",), self.dt_hours, "does not divide 24 h exactly", f"24/k hours for an integer k, e.g. {divisors}")
        if not _is_multiple(self.sc_bin_hours, self.dt_hours):
            raise _problem(("sc_bin_hours",), self.sc_bin_hours, f"is not a multiple of dt_hours ({self.dt_hours:g} h)", f"k * {self.dt_hours:g} h for an integer k >= 1")
        if not _is_multiple(self.sc_max_age_days * 24.0, self.sc_bin_hours):
            raise _problem(("sc_max_age_days",), self.sc_max_age_days, f"is not a whole number of SC age bins ({self.sc_bin_hours:g} h)", f"k * {self.sc_bin_hours / 24:g} d for an integer k >= 1")
        return self

    @property
    def steps_per_day(self) -> int:
        return round(24.0 / self.dt_hours)

    @property
    def n_sc_bins(self) -> int:
        """Number of SC age bins (cohorts) = sc_max_age_days * 24 / sc_bin_hours."""
        return round(self.sc_max_age_days * 24.0 / self.sc_bin_hours)


class SaveSpec(_Schema):
    """What to save: the output interval and whether to keep spatial profiles."""

    every_hours: Positive = 6.0
    profiles: Annotated[bool, Field(strict=True)] = False


class SkinParameterEntry(_Schema):
    value: Any
    source: Text = "user"


class SkinProfile(_Schema):
    """A skin profile file (or inline mapping): parameter values with their sources."""

    name: Text | None = None
    site: Text | None = None
    description: Text | None = None
    base: Text | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


def _reference(v: Any, what: str, allow_none: bool) -> Any:
    if v is None and allow_none:
        return v
    if isinstance(v, (str, dict, DeviceSpec)):
        return v
    allowed = f"a {what} name, a path to a YAML file, or a mapping" + (", or null" if allow_none else "")
    raise _problem((), v, f"is not a {what} reference", allowed)


class RunConfig(_Schema):
    """A run config as written (references not yet resolved)."""

    skin: Any
    device: Any = None
    protocol: ProtocolSpec | None = None
    events: list[Event] = Field(default_factory=list)
    grid: GridSpec = Field(default_factory=GridSpec)
    save: SaveSpec = Field(default_factory=SaveSpec)
    duration_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=36500)] | None = None
    seed: Annotated[int, Field(strict=True, ge=0)] = 0

    @field_validator("skin", mode="before")
    @classmethod
    def _skin_ref(cls, v: Any) -> Any:
        return _reference(v, "skin profile", False)

    @field_validator("device", mode="before")
    @classmethod
    def _device_ref(cls, v: Any) -> Any:
        return _reference(v, "device", True)

    @model_validator(mode="after")
    def _save_on_grid(self) -> "RunConfig":
        if not _is_multiple(self.save.every_hours, self.grid.dt_hours):
            raise _problem(("save", "every_hours"), self.save.every_hours, f"is not a multiple of grid.dt_hours ({self.grid.dt_hours:g} h)", f"k * {self.grid.dt_hours:g} h for an integer k >= 1")
        return self


# --------------------------------------------------------------------------- resolution


def _validate(model: type[BaseModel], data: Any, prefix: Sequence[Any], file: str | Path | None = None) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, prefix, file) from None


@dataclass(frozen=True)
class _Skin:
    name: str | None
    site: str | None
    description: str | None
    values: dict[str, float]
    sources: dict[str, str]


def _resolve_skin(spec: Any, base_dir: Path | None, field_path: str, chain: tuple[Path, ...] = ()) -> _Skin:
    if isinstance(spec, str):
        path = _locate("skin", spec, base_dir, field_path)
        if path in chain:
            raise ConfigError(field_path, spec, "makes a cycle of base profiles", "a base chain that ends in a complete profile")
        mapping = _load_mapping(path, field_path)
        skin = _resolve_skin_mapping(mapping, path.parent, field_path, chain + (path,), path)
        if skin.name is None:
            skin = _Skin(path.stem, skin.site, skin.description, skin.values, skin.sources)
        return skin
    return _resolve_skin_mapping(spec, base_dir, field_path, chain, None)


def _resolve_skin_mapping(mapping: Any, base_dir: Path | None, field_path: str, chain: tuple[Path, ...], file: Path | None) -> _Skin:
    profile: SkinProfile = _validate(SkinProfile, mapping, [field_path], file)
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    name, site, description = profile.name, profile.site, profile.description
    if profile.base is not None:
        try:
            base = _resolve_skin(profile.base, base_dir, f"{field_path}.base", chain)
        except ConfigError as exc:
            raise (ConfigError(exc.field, exc.value, exc.problem, exc.allowed, exc.file or file)) from None
        values.update(base.values)
        sources.update(base.sources)
        name = name or base.name
        site = site or base.site
        description = description if description is not None else base.description
    allowed_keys = ", ".join(SKIN_PARAMETERS)
    for key, raw in profile.parameters.items():
        where = f"{field_path}.parameters.{key}"
        spec = SKIN_PARAMETERS.get(key)
        if spec is None:
            raise ConfigError(where, raw, "is not a skin parameter", allowed_keys, file)
        if isinstance(raw, dict):
            entry: SkinParameterEntry = _validate(SkinParameterEntry, raw, [where], file)
            value, source = entry.value, entry.source
            if "value" not in raw:
                raise ConfigError(f"{where}.value", MISSING, "is required", f"a number in {spec.allowed()}", file)
        else:
            value, source = raw, "user"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(where, value, "is not a number", f"a number in {spec.allowed()}", file)
        problem = spec.check(value)
        if problem is not None:
            wrong = "is not finite" if not math.isfinite(value) else "is outside the allowed range"
            raise ConfigError(where, value, wrong, spec.allowed(), file)
        values[key] = float(value)
        sources[key] = source
    return _Skin(name, site, description, values, sources)


def _complete_skin(skin: _Skin, field_path: str) -> None:
    missing = [k for k in SKIN_PARAMETERS if k not in skin.values]
    if missing:
        shown = ", ".join(missing[:6]) + (f" (+{len(missing) - 6} more)" if len(missing) > 6 else "")
        raise ConfigError(
            f"{field_path}.parameters", f"{len(missing)} missing", f"parameters are not given: {shown}",
            "every parameter of models.parameters.SKIN_PARAMETERS, given in the profile or its base",
        )


def _resolve_device(spec: Any, base_dir: Path | None, field_path: str = "device") -> DeviceSpec:
    if isinstance(spec, DeviceSpec):
        return spec
    file: Path | None = None
    if isinstance(spec, str):
        file = _locate("devices", spec, base_dir, field_path)
        spec = _load_mapping(file, field_path)
        spec.setdefault("name", file.stem)
    elif isinstance(spec, dict):
        spec = dict(spec)
        spec.setdefault("name", "custom")
    return _validate(DeviceSpec, spec, [field_path], file)


def load_device(ref: str | Path | Mapping[str, Any] | DeviceSpec, base_dir: str | Path | None = None) -> DeviceSpec:
    """A device from the catalogue (by name), a YAML file, or a mapping."""
    if isinstance(ref, Path):
        ref = str(ref)
    if isinstance(ref, Mapping) and not isinstance(ref, dict):
        ref = dict(ref)
    return _resolve_device(ref, Path(base_dir) if base_dir else Path.cwd())


def _resolve_protocol(protocol: ProtocolSpec, device: DeviceSpec) -> ProtocolSpec:
    settings = protocol.settings
    explicit = {k for k in settings.model_fields_set if k != "level" and getattr(settings, k) is not None}
    values: dict[str, Any] = {}
    if settings.level is not None:
        if settings.level not in device.levels:
            allowed = ", ".join(device.levels) if device.levels else f"(device {device.name!r} defines no levels)"
            raise ConfigError("protocol.settings.level", settings.level, f"is not a level of device {device.name!r}", allowed)
        values.update(device.levels[settings.level].given())
    # a setting of the other device kind (crystal flow on a diamond tip, hand load on a
    # crystal jet) is accepted and ignored: a config may carry both (interface.md's example)
    # and a sweep may switch devices; the resolved settings drop it
    ignored = "crystal_flow_g_min" if device.kind == "diamond" else "load_n"
    for key in explicit:
        if key != ignored:
            values[key] = getattr(settings, key)
    for key in SETTING_NAMES:
        if key in values:
            continue
        if key == "load_n":
            if device.kind == "diamond":
                values[key] = min(DEFAULT_LOAD_N, device.max_load_n) if device.max_load_n else DEFAULT_LOAD_N
        elif key == "crystal_flow_g_min":
            if device.kind == "crystal" and device.crystal_flow_g_min is not None:
                values[key] = device.crystal_flow_g_min.mid
        else:
            values[key] = SettingsSpec.model_fields[key].default
    # hardware limits, per session where a list is given
    for key in ("crystal_flow_g_min", "load_n", "vacuum_kpa"):
        if key not in values:
            continue
        v = values[key]
        items = list(enumerate(v)) if isinstance(v, list) else [(None, v)]
        for i, x in items:
            problem = _device_problem(device, key, x)
            if problem:
                where = ["protocol", "settings", key] + ([i] if i is not None else [])
                origin = "" if key in explicit else f" (from level {settings.level!r})"
                raise ConfigError(where, v if key not in explicit and i is None else x, problem[0] + origin, problem[1])
    if settings.level is not None:
        values["level"] = settings.level
    filled = _validate(SettingsSpec, values, ["protocol", "settings"])
    return protocol.model_copy(update={"settings": filled})


def _resolve_duration(cfg: RunConfig, protocol: ProtocolSpec | None) -> float:
    last_session = protocol.session_days()[-1] if protocol is not None else None
    last_event = max((e.day for e in cfg.events), default=None)
    if cfg.duration_days is not None:
        duration = cfg.duration_days
        if last_session is not None and last_session >= duration:
            raise ConfigError("duration_days", duration, f"ends before the last session (day {last_session:g})", f"> {last_session:g} d")
    elif protocol is not None:
        duration = last_session + protocol.follow_up_days
        if duration <= 0:
            raise ConfigError("protocol.follow_up_days", protocol.follow_up_days, "leaves no time after the only session (day 0)", "> 0 d, or set duration_days")
    elif last_event is not None:
        duration = last_event + 28.0
    else:
        duration = 28.0
    for i, e in enumerate(cfg.events):
        if e.day > duration:
            raise ConfigError(["events", i, "day"], e.day, f"is after the end of the run (day {duration:g})", f"[0, {duration:g}] d, or a longer duration_days")
    return float(duration)


@dataclass(frozen=True)
class ResolvedRunConfig:
    """A run config with every reference resolved and every default filled.

    ``skin`` maps every name of ``models.parameters.SKIN_PARAMETERS`` to its value (units
    as in the name), ``skin_sources`` to where that value comes from. ``device`` is None for
    untreated skin; ``protocol`` (None when untreated) has its settings filled (dial level
    expanded, defaults, device-dependent defaults) and checked against the device.
    ``events`` are sorted by day. ``to_dict()`` is a valid run config that resolves to the
    same object (same ``hash``).
    """

    skin_name: str
    skin: dict[str, float]
    skin_sources: dict[str, str]
    device: DeviceSpec | None
    protocol: ProtocolSpec | None
    events: list[StripEvent]
    grid: GridSpec
    save: SaveSpec
    duration_days: float
    seed: int
    skin_site: str | None = None
    skin_description: str | None = None

    def session_days(self) -> list[float]:
        """Days of the device sessions ([] when untreated)."""
        return self.protocol.session_days() if self.protocol is not None else []

    def session_settings(self) -> list[dict[str, Any]]:
        """Filled settings of each session ([] when untreated)."""
        return self.protocol.session_settings() if self.protocol is not None else []

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved config as plain JSON-serialisable data (a valid run config)."""
        skin: dict[str, Any] = {"name": self.skin_name}
        if self.skin_site is not None:
            skin["site"] = self.skin_site
        if self.skin_description is not None:
            skin["description"] = self.skin_description
        skin["parameters"] = {k: {"value": self.skin[k], "source": self.skin_sources[k]} for k in SKIN_PARAMETERS}
        return {
            "skin": skin,
            "device": self.device.model_dump(mode="json", exclude_none=True) if self.device is not None else None,
            "protocol": self.protocol.model_dump(mode="json", exclude_none=True) if self.protocol is not None else None,
            "events": [e.model_dump(mode="json") for e in self.events],
            "grid": self.grid.model_dump(mode="json"),
            "save": self.save.model_dump(mode="json"),
            "duration_days": self.duration_days,
            "seed": self.seed,
        }

    def to_json(self) -> str:
        """Canonical JSON of :meth:`to_dict` (sorted keys, no spaces)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @cached_property
    def hash(self) -> str:
        """sha256 hex digest of the canonical JSON of :meth:`to_dict`."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- overrides


_TOP_KEYS = tuple(RunConfig.model_fields)


def _split_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        if token.startswith("["):
            parts.append(int(token[1:-1]))
        elif token.isdigit():
            parts.append(int(token))
        else:
            parts.append(token)
    return parts


def _apply_override(data: dict, item: str, base_dir: Path | None) -> None:
    if "=" not in item:
        raise ConfigError("--set", item, "is not KEY=VALUE", "a dotted config path and a YAML value, e.g. protocol.interval_days=7")
    key, raw = item.split("=", 1)
    key = key.strip()
    parts = _split_key(key)
    if not parts or not isinstance(parts[0], str) or not re.fullmatch(r"[A-Za-z_][\w]*((\.[\w]+)|(\[\d+\]))*", key):
        raise ConfigError("--set", item, "does not start with a valid dotted config path", f"a path starting with one of {', '.join(_TOP_KEYS)}")
    if parts[0] not in _TOP_KEYS:
        raise ConfigError(key, parts[0], "is not a known key (from --set)", ", ".join(_TOP_KEYS))
    value = _parse_yaml_text(raw, key) if raw.strip() else None
    # a name or path given for skin/device becomes a mapping, so deeper keys apply to it
    head = parts[0]
    if head in ("skin", "device") and len(parts) > 1 and isinstance(data.get(head), str):
        ref = data[head]
        if head == "skin":
            path = _locate("skin", ref, base_dir, "skin")
            data["skin"] = {"base": str(path)}
            data["skin"]["name"] = _load_mapping(path, "skin").get("name") or path.stem
        else:
            path = _locate("devices", ref, base_dir, "device")
            mapping = _load_mapping(path, "device")
            mapping.setdefault("name", path.stem)
            data["device"] = mapping
    container: Any = data
    for depth, part in enumerate(parts[:-1]):
        nxt = parts[depth + 1]
        here = _format_path(parts[: depth + 1])
        if isinstance(container, dict):
            if not isinstance(part, str):
                raise ConfigError(here, part, "is an index into a mapping (from --set)", "a key name")
            if container.get(part) is None:
                container[part] = [] if isinstance(nxt, int) else {}
            container = container[part]
        elif isinstance(container, list):
            if not isinstance(part, int) or not (0 <= part < len(container)):
                raise ConfigError(here, part, f"is not an index of a list of {len(container)} (from --set)", f"0 to {len(container) - 1}" if container else "(the list is empty)")
            container = container[part]
        else:
            break
        if not isinstance(container, (dict, list)):
            raise ConfigError(here, container, f"cannot hold the sub-key {nxt!r} (from --set {key})", "a path that ends at this key")
    last = parts[-1]
    if isinstance(container, dict):
        if not isinstance(last, str):
            raise ConfigError(key, last, "is an index into a mapping (from --set)", "a key name")
        container[last] = value
    elif isinstance(container, list):
        if not isinstance(last, int) or not (0 <= last <= len(container)):
            raise ConfigError(key, last, f"is not an index of a list of {len(container)} (from --set)", f"0 to {len(container)}")
        if last == len(container):
            container.append(value)
        else:
            container[last] = value


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str], base_dir: str | Path | None = None) -> dict:
    """A copy of ``data`` with ``KEY=VALUE`` overrides applied (values parsed as YAML)."""
    out = copy.deepcopy(dict(data))
    for item in overrides:
        _apply_override(out, item, Path(base_dir) if base_dir else None)
    return out


# --------------------------------------------------------------------------- entry point


def _source_data(source: Any) -> tuple[dict, Path | None, Path | None]:
    """(raw mapping, folder that relative paths start from, file) of a config source."""
    if isinstance(source, ResolvedRunConfig):
        return source.to_dict(), None, None
    if isinstance(source, RunConfig):
        data = source.model_dump(exclude_unset=True)
        return data, Path.cwd(), None
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), Path.cwd(), None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ConfigError("config", str(source), "file does not exist" if not path.exists() else "is not a file", "a path to a YAML run config")
        path = path.resolve()
        return _load_mapping(path, "config"), path.parent, path
    raise ConfigError("config", type(source).__name__, "is not a config source", "a path, a mapping, or a RunConfig/ResolvedRunConfig")


def load_run_config(source: Any, overrides: Sequence[str] = ()) -> ResolvedRunConfig:
    """Load, override, validate and resolve a run config.

    ``source``: a path to a YAML file, a mapping, a :class:`RunConfig` or a
    :class:`ResolvedRunConfig`. ``overrides``: ``dotted.path=value`` strings, the value
    parsed as YAML (``protocol.interval_days=7``, ``skin.parameters.ve_thickness_um=50``,
    ``protocol.settings.vacuum_kpa=[20,30,40]``). Paths inside a file are relative to the
    file's folder, then the repository root, then the current folder.
    Raises :class:`ConfigError` (one-line message) on any problem.
    """
    data, base_dir, file = _source_data(source)
    try:
        if overrides:
            data = apply_overrides(data, list(overrides), base_dir)
        return _resolve(data, base_dir)
    except ConfigError as exc:
        if file is not None and exc.file is None:
            raise ConfigError(exc.field, exc.value, exc.problem, exc.allowed, file) from None
        raise


def _resolve(data: dict, base_dir: Path | None) -> ResolvedRunConfig:
    cfg: RunConfig = _validate(RunConfig, data, [])
    skin = _resolve_skin(cfg.skin, base_dir, "skin")
    _complete_skin(skin, "skin")
    device = _resolve_device(cfg.device, base_dir) if cfg.device is not None else None
    protocol = None
    if cfg.protocol is not None:
        if device is None:
            raise ConfigError("protocol", cfg.protocol.model_dump(exclude_unset=True), "is given without a device", f"device: one of {', '.join(list_devices()) or '(none)'}, a path or a mapping; or remove protocol")
        protocol = _resolve_protocol(cfg.protocol, device)
    duration = _resolve_duration(cfg, protocol)
    events = sorted(cfg.events, key=lambda e: e.day)
    return ResolvedRunConfig(
        skin_name=skin.name or "custom",
        skin=skin.values,
        skin_sources=skin.sources,
        device=device,
        protocol=protocol,
        events=events,
        grid=cfg.grid,
        save=cfg.save,
        duration_days=duration,
        seed=cfg.seed,
        skin_site=skin.site,
        skin_description=skin.description,
    )
