"""Figures of runs, sweeps and comparisons (matplotlib; PNG and SVG; axes labelled with units).

Kinds (``epiturn plot RESULT --kind ...``):

* ``timecourse`` -- TEWL and roughness (Ra) against time, sessions marked (vertical
  lines for a run; triangles in each line's colour for a sweep). A sweep draws one line
  per value of its first axis, the other axes at their middle value, replicates averaged.
* ``heatmap`` -- an outcome over the first two axes of a grid sweep (interval x
  intensity when those are swept), replicates averaged, further axes at their middle;
  one figure per outcome (see :func:`experiments.compare.summary_outcomes`).
* ``tradeoff`` -- smoothness gain (Ra reduction) against irritation burden for every
  scenario, with the Pareto front (no other scenario is smoother at no more burden).
* ``profiles`` -- surface profiles (``surface_um``) and depth profiles (variables on
  ``z``) at the start, after the last session and at the end, when the run saved them.

Every figure is built on :class:`matplotlib.figure.Figure` (no pyplot state, no
backend switch) and written as ``NAME.png`` and ``NAME.svg``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from experiments.compare import SUMMARY, irritation_burden, smoothness_gain, summary_outcomes

__all__ = ["KINDS", "pareto_front", "plot_result", "plot_timecourses", "plot_heatmaps", "plot_tradeoff", "plot_profiles",
           "plot_compare", "session_days"]

KINDS = ("timecourse", "heatmap", "tradeoff", "profiles")
RUN_DIMS = ("time", "session", "event", "x", "y", "z")
PREFERRED_AXES = ("interval_days", "vacuum_kpa")
# the trade-off colours its points by the first axis: one colour per value up to this many
MAX_DISCRETE_COLOURS = 10


# --------------------------------------------------------------------------- helpers


# short axis labels of the common time series (the long names do not fit a panel)
SHORT_NAMES = {"tewl": "TEWL", "ra_um": "roughness Ra", "rq_um": "roughness Rq", "rz_um": "roughness Rz",
               "sc_layers": "SC layers", "erythema": "erythema index", "surface_um": "surface height",
               "time": "time", "x": "lateral position"}


def _label(da: xr.DataArray | None, name: str) -> str:
    attrs = da.attrs if da is not None else {}
    long_name = SHORT_NAMES.get(name) or attrs.get("long_name", name)
    units = attrs.get("units", "1")
    return f"{long_name} ({units})" if units not in ("1", "") else f"{long_name} (1)"


def _save(fig: Figure, outdir: Path, stem: str) -> list[Path]:
    """``stem.png`` (150 dpi) and ``stem.svg`` (text kept as text, so labels are searchable)."""
    import matplotlib

    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "epiturn"}):
        for ext in ("png", "svg"):
            path = outdir / f"{stem}.{ext}"
            fig.savefig(path, dpi=150 if ext == "png" else None, bbox_inches="tight")
            paths.append(path)
    return paths


def pareto_front(burden: Any, gain: Any) -> np.ndarray:
    """Mask of the Pareto-optimal points: least ``burden`` for their ``gain``.

    A point is on the front when no other point has ``burden <=`` and ``gain >=`` with
    at least one strict. Points with a NaN coordinate are never on the front.
    """
    b = np.asarray(burden, float).ravel()
    g = np.asarray(gain, float).ravel()
    ok = np.isfinite(b) & np.isfinite(g)
    front = np.zeros(b.size, bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (b <= b[i]) & (g >= g[i]) & ((b < b[i]) | (g > g[i]))
        front[i] = not dominated.any()
    return front.reshape(np.shape(burden))


def _is_sweep(ds: xr.Dataset) -> bool:
    return bool(_sweep_dims(ds))


def _sweep_dims(ds: xr.Dataset) -> list[str]:
    dims = ds.attrs.get("sweep_dims")
    if isinstance(dims, str):
        dims = json.loads(dims)
    if dims:
        return [d for d in dims if d in ds.dims]
    return [d for d in ds.dims if d not in RUN_DIMS]


def _axis_dims(ds: xr.Dataset) -> list[str]:
    """Sweep dimensions that are axes (not replicate); preferred order interval, vacuum."""
    dims = [d for d in _sweep_dims(ds) if d != "replicate"]
    return sorted(dims, key=lambda d: (PREFERRED_AXES.index(d) if d in PREFERRED_AXES else len(PREFERRED_AXES), dims.index(d)))


def _axis_paths(ds: xr.Dataset) -> dict[str, str]:
    raw = ds.attrs.get("sweep_axes")
    paths = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    for name in ds.coords:
        p = ds[name].attrs.get("sweep_path")
        if p:
            paths[name] = p
    return paths


def session_days(ds: xr.Dataset, point: dict[str, Any] | None = None) -> np.ndarray:
    """Session days of a run, or of one sweep scenario (``point``: coordinate values).

    From the output ``session_day`` when present, else from the resolved config in the
    attributes (start_day + i * interval_days), with the sweep's protocol axes applied.
    """
    if "session_day" in ds:
        da = ds["session_day"]
        if point:
            da = da.sel({k: v for k, v in point.items() if k in da.dims})
        values = np.asarray(da.values, float).ravel()
        return values[np.isfinite(values)]
    try:
        cfg = json.loads(ds.attrs.get("config_json", "{}"))
    except (TypeError, ValueError):
        return np.array([])
    base = cfg.get("base", cfg) if "axes" in cfg and "base" in cfg else cfg
    protocol = dict(base.get("protocol") or {})
    if point:
        for name, path in _axis_paths(ds).items():
            if name in point and path.startswith("protocol.") and path.count(".") == 1:
                protocol[path.split(".", 1)[1]] = point[name]
    if not protocol or "sessions" not in protocol or "interval_days" not in protocol:
        return np.array([])
    start = float(protocol.get("start_day", 0.0))
    return start + float(protocol["interval_days"]) * np.arange(int(protocol["sessions"]))


def _finite_part(da: xr.DataArray) -> xr.DataArray:
    values = np.asarray(da.values, float)
    keep = np.isfinite(values)
    return da.isel(time=np.flatnonzero(keep)) if keep.any() else da.isel(time=slice(0, 0))


def _lines(ds: xr.Dataset, max_lines: int = 10) -> list[tuple[str, xr.Dataset, dict]]:
    """(label, scenario dataset with run dims only, coordinate point) of the lines to draw."""
    if not _is_sweep(ds):
        return [("", ds, {})]
    sdims = _sweep_dims(ds)
    base = ds
    note = ""
    if "replicate" in sdims:
        base = ds.mean("replicate", keep_attrs=True)
        note = f" (mean of {ds.sizes['replicate']} replicates)"
    axes = [d for d in _axis_dims(ds)]
    out = []
    if not axes:
        return [("all" + note, base, {})]
    first = axes[0]
    fixed = {d: base.sizes[d] // 2 for d in axes[1:]}
    sub = base.isel(fixed) if fixed else base
    n = sub.sizes[first]
    idx = np.unique(np.linspace(0, n - 1, min(n, max_lines)).round().astype(int))
    for i in idx:
        one = sub.isel({first: int(i)})
        point = {first: one[first].values.item()} if first in one.coords else {}
        for d, j in fixed.items():
            if d in base.coords:
                point[d] = base[d].values[j].item()
        if first == "scenario":
            label = ", ".join(f"{k}={_fmtv(one[k].values.item())}" for k in _axis_paths(ds) if k in one.coords) or f"scenario {i}"
            point.update({k: one[k].values.item() for k in _axis_paths(ds) if k in one.coords})
        else:
            units = ds[first].attrs.get("units", "")
            label = f"{first} = {_fmtv(point.get(first))}" + (f" {units}" if units and units != "1" else "")
        out.append((label, one, point))
    return out


def _fmtv(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _fixed_note(ds: xr.Dataset, varied: Sequence[str]) -> str:
    parts = []
    for d in _axis_dims(ds):
        if d in varied:
            continue
        v = ds[d].values[ds.sizes[d] // 2] if d in ds.coords else ds.sizes[d] // 2
        attrs = ds[d].attrs if d in ds.coords else {}
        units = attrs.get("units", "")
        # "vacuum = 30 kPa" (long name and units of the sweep coordinate), else "vacuum_kpa = 30"
        parts.append(f"{attrs.get('long_name', d)} = {_fmtv(v.item() if hasattr(v, 'item') else v)}"
                     + (f" {units}" if units and units != "1" else ""))
    if "replicate" in _sweep_dims(ds):
        parts.append(f"mean of {ds.sizes['replicate']} replicates")
    return "; ".join(parts)


# --------------------------------------------------------------------------- kinds


def plot_timecourses(ds: xr.Dataset, outdir: str | os.PathLike, stem: str = "timecourse") -> list[Path]:
    """TEWL and Ra against time (days) with session markers."""
    names = [n for n in ("tewl", "ra_um") if n in ds]
    if not names:
        return []
    lines = _lines(ds)
    fig = Figure(figsize=(8, 3.2 * len(names)), layout="constrained")
    axs = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    colors = [f"C{i % 10}" for i in range(len(lines))]
    for ax, name in zip(axs, names):
        any_finite = False
        for (label, one, point), color in zip(lines, colors):
            da = _finite_part(one[name])
            if da.sizes["time"] == 0:
                continue
            any_finite = True
            ax.plot(da["time"].values, da.values, color=color, label=label or None, lw=1.4)
            days = session_days(ds, point) if point or not _is_sweep(ds) else np.array([])
            days = days[days <= float(da["time"].values[-1]) + 1e-9]
            if len(lines) == 1:
                for k, d in enumerate(days):
                    ax.axvline(d, color="0.5", ls="--", lw=0.8, label="session" if k == 0 else None)
            elif days.size:
                ax.plot(days, np.interp(days, da["time"].values, da.values), ls="none", marker="v", ms=5, color=color)
        if not any_finite:
            comment = ds[name].attrs.get("comment", "no finite values")
            ax.text(0.5, 0.5, f"{name}: {comment}", ha="center", va="center", transform=ax.transAxes, fontsize=9, wrap=True)
        ax.set_ylabel(_label(ds[name], name))
        ax.grid(alpha=0.3)
    axs[-1].set_xlabel(_label(ds["time"], "time") if "time" in ds.coords else "time (d)")
    handles, labels = axs[0].get_legend_handles_labels()
    if labels:
        axs[0].legend(fontsize=8, ncol=2 if len(labels) > 5 else 1)
    note = _fixed_note(ds, _axis_dims(ds)[:1]) if _is_sweep(ds) else ""
    title = ds.attrs.get("title", "") + (f"\n{note}" if note else "")
    if len(lines) > 1:
        title += ("\n" if title else "") + "triangles: sessions"
    if title.strip():
        fig.suptitle(title.strip(), fontsize=10)
    return _save(fig, Path(outdir), stem)


def _outcome(outcomes: xr.Dataset, name: str) -> tuple[xr.DataArray, str]:
    if name == "smoothness_gain":
        return smoothness_gain(outcomes)
    if name == "irritation_burden":
        return irritation_burden(outcomes)
    if name not in outcomes:
        raise KeyError(name)
    da = outcomes[name]
    return da, _label(da, name)


def available_outcomes(ds: xr.Dataset) -> list[str]:
    outcomes = summary_outcomes(ds)
    names = []
    for special in ("smoothness_gain", "irritation_burden"):
        try:
            _outcome(outcomes, special)
            names.append(special)
        except KeyError:
            pass
    return names + [n for n in outcomes.data_vars]


DEFAULT_HEATMAPS = ("smoothness_gain", "irritation_burden", "tewl_peak_ratio", "tewl_excess_days",
                    "barrier_recovery_hours_max", "max_injury_um")
# summary outcomes that repeat the model's irritation_burden_days (same definition, computed
# on the saved points instead of every step): left out of the default heat maps when it is there
SAME_AS_IRRITATION_BURDEN = ("tewl_excess_days",)


def plot_heatmaps(ds: xr.Dataset, outdir: str | os.PathLike, outcomes: Sequence[str] | None = None) -> tuple[list[Path], list[str]]:
    """Heat maps of outcomes over the first two axes of a grid sweep. Returns (files, notes)."""
    axes = _axis_dims(ds)
    if ds.attrs.get("sweep_mode", "grid") != "grid" or len(axes) < 2:
        raise ValueError("a heat map needs a grid sweep with at least two axes")
    xdim, ydim = axes[0], axes[1]
    table = summary_outcomes(ds)
    wanted = list(outcomes) if outcomes else [n for n in DEFAULT_HEATMAPS]
    if not outcomes and "irritation_burden_days" in table:
        # the same integral as the model's irritation burden, but on the saved points only
        # (daily in the main job: it missed the session spikes, 4.9 d against 5.87 d)
        wanted = [n for n in wanted if n not in SAME_AS_IRRITATION_BURDEN]
    files, notes = [], []
    for name in wanted:
        try:
            da, label = _outcome(table, name)
        except KeyError:
            if outcomes:
                raise
            continue
        if "replicate" in da.dims:
            da = da.mean("replicate", keep_attrs=True)
        others = {d: da.sizes[d] // 2 for d in da.dims if d not in (xdim, ydim)}
        da = da.isel(others).transpose(ydim, xdim)
        values = np.asarray(da.values, float)
        if not np.isfinite(values).any():
            notes.append(f"heatmap {name}: no finite values (e.g. roughness is undefined on a single column); skipped")
            continue
        finite = values[np.isfinite(values)]
        constant = bool(np.all(finite == finite[0]))
        units = da.attrs.get("units") or label.rsplit("(", 1)[-1].rstrip(")")
        if constant and not outcomes:
            # one colour with a meaningless colour bar: say it in one line instead
            notes.append(f"heatmap {name}: {_fmtv(float(finite[0]))} {units} in every scenario; skipped")
            continue
        fig = Figure(figsize=(6.4, 4.8), layout="constrained")
        ax = fig.subplots()
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
        xs, ys = ds[xdim].values, ds[ydim].values
        ax.set_xticks(range(len(xs)), [_fmtv(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmtv(v) for v in ys])
        ax.set_xlabel(_label(ds[xdim], xdim))
        ax.set_ylabel(_label(ds[ydim], ydim))
        mid = 0.5 * (finite.min() + finite.max())
        for (j, i), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(i, j, f"{v:.3g}", ha="center", va="center", fontsize=8, color="white" if v < mid else "black",
                        gid=f"cell-{ydim}-{j}-{xdim}-{i}")
        fig.colorbar(im, ax=ax, label=label)
        note = _fixed_note(ds, (xdim, ydim))
        if constant:
            note = "; ".join(x for x in (f"the same in every scenario: {_fmtv(float(finite[0]))} {units}", note) if x)
        ax.set_title(label + (f"\n{note}" if note else ""), fontsize=9)
        files += _save(fig, Path(outdir), f"heatmap_{name}")
    return files, notes


def plot_tradeoff(ds: xr.Dataset, outdir: str | os.PathLike, labels: Sequence[str] | None = None, stem: str = "tradeoff") -> tuple[list[Path], list[str]]:
    """Smoothness gain against irritation burden, every scenario, Pareto front marked."""
    table = summary_outcomes(ds)
    try:
        gain, gain_label = smoothness_gain(table)
        burden, burden_label = irritation_burden(table)
    except KeyError as exc:
        return [], [f"tradeoff: {exc.args[0]}; skipped"]
    if "replicate" in gain.dims:
        gain, burden = gain.mean("replicate"), burden.mean("replicate")
    g = np.asarray(gain.values, float).ravel()
    b = np.asarray(burden.values, float).ravel()
    ok = np.isfinite(g) & np.isfinite(b)
    if not ok.any():
        return [], ["tradeoff: no scenario has both a finite smoothness gain and burden (e.g. roughness is undefined on a single column); skipped"]
    front = pareto_front(b, g)
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.subplots()
    # colour by the first axis: a dimension (grid sweeps) or a coordinate on `scenario` (zip, lhs, sobol)
    color_name, color_values = None, None
    candidates = [d for d in _axis_dims(ds) if d in gain.dims and d != "scenario"]
    candidates += [n for n in _axis_paths(ds) if n in ds.coords and set(ds[n].dims) <= set(gain.dims)]
    for name in candidates:
        coord = ds[name]
        if coord.dtype.kind in "fiu":
            color_name = name
            color_values = np.asarray(coord.broadcast_like(gain).transpose(*gain.dims).values, float).ravel()
            break
    if color_values is not None:
        levels = np.unique(color_values[ok])
        if levels.size <= MAX_DISCRETE_COLOURS:
            # a few swept values (intervals 2, 4, 7, 14, 21 d): one colour each, ticked at the values
            import matplotlib
            from matplotlib.colors import BoundaryNorm

            cmap = matplotlib.colormaps["viridis"].resampled(levels.size)
            norm = BoundaryNorm(np.arange(levels.size + 1) - 0.5, levels.size)
            sc = ax.scatter(b[ok], g[ok], c=np.searchsorted(levels, color_values[ok]), cmap=cmap, norm=norm, s=36, zorder=2)
            bar = fig.colorbar(sc, ax=ax, label=_label(ds[color_name], color_name), ticks=np.arange(levels.size))
            bar.ax.set_yticklabels([_fmtv(v) for v in levels])
        else:
            sc = ax.scatter(b[ok], g[ok], c=color_values[ok], cmap="viridis", s=36, zorder=2)
            bar = fig.colorbar(sc, ax=ax, label=_label(ds[color_name], color_name))
        bar.ax.set_gid("colour-bar")
    else:
        ax.scatter(b[ok], g[ok], s=36, color="C0", zorder=2)
    order = np.argsort(b[front])
    fb, fg = b[front][order], g[front][order]
    ax.step(fb, fg, where="post", color="C3", lw=1.5, zorder=1, label="Pareto front")
    ax.scatter(fb, fg, s=90, facecolors="none", edgecolors="C3", lw=1.5, zorder=3)
    if labels is not None:
        for text, x, y in zip(np.asarray(labels).ravel()[ok], b[ok], g[ok]):
            ax.annotate(str(text), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel(burden_label)
    ax.set_ylabel(gain_label)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    note = "; ".join(x for x in (f"{int(ok.sum())} scenarios", "mean of replicates" if "replicate" in _sweep_dims(ds) else "") if x)
    ax.set_title(f"smoothness gain vs irritation burden ({note})", fontsize=9)
    return _save(fig, Path(outdir), stem), []


def plot_profiles(ds: xr.Dataset, outdir: str | os.PathLike) -> tuple[list[Path], list[str]]:
    """Surface profiles and depth profiles (variables on ``z``) at start, last session, end."""
    one, point = ds, {}
    if _is_sweep(ds):
        lines = _lines(ds, max_lines=1)
        sub = ds
        for d in _sweep_dims(ds):
            sub = sub.isel({d: ds.sizes[d] // 2})
        one = sub
        point = {d: ds[d].values[ds.sizes[d] // 2].item() for d in _axis_dims(ds) if d in ds.coords}
        del lines
    seed_note = ""
    if _is_sweep(ds) and "replicate" in _sweep_dims(ds) and "replicate" in ds.coords:
        seed_note = f", seed = {ds['replicate'].values[ds.sizes['replicate'] // 2]}"
    names = [n for n in one.data_vars if "time" in one[n].dims and ({"x", "z"} & set(one[n].dims))]
    if not names:
        return [], ["profiles: the result has no saved profiles (run with save.profiles: true)"]
    t = np.asarray(one["time"].values, float)
    finite_t = t[np.isfinite(np.asarray(one[names[0]].isel({d: 0 for d in one[names[0]].dims if d != "time"}).values, float))]
    t_end = float(finite_t[-1]) if finite_t.size else float(t[-1])
    days = session_days(ds, point)
    picks = [("start", 0.0)]
    if days.size:
        picks.append((f"1 d after last session (day {days[-1] + 1:g})", float(days[-1]) + 1.0))
    picks.append((f"end (day {t_end:g})", t_end))
    files = []
    for name in names:
        da = one[name]
        spatial = [d for d in da.dims if d != "time"]
        fig = Figure(figsize=(7, 3.6), layout="constrained")
        ax = fig.subplots()
        if len(spatial) == 1:
            dim = spatial[0]
            coord = np.asarray(one[dim].values, float) if dim in one.coords else np.arange(da.sizes[dim])
            scale, unit = (1e-3, "mm") if dim in ("x", "y") and one[dim].attrs.get("units") == "um" else (1.0, one[dim].attrs.get("units", "1") if dim in one.coords else "1")
            for label, day in picks:
                k = int(np.argmin(np.abs(t - day)))
                ax.plot(coord * scale, np.asarray(da.isel(time=k).values, float), label=label, lw=1.2)
            ax.set_xlabel(f"{one[dim].attrs.get('long_name', dim) if dim in one.coords else dim} ({unit})")
            ax.set_ylabel(_label(da, name))
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        else:
            k = int(np.argmin(np.abs(t - t_end)))
            im = ax.imshow(np.asarray(da.isel(time=k).values, float), origin="lower", aspect="equal", cmap="viridis")
            fig.colorbar(im, ax=ax, label=_label(da, name))
            ax.set_xlabel(f"{spatial[1]} (index)")
            ax.set_ylabel(f"{spatial[0]} (index)")
        title = da.attrs.get("long_name", name)
        if point:
            title += "\n" + ", ".join(f"{k} = {_fmtv(v)}" for k, v in point.items()) + seed_note
        ax.set_title(title, fontsize=9)
        files += _save(fig, Path(outdir), f"profile_{name}")
    return files, []


# --------------------------------------------------------------------------- entry points


def plot_result(result: Any, kinds: Sequence[str] | None = None, outdir: str | os.PathLike = "figures",
                outcome: str | None = None) -> tuple[list[Path], list[str]]:
    """Write the figures of a run or sweep. Returns ``(files, notes)``.

    ``result``: a dataset or a path (NetCDF run, Zarr sweep). ``kinds``: a subset of
    :data:`KINDS` (default: every kind that applies). ``outcome``: the heat map outcome
    (default: a standard set). A kind asked for explicitly that does not apply is a
    ValueError naming why.
    """
    from experiments.storage import open_result

    ds = open_result(result) if isinstance(result, (str, os.PathLike)) else result
    explicit = bool(kinds)
    kinds = list(kinds) if kinds else list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"--kind: {k!r} is not a figure kind; allowed: {', '.join(KINDS)}")
    outdir = Path(outdir)
    files: list[Path] = []
    notes: list[str] = []
    if "timecourse" in kinds:
        got = plot_timecourses(ds, outdir)
        if not got:
            notes.append("timecourse: no tewl or ra_um in this result; skipped")
        files += got
    if "heatmap" in kinds:
        if _is_sweep(ds) and ds.attrs.get("sweep_mode", "grid") == "grid" and len(_axis_dims(ds)) >= 2:
            if outcome is not None:
                allowed = available_outcomes(ds)
                if outcome not in allowed:
                    raise ValueError(f"--outcome: {outcome!r} is not an outcome of this result; allowed: {', '.join(allowed)}")
            got, more = plot_heatmaps(ds, outdir, [outcome] if outcome else None)
            files += got
            notes += more
        elif explicit:
            raise ValueError("--kind heatmap: needs a grid sweep with at least two axes; allowed: timecourse, tradeoff, profiles for this result")
    if "tradeoff" in kinds:
        if _is_sweep(ds):
            got, more = plot_tradeoff(ds, outdir)
            files += got
            notes += more
        elif explicit:
            raise ValueError("--kind tradeoff: needs several scenarios (a sweep, or epiturn compare); allowed: timecourse, profiles for a single run")
    if "profiles" in kinds:
        got, more = plot_profiles(ds, outdir)
        files += got
        if explicit or not got:
            notes += more
    return files, notes


def plot_compare(datasets: Sequence[xr.Dataset], names: Sequence[str], outdir: str | os.PathLike) -> tuple[list[Path], list[str]]:
    """Figures of ``epiturn compare``: overlaid time courses and the trade-off of the configs."""
    outdir = Path(outdir)
    names_ = [n for n in ("tewl", "ra_um") if any(n in ds for ds in datasets)]
    files: list[Path] = []
    notes: list[str] = []
    if names_:
        fig = Figure(figsize=(8, 3.2 * len(names_)), layout="constrained")
        axs = fig.subplots(len(names_), 1, sharex=True, squeeze=False)[:, 0]
        for ax, name in zip(axs, names_):
            for i, (ds, label) in enumerate(zip(datasets, names)):
                if name not in ds:
                    continue
                color = f"C{i % 10}"
                da = _finite_part(ds[name])
                if da.sizes["time"] == 0:
                    continue
                ax.plot(da["time"].values, da.values, color=color, label=label, lw=1.4)
                days = session_days(ds)
                days = days[days <= float(da["time"].values[-1]) + 1e-9]
                if days.size:
                    ax.plot(days, np.interp(days, da["time"].values, da.values), ls="none", marker="v", ms=5, color=color)
            ax.set_ylabel(_label(datasets[0][name], name))
            ax.grid(alpha=0.3)
        axs[0].legend(fontsize=8)
        axs[-1].set_xlabel(_label(datasets[0]["time"], "time"))
        fig.suptitle("comparison (triangles: sessions)", fontsize=10)
        files += _save(fig, outdir, "compare_timecourse")
    tables = [summary_outcomes(ds) for ds in datasets]
    combined = xr.concat(tables, dim="config", join="outer", coords="minimal", compat="override")
    combined = combined.assign_coords(config=("config", list(names)))
    for name in combined.data_vars:
        combined[name].attrs = next((dict(t[name].attrs) for t in tables if name in t), {})
    combined.attrs["sweep_dims"] = ["config"]
    got, more = plot_tradeoff(combined, outdir, labels=list(names), stem="compare_tradeoff")
    return files + got, notes + more
