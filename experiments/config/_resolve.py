"""Resolution of a run config into a :class:`ResolvedRunConfig`.

Every skin parameter is filled (with its source, following ``base`` profiles), the
device loaded, each session's settings filled from the device's dial level and the
defaults and checked against the device's hardware ranges, the duration resolved.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from experiments.config._device import DeviceSpec, device_problem
from experiments.config._errors import MISSING, ConfigError
from experiments.config._limits import (MAX_DAYS, MAX_TIME_STEPS, N_MATURATION_STAGES, available_memory, human_bytes, n_columns, ramp_steps,
                                        run_memory_bytes)
from experiments.config._lookup import check_reference_text, is_file, list_devices, locate
from experiments.config._overrides import apply_overrides
from experiments.config._protocol import SETTING_NAMES, ProtocolSpec, SettingsSpec
from experiments.config._run_config import GridSpec, RunConfig, SaveSpec, SkinParameterEntry, SkinProfile, StripEvent
from experiments.config._schema import validate
from experiments.config._yaml import load_mapping
from models import SESSION_SETTINGS, SKIN_PARAMETERS

DEFAULT_LOAD_N = 2.0
"""Hand load of a diamond session when none is given (capped at the device's maximum)."""
DEFAULT_DURATION_DAYS = 28.0
"""Duration of a run with no protocol and no duration (after the last event, if any)."""


# --------------------------------------------------------------------------- skin


@dataclass(frozen=True)
class _Skin:
    name: str | None
    site: str | None
    description: str | None
    values: dict[str, float]
    sources: dict[str, str]


def _resolve_skin(spec: Any, base_dir: Path | None, field_path: str, chain: tuple[Path, ...] = (), confined: bool = False) -> _Skin:
    if isinstance(spec, str):
        path = locate("skin", spec, base_dir, field_path, confined)
        if path in chain:
            raise ConfigError(field_path, spec, "makes a cycle of base profiles", "a base chain that ends in a complete profile")
        mapping = load_mapping(path, field_path)
        skin = _resolve_skin_mapping(mapping, path.parent, field_path, chain + (path,), path)
        if skin.name is None:
            skin = _Skin(path.stem, skin.site, skin.description, skin.values, skin.sources)
        return skin
    return _resolve_skin_mapping(spec, base_dir, field_path, chain, None, confined)


def _resolve_skin_mapping(mapping: Any, base_dir: Path | None, field_path: str, chain: tuple[Path, ...], file: Path | None,
                          confined: bool = True) -> _Skin:
    profile: SkinProfile = validate(SkinProfile, mapping, [field_path], file)
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    name, site, description = profile.name, profile.site, profile.description
    if profile.base is not None:
        try:
            base = _resolve_skin(profile.base, base_dir, f"{field_path}.base", chain, confined or file is not None)
        except ConfigError as exc:
            raise exc.in_file(file) from None
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
            entry: SkinParameterEntry = validate(SkinParameterEntry, raw, [where], file)
            value, source = entry.value, entry.source
            if "value" not in raw:
                raise ConfigError(f"{where}.value", MISSING, "is required", f"a number in {spec.allowed()}", file)
        else:
            value, source = raw, "user"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(where, value, "is not a number", f"a number in {spec.allowed()}", file)
        if spec.check(value) is not None:
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
            "every parameter of models.SKIN_PARAMETERS, given in the profile or its base",
        )
    v = skin.values
    if v["cytokine_decay_per_hour"] == 0 and v["cytokine_clearance_um_per_hour"] == 0:  # spin-up impossible (NaN)
        raise ConfigError(f"{field_path}.parameters.cytokine_decay_per_hour", 0,
                          "together with cytokine_clearance_um_per_hour 0 leaves the alarm cytokine no way out "
                          "(it grows without end: there is no homeostasis to spin up to)",
                          "a decay rate > 0, or a clearance velocity > 0 (docs/limits.md)")


# --------------------------------------------------------------------------- device, protocol


def _resolve_device(spec: Any, base_dir: Path | None, field_path: str = "device", confined: bool = False) -> DeviceSpec:
    if isinstance(spec, DeviceSpec):
        return spec
    file: Path | None = None
    if isinstance(spec, str):
        file = locate("devices", spec, base_dir, field_path, confined)
        spec = load_mapping(file, field_path)
        spec.setdefault("name", file.stem)
    elif isinstance(spec, dict):
        spec = dict(spec)
        spec.setdefault("name", "custom")
    return validate(DeviceSpec, spec, [field_path], file)


def load_device(ref: str | Path | Mapping[str, Any] | DeviceSpec, base_dir: str | Path | None = None) -> DeviceSpec:
    """A device from the catalogue (by name), a YAML file, or a mapping."""
    if isinstance(ref, Path):
        ref = str(ref)
    if isinstance(ref, Mapping) and not isinstance(ref, dict):
        ref = dict(ref)
    return _resolve_device(ref, Path(base_dir) if base_dir else Path.cwd())


def _device_default(key: str, device: DeviceSpec) -> Any:
    """The default of a setting whose table default is None (decided by the device), or None."""
    if key == "load_n" and device.kind == "diamond":
        return min(DEFAULT_LOAD_N, device.max_load_n) if device.max_load_n else DEFAULT_LOAD_N
    if key == "crystal_flow_g_min" and device.kind == "crystal" and device.crystal_flow_g_min is not None:
        return device.crystal_flow_g_min.mid
    if key == "air_flow_l_min" and device.kind == "crystal" and device.air_flow_l_min is not None:
        return device.air_flow_l_min.mid
    return None


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
    # crystal jet) is accepted and ignored: a config may carry both (as the example in
    # docs/interface.md does) and a sweep may switch devices; the resolved settings drop it
    ignored = device.settings_ignored()
    for key in explicit:
        if key not in ignored:
            values[key] = getattr(settings, key)
    for key in SETTING_NAMES:
        if key in values:
            continue
        default = SESSION_SETTINGS[key].default
        if default is None:
            default = _device_default(key, device)
        if default is not None:
            values[key] = default
    # hardware limits, per session where a list is given
    for key in ("crystal_flow_g_min", "air_flow_l_min", "load_n", "vacuum_kpa"):
        if key not in values:
            continue
        v = values[key]
        items = list(enumerate(v)) if isinstance(v, list) else [(None, v)]
        for i, x in items:
            problem = device_problem(device, key, x)
            if problem:
                where = ["protocol", "settings", key] + ([i] if i is not None else [])
                origin = "" if key in explicit else f" (from level {settings.level!r})"
                raise ConfigError(where, v if key not in explicit and i is None else x, problem[0] + origin, problem[1])
    if settings.level is not None:
        values["level"] = settings.level
    filled = validate(SettingsSpec, values, ["protocol", "settings"])
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
        if duration > MAX_DAYS:
            parts = {"protocol.start_day": protocol.start_day, "protocol.interval_days": (protocol.sessions - 1) * protocol.interval_days,
                     "protocol.follow_up_days": protocol.follow_up_days}
            cause = max(parts, key=parts.get)
            raise ConfigError(cause, getattr(protocol, cause.split(".")[1]), f"makes the run {duration:.6g} days long (last session on day {last_session:.6g} + follow-up)",
                              f"a run of at most {MAX_DAYS:g} days (docs/limits.md), or set duration_days")
        if duration <= 0:
            raise ConfigError("protocol.follow_up_days", protocol.follow_up_days, "leaves no time after the only session (day 0)", "> 0 d, or set duration_days")
    elif last_event is not None:
        duration = last_event + DEFAULT_DURATION_DAYS
    else:
        duration = DEFAULT_DURATION_DAYS
    if duration > MAX_DAYS:  # an event near day MAX_DAYS plus the default follow-up
        raise ConfigError("events", f"last event on day {last_event:g}", f"makes the run {duration:g} days long", f"a run of at most {MAX_DAYS:g} days; events before day {MAX_DAYS - DEFAULT_DURATION_DAYS:g}, or set duration_days")
    for i, e in enumerate(cfg.events):
        if e.day > duration:
            raise ConfigError(["events", i, "day"], e.day, f"is after the end of the run (day {duration:g})", f"[0, {duration:g}] d, or a longer duration_days")
    return float(duration)


def _check_sizes(cfg: RunConfig, protocol: ProtocolSpec | None, duration: float) -> None:
    """The derived lengths of a run (steps, saves, sessions on distinct steps, memory) within docs/limits.md."""
    g, dt = cfg.grid, cfg.grid.dt_hours
    if cfg.save.every_hours > duration * 24.0 + 1e-9:
        raise ConfigError("save.every_hours", cfg.save.every_hours, f"is longer than the run ({duration * 24:g} h)",
                          f"k * {dt:g} h for an integer k >= 1, at most the run's {duration * 24:g} h")
    if protocol is not None and protocol.sessions > 1 and protocol.interval_days * 24.0 < dt - 1e-9:
        raise ConfigError("protocol.interval_days", protocol.interval_days, f"puts two sessions on one time step of {dt:g} h (they would overlap at one instant)",
                          f">= {dt / 24:.6g} d (one grid.dt_hours), or a smaller grid.dt_hours")
    n_events = len(cfg.events) + (protocol.sessions if protocol is not None else 0)
    base = math.ceil(duration * 24.0 / dt - 1e-9)
    steps = base + n_events * ramp_steps(dt)
    if steps > MAX_TIME_STEPS:
        need = duration * 24.0 / max(1.0, MAX_TIME_STEPS - n_events * ramp_steps(dt))
        raise ConfigError("grid.dt_hours", dt, f"gives {steps:,} time steps over {duration:g} days",
                          f"at most {MAX_TIME_STEPS:,} steps: dt_hours >= {need:.3g} h for this run, or a shorter run (docs/limits.md)")
    saves = math.floor(duration * 24.0 / cfg.save.every_hours + 1e-9) + 1
    need = run_memory_bytes(g.lateral, g.n, g.nz, N_MATURATION_STAGES, g.n_sc_bins, steps, saves, cfg.save.profiles)
    have = available_memory()
    if need > have:
        cols = n_columns(g.lateral, g.n)
        profiles = cfg.save.profiles and g.lateral != "column" and 8 * cols * saves > need / 2
        field_name, value = ("save.profiles", True) if profiles else ("grid.n", g.n)
        what = f"{cols:,} columns x {g.nz} depth cells x {g.n_sc_bins} SC bins, {steps:,} steps" + (f", {saves:,} saved profiles" if profiles else "")
        raise ConfigError(field_name, value, f"needs about {human_bytes(need)} of memory ({what})",
                          f"a run within the {human_bytes(have)} available: fewer columns (grid.n, grid.lateral), SC bins or saved profiles (docs/limits.md)")


def _check_fine_lines(cfg: RunConfig, skin: _Skin, protocol: ProtocolSpec | None) -> None:
    """A course on a transect or patch measures the fine lines: the grid must hold a line's shoulders.

    ``fine_line_depth`` compares the surface at a template line's centre with its shoulders,
    2.5 to 4 line widths away (models.topography.fine_line_weights); a domain narrower than
    that has no shoulder, a zero baseline depth and a NaN change, which would fail the run.
    """
    g = cfg.grid
    if g.lateral == "column" or protocol is None:
        return
    from models import topography
    from sim import LateralGrid

    width_um, spacing_um = skin.values["line_width_um"], skin.values["line_spacing_um"]

    def measurable(width_mm: float) -> bool:
        return bool(np.any(topography.fine_line_weights(LateralGrid("1d", g.n, 1000.0 * width_mm), width_um, spacing_um)))

    if not measurable(g.width_mm):
        need_mm = 5.0 * width_um / 1000.0
        for _ in range(200):  # the narrowest width (2 % steps) at which this grid holds a line's shoulders
            if measurable(need_mm):
                break
            need_mm *= 1.02
        raise ConfigError("grid.width_mm", g.width_mm, f"is too narrow to measure the fine lines of the skin (their shoulders lie "
                          f"{2.5 * width_um:g}-{4 * width_um:g} um from a line's centre; {g.n} columns)",
                          f">= {need_mm:.3g} mm for this skin and grid.n, or grid.lateral: column")


# --------------------------------------------------------------------------- the resolved config


def canonical_json(data: Any) -> str:
    """The JSON that defines a config's identity: sorted keys, no spaces, no NaN."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def content_hash(data: Any) -> str:
    """sha256 hex digest of :func:`canonical_json` of ``data`` (run configs, sweep plans)."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ResolvedRunConfig:
    """A run config with every reference resolved and every default filled.

    ``skin`` maps every name of ``models.SKIN_PARAMETERS`` to its value (units as in the
    name), ``skin_sources`` to where that value comes from. ``device`` is None for
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
        """Canonical JSON of :meth:`to_dict` (:func:`canonical_json`)."""
        return canonical_json(self.to_dict())

    @cached_property
    def hash(self) -> str:
        """sha256 hex digest of the canonical JSON of :meth:`to_dict` (:func:`content_hash`)."""
        return content_hash(self.to_dict())


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
        check_reference_text(str(source), "config", "run config")
        if not is_file(path):
            raise ConfigError("config", str(source), "file does not exist" if not path.exists() else "is not a file", "a path to a YAML run config")
        path = path.resolve()
        return load_mapping(path, "config"), path.parent, path
    raise ConfigError("config", type(source).__name__, "is not a config source", "a path, a mapping, or a RunConfig/ResolvedRunConfig")


def load_run_config(source: Any, overrides: Sequence[str] = (), *, base_dir: str | Path | None = None) -> ResolvedRunConfig:
    """Load, override, validate and resolve a run config.

    ``source``: a path to a YAML file, a mapping, a :class:`RunConfig` or a
    :class:`ResolvedRunConfig`. ``overrides``: ``dotted.path=value`` strings, the value
    parsed as YAML (``protocol.interval_days=7``, ``skin.parameters.ve_thickness_um=50``,
    ``protocol.settings.vacuum_kpa=[20,30,40]``). Paths inside a file are relative to the
    file's folder, then the repository root, then the current folder. A path read from a
    file must lie in a config folder or in the file's folder (docs/limits.md); ``base_dir``
    says that a mapping was read from a file in that folder (a sweep's inline base), so the
    same holds for it. A mapping without ``base_dir`` is the caller's own: its paths start
    from the current folder and may point anywhere.
    Raises :class:`ConfigError` (one-line message) on any problem.
    """
    data, folder, file = _source_data(source)
    confined = file is not None or base_dir is not None  # read from a file: its references stay in the allowed folders
    base_dir = Path(base_dir) if base_dir is not None else folder
    try:
        if overrides:
            data = apply_overrides(data, list(overrides), base_dir, confined=confined)
        return _resolve(data, base_dir, confined)
    except ConfigError as exc:
        if file is not None and exc.file is None:
            raise exc.in_file(file) from None
        raise


def _resolve(data: dict, base_dir: Path | None, confined: bool = False) -> ResolvedRunConfig:
    cfg: RunConfig = validate(RunConfig, data, [])
    skin = _resolve_skin(cfg.skin, base_dir, "skin", confined=confined)
    _complete_skin(skin, "skin")
    device = _resolve_device(cfg.device, base_dir, confined=confined) if cfg.device is not None else None
    protocol = None
    if cfg.protocol is not None:
        if device is None:
            raise ConfigError("protocol", cfg.protocol.model_dump(exclude_unset=True), "is given without a device", f"device: one of {', '.join(list_devices()) or '(none)'}, a path or a mapping; or remove protocol")
        protocol = _resolve_protocol(cfg.protocol, device)
    duration = _resolve_duration(cfg, protocol)
    _check_sizes(cfg, protocol, duration)
    _check_fine_lines(cfg, skin, protocol)
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
