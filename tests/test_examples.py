"""Every shipped config is an example, and every example runs (py-pde style)."""

from pathlib import Path

import numpy as np
import pytest

from experiments.config import load_run_config

ROOT = Path(__file__).resolve().parents[1]
RUN_CONFIGS = sorted((ROOT / "configs" / "runs").glob("*.yaml"))


@pytest.mark.parametrize("path", RUN_CONFIGS, ids=lambda p: p.stem)
def test_run_config_resolves(path):
    resolved = load_run_config(path)
    assert resolved.duration_days > 0
    assert len(resolved.hash) == 64


@pytest.mark.parametrize("path", RUN_CONFIGS, ids=lambda p: p.stem)
def test_run_config_runs_on_a_small_grid(path):
    """Each example runs end to end (shortened to a column and at most 14 days)."""
    from experiments import run

    resolved = load_run_config(path)
    overrides = ["grid.lateral=column", "save.every_hours=24"]
    if resolved.protocol is None:
        overrides.append(f"duration_days={min(resolved.duration_days, 14.0)}")
    ds = run(path, overrides)
    assert ds.sizes["time"] >= 2
    assert np.all(np.isfinite(ds["tewl"].values))
    assert ds["tewl"].attrs["units"] == "g m-2 h-1"
