"""Fixtures for the config and CLI tests: a private skin profile built from the parameter table.

The tests do not depend on the real ``configs/skin`` files: a profile ``testskin`` (every
parameter at the middle of its allowed range but the fine-line geometry) is written to a temporary folder that
``$EPITURN_CONFIGS`` puts in front of the repository's ``configs/``. The device catalogue
used is the real one (``configs/devices``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from models import SKIN_PARAMETERS


# the fine lines of the template as the shipped profiles have them: at the middle of their
# ranges (1 mm wide, 10 mm apart) a course on the default 5 mm transect could not measure
# them, which resolution refuses (docs/limits.md, grid.width_mm)
FINE_LINES = {"line_width_um": 60.0, "line_spacing_um": 1000.0}


def midpoint_parameters() -> dict[str, dict]:
    return {
        name: {"value": FINE_LINES.get(name, 0.5 * (spec.low + spec.high)), "source": "test midpoint"}
        for name, spec in SKIN_PARAMETERS.items()
    }


@pytest.fixture
def midpoints() -> dict[str, dict]:
    """Every skin parameter at the middle of its allowed range."""
    return midpoint_parameters()


@pytest.fixture
def configs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "userconfigs"
    (root / "skin").mkdir(parents=True)
    profile = {"name": "testskin", "site": "cheek", "description": "test profile", "base": None, "parameters": midpoint_parameters()}
    (root / "skin" / "testskin.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    monkeypatch.setenv("EPITURN_CONFIGS", str(root))
    return root


@pytest.fixture
def write_config(tmp_path: Path, configs_dir: Path):
    """Write a run config mapping to a YAML file and return its path."""

    def _write(data: dict, name: str = "run.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return _write


@pytest.fixture
def treated() -> dict:
    """A valid treated-skin run config (mapping)."""
    return {
        "skin": "testskin",
        "device": "diamond_medium",
        "protocol": {
            "interval_days": 7,
            "sessions": 6,
            "start_day": 0,
            "follow_up_days": 28,
            "settings": {"vacuum_kpa": 30, "passes": 3, "speed_mm_s": 20, "load_n": 2, "mode": "moving"},
        },
        "grid": {"lateral": "1d", "n": 64, "width_mm": 5, "dt_hours": 1},
        "save": {"every_hours": 6, "profiles": False},
        "seed": 0,
    }
