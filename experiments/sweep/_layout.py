"""The layout of a sweep store: the template of one scenario's outputs, blocks, chunks, memory.

* :class:`Template`: the run part of every stored variable (dims, sizes, coordinates,
  attributes), read from the output table (:mod:`experiments._outputs`) and the
  scenarios' time grids (:class:`experiments._run.RunPlan`) before anything runs;
* :class:`Layout`: blocks of scenarios, each one batch and one Zarr chunk along the
  sweep dimensions (:func:`plan_layout`, :func:`chunks_for`);
* :func:`default_batch_size`: scenarios per batch from the available memory;
* :func:`lay_out`: a block's datasets stacked onto the template.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import jax
import numpy as np
import xarray as xr

from experiments.config import ConfigError, limits
from experiments._outputs import coordinate_attrs, fixed_comments, output_attrs
from experiments._run import RunPlan, device_params
from experiments.sweep._batch import group_key
from experiments.sweep._plan import SweepPlan
from models import initial_state, make_params, make_schedule, simulate, with_references
from sim import pad_time_grid

__all__ = ["Layout", "Template", "build_template", "chunks_for", "default_batch_size",
           "lay_out", "plan_layout"]

# Batch-size rules (see default_batch_size): a batch holds at most this much model state
# (2 MiB: 6 scenarios of the default 256-column transect, 338 kB of state each; the main
# job ran 1:26 with 1.15 GB peak in batches of 6 against 1:42 with 1.50 GB in batches of
# 9 on the same machine: the working memory of a batch is ~6x what its state suggests) ...
BATCH_STATE_BYTES = 2 * 2**20
# ... uses at most this fraction of the available memory ...
MEMORY_FRACTION = 0.5
# ... and working memory per scenario is estimated as this many copies of its state
WORK_COPIES = 40


@dataclass(frozen=True)
class Template:
    """The non-sweep part of the stored variables: dims, sizes, coordinates and attrs."""

    variables: dict[str, tuple[tuple[str, ...], dict]]  # name -> (dims, attrs)
    sizes: dict[str, int]
    coords: dict[str, tuple[np.ndarray, dict]]  # dimension coordinates of non-sweep dims
    bytes_per_scenario: int
    state_bytes: int


def _union(arrays: Sequence[np.ndarray]) -> np.ndarray:
    values = np.concatenate([np.asarray(a) for a in arrays])
    if values.dtype.kind not in "fc":
        return np.unique(values)
    values = np.sort(values)
    keep = np.concatenate([[True], np.diff(values) > 1e-9 * np.maximum(1.0, np.abs(values[1:]))])
    return values[keep]


def _nbytes(tree: Any) -> int:
    return int(sum(np.prod(x.shape) * np.dtype(x.dtype).itemsize for x in jax.tree_util.tree_leaves(tree)))


def _memory_per_scenario(resolved, plan: RunPlan, n_steps: int, n_events: int) -> tuple[int, int]:
    """``(bytes per scenario of a batch, bytes of its state)``, from shapes alone (no spin-up).

    The inputs have the shapes of the prepared scenario (the spun-up state has the shape of
    the initial one, the parameters get their per-column homeostatic references); ``simulate``
    is traced abstractly (``jax.eval_shape``). Working memory:
    the outputs x 3 + ``WORK_COPIES`` x the inputs.
    """
    state0 = initial_state(make_params(resolved.skin, plan.grid, resolved.seed), plan.grid)
    params = jax.eval_shape(with_references, state0, make_params(resolved.skin, plan.grid, resolved.seed))
    schedule = make_schedule(pad_time_grid(plan.tgrid, n_steps), plan.events.kinds, plan.events.strip_fraction, n_events,
                             settings=plan.events.settings, device=device_params(resolved))
    shapes = jax.eval_shape(lambda s, p, sc: simulate(s, p, sc, plan.grid, plan.profiles), state0, params, schedule)
    inputs = _nbytes(state0) + _nbytes(params) + _nbytes(schedule)
    return 3 * _nbytes(shapes) + WORK_COPIES * inputs, _nbytes(state0)


def build_template(plan: SweepPlan, lengths: dict[tuple, tuple[int, int]]) -> Template:
    """The stored layout of one scenario's outputs, read from the output table; nothing runs.

    Variables and their dims: :meth:`experiments._run.RunPlan.outputs` of each grid of the
    sweep (session outputs when any scenario has sessions); ``time`` is the union of every
    scenario's save times (from its time grid), ``session`` numbers 1 to the most sessions,
    ``x``/``y`` the lateral positions. Also estimates the memory per scenario of a batch
    (``lengths``: padded ``(n_steps, n_events)`` per group, :func:`scenario_lengths`).
    """
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(plan.run_plans):
        groups.setdefault(group_key(p), []).append(i)
    variables: dict[str, tuple[tuple[str, ...], dict]] = {}
    sizes: dict[str, int] = {}
    coord_parts: dict[str, list[np.ndarray]] = {}
    per_scenario, state_bytes = 0, 0
    for key, members in groups.items():
        plans = [plan.run_plans[i] for i in members]
        fullest = max(members, key=lambda i: (plan.run_plans[i].n_sessions, plan.scenarios[i].duration_days))
        outputs = plan.run_plans[fullest]
        comments = fixed_comments(outputs.grid.lateral.ndim, outputs.n_sessions > 0)
        for name, dims in outputs.outputs().items():
            if name in variables and variables[name][0] != dims:
                raise RuntimeError(f"output {name} has dims {dims} in one grid and {variables[name][0]} in another")
            attrs = output_attrs(name)
            if name in comments:
                attrs["comment"] = comments[name]
            variables.setdefault(name, (dims, attrs))
        for p in plans:
            for dim, n in p.sizes().items():
                sizes[dim] = max(sizes.get(dim, 0), int(n))
            for dim, values in p.coords().items():
                coord_parts.setdefault(dim, []).append(values)
        n_steps, n_events = lengths[key]
        b, s = _memory_per_scenario(plan.scenarios[fullest], outputs, n_steps, n_events)
        per_scenario, state_bytes = max(per_scenario, b), max(state_bytes, s)
    clash = [n for n in variables if n in plan.coords or n in plan.dims]
    if clash:
        raise ConfigError("axes", clash[0], "is both a sweep coordinate and an output variable", "axis paths whose last part is not an output name")
    coords = {}
    for dim, parts in coord_parts.items():
        values = _union(parts)
        coords[dim] = (values, coordinate_attrs(dim))
        sizes[dim] = len(values)
    return Template(variables, sizes, coords, int(per_scenario), int(state_bytes))


@dataclass(frozen=True)
class Layout:
    """Blocks of scenarios: each block is one batch and one Zarr chunk along the sweep dims."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]

    @property
    def batch_size(self) -> int:
        return int(np.prod(self.chunks))

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks))

    @property
    def n_blocks(self) -> int:
        return int(np.prod(self.grid_shape))

    def region(self, block: int) -> tuple[slice, ...]:
        idx = np.unravel_index(block, self.grid_shape)
        return tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, self.chunks, self.shape))

    def members(self, block: int) -> list[int]:
        """Flat (C-order) indices of the scenarios of ``block``, in C order within it."""
        ranges = [range(r.start, r.stop) for r in self.region(block)]
        return [int(np.ravel_multi_index(ix, self.shape)) for ix in itertools.product(*ranges)]


# padded (repeated) scenarios accepted in the uneven last batch of a dimension, for larger
# batches: single columns gain from large vmapped batches; lateral grids are compute-bound,
# so there the least padding wins
MAX_PADDING_COLUMNS = 0.25
MAX_PADDING_LATERAL = 0.0


def chunks_for(shape: Sequence[int], batch_size: int, max_padding: float = MAX_PADDING_COLUMNS) -> tuple[int, ...]:
    """Chunk shape of at most ``batch_size`` scenarios: whole trailing dims, part of one, 1s before.

    The split dimension gets the largest chunk whose uneven last chunk pads (with repeated
    scenarios) at most ``max_padding`` of that dimension, else the least padding (largest
    chunk among those): e.g. 5 values in chunks of 3 compute 6, 20 % padding.
    """
    target = max(1, int(batch_size))
    chunks = [1] * len(shape)
    inner = 1
    for d in range(len(shape) - 1, -1, -1):
        if inner * shape[d] <= target:
            chunks[d] = shape[d]
            inner *= shape[d]
            continue
        size, largest = shape[d], max(1, target // inner)
        waste = {c: (-(-size // c) * c - size) / size for c in range(1, largest + 1)}
        fine = [c for c, w in waste.items() if w <= max_padding + 1e-12]
        least = min(waste.values())
        chunks[d] = max(fine) if fine else max(c for c, w in waste.items() if w == least)
        break
    return tuple(chunks)


def default_batch_size(n_scenarios: int, template: Template, workers: int = 1, memory: int | None = None) -> int:
    """Scenarios per batch: bounded by memory, by the state per batch, and by the work per worker.

    * memory: ``MEMORY_FRACTION`` of the available memory / estimated bytes per scenario
      (outputs x 3 + ``WORK_COPIES`` x inputs), shared by the ``workers`` batches in flight;
    * ``BATCH_STATE_BYTES`` of model state per batch: on a CPU larger batches of large
      grids gain nothing (benchmarks/bench_sweep.py) and cost memory;
    * at least 4 batches per worker when there are enough scenarios, for load balance
      and a progress bar that moves.
    """
    memory = limits.available_memory() if memory is None else memory
    by_memory = max(1, int(MEMORY_FRACTION * memory / max(1, workers) // max(template.bytes_per_scenario, 1)))
    by_state = max(1, BATCH_STATE_BYTES // max(template.state_bytes, 1))
    by_work = max(1, -(-n_scenarios // (4 * max(1, workers))))
    return int(max(1, min(by_memory, by_state, by_work, n_scenarios)))


def plan_layout(plan: SweepPlan, batch_size: int) -> Layout:
    """Blocks of at most ``batch_size`` scenarios (see :func:`chunks_for` for the padding rule)."""
    columns_only = all(r.grid.lateral == "column" for r in plan.scenarios)
    return Layout(plan.shape, chunks_for(plan.shape, batch_size, MAX_PADDING_COLUMNS if columns_only else MAX_PADDING_LATERAL))


def _positions(target: np.ndarray, values: np.ndarray, dim: str) -> Any:
    """Where ``values`` sit in the template coordinate ``target`` (a slice when contiguous)."""
    if target.dtype.kind in "fc":
        tol = 1e-9 * np.maximum(1.0, np.abs(values))
        pos = np.clip(np.searchsorted(target, values - tol), 0, len(target) - 1)
        ok = np.abs(target[pos] - values) <= tol
    else:
        pos = np.clip(np.searchsorted(target, values), 0, len(target) - 1)
        ok = target[pos] == values
    if not np.all(ok):
        raise RuntimeError(f"{dim} = {values[~ok][:3]} is not in the sweep's {dim} coordinate")
    if pos.size and np.all(np.diff(pos) == 1):
        return slice(int(pos[0]), int(pos[-1]) + 1)
    return pos


def lay_out(datasets: Sequence[xr.Dataset], template: Template, block_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Stack scenario outputs on the template's coordinates: ``block_shape + variable shape``.

    Values go where their coordinates are (``time`` of a shorter run is a prefix); what a
    scenario does not have stays NaN. A dimension without coordinate is filled from the start.
    """
    out = {name: np.full((len(datasets),) + tuple(template.sizes[d] for d in dims), np.nan)
           for name, (dims, _) in template.variables.items()}
    for k, ds in enumerate(datasets):
        variables = ds.variables
        extra = [n for n in ds.data_vars if n not in template.variables]
        if extra:
            raise RuntimeError(f"outputs {extra} are not in the sweep's template")
        where: dict[str, Any] = {}
        for dim, size in ds.sizes.items():
            if dim not in template.sizes:
                raise RuntimeError(f"dimension {dim} of the outputs is not in the sweep's template")
            if dim in template.coords and dim in variables:
                where[dim] = _positions(template.coords[dim][0], np.asarray(variables[dim].values), dim)
            elif size > template.sizes[dim]:
                raise RuntimeError(f"{size} entries along {dim}, more than the sweep's {template.sizes[dim]}")
            else:
                where[dim] = slice(0, int(size))
        for name, (dims, _) in template.variables.items():
            var = variables.get(name)
            if var is None:
                continue
            if var.dims != dims:
                raise RuntimeError(f"output {name} has dims {var.dims}, expected {dims}")
            index = tuple(where[d] for d in dims)
            if any(not isinstance(i, slice) for i in index):
                index = np.ix_(*[np.arange(template.sizes[d])[i] for d, i in zip(dims, index)])
                out[name][k][index] = np.asarray(var.values, dtype=float)
            else:
                out[name][(k,) + index] = np.asarray(var.values, dtype=float)
    return {name: a.reshape(block_shape + a.shape[1:]) for name, a in out.items()}

