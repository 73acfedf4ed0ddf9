"""The homeostatic steady state of a profile, computed once and cached on disk.

Every run starts from the untreated steady state of its skin profile on its grid
("spin-up, then fork"). The spin-up (:func:`models.spin_up`) costs about a
year of simulated time, so its result is stored under the cache folder
(``$EPITURN_CACHE``, default ``~/.cache/epiturn``), keyed by a hash of the skin
parameter values, the grid, the seed, the package version and the source of the
numerical code (so an edited model never reuses a stale state). A spin-up and the first
load of a cached state are announced to whoever listens (:mod:`experiments._activity`).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from models import ModelGrid, SkinParams, SkinState, initial_state, spin_up
from experiments._activity import say, step
from experiments._cache import cache_root
from experiments._provenance import package_version
from experiments.errors import SimulationError

__all__ = ["MAX_DRIFT", "MAX_SPIN_UP_STAGES", "cache_dir", "cache_key", "homeostatic_state"]

_CODE_DIRS = ("sim", "models")
_ROOT = Path(__file__).resolve().parents[1]
# the spin-up must have converged to this relative drift over its last 30 days (columns
# reach ~1e-10; periodic transects only ~1e-4: a slow lateral mode, see docs/numerics.md)
MAX_DRIFT = 1e-3
# a spin-up that has not reached MAX_DRIFT after its four stages of 90 days goes on, stage
# by stage, up to this many (6 simulated years): time constants of up to 2,000 h (the
# upper ends of fibroblast_hours and growth_factor_hours) need ~18 (docs/numerics.md)
MAX_SPIN_UP_STAGES = 24
STAGE_DAYS = 90.0


@lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256()
    for d in _CODE_DIRS:
        for f in sorted((_ROOT / d).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    return cache_root() / "homeostasis"


def cache_key(skin: dict, grid: ModelGrid, seed: int, dt_h: float) -> str:
    lat = grid.lateral
    payload = {
        "skin": {k: float(v) for k, v in sorted(skin.items())},
        "grid": [lat.kind, lat.n, lat.width_um, grid.nz, grid.n_stages, grid.bin_width_h, grid.n_bins],
        "seed": int(seed), "dt_h": float(dt_h), "version": package_version(), "code": _code_hash(),
        "stopping": [MAX_DRIFT, MAX_SPIN_UP_STAGES, STAGE_DAYS],  # the rule that decided when the spin-up stopped
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


_REFS = ("tewl_reference", "calcium_top_reference", "cytokine_basal_reference")  # set by the spin-up
_LOADED: dict[str, tuple] = {}  # cache file -> (state, refs, drift): each file is read once per process
_WRITTEN: set[str] = set()  # cache files this process wrote (reading them back is not news)
_LAST_PARAMS: dict[str, tuple] = {}  # cache file -> (params given, references, params with them): the last ones


def _on_grid(grid: ModelGrid) -> str:
    """``"a single column"``, ``"a 1-D transect of 256 columns"``, ``"a 2-D patch of 64 x 64 columns"``."""
    lat = grid.lateral
    if lat.kind == "column":
        return "a single column"
    return f"a 1-D transect of {lat.n} columns" if lat.kind == "1d" else f"a 2-D patch of {lat.n} x {lat.n} columns"


def homeostatic_state(skin: dict, params: SkinParams, grid: ModelGrid, seed: int, dt_h: float,
                      use_cache: bool = True, name: str | None = None) -> tuple[SkinState, SkinParams, dict]:
    """Return ``(state0, params_with_references, info)`` for a profile on a grid.

    ``name``: the profile's name, for the progress lines. ``info`` has ``cached``
    (bool), ``drift`` and ``key``. Raises when
    the spin-up has not converged (drift above :data:`MAX_DRIFT`): a
    :class:`experiments.errors.SimulationError` (a ``RuntimeError``).
    """
    key = cache_key(skin, grid, seed, dt_h)
    path = cache_dir() / f"{key}.npz"
    if use_cache and path.exists() and str(path) in _LOADED:
        state, refs, drift = _LOADED[str(path)]
        given, given_refs, with_refs = _LAST_PARAMS.get(str(path), (None, None, None))
        if given is not params or given_refs is not refs:  # a sweep's scenarios share one params object
            with_refs = eqx.tree_at(lambda p: tuple(getattr(p, r) for r in _REFS), params, refs)
            _LAST_PARAMS[str(path)] = (params, refs, with_refs)
        return state, with_refs, {"cached": True, "drift": drift, "key": key}
    template = initial_state(params, grid)
    leaves, treedef = jax.tree_util.tree_flatten(template)
    if use_cache and path.exists():
        try:
            data = np.load(path)
            state = jax.tree_util.tree_unflatten(treedef, [jax.device_put(data[f"s{i}"]) for i in range(len(leaves))])
            refs = tuple(jax.device_put(data[r]) for r in _REFS)  # device_put: no program to compile
            params = eqx.tree_at(lambda p: tuple(getattr(p, r) for r in _REFS), params, refs)
            _LOADED[str(path)] = (state, refs, float(data["drift"]))
        except Exception:  # a damaged cache file is recomputed, never trusted
            path.unlink(missing_ok=True)
        else:
            if str(path) not in _WRITTEN:
                say(f"homeostasis of {name or 'the profile'} on {_on_grid(grid)}: read from the cache ({path})")
            return state, params, {"cached": True, "drift": _LOADED[str(path)][2], "key": key}
    what = f"homeostasis of {name or 'the profile'} on {_on_grid(grid)}"
    kept = "; kept in the cache for the next runs" if use_cache else ""
    stages: list[float] = []

    def on_stage(k: int, drift: float) -> None:
        stages.append(drift)
        # the four fixed stages are the simulated year announced; say when another one follows
        if 4 <= k < MAX_SPIN_UP_STAGES and not drift <= MAX_DRIFT:
            say(f"the {what} is still settling after {k * STAGE_DAYS / 365.25:.2g} simulated years "
                f"(drift {drift:.2g} > {MAX_DRIFT:g}); one more stage of {STAGE_DAYS:g} days")

    with step(f"spinning up the {what} (a simulated year{kept})", f"spun up the {what}") as done:
        state, params, drift = spin_up(params, grid, dt_h, STAGE_DAYS, tolerance=MAX_DRIFT,
                                       max_stages=MAX_SPIN_UP_STAGES, on_stage=on_stage)
        years = len(stages) * STAGE_DAYS / 365.25
        done.done += f" (drift {drift:.2g}" + (f", {years:.2g} simulated years)" if len(stages) > 4 else ")")
    if not drift <= MAX_DRIFT:
        how = ("the fibroblasts stay activated (the untreated skin keeps remodelling)" if drift == float("inf")
               else "its readouts became non-finite" if drift != drift
               else f"its readouts still change by {drift:.3g} relative to their value over 30 days")
        raise SimulationError(
            f"spin-up did not converge: the untreated skin of {name or 'the profile'} on {_on_grid(grid)} has not "
            f"settled after {years:.2g} simulated years ({how}; allowed: drift <= {MAX_DRIFT:g}); the profile's "
            "parameters may lie where the homeostasis is unstable (e.g. a very large mitogen_cytokine_gain)")
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"s{i}": np.asarray(a) for i, a in enumerate(jax.tree_util.tree_leaves(state))}
        arrays.update({r: np.asarray(getattr(params, r)) for r in _REFS})
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, drift=drift, **arrays)
        tmp.replace(path)
        _WRITTEN.add(str(path))
    return state, params, {"cached": False, "drift": drift, "key": key}
