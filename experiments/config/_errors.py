"""The error of a bad config and its one-line message.

Every problem with a run config, profile, device or override is a :class:`ConfigError`
whose message is one line::

    <dotted.field.path>: <value> <what is wrong>; allowed: <what is allowed>

followed by `` (in FILE)`` when the value came from a YAML file.
"""

from __future__ import annotations

import re
import reprlib
from pathlib import Path
from typing import Any, Mapping, Sequence

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from experiments.errors import InputError


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING = _Missing()
"""The value of a key that is required but not given (shows as ``(missing)``)."""


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 3, 6, 8, 8, 8
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 100, 100, 40


YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
"""Words YAML 1.1 reads as booleans (in any case) and YAML 1.2 (and this loader) as text."""


def boolean_allowed(value: Any) -> str:
    """What a boolean field allows, with why a YAML 1.1 boolean word is not one."""
    if isinstance(value, str) and value.strip().lower() in YAML11_BOOLEANS:
        return "true or false (yes/no/on/off are YAML 1.1 booleans; YAML 1.2 reads them as text)"
    return "true or false"


def format_value(value: Any, limit: int = 80) -> str:
    """A value as a message shows it: ``20.0`` as ``20``, paths and text quoted, cut at ``limit``.

    The text is built with bounded work (``reprlib``: a few levels, items and characters),
    so a value of 10^9 items, or one that contains itself, shows at once.
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # 20.0 (validated) shows as the user wrote it, 20
    elif isinstance(value, Path):
        text = _REPR.repr(str(value))
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        text = f"{float(value):.3g}" if value.bit_length() < 1000 else "(an integer of %d digits)" % int(value.bit_length() * 0.30103)
    else:
        try:
            text = _REPR.repr(value)
        except Exception:  # noqa: BLE001 - a value whose repr fails: its type
            text = f"({type(value).__name__})"
    text = " ".join(text.split())
    if len(text) > limit and isinstance(value, (str, Path)) and "/" in str(value):
        head = (limit - 3) // 3  # a long path: its start and its end (the file's name) with the middle cut
        return text[:head] + "..." + text[-(limit - 3 - head):]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def cut(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def split_path(path: str) -> list[str | int]:
    """``"events[0].day"`` -> ``["events", 0, "day"]`` (a bare number is an index too)."""
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if token.startswith("["):
            parts.append(int(token[1:-1]))
        elif token.isdigit():
            parts.append(int(token))
        else:
            parts.append(token)
    return parts


def format_path(parts: Sequence[Any]) -> str:
    """``["events", 0, "day"]`` -> ``"events[0].day"`` (``"config"`` for no parts)."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + cut(p, 60)
    return out or "config"


class ConfigError(InputError):
    """A bad run config, profile, device or override; the message is one line.

    Attributes ``field`` (dotted path), ``value``, ``problem``, ``allowed`` and ``file``
    (the YAML file the value came from, or None) give the parts of the message;
    ``parameter`` names the argument of the function at fault when the problem is not
    inside the config itself (``"overrides"`` for a bad ``KEY=VALUE`` string).
    """

    def __init__(
        self,
        field: str | Sequence[Any],
        value: Any,
        problem: str,
        allowed: str,
        file: str | Path | None = None,
        parameter: str | None = None,
    ):
        self.field = cut(field, 160) if isinstance(field, str) else cut(format_path(field), 160)
        self.value = value
        self.problem = problem
        self.allowed = allowed
        self.file = str(file) if file is not None else None
        message = f"{self.field}: {format_value(value)} {cut(problem, 300)}; allowed: {cut(allowed, 400)}"
        if self.file:
            message += f" (in {cut(self.file, 300)})"
        super().__init__(message, parameter)

    def in_file(self, file: str | Path | None) -> "ConfigError":
        """The same error, naming ``file`` when it names no file yet."""
        if self.file is not None or file is None:
            return self
        return type(self)(self.field, self.value, self.problem, self.allowed, file, self.parameter)

    def __reduce__(self):  # picklable (e.g. raised on a Dask worker)
        return (type(self), (self.field, self.value, self.problem, self.allowed, self.file, self.parameter))


def schema_problem(sub: Sequence[Any], value: Any, problem: str, allowed: str) -> PydanticCustomError:
    """An error raised inside a schema validator; ``sub`` is the path below the model.

    :func:`from_validation_error` turns it into a :class:`ConfigError` with these parts.
    """
    return PydanticCustomError(
        "epiturn", "{problem}", {"sub": tuple(sub), "value": value, "problem": problem, "allowed": allowed}
    )


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


_UNION_MEMBERS = frozenset({"float", "int", "str", "bool", "none", "bytes", "list", "dict", "tuple"})
"""Names pydantic puts in an error location for the member of a union (``vacuum_kpa.float``)."""


def _clean_loc(loc: Sequence[Any], kinds: Sequence[str]) -> list[Any]:
    out = []
    for p in loc:
        if isinstance(p, str) and (p in kinds or p in _UNION_MEMBERS or "[" in p or "(" in p):
            continue  # discriminator tags and validator-function names pydantic puts in paths
        out.append(p)
    return out


def _last_name(loc: Sequence[Any]) -> str | None:
    """The last field name of a location (a range's ``min``/``max`` stand for their range)."""
    names = [p for p in loc if isinstance(p, str) and p not in ("min", "max")]
    return names[-1] if names else None


_COMPARISONS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def from_validation_error(
    exc: ValidationError,
    prefix: Sequence[Any] = (),
    file: str | Path | None = None,
    *,
    units: Mapping[str, str] = {},
    range_text: Mapping[str, str] = {},
    kinds: Sequence[str] = (),
) -> ConfigError:
    """The first error of a pydantic ValidationError as a one-line :class:`ConfigError`.

    ``units`` maps a field name to the units its messages show (``"mm/s"``);
    ``range_text`` a field name to the text that replaces its plain bound; ``kinds`` are
    the tags of the tagged unions (event kinds), which pydantic puts in locations.
    """
    err = exc.errors(include_url=False)[0]
    loc = list(prefix) + _clean_loc(err["loc"], kinds)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input", MISSING)
    unit = units.get(_last_name(loc) or "", "")
    unit = " " + unit if unit else ""
    if kind == "unknown_key":
        loc.append(ctx["key"])
        value, problem, allowed = ctx["value"], "is not a known key", ctx["allowed"]
    elif kind == "epiturn":
        loc.extend(ctx.get("sub", ()))
        value, problem, allowed = ctx["value"], ctx["problem"], ctx["allowed"]
    elif kind == "missing":
        value, problem, allowed = MISSING, "is required", "this key must be given"
    elif kind in _COMPARISONS:
        bound = next(iter(ctx.values()))
        problem, allowed = "is out of range", f"{_COMPARISONS[kind]} {_number(bound)}{unit}"
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if name in range_text:
            allowed = range_text[name]
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        problem, allowed = "is not an integer", "an integer"
    elif kind in ("float_type", "float_parsing"):
        problem, allowed = "is not a number", f"a number{(' in' + unit) if unit else ''}"
    elif kind == "finite_number":
        problem, allowed = "is not finite", "a finite number"
    elif kind in ("bool_type", "bool_parsing"):
        problem, allowed = "is not a boolean", boolean_allowed(value)
    elif kind == "string_type":
        problem, allowed = "is not a string", "a string"
    elif kind in ("list_type", "tuple_type"):
        problem, allowed = "is not a list", "a list"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        problem, allowed = "is not a mapping", "a mapping of keys to values"
    elif kind == "literal_error":
        problem, allowed = "is not one of the allowed values", str(ctx.get("expected", ""))
    elif kind == "union_tag_invalid":
        loc.append("kind")
        value, problem, allowed = ctx.get("tag"), "is not a known kind", str(ctx.get("expected_tags", ""))
    elif kind == "union_tag_not_found":
        loc.append("kind")
        value, problem, allowed = MISSING, "is required", ", ".join(repr(k) for k in kinds)
    else:
        msg = err.get("msg", kind)
        msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        problem, allowed = f"is invalid ({msg})", "see docs/ for this field"
    return ConfigError(loc, value, problem, allowed, file)
