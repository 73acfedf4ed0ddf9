"""Session settings and the protocol (a course of sessions), built from ``models.SESSION_SETTINGS``.

The table gives each setting's name, units, long name, bounds, integer flag, default and
allowed words; :class:`SettingsSpec` (a protocol's settings, one value or one per
session) and :class:`LevelSettings` (a device dial level, scalars only) have one field
per row. Defaults that depend on the device (``load_n``, ``crystal_flow_g_min``: the
table says None) are filled when a config is resolved.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, create_model, field_validator, model_validator

from experiments.config._errors import schema_problem
from experiments.config._limits import MAX_DAYS
from experiments.config._schema import Schema, Text, field, message_units
from models import SESSION_SETTINGS, SettingSpec

SETTING_NAMES = tuple(SESSION_SETTINGS)
"""The names of the session settings, in table order."""
_NUMERIC = tuple(name for name, spec in SESSION_SETTINGS.items() if not spec.choices)
_CATEGORICAL = tuple(name for name, spec in SESSION_SETTINGS.items() if spec.choices)


def _bound_text(spec: SettingSpec) -> str:
    bounds = spec.bounds()
    lo = f"> {bounds['gt']:g}" if "gt" in bounds else f">= {bounds['ge']:g}" if "ge" in bounds else ""
    hi = f"<= {bounds['le']:g}" if "le" in bounds else ""
    units = message_units(spec.units)
    return " and ".join(x for x in (lo, hi) if x) + (" " + units if units else "")


def _check_number(value: Any, spec: SettingSpec) -> Any:
    """A setting given as one number or a per-session list (without checking the length)."""
    bounds = spec.bounds()
    gt, ge, le = bounds.get("gt"), bounds.get("ge"), bounds.get("le")
    integer = spec.integer

    def one(v: Any, sub: tuple) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise schema_problem(sub, v, "is not an integer" if integer else "is not a number", f"{'an integer' if integer else 'a number'} {_bound_text(spec)}, or a list of them, one per session")
        if integer and not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise schema_problem(sub, v, "is not an integer", f"an integer {_bound_text(spec)}")
        if not math.isfinite(v):
            raise schema_problem(sub, v, "is not finite", f"a finite number {_bound_text(spec)}")
        if (gt is not None and not v > gt) or (ge is not None and not v >= ge) or (le is not None and not v <= le):
            raise schema_problem(sub, v, "is out of range", _bound_text(spec))
        return int(v) if integer else float(v)

    if isinstance(value, (list, tuple)):
        if not value:
            raise schema_problem((), value, "is an empty list", "a value, or a list with one value per session")
        return [one(v, (i,)) for i, v in enumerate(value)]
    return one(value, ())


def _check_choice(value: Any, spec: SettingSpec) -> Any:
    """A categorical setting given as one word or a per-session list."""

    def one(v: Any, sub: tuple) -> str:
        if v not in spec.choices:
            raise schema_problem(sub, v, f"is not a {spec.long_name}", ", ".join(repr(c) for c in spec.choices))
        return v

    if isinstance(value, (list, tuple)):
        if not value:
            raise schema_problem((), value, "is an empty list", f"a {spec.name}, or a list with one {spec.name} per session")
        return [one(v, (i,)) for i, v in enumerate(value)]
    return one(value, ())


def _scalar_type(spec: SettingSpec) -> Any:
    if spec.choices:
        return Literal[spec.choices]
    return int if spec.integer else float


def _setting_field(spec: SettingSpec, per_session: bool) -> tuple[Any, Any]:
    """(annotation, field) of a setting: one value or a per-session list, or a level's scalar."""
    scalar = _scalar_type(spec)
    if per_session:
        annotation = scalar | list[scalar]
        default = spec.default
        if default is None:
            annotation = annotation | None
    else:
        annotation, default = scalar | None, None
    return annotation, field(default, units=spec.units, description=spec.long_name)


# --------------------------------------------------------------------------- a dial level


def _level_value(cls: type, v: Any, info: Any) -> Any:
    if v is None:
        return v
    if isinstance(v, (list, tuple)):
        raise schema_problem((), v, "is a list", "a single value (levels apply to every session)")
    return _check_number(v, SESSION_SETTINGS[info.field_name])


class _LevelSettings(Schema):
    """The methods of :data:`LevelSettings` (its fields come from the table)."""

    def given(self) -> dict[str, Any]:
        """The settings this level sets."""
        return {k: getattr(self, k) for k in SETTING_NAMES if getattr(self, k) is not None}


LevelSettings = create_model(
    "LevelSettings",
    __base__=_LevelSettings,
    __doc__="A device dial level: a partial set of scalar session settings.",
    __module__=__name__,
    __validators__={"_bounds": field_validator(*_NUMERIC, mode="before")(classmethod(_level_value))},
    **{name: _setting_field(spec, per_session=False) for name, spec in SESSION_SETTINGS.items()},
)


# --------------------------------------------------------------------------- a protocol's settings


def _session_value(cls: type, v: Any, info: Any) -> Any:
    if v is None:
        return v
    return _check_number(v, SESSION_SETTINGS[info.field_name])


def _session_choice(cls: type, v: Any, info: Any) -> Any:
    return _check_choice(v, SESSION_SETTINGS[info.field_name])


SettingsSpec = create_model(
    "SettingsSpec",
    __base__=Schema,
    __doc__="""Session settings; each may be one value (every session) or a list, one per session.

    ``level`` names a dial level of the device; its settings fill in what is not given here.
    """,
    __module__=__name__,
    __validators__={
        "_bounds": field_validator(*_NUMERIC, mode="before")(classmethod(_session_value)),
        "_choice": field_validator(*_CATEGORICAL, mode="before")(classmethod(_session_choice)),
    },
    **{name: _setting_field(spec, per_session=True) for name, spec in SESSION_SETTINGS.items()},
    level=(Text | None, field(None, description="dial level")),
)


class ProtocolSpec(Schema):
    """A course of sessions: when, how many, and with which settings."""

    interval_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=3650)] = field(units="d", description="interval between sessions")
    sessions: Annotated[int, Field(strict=True, ge=1, le=1000)] = field(units="1", description="number of sessions")
    start_day: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_DAYS)] = field(0.0, units="d", description="day of the first session")
    follow_up_days: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_DAYS)] = field(28.0, units="d", description="follow-up after the last session")
    settings: SettingsSpec = Field(default_factory=SettingsSpec)

    @model_validator(mode="after")
    def _list_lengths(self) -> "ProtocolSpec":
        for name in SETTING_NAMES:
            v = getattr(self.settings, name)
            if isinstance(v, list) and len(v) != self.sessions:
                raise schema_problem(
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
