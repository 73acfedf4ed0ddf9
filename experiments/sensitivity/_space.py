"""The input space of a sensitivity analysis: the factors varied and their ranges.

A factor is a skin parameter (``models.SKIN_PARAMETERS``; its range is the table's
:class:`models.Spread`: a literature spread, or +-50 % of the profile's value) or a session
setting (``models.SESSION_SETTINGS``; its range is the device's hardware range for
vacuum, load, crystal and air flow, else the setting's spread in the table). A config
may narrow a range (``{min, max}``) within the allowed one. Each factor is sampled
uniformly on ``[low, high]`` (table units).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

from models import SESSION_SETTINGS, SKIN_MECHANICS_PARAMETERS, SKIN_PARAMETERS
from experiments.config import ConfigError, ResolvedRunConfig

__all__ = ["DEFAULT_FACTORS", "Factor", "SAMPLED_SETTINGS", "build_factors", "factor_names", "factors_json"]

DEFAULT_FACTORS = ("ve_transit_days", "basal_flux_layers_per_day", "skin_youngs_modulus_kpa",
                   "sc_delamination_energy_j_per_m2", "vacuum_kpa", "passes")
"""The factors of a config that names none: four skin parameters (renewal, mechanics) and two dial settings."""

# seeded lateral fields and the template surface: a value of these is not a scalar of the run
_FIELD_KEYS = ("heterogeneity_cv", "heterogeneity_length_um", "line_depth_um", "line_width_um", "line_spacing_um",
               "roughness_rq_um", "roughness_length_um")
SKIN_FACTORS = tuple(k for k in SKIN_PARAMETERS if k not in _FIELD_KEYS)
SAMPLED_SETTINGS = tuple(k for k, s in SESSION_SETTINGS.items() if not s.choices and s.neutral is not None)
_HARDWARE = {"vacuum_kpa": "vacuum_kpa", "crystal_flow_g_min": "crystal_flow_g_min", "air_flow_l_min": "air_flow_l_min"}
_PREFIXES = {"skin.parameters.": SKIN_FACTORS, "protocol.settings.": SAMPLED_SETTINGS}


@dataclass(frozen=True)
class Factor:
    """One varied input: ``kind`` is ``"skin"`` (a parameter of the skin state: each sample
    needs its own spin-up), ``"mechanics"`` (a skin property under the hand-piece: no spin-up)
    or ``"setting"`` (a session setting, the same in every session). ``low``, ``high``,
    ``nominal`` in ``units`` (the table's); ``range_kind``: ``literature``, ``assumption``,
    ``hardware`` (the device's range) or ``config`` (narrowed by the config); ``source`` says where."""

    name: str
    kind: str
    units: str
    low: float
    high: float
    nominal: float
    range_kind: str
    source: str
    long_name: str


def factor_names(given: Sequence[str]) -> list[str]:
    """Bare factor names of ``given`` (``skin.parameters.X`` and ``protocol.settings.X`` accepted)."""
    out = []
    for name in given:
        for prefix in _PREFIXES:
            if isinstance(name, str) and name.startswith(prefix):
                name = name[len(prefix):]
        out.append(name)
    return out


def _allowed_names(resolved: ResolvedRunConfig) -> list[str]:
    return list(SKIN_FACTORS) + [s for s in SAMPLED_SETTINGS if _setting_problem(resolved, s) is None]


def _setting_problem(resolved: ResolvedRunConfig, name: str) -> str | None:
    spec = SESSION_SETTINGS[name]
    device = resolved.device
    if device is None or resolved.protocol is None:
        return "has no effect: the base config has no device sessions"
    if spec.device_kind is not None and spec.device_kind != device.kind:
        return f"is not a setting of {device.kind} device {device.name!r}"
    mode = resolved.session_settings()[0].get("mode", "moving")
    if spec.hand_mode is not None and spec.hand_mode != mode:
        return f"does not act in mode {mode!r} (it applies in mode {spec.hand_mode!r})"
    return None


def _setting_range(resolved: ResolvedRunConfig, name: str) -> tuple[float, float, str, str]:
    spec = SESSION_SETTINGS[name]
    device = resolved.device
    if name in _HARDWARE and getattr(device, _HARDWARE[name], None) is not None:
        r = getattr(device, _HARDWARE[name])
        return float(r.min), float(r.max), "hardware", f"device {device.name!r}: {r.min:g}-{r.max:g} {spec.units}"
    if name == "load_n" and device.max_load_n is not None:
        return 0.0, float(device.max_load_n), "hardware", f"device {device.name!r}: max_load_n {device.max_load_n:g} N"
    spread = spec.spread
    if spread is None:
        raise ConfigError(f"parameters.{name}", name, "has no sensitivity range", "a {min, max} range")
    return float(spread.low), float(spread.high), spread.kind, spread.source


def _narrowed(field: str, given: Any, low: float, high: float, units: str) -> tuple[float, float]:
    allowed = f"{{min, max}} within [{low:g}, {high:g}] {units}"
    if not isinstance(given, Mapping) or set(given) - {"min", "max"}:
        raise ConfigError(field, given, "is not a range", allowed)
    lo, hi = given.get("min", low), given.get("max", high)
    for key, v in (("min", lo), ("max", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            raise ConfigError(f"{field}.{key}", v, "is not a number", allowed)
    if lo < low or hi > high:
        raise ConfigError(field, given, "is outside the allowed range", allowed)
    if not hi > lo:
        raise ConfigError(field, given, "is empty (max <= min)", allowed)
    return float(lo), float(hi)


def build_factors(resolved: ResolvedRunConfig, given: Sequence[str] | Mapping[str, Any] | None,
                  field: str = "parameters") -> list[Factor]:
    """The factors named by ``given`` (names, or ``{name: None | {min, max}}``; None: :data:`DEFAULT_FACTORS`).

    Raises :class:`experiments.ConfigError` (one line: field, value, allowed) for an unknown
    name, one that cannot act on the base run (a setting of the other device kind or mode),
    a repeated name or a range outside the allowed one.
    """
    if given is None:
        given = [n for n in DEFAULT_FACTORS if n in _allowed_names(resolved)]
    if isinstance(given, (list, tuple)):
        names = factor_names(given)
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ConfigError(field, dup, "is named twice", "each factor once")
        ranges = {n: None for n in names}
    else:
        ranges = dict(zip(factor_names(list(given)), given.values()))
    if not ranges:
        raise ConfigError(field, [], "names no factor", "a list of skin parameters and session settings")
    first = resolved.session_settings()[0] if resolved.protocol is not None else {}
    out = []
    for name, narrowed in ranges.items():
        where = f"{field}.{name}"
        if name in SKIN_FACTORS:
            spec = SKIN_PARAMETERS[name]
            nominal = float(resolved.skin[name])
            low, high = spec.spread_bounds(nominal)
            kind = "mechanics" if name in SKIN_MECHANICS_PARAMETERS else "skin"
            range_kind, source, units, long_name = spec.spread.kind, spec.spread.source, spec.units, spec.description
            allowed_low, allowed_high = spec.low, spec.high
        elif name in SAMPLED_SETTINGS:
            problem = _setting_problem(resolved, name)
            if problem:
                raise ConfigError(field, name, problem, ", ".join(_allowed_names(resolved)))
            spec_s = SESSION_SETTINGS[name]
            low, high, range_kind, source = _setting_range(resolved, name)
            allowed_low, allowed_high = low, high
            nominal = float(first.get(name, spec_s.default if spec_s.default is not None else 0.5 * (low + high)))
            kind, units, long_name = "setting", spec_s.units, spec_s.long_name
        else:
            raise ConfigError(field, name, "is not a skin parameter or session setting that can be varied",
                              ", ".join(_allowed_names(resolved)))
        if narrowed is not None:
            low, high = _narrowed(where, narrowed, allowed_low, allowed_high, units)
            range_kind, source = "config", "narrowed by the sensitivity config"
        if not high > low:
            raise ConfigError(where, [low, high], "has an empty range", "a skin parameter with a non-zero value")
        out.append(Factor(name, kind, units, low, high, nominal, range_kind, source, long_name))
    return out


def factors_json(factors: Sequence[Factor]) -> str:
    """The factors as JSON text (an attribute of the result)."""
    return json.dumps([asdict(f) for f in factors], sort_keys=True)
