"""Provenance attributes stored with every result: what produced it, from which config.

:func:`provenance_attrs` returns string attributes for an xarray Dataset / NetCDF file:
the package version, the git commit of the checkout, the fully resolved config (JSON)
and its hash, the versions of the numerical libraries and the creation time (UTC).
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["provenance_attrs", "package_version", "git_commit", "library_versions"]

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]
_LIBRARIES = ("numpy", "scipy", "jax", "jaxlib", "equinox", "xarray", "pydantic", "netCDF4")


@lru_cache(maxsize=1)
def package_version() -> str:
    """Installed version of epiturn, else the version in pyproject.toml, else 'unknown'."""
    try:
        return metadata.version("epiturn")
    except metadata.PackageNotFoundError:
        pass
    try:
        text = (_PACKAGE_ROOT / "pyproject.toml").read_text(encoding="utf-8")
        m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
        if m:
            return m.group(1)
    except OSError:
        pass
    return "unknown"


def git_commit(path: str | Path = _PACKAGE_ROOT) -> str:
    """HEAD of the git checkout holding ``path`` (``-dirty`` appended when tracked files changed); 'unknown' otherwise."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        commit = head.stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=path, capture_output=True, text=True, timeout=10
        )
        if status.returncode == 0 and status.stdout.strip():
            commit += "-dirty"
        return commit
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def library_versions() -> dict[str, str]:
    """Versions of the numerical libraries and of Python."""
    out: dict[str, str] = {}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["python"] = platform.python_version()
    return out


def provenance_attrs(resolved: Any) -> dict[str, str]:
    """String attributes describing how a result was made.

    ``resolved`` is a :class:`experiments.config.ResolvedRunConfig` or an
    ``experiments.sweep.SweepPlan`` (anything with ``to_json()`` and ``hash``). Keys: ``epiturn_version``,
    ``git_commit``, ``config_json``, ``config_hash``, ``library_versions`` (JSON),
    ``created_utc`` (ISO 8601).
    """
    return {
        "epiturn_version": package_version(),
        "git_commit": git_commit(),
        "config_json": resolved.to_json(),
        "config_hash": str(resolved.hash),
        "library_versions": json.dumps(library_versions(), sort_keys=True),
        "created_utc": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
