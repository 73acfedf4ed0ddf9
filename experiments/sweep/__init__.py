"""Parameter sweeps: a base run config, axes over dotted config paths, batched runs, one store.

The pipeline, top-down (docs/sweeps.md)::

    sweep file --(load_sweep, ._plan)--> SweepPlan: every scenario resolved and checked (no compute)
               --(build_template, plan_layout, ._layout)--> blocks of scenarios = batches = Zarr chunks
               --(run_block, ._blocks, on an executor of ._executors)--> one jitted, vmapped call per batch (._batch)
               --(experiments.storage)--> one Zarr store, written batch by batch, resumable
    run_sweep / sweep (._run) do all of it; ._progress draws the bar.

Batching: the scenarios of one grid shape are padded to the sweep-wide longest schedule
(inert zero-length steps, empty event rows) and run ``B`` at a time through
:func:`simulate_batch` = ``jit(vmap(models.simulate))``, so a sweep over one
grid compiles once (see :func:`trace_count`). Scenarios shorter than the longest are NaN
after their end in the store.

``experiments.sweep`` is this package; the attribute ``sweep`` of :mod:`experiments` is
the function :func:`sweep` (``from experiments import sweep``).
"""

from experiments.sweep._batch import run_scenarios, scenario_lengths, simulate_batch, trace_count
from experiments.sweep._blocks import BlockResult, BlockTask, run_block
from experiments.sweep._executors import (Executor, InProcessExecutor, LocalClusterExecutor, SchedulerExecutor,
                                          make_executor)
from experiments.sweep._layout import (Layout, Template, build_template, chunks_for, default_batch_size, lay_out,
                                       plan_layout)
from experiments.sweep._plan import MODES, Axis, SweepPlan, load_sweep
from experiments.sweep._run import SweepReport, run_sweep, sweep

__all__ = [
    "Axis",
    "BlockResult",
    "BlockTask",
    "Executor",
    "InProcessExecutor",
    "Layout",
    "LocalClusterExecutor",
    "MODES",
    "SchedulerExecutor",
    "SweepPlan",
    "SweepReport",
    "Template",
    "build_template",
    "chunks_for",
    "default_batch_size",
    "lay_out",
    "load_sweep",
    "make_executor",
    "plan_layout",
    "run_block",
    "run_scenarios",
    "run_sweep",
    "scenario_lengths",
    "simulate_batch",
    "sweep",
    "trace_count",
]
