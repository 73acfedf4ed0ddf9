"""Overrides: ``KEY=VALUE`` strings that set one value of a config at a dotted path.

A bad override raises a :class:`ConfigError` with ``parameter="overrides"``: a string
that is not ``KEY=VALUE`` is reported at the field ``overrides``, a path that does not
fit the config at that path, its problem saying ``(from overrides)``. The command line
names them ``--set`` (see :func:`experiments.errors.for_command_line`).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from experiments.config._errors import ConfigError, format_path, split_path
from experiments.config._lookup import locate
from experiments.config._run_config import RunConfig
from experiments.config._yaml import MAX_DEPTH, load_mapping, parse_yaml_text

PARAMETER = "overrides"
"""The argument of :func:`apply_overrides` / :func:`experiments.config.load_run_config` its errors name."""
_TOP_KEYS = tuple(RunConfig.model_fields)
_PATH = re.compile(r"[A-Za-z_][\w]*((\.[\w]+)|(\[\d+\]))*")


def _error(field: Any, value: Any, problem: str, allowed: str) -> ConfigError:
    return ConfigError(field, value, problem, allowed, parameter=PARAMETER)


def _expand_reference(data: dict, head: str, base_dir: Path | None, confined: bool) -> None:
    """Make a skin or device given by name or path a mapping, so deeper keys apply to it."""
    ref = data[head]
    if head == "skin":
        path = locate("skin", ref, base_dir, "skin", confined)
        data["skin"] = {"base": str(path)}
        data["skin"]["name"] = load_mapping(path, "skin").get("name") or path.stem
    else:
        path = locate("devices", ref, base_dir, "device", confined)
        mapping = load_mapping(path, "device")
        mapping.setdefault("name", path.stem)
        data["device"] = mapping


def _apply_override(data: dict, item: str, base_dir: Path | None, confined: bool) -> None:
    if "=" not in item:
        raise _error(PARAMETER, item, "is not KEY=VALUE", "a dotted config path and a YAML value, e.g. protocol.interval_days=7")
    key, raw = item.split("=", 1)
    key = key.strip()
    parts = split_path(key)
    if not parts or not isinstance(parts[0], str) or not _PATH.fullmatch(key):
        raise _error(PARAMETER, item, "does not start with a valid dotted config path", f"a path starting with one of {', '.join(_TOP_KEYS)}")
    if len(parts) > MAX_DEPTH or len(key) > 1000:
        raise _error(PARAMETER, item, f"has a path of {len(parts)} parts ({len(key)} characters)", f"a dotted config path of at most {MAX_DEPTH} parts")
    if parts[0] not in _TOP_KEYS:
        raise _error(key, parts[0], f"is not a known key (from {PARAMETER})", ", ".join(_TOP_KEYS))
    value = parse_yaml_text(raw, key) if raw.strip() else None
    head = parts[0]
    if head in ("skin", "device") and len(parts) > 1 and isinstance(data.get(head), str):
        _expand_reference(data, head, base_dir, confined)
    container: Any = data
    for depth, part in enumerate(parts[:-1]):
        nxt = parts[depth + 1]
        here = format_path(parts[: depth + 1])
        if isinstance(container, dict):
            if not isinstance(part, str):
                raise _error(here, part, f"is an index into a mapping (from {PARAMETER})", "a key name")
            if container.get(part) is None:
                container[part] = [] if isinstance(nxt, int) else {}
            container = container[part]
        elif isinstance(container, list):
            if not isinstance(part, int) or not (0 <= part < len(container)):
                raise _error(here, part, f"is not an index of a list of {len(container)} (from {PARAMETER})", f"0 to {len(container) - 1}" if container else "(the list is empty)")
            container = container[part]
        else:
            break
        if not isinstance(container, (dict, list)):
            raise _error(here, container, f"cannot hold the sub-key {nxt!r} (from {PARAMETER} {key})", "a path that ends at this key")
    last = parts[-1]
    if isinstance(container, dict):
        if not isinstance(last, str):
            raise _error(key, last, f"is an index into a mapping (from {PARAMETER})", "a key name")
        container[last] = value
    elif isinstance(container, list):
        if not isinstance(last, int) or not (0 <= last <= len(container)):
            raise _error(key, last, f"is not an index of a list of {len(container)} (from {PARAMETER})", f"0 to {len(container)}")
        if last == len(container):
            container.append(value)
        else:
            container[last] = value


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str], base_dir: str | Path | None = None, *, confined: bool = False) -> dict:
    """A copy of ``data`` with ``KEY=VALUE`` overrides applied (values parsed as YAML).

    ``confined``: ``data`` was read from a file in ``base_dir``, whose references by path
    must stay in the config folders or ``base_dir`` (:func:`experiments.config._lookup.locate`).
    """
    out = copy.deepcopy(dict(data))
    for item in overrides:
        _apply_override(out, item, Path(base_dir) if base_dir else None, confined)
    return out
