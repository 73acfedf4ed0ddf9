"""Provenance attributes stored with every result: what produced it, from which config.

:func:`provenance_attrs` returns string attributes for an xarray Dataset / NetCDF file:
the package version, the git commit of the checkout, the fully resolved config (JSON)
and its hash, the versions of the numerical libraries and the creation time (UTC).
:func:`cf_global_attrs` returns the global attributes of the CF conventions
(``Conventions``, ``title``, ``history``, ``source``, ``references``).
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

__all__ = ["CF_CONVENTIONS", "REFERENCES", "cf_global_attrs", "provenance_attrs", "package_version", "git_commit",
           "library_versions", "run_title", "utc_now"]

# the CF version the results follow: the newest the NCAS cfchecker checks (tests/experiments/test_cf_conventions.py)
CF_CONVENTIONS = "CF-1.8"
# where the model, its outcomes and the output variables are defined (the docs of the distribution)
REFERENCES = ("epiturn documentation: docs/model.md (equations), docs/outcomes.md (outcome definitions), "
              "docs/interface.md (output variables)")

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


def utc_now() -> str:
    """The current time, UTC, ISO 8601 to the second (``2026-01-31T12:00:00+00:00``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def cf_global_attrs(title: str, made_by: str, created_utc: str | None = None) -> dict[str, str]:
    """The global attributes of the CF conventions, as strings.

    ``Conventions`` (:data:`CF_CONVENTIONS`), ``title``, ``history`` (one line: the time,
    UTC, and what wrote the result, ``made_by``: e.g. ``"experiments.run"``), ``source``
    (``"epiturn <version> (git <commit>)"``) and ``references`` (:data:`REFERENCES`).
    ``created_utc``: the time of the history line (default: now).
    """
    when = created_utc or utc_now()
    return {
        "Conventions": CF_CONVENTIONS,
        "title": title,
        "history": f"{when} epiturn {package_version()}: {made_by}",
        "source": f"epiturn {package_version()} (git {git_commit()})",
        "references": REFERENCES,
    }


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def run_title(resolved: Any) -> str:
    """The CF ``title`` of a run: skin, device and sessions (or untreated), duration.

    ``resolved``: a :class:`experiments.config.ResolvedRunConfig`; e.g. ``"epiturn run:
    young_face skin, diamond_medium, 6 sessions, 70 d"``.
    """
    treatment = (f"{resolved.device.name}, {_count(len(resolved.session_days()), 'session')}" if resolved.device is not None
                 else "untreated")
    return f"epiturn run: {resolved.skin_name} skin, {treatment}, {resolved.duration_days:g} d"


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
        "created_utc": utc_now(),
    }
