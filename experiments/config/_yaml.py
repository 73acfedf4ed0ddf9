"""Reading YAML: a safe loader that also reads ``1e-3`` as a float; errors are ConfigErrors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from experiments.config._errors import ConfigError


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


def parse_yaml_text(text: str, field: str, file: str | Path | None = None, parameter: str | None = None) -> Any:
    """The data of a YAML text; ``field`` (and ``parameter``) name it in the error."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(field, str(file) if file else text, f"is not valid YAML ({where}{what})", "YAML text", parameter=parameter) from None


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
    return parse_yaml_text(text, field, p)


def load_mapping(path: Path, field: str) -> dict:
    """A YAML file that holds a mapping (an empty file is an empty mapping)."""
    data = load_yaml(path, field)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(field, type(data).__name__, "is not a mapping at the top of the file", "a YAML mapping (key: value lines)", path)
    return data
