"""Where profiles and devices are found: config folders, lookup by name or by path.

Profiles and devices are looked up by name in ``configs/skin/NAME.yaml`` and
``configs/devices/NAME.yaml``; the folders listed in the environment variable
``EPITURN_CONFIGS`` (``os.pathsep``-separated, each holding ``skin/`` and/or
``devices/``) are searched first, then the ``configs/`` folder of this checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from experiments.config._errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The root of this checkout (the folder that holds ``configs/``)."""
CONFIGS_ENV = "EPITURN_CONFIGS"

_WHAT = {"skin": "skin profile", "devices": "device"}


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


def locate(category: str, ref: str, base_dir: Path | None, field: str) -> Path:
    """The YAML file of a ``category`` (``"skin"`` or ``"devices"``) entry given by name or path.

    A path is tried relative to ``base_dir``, then the repository root, then the current
    folder; a name is looked up in :func:`config_dirs`. ``field`` names it in the error.
    """
    what = _WHAT[category]
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
    return locate("skin", ref, Path(base_dir) if base_dir else None, "skin")


def locate_device(ref: str, base_dir: str | Path | None = None) -> Path:
    """The YAML file of a device given by name or path."""
    return locate("devices", ref, Path(base_dir) if base_dir else None, "device")
