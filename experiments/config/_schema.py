"""The base of every config schema, its scalar types, ranges, and validation with one-line errors.

A schema field may carry ``units`` (UDUNITS strings: ``d``, ``mm s-1``) and a
``description`` (a plain-language long name); :func:`field` attaches them. Error
messages show a field's units (``> 0 d``) and the long names and units answer
:func:`experiments.config.long_name` and :func:`experiments.config.units_of`.
"""

from __future__ import annotations

from typing import Annotated, Any, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUndefined

from experiments.config._errors import from_validation_error, schema_problem


class Schema(BaseModel):
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

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _SCHEMAS.append(cls)


_SCHEMAS: list[type[Schema]] = []  # every schema class, for the units its messages show
_TAGS: list[str] = []  # the tags of the tagged unions (event kinds)

Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
Text = Annotated[str, Field(strict=True)]


def field(default: Any = PydanticUndefined, *, units: str | None = None, description: str | None = None, allowed: str | None = None, **kwargs: Any) -> Any:
    """A pydantic ``Field`` with the ``units`` and ``description`` (long name) of the value.

    ``allowed`` replaces the plain bound in an out-of-range message (``"(0, 1] (fraction
    of the SC layers)"``).
    """
    extra = {k: v for k, v in (("units", units), ("allowed", allowed)) if v is not None}
    return Field(default, description=description, json_schema_extra=extra or None, **kwargs)


def field_extra(info: FieldInfo, key: str) -> str | None:
    """``units`` or ``allowed`` of a field made by :func:`field` (None when not given)."""
    extra = info.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


def message_units(units: str | None) -> str:
    """Units as messages write them: ``mm s-1`` -> ``mm/s``, ``1`` -> no units."""
    if not units or units == "1":
        return ""
    tokens = units.split()
    over = [t[:-2] for t in tokens if t.endswith("-1")]
    return " ".join(t for t in tokens if not t.endswith("-1")) + "".join("/" + t for t in over)


def tagged_union(*models: type[Schema]) -> Any:
    """The union of schemas told apart by their ``kind`` (each a one-word ``Literal``)."""
    for m in models:
        _TAGS.extend(a for a in m.model_fields["kind"].annotation.__args__ if a not in _TAGS)
    return Annotated[Union[models], Field(discriminator="kind")]


def _field_table(key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for model in _SCHEMAS:
        for name, info in model.model_fields.items():
            value = field_extra(info, key)
            if value is not None:
                out.setdefault(name, message_units(value) if key == "units" else value)
    return out


def validate(model: type[BaseModel], data: Any, prefix: Sequence[Any], file: Any = None) -> Any:
    """``model`` validated from ``data``; a problem raises a one-line ConfigError at ``prefix``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(
            exc, prefix, file, units=_field_table("units"), range_text=_field_table("allowed"), kinds=_TAGS
        ) from None


def is_multiple(a: float, b: float) -> bool:
    """Whether ``a`` is a whole multiple (>= 1) of ``b``."""
    r = a / b
    return round(r) >= 1 and abs(r - round(r)) <= 1e-9 * max(1.0, r)


class Range(Schema):
    """A closed interval ``{min, max}`` of a hardware quantity."""

    min: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.max < self.min:
            raise schema_problem(("max",), self.max, f"is below min ({self.min:g})", f">= {self.min:g}")
        return self

    def contains(self, value: float) -> bool:
        return self.min - 1e-12 <= value <= self.max + 1e-12

    @property
    def mid(self) -> float:
        return 0.5 * (self.min + self.max)

    def __str__(self) -> str:
        return f"[{self.min:g}, {self.max:g}]"
