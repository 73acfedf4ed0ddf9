"""The limits on what a config may ask for, each checked before anything is allocated.

Every limit and the reason for it is written in ``docs/limits.md``; a config beyond one is
a one-line :class:`ConfigError` naming the field that causes it. The YAML limits (file
size, nesting, aliases) are in :mod:`experiments.config._yaml`.
"""

from __future__ import annotations

import math
import os
import time

N_MATURATION_STAGES = 8
"""Maturation stages of the model grid (used by experiments._run and the memory estimate)."""
MAX_NAME_BYTES = 255
"""Longest file name (one part of a path) a reference may hold (the limit of Linux and macOS file systems)."""
MAX_PATH_BYTES = 4096
"""Longest path a reference may hold (Linux PATH_MAX)."""
MAX_EVENTS = 1000
"""Most ``events`` of one run (a validation experiment uses 1; each adds a refined stretch of steps)."""
MAX_DAYS = 36500.0
"""Longest run, and largest ``start_day`` / ``follow_up_days`` / event day: 100 years."""
MIN_DT_HOURS = 1.0 / 60.0
"""Shortest base time step: 1 minute, the step every event restarts at (sim.make_time_grid)."""
MIN_LATERAL_N = 8
"""Fewest columns per side of a 1-D or 2-D grid: Rz needs 5 sampling lengths of at least one
column (n >= 5; n = 4 fails); 8 is the smallest grid the numerics tests run."""
MAX_LATERAL_N = {"1d": 8192, "2d": 1024}
"""Most columns per side: 8192 on a transect, 1024 on a patch (1024 x 1024 columns)."""
MIN_COLUMN_UM = 1.0
"""Narrowest column (grid.width_mm / grid.n): 1 µm, a tenth of a keratinocyte; below it the
lateral fields have no meaning and the device's aperture-scale low-pass degenerates."""
MIN_SC_BINS = 2
"""Fewest SC age bins: the age shift moves each bin into the next (one bin has no next)."""
MAX_SC_BINS = 4000
"""Most SC age bins (3650 daily bins: the longest age span at the default bin width)."""
MAX_TIME_STEPS = 1_000_000
"""Most time steps of one run (100 years at 1 h is 876,000)."""
MAX_SEED = 2**31 - 1
"""Largest seed: seeds are stored as 32-bit integers (the replicate coordinate, CF-1.8)."""
MAX_SCENARIOS = 20_000
"""Most scenarios of a sweep (axes x replicates; samples of lhs/sobol): every scenario is
resolved before any compute, about 1-2 ms each, so a sweep at the limit answers in well under a minute."""
MIN_DIAMETER_MM = 0.5
"""Smallest tip and aperture diameter: the suction dome and contact laws are written for
openings of millimetres; at 1e-4 mm the contact pressure of a 2 N load is 250 GPa."""
MIN_NOZZLE_MM = 0.1
"""Smallest crystal nozzle bore (the air speed is capped at sound; below this the flow law has no meaning)."""
MEMORY_WORK_COPIES = 8
"""Working memory of one run, in copies of its state, for refusing a run that cannot fit: the
main job measured ~6x (experiments/sweep/_layout.py); batch sizing there keeps 40 to be safe."""
BYTES_PER_STEP = 8 * 64
"""Per-step record of a run: about 64 float64 readouts and event records per time step."""


def floats_per_column(nz: int, n_stages: int, n_bins: int) -> int:
    """float64 values of the state in one lateral column (3 per SC bin, about 4 per depth cell)."""
    return 3 * n_bins + 4 * nz + 2 * n_stages + 8


def n_columns(lateral: str, n: int) -> int:
    return 1 if lateral == "column" else n if lateral == "1d" else n * n


def run_memory_bytes(lateral: str, n: int, nz: int, n_stages: int, n_bins: int, n_steps: int, n_saves: int, profiles: bool) -> int:
    """An estimate of the memory one run needs: working copies of its state, the per-step record, saved profiles."""
    cols = n_columns(lateral, n)
    state = 8 * cols * floats_per_column(nz, n_stages, n_bins)
    saved = 8 * cols * n_saves if profiles and lateral != "column" else 0
    return MEMORY_WORK_COPIES * state + BYTES_PER_STEP * n_steps + saved


_MEMORY = (-10.0, 0)
MEMORY_ENV = "EPITURN_MEMORY_BYTES"


def available_memory() -> int:
    """Bytes of memory available now: ``$EPITURN_MEMORY_BYTES`` when set (to cap what a run may
    take, and for tests), else psutil, else /proc/meminfo, else 4 GiB; read at most once a second."""
    global _MEMORY
    override = os.environ.get(MEMORY_ENV, "").strip()
    if override.isdigit():
        return int(override)
    now = time.monotonic()
    if now - _MEMORY[0] < 1.0:
        return _MEMORY[1]
    value = 4 * 2**30
    try:
        import psutil

        value = int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - any failure: the fallbacks
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        value = int(line.split()[1]) * 1024
        except OSError:
            pass
    _MEMORY = (now, value)
    return value


def ramp_steps(dt_hours: float, dt_min_h: float = MIN_DT_HOURS, growth: float = 1.6) -> int:
    """Steps of the refined stretch after an event (sim.make_time_grid's ramp from 1 minute)."""
    if dt_hours <= dt_min_h:
        return 1
    return int(math.ceil(math.log(dt_hours / dt_min_h) / math.log(growth))) + 2


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover
