"""Schedule-aware time grids, built in NumPy before the scan.

The base grid has uniform steps ``dt_h``. After every event the grid is refined: the
steps restart at ``dt_min_h`` and grow geometrically by ``growth`` until they reach
``dt_h``; the refined stretch ends exactly on a base node. Consequently

* every base node, every save point (multiples of ``save_every_h``) and every age-bin
  boundary (multiples of ``bin_width_h``) is a grid node;
* events sit on base nodes (event times are rounded to the nearest base node); two
  events on the same node are separated by a zero-length step and applied in the order
  given.

Per step the grid gives ``dt`` (h), ``t_end`` (h), ``event`` (index of the event
applied at the *start* of the step, or -1), ``shift`` (advance the age bins by one
after the step) and ``save`` (record a save point after the step). Grids of different
schedules are padded with inert zero-length steps to a common length, so scenarios
batch under ``vmap``.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np


class TimeGrid(NamedTuple):
    dt: np.ndarray  # (N,) float, h
    t_end: np.ndarray  # (N,) float, h
    event: np.ndarray  # (N,) int, -1 for none
    shift: np.ndarray  # (N,) bool
    save: np.ndarray  # (N,) bool

    @property
    def n_steps(self) -> int:
        return int(self.dt.shape[0])

    def save_times_h(self) -> np.ndarray:
        """Times of the save points, starting with the initial state at t = 0."""
        return np.concatenate([[0.0], self.t_end[self.save]])


def _is_multiple(t, period, tol=1e-9):
    r = np.mod(t + tol * period, period)
    return r < 2 * tol * period


def make_time_grid(
    duration_h: float,
    dt_h: float,
    event_times_h: Sequence[float] = (),
    *,
    dt_min_h: float = 1.0 / 60.0,
    growth: float = 1.6,
    bin_width_h: float = 24.0,
    save_every_h: float = 6.0,
) -> TimeGrid:
    """Build the step sequence for one scenario (see module docstring).

    ``duration_h`` is rounded up to a whole number of base steps; ``bin_width_h`` and
    ``save_every_h`` must be whole multiples of ``dt_h``. ``event_times_h`` are indexed
    in the order given; the returned ``event`` refers to those indices.
    """
    if dt_h <= 0:
        raise ValueError(f"dt_h={dt_h} must be > 0")
    for name, period in (("bin_width_h", bin_width_h), ("save_every_h", save_every_h)):
        ratio = period / dt_h
        if period <= 0 or abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(f"{name}={period} must be a positive whole multiple of dt_h={dt_h}")
    if not 0 < dt_min_h <= dt_h:
        raise ValueError(f"dt_min_h={dt_min_h} must be in (0, dt_h={dt_h}]")
    if growth <= 1:
        raise ValueError(f"growth={growth} must be > 1")
    n_base = int(np.ceil(duration_h / dt_h - 1e-9))
    events = np.asarray(list(event_times_h), dtype=float)
    if events.size and (events.min() < 0 or events.max() > n_base * dt_h):
        raise ValueError(f"event times must lie in [0, {n_base * dt_h}] h, got {events.tolist()}")
    nodes = np.rint(events / dt_h).astype(int)  # base-node index of each event
    order = np.argsort(nodes, kind="stable")
    by_node: dict[int, list[int]] = {}
    for i in order:
        by_node.setdefault(int(nodes[i]), []).append(int(i))

    ramp = []
    step = dt_min_h
    while step < dt_h * (1 - 1e-12):
        ramp.append(step)
        step *= growth

    dts, evs = [], []
    node = 0
    while node < n_base:
        here = by_node.get(node, [])
        for earlier in here[:-1]:  # coincident events, in the order given: zero-length steps first
            dts.append(0.0)
            evs.append(earlier)
        last_event = here[-1] if here else -1
        if not here:
            dts.append(dt_h)
            evs.append(-1)
            node += 1
            continue
        # refined stretch from this node to the first base node at or after the ramp end,
        # stopping early at the next event node
        span = int(np.ceil(sum(ramp) / dt_h - 1e-12)) if ramp else 1
        span = max(span, 1)
        nxt = [k for k in by_node if node < k < node + span]
        end_node = min(min(nxt) if nxt else node + span, n_base)
        # nodes of the stretch (offsets from this node): the ramp's partial sums merged with
        # every base node inside it, so that no base node (hence no save point and no age-bin
        # boundary) is stepped over; a ramp node closer than dt_min/2 to a base node is
        # dropped in favour of the base node (no sliver steps)
        base_offsets = np.arange(1, end_node - node + 1) * dt_h
        ramp_offsets = np.cumsum(ramp) if ramp else np.zeros(0)
        ramp_offsets = ramp_offsets[ramp_offsets < base_offsets[-1] - 0.5 * dt_min_h]
        near_base = np.min(np.abs(ramp_offsets[:, None] - base_offsets[None, :]), axis=1) < 0.5 * dt_min_h
        offsets = np.sort(np.concatenate([ramp_offsets[~near_base], base_offsets]))
        seq = np.diff(np.concatenate([[0.0], offsets]))
        for j, s in enumerate(seq):
            dts.append(float(s))
            evs.append(last_event if j == 0 else -1)
        node = end_node
    # events at the very end of the run still get applied (in a zero-length step)
    for i in by_node.get(n_base, []):
        dts.append(0.0)
        evs.append(i)

    dt = np.asarray(dts, dtype=float)
    t_end = np.cumsum(dt)
    # snap accumulated round-off onto base nodes
    t_end = np.where(_is_multiple(t_end, dt_h, 1e-7), np.rint(t_end / dt_h) * dt_h, t_end)
    positive = dt > 0
    shift = positive & _is_multiple(t_end, bin_width_h, 1e-7)
    save = positive & _is_multiple(t_end, save_every_h, 1e-7)
    return TimeGrid(dt=dt, t_end=t_end, event=np.asarray(evs, dtype=np.int32), shift=shift, save=save)


def pad_time_grid(grid: TimeGrid, n_steps: int) -> TimeGrid:
    """Append inert zero-length steps so that ``grid`` has exactly ``n_steps`` steps."""
    if grid.n_steps > n_steps:
        raise ValueError(f"time grid has {grid.n_steps} steps, more than n_steps={n_steps}")
    extra = n_steps - grid.n_steps
    last = grid.t_end[-1] if grid.n_steps else 0.0
    return TimeGrid(
        dt=np.concatenate([grid.dt, np.zeros(extra)]),
        t_end=np.concatenate([grid.t_end, np.full(extra, last)]),
        event=np.concatenate([grid.event, np.full(extra, -1, dtype=grid.event.dtype)]),
        shift=np.concatenate([grid.shift, np.zeros(extra, dtype=bool)]),
        save=np.concatenate([grid.save, np.zeros(extra, dtype=bool)]),
    )


def pad_time_grids(grids: Sequence[TimeGrid], n_steps: int | None = None) -> TimeGrid:
    """Stack grids along a leading batch axis, padding with inert zero-length steps."""
    n = max(g.n_steps for g in grids) if n_steps is None else n_steps
    padded = [pad_time_grid(g, n) for g in grids]
    return TimeGrid(*(np.stack(parts) for parts in zip(*padded)))
