"""64-bit floats: importing ``sim``/``models`` leaves ``jax_enable_x64`` alone, and
building parameters without it fails with a one-line instruction (in a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import jax, sim, models
assert not jax.config.jax_enable_x64, "importing sim/models enabled 64-bit floats"
for build in (lambda: models.make_params({}, models.ModelGrid()), models.make_device_params):
    try:
        build()
    except RuntimeError as exc:
        assert "jax_enable_x64" in str(exc) and "\\n" not in str(exc), str(exc)
    else:
        raise AssertionError("built parameters in float32")
print("ok")
"""


def test_imports_leave_x64_off_and_building_params_fails_clearly():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JAX_ENABLE_X64="0"))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
