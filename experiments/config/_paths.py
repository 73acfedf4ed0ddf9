"""What a dotted config path holds: its long name and units, from the schemas and the tables.

``protocol.interval_days``, ``protocol.settings.vacuum_kpa`` (a per-session index such
as ``[2]`` may follow), ``grid.dt_hours``, ``device.vacuum_kpa.max``,
``skin.parameters.ve_thickness_um``: session settings answer from
``models.SESSION_SETTINGS``, skin parameters from ``models.SKIN_PARAMETERS``, the rest
from the ``description`` and ``units`` of the schema fields.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel

from experiments.config._errors import ConfigError, split_path
from experiments.config._run_config import REFERENCES, RunConfig, SkinProfile
from experiments.config._schema import Range, field_extra
from models import SKIN_PARAMETERS


@dataclass(frozen=True)
class FieldDescription:
    """The long name (None when the field has none) and units (``"1"``: none) of a config path."""

    path: str
    long_name: str | None
    units: str


def _models_in(annotation: object) -> tuple[list[type[BaseModel]], bool, bool]:
    """(schemas inside ``annotation``, whether it may be a list, whether a mapping of names)."""
    models: list[type[BaseModel]] = []
    is_list = is_dict = False
    stack = [annotation]
    while stack:
        a = stack.pop()
        origin = typing.get_origin(a)
        if isinstance(a, type) and issubclass(a, BaseModel):
            models.append(a)
        elif origin in (list, tuple):
            is_list = True
            stack.extend(typing.get_args(a))
        elif origin is dict:
            is_dict = True
            stack.append(typing.get_args(a)[1])
        elif origin in (typing.Union, types.UnionType, typing.Annotated):
            stack.extend(typing.get_args(a)[:1] if origin is typing.Annotated else typing.get_args(a))
    return models, is_list, is_dict


def _unknown(path: str, part: object, allowed: typing.Iterable[str]) -> ConfigError:
    return ConfigError(path, part, "is not a key of the config at this path", ", ".join(allowed))


def describe(path: str) -> FieldDescription:
    """The long name and units of the value at a dotted config path.

    Raises :class:`ConfigError` for a path that is not in the config schema.
    """
    parts = split_path(path)
    if not parts or not isinstance(parts[0], str):
        raise _unknown(path, path, RunConfig.model_fields)
    models: list[type[BaseModel]] = [RunConfig]
    long_name: str | None = None
    units = "1"
    is_list = is_dict = False
    for k, part in enumerate(parts):
        if isinstance(part, int) or is_dict:
            if not (is_list or is_dict) or (is_dict and isinstance(part, int)):
                raise _unknown(path, part, ())
            is_list = is_dict = False  # an index of a list, a name in a mapping: same schema
            continue
        if models == [SkinProfile] and part == "parameters" and k + 1 < len(parts):
            name = parts[k + 1]
            spec = SKIN_PARAMETERS.get(name) if isinstance(name, str) else None
            if spec is None or any(p not in ("value",) for p in parts[k + 2:]):
                raise _unknown(path, name, SKIN_PARAMETERS)
            return FieldDescription(path, spec.description, spec.units)
        owner = next((m for m in models if part in m.model_fields), None)
        if owner is None:
            raise _unknown(path, part, [f for m in models for f in m.model_fields])
        if owner is Range:  # min/max of a range: the quantity of the range
            models, is_list, is_dict = [], False, False
            continue
        info = owner.model_fields[part]
        long_name, units = info.description, field_extra(info, "units") or "1"
        if owner is RunConfig and part in REFERENCES:
            models, is_list, is_dict = [REFERENCES[part]], False, False
        else:
            models, is_list, is_dict = _models_in(info.annotation)
    return FieldDescription(path, long_name, units)


def long_name(path: str) -> str | None:
    """The plain-language name of a config path (``protocol.interval_days`` ->
    ``"interval between sessions"``); None when its schema field has none."""
    return describe(path).long_name


def units_of(path: str) -> str:
    """The units (UDUNITS) of a config path: ``"d"``, ``"mm s-1"``; ``"1"`` when it has none."""
    return describe(path).units
