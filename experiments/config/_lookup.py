"""Where profiles and devices are found: config folders, lookup by name or by path.

Profiles and devices are looked up by name in ``configs/skin/NAME.yaml`` and
``configs/devices/NAME.yaml``; the folders listed in the environment variable
``EPITURN_CONFIGS`` (``os.pathsep``-separated, each holding ``skin/`` and/or
``devices/``) are searched first, then the ``configs/`` folder of this checkout.

A reference by path is read only when it lies in one of those folders or in the folder of
the file that refers to it (for a mapping: the current folder); ``$EPITURN_CONFIGS`` is
also how a user allows another folder (docs/limits.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from experiments.config._errors import ConfigError
from experiments.config._limits import MAX_NAME_BYTES, MAX_PATH_BYTES

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


def is_file(p: Path) -> bool:
    """``p.is_file()``, False where the path cannot even be asked about (too long, bad bytes)."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False


def check_reference_text(ref: str, field: str, what: str) -> None:
    """A reference too long for a file system, or holding NUL, is a ConfigError (no OSError later)."""
    allowed = f"a {what} name or path: file names of at most {MAX_NAME_BYTES} bytes, paths of at most {MAX_PATH_BYTES}"
    if "\x00" in ref:
        raise ConfigError(field, ref, "holds a NUL character", allowed)
    try:
        data = ref.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(field, ref, "is not valid text (lone surrogates)", allowed) from None
    if len(data) > MAX_PATH_BYTES:
        raise ConfigError(field, ref, f"is {len(data)} bytes long", allowed)
    longest = max((len(part.encode("utf-8")) for part in re.split(r"[/\\]", ref)), default=0)
    if longest + len(".yaml") > MAX_NAME_BYTES:
        raise ConfigError(field, ref, f"holds a file name of {longest} bytes", allowed)


def allowed_roots(base_dir: Path | None) -> list[Path]:
    """Folders a reference by path may point into: the config folders ($EPITURN_CONFIGS, configs/) and ``base_dir``."""
    roots = list(config_dirs())
    if base_dir is not None:
        roots.append(Path(base_dir))
    out = []
    for r in roots:
        try:
            out.append(r.expanduser().resolve())
        except (OSError, RuntimeError):
            continue
    return list(dict.fromkeys(out))


def inside(path: Path, roots: list[Path]) -> bool:
    """Whether ``path`` (resolved: symbolic links followed) lies in one of ``roots``."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real == r or r in real.parents for r in roots)


def confine(path: Path, base_dir: Path | None, field: str, ref: str, what: str) -> Path:
    """``path`` resolved, when it lies in :func:`allowed_roots`; else a ConfigError that shows nothing of the file."""
    roots = allowed_roots(base_dir)
    if not inside(path, roots):
        shown = ", ".join(str(r) for r in roots)
        raise ConfigError(field, ref, f"is outside the folders a {what} may be read from ({shown})",
                          f"a file in one of these folders; to allow another folder, add it to ${CONFIGS_ENV} (docs/limits.md)")
    return path.resolve()


def locate(category: str, ref: str, base_dir: Path | None, field: str, confined: bool = False) -> Path:
    """The YAML file of a ``category`` (``"skin"`` or ``"devices"``) entry given by name or path.

    A path is tried relative to ``base_dir``, then the repository root, then the current
    folder. ``confined`` (the reference was read from a file): the path must lie in a
    config folder (:func:`config_dirs`) or in ``base_dir`` (the folder of the referring
    file), else it is refused without being read. A name is looked up in
    :func:`config_dirs`. ``field`` names it in the error.
    """
    what = _WHAT[category]
    if not ref.strip():
        raise ConfigError(field, ref, f"is an empty {what} reference", f"a {what} name, a path or a mapping")
    check_reference_text(ref, field, what)
    if _looks_like_path(ref):
        p = Path(ref).expanduser()
        candidates = [p] if p.is_absolute() else [d / p for d in (base_dir, REPO_ROOT, Path.cwd()) if d is not None]
        for c in candidates:
            if is_file(c):
                return confine(c, base_dir, field, ref, what) if confined else c.resolve()
        looked = ", ".join(dict.fromkeys(str(c) for c in candidates))
        raise ConfigError(field, ref, f"file not found (looked at {looked})", f"an existing YAML file, or a {what} name: {', '.join(_list_names(category)) or '(none)'}")
    for d in config_dirs():
        for ext in (".yaml", ".yml"):
            c = d / category / f"{ref}{ext}"
            if is_file(c):
                return c.resolve()
    names = _list_names(category)
    raise ConfigError(field, ref, f"is not a known {what}", ", ".join(names) if names else f"(no {what}s found in {', '.join(str(d / category) for d in config_dirs())})")


def locate_profile(ref: str, base_dir: str | Path | None = None) -> Path:
    """The YAML file of a skin profile given by name or path."""
    return locate("skin", ref, Path(base_dir) if base_dir else None, "skin")


def locate_device(ref: str, base_dir: str | Path | None = None) -> Path:
    """The YAML file of a device given by name or path."""
    return locate("devices", ref, Path(base_dir) if base_dir else None, "device")
