"""A block of a sweep, the unit of work: one batch of scenarios, one chunk of the store.

:func:`run_block` runs on this process or on a Dask worker (a process of its own, so it
sets 64-bit floats and the compilation cache itself, :func:`configure_jax`): the
scenarios' batched run (:func:`run_scenarios`), each finished like a single run (no
provenance per scenario, no error on non-finite values: those are recorded in
``all_finite``), laid out on the sweep's template.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from experiments.config import ResolvedRunConfig
from experiments._jaxconfig import configure_jax
from experiments._run import RunPlan
from experiments.sweep._batch import run_scenarios
from experiments.sweep._layout import Template, lay_out

__all__ = ["BlockResult", "BlockTask", "run_block"]


@dataclass(frozen=True)
class BlockTask:
    """One batch: its scenarios (C order within the block) and what the result must look like.

    ``plans[i]``: grid, events and time grid of ``scenarios[i]`` (built once, when the sweep
    was planned); ``labels[i]``: its axis values (``interval_days=2, vacuum_kpa=10``).
    """

    index: int
    block_shape: tuple[int, ...]
    scenarios: tuple[ResolvedRunConfig, ...]
    plans: tuple[RunPlan, ...]
    labels: tuple[str, ...]
    batch_size: int
    lengths: dict
    template: Template


@dataclass(frozen=True)
class BlockResult:
    index: int
    data: dict[str, np.ndarray]  # name -> block_shape + variable shape
    elapsed_s: float
    n_scenarios: int
    nonfinite: tuple[str, ...] = ()  # "label (what became non-finite, where)" of each scenario with non-finite outputs


def run_block(task: BlockTask) -> BlockResult:
    """Run one block and lay its outputs out for storage."""
    configure_jax()
    start = time.perf_counter()
    datasets = run_scenarios(task.scenarios, task.batch_size, task.lengths, plans=task.plans, labels=task.labels,
                             check=False, provenance=False)
    data = lay_out(datasets, task.template, task.block_shape)
    # finalize (check=False) has set ``nonfinite`` on each scenario that the scan's status or
    # an output shows non-finite (experiments._run.nonfinite_message): read, not searched again
    finite = ["nonfinite" not in ds.attrs for ds in datasets]
    data["all_finite"] = np.asarray([float(f) for f in finite]).reshape(task.block_shape)
    nonfinite = tuple(f"{label} ({ds.attrs['nonfinite']})" for label, ds, f in zip(task.labels, datasets, finite) if not f)
    return BlockResult(task.index, data, time.perf_counter() - start, len(datasets), nonfinite)
