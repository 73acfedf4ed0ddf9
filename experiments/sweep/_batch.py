"""The batched run: many scenarios of one grid through one compiled, vmapped ``simulate``.

The scenarios of one grid shape are padded to a common schedule length (inert
zero-length steps, empty event rows) and run ``B`` at a time through
:func:`simulate_batch` = ``jit(vmap(models.simulate))``, so a sweep over one
grid compiles once (:func:`trace_count` counts the traces). Each scenario's outputs
then take the path of a single run (:func:`experiments._run.label_outputs`).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Iterable, Mapping, Sequence

import jax
import numpy as np
import xarray as xr

from experiments.config import ResolvedRunConfig
from experiments._run import RunPlan, label_outputs, plan_run, prepare
from models import simulate

__all__ = ["group_key", "run_scenarios", "scenario_lengths", "simulate_batch", "trace_count"]

_TRACES = {"simulate_batch": 0}


def trace_count() -> int:
    """How often :func:`simulate_batch` has been traced (= compiled) in this process."""
    return _TRACES["simulate_batch"]


@partial(jax.jit, static_argnames=("grid", "profiles", "vector_width"))
def simulate_batch(state0, params, schedule, grid, profiles: bool = False, vector_width: int | None = None):
    """:func:`models.simulate` over a leading batch axis, in one compiled call.

    ``state0``, ``params``, ``schedule``: pytrees whose leaves have a leading axis ``B``
    (scenarios); ``grid`` and ``profiles`` are static (shared). ``vector_width`` (static):
    how many scenarios advance together -- ``None`` or ``>= B``: all of them,
    ``jax.vmap(simulate)`` with ``skip_padding=True`` (the default, the fastest form
    measured on the CPU for columns and 1-D transects, benchmarks/bench_sweep.py
    ``width``; steps on which every member is padding are skipped, so a batch of short
    scenarios padded to the sweep's longest costs its own length); ``1``: one after the other (``lax.map`` over the unbatched scan); ``k``:
    ``lax.map`` over vmapped groups of ``k``. Returns what ``simulate`` returns with the
    batch axis in front of every leaf. Compiled once per grid, ``B``, padded step and
    event counts and ``vector_width``.
    """
    _TRACES["simulate_batch"] += 1
    size = jax.tree_util.tree_leaves(state0)[0].shape[0]
    if vector_width is None or vector_width >= size:
        # the batch skips the steps on which every member is padding (models.simulate, skip_padding)
        run = partial(simulate, grid=grid, profiles=profiles, skip_padding=True)
        return jax.vmap(run)(state0, params, schedule)

    def one(args):
        return simulate(args[0], args[1], args[2], grid, profiles)

    return jax.lax.map(one, (state0, params, schedule), batch_size=None if vector_width == 1 else vector_width)


def stack(trees: Sequence[Any]) -> Any:
    """Pytrees of one structure stacked along a new leading axis (NumPy)."""
    return jax.tree.map(lambda *a: np.stack([np.asarray(x) for x in a]), *trees)


def group_key(plan: RunPlan) -> tuple:
    """Scenarios of one ``(grid, profiles)`` group share a compiled batch function."""
    return (plan.grid, plan.profiles)


def scenario_lengths(scenarios: Iterable[ResolvedRunConfig], plans: Iterable[RunPlan] | None = None
                     ) -> dict[tuple, tuple[int, int]]:
    """Padded ``(n_steps, n_events)`` per ``(grid, profiles)`` group: the longest of the group.

    ``plans``: the scenarios' :func:`experiments._run.plan_run`, when already built.
    """
    plans = [plan_run(r) for r in scenarios] if plans is None else plans
    out: dict[tuple, tuple[int, int]] = {}
    for p in plans:
        key = group_key(p)
        n, e = p.size
        old = out.get(key, (0, 0))
        out[key] = (max(old[0], n), max(old[1], e))
    return out


def run_scenarios(scenarios: Sequence[ResolvedRunConfig], batch_size: int | None = None,
                  lengths: Mapping[tuple, tuple[int, int]] | None = None,
                  vector_width: int | None = None, *, plans: Sequence[RunPlan] | None = None,
                  labels: Sequence[str] | None = None, check: bool = True,
                  provenance: bool = True) -> list[xr.Dataset]:
    """Run scenarios through :func:`simulate_batch`; one finished dataset per scenario.

    Scenarios are grouped by grid (and by the pytree structure of their prepared inputs),
    padded to the group's longest schedule (or ``lengths[(grid, profiles)]``) and run
    ``batch_size`` at a time (default: a whole group at once); a short last batch is
    filled with copies of its last scenario so that every call has the same shape.
    ``vector_width``: see :func:`simulate_batch`. ``plans``: the scenarios'
    :func:`experiments._run.plan_run`, when already built. Each dataset is finished by
    :func:`experiments._run.finalize` (``labels[i]`` names scenario ``i`` in its errors;
    ``check``: raise on non-finite outputs; ``provenance``: attributes of each run).
    """
    if not scenarios:
        return []
    plans = [plan_run(r) for r in scenarios] if plans is None else list(plans)
    lengths = dict(lengths) if lengths is not None else scenario_lengths(scenarios, plans)
    preps = []
    for r, p in zip(scenarios, plans):
        n_steps, n_events = lengths[group_key(p)]
        preps.append(prepare(r, n_steps, n_events, plan=p))
    groups: dict[tuple, list[int]] = {}
    for i, (p, prep) in enumerate(zip(plans, preps)):
        treedef = jax.tree_util.tree_structure((prep.state0, prep.params, prep.schedule))
        groups.setdefault((group_key(p), treedef), []).append(i)
    results: list[xr.Dataset | None] = [None] * len(scenarios)
    for (key, _), members in groups.items():
        grid, profiles = key
        size = batch_size or len(members)
        for start in range(0, len(members), size):
            chunk = members[start:start + size]
            padded = chunk + [chunk[-1]] * (size - len(chunk))
            state0 = stack([preps[i].state0 for i in padded])
            params = stack([preps[i].params for i in padded])
            schedule = stack([preps[i].schedule for i in padded])
            run = jax.device_get(simulate_batch(state0, params, schedule, grid, profiles, vector_width))
            _, out0, outs = run
            for j, i in enumerate(chunk):
                member = lambda tree: jax.tree.map(lambda a: a[j], tree)  # noqa: E731
                label = labels[i] if labels is not None else f"config {scenarios[i].hash[:12]}"
                results[i] = label_outputs(scenarios[i], preps[i], member(out0), member(outs), status=member(run.status),
                                           scenario=label, check=check, provenance=provenance)
    return results  # type: ignore[return-value]
