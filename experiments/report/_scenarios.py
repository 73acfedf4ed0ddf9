"""The scenarios a result holds: its sweep dimensions and axes, the lines to draw, session days.

A run has only the dimensions of one run (``time``, ``session``, ``x``, ...); a sweep
store puts its own in front (attribute ``sweep_dims``): axes such as ``interval_days``
and ``vacuum_kpa`` (grid mode), ``scenario`` (zip, lhs, sobol), and ``replicate``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import xarray as xr

from ._figures import format_value, time_days
from ._summaries import RUN_DIMS

__all__ = ["is_sweep", "sweep_dims", "axis_dims", "axis_paths", "lines", "fixed_note", "session_days", "level_settings",
           "value_label", "setting_label", "setting_values", "run_end_days", "course_end_days", "run_title"]

# the axes drawn first (x of a heat map, lines of a time course) when they are swept
PREFERRED_AXES = ("interval_days", "vacuum_kpa")


def sweep_dims(ds: xr.Dataset) -> list[str]:
    """The sweep's dimensions (attribute ``sweep_dims``, else every dimension not of one run)."""
    dims = ds.attrs.get("sweep_dims")
    if isinstance(dims, str):
        dims = json.loads(dims)
    if dims:
        return [d for d in dims if d in ds.dims]
    return [d for d in ds.dims if d not in RUN_DIMS]


def is_sweep(ds: xr.Dataset) -> bool:
    return bool(sweep_dims(ds))


def axis_dims(ds: xr.Dataset) -> list[str]:
    """Sweep dimensions that are axes (not replicate); preferred order interval, vacuum."""
    dims = [d for d in sweep_dims(ds) if d != "replicate"]
    return sorted(dims, key=lambda d: (PREFERRED_AXES.index(d) if d in PREFERRED_AXES else len(PREFERRED_AXES), dims.index(d)))


def axis_paths(ds: xr.Dataset) -> dict[str, str]:
    """Sweep axis name: config path it sets (attribute ``sweep_axes`` and coordinates' ``sweep_path``)."""
    raw = ds.attrs.get("sweep_axes")
    paths = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    for name in ds.coords:
        p = ds[name].attrs.get("sweep_path")
        if p:
            paths[name] = p
    return paths


def session_days(ds: xr.Dataset, point: dict[str, Any] | None = None) -> np.ndarray:
    """Session days of a run, or of one sweep scenario (``point``: coordinate values).

    Read from the output ``session_day`` (dims ``session``, the sweep dimensions in front
    for a sweep): ``point`` selects along the dimensions it names, and the days of the
    scenarios it leaves (the replicates of a scenario share theirs) are merged. Empty when
    the result has no device sessions (untreated, strips only).
    """
    if "session_day" not in ds:
        return np.array([])
    da = ds["session_day"]
    if point:
        da = da.sel({k: v for k, v in point.items() if k in da.dims})
    values = np.asarray(da.values, float).ravel()
    return np.unique(values[np.isfinite(values)])


def lines(ds: xr.Dataset, max_lines: int = 10) -> list[tuple[str, xr.Dataset, dict]]:
    """(label, scenario dataset with run dims only, coordinate point) of the lines to draw.

    A sweep draws one line per value of its first axis (at most ``max_lines``), the other
    axes at their middle value, replicates averaged.
    """
    if not is_sweep(ds):
        return [("", ds, {})]
    base = ds
    note = ""
    if "replicate" in sweep_dims(ds):
        base = ds.mean("replicate", keep_attrs=True)
        note = f" (mean of {ds.sizes['replicate']} replicates)"
    axes = axis_dims(ds)
    if not axes:
        return [("all" + note, base, {})]
    first = axes[0]
    fixed = {d: base.sizes[d] // 2 for d in axes[1:]}
    sub = base.isel(fixed) if fixed else base
    n = sub.sizes[first]
    out = []
    for i in np.unique(np.linspace(0, n - 1, min(n, max_lines)).round().astype(int)):
        one = sub.isel({first: int(i)})
        point = {first: one[first].values.item()} if first in one.coords else {}
        for d, j in fixed.items():
            if d in base.coords:
                point[d] = base[d].values[j].item()
        if first == "scenario":
            paths = axis_paths(ds)
            label = ", ".join(f"{k}={format_value(one[k].values.item())}" for k in paths if k in one.coords) or f"scenario {i}"
            point.update({k: one[k].values.item() for k in paths if k in one.coords})
        else:
            label = setting_label(ds, {first: point.get(first)})
        out.append((label, one, point))
    return out


def fixed_note(ds: xr.Dataset, varied: Sequence[str]) -> str:
    """``"vacuum = 30 kPa; mean of 2 replicates"``: the axes held at their middle value."""
    parts = []
    for d in axis_dims(ds):
        if d in varied:
            continue
        v = ds[d].values[ds.sizes[d] // 2] if d in ds.coords else ds.sizes[d] // 2
        attrs = ds[d].attrs if d in ds.coords else {}
        units = attrs.get("units", "")
        # "vacuum = 30 kPa" (long name and units of the sweep coordinate), else "vacuum_kpa = 30"
        v = v.item() if hasattr(v, "item") else v
        extra = value_label(ds, d, v).split("\n")[1:]
        parts.append(f"{attrs.get('long_name', d)} = {format_value(v)}" + (f" {units}" if units and units != "1" else "")
                     + (f" ({extra[0]})" if extra else ""))
    if "replicate" in sweep_dims(ds):
        parts.append(f"mean of {ds.sizes['replicate']} replicates")
    return "; ".join(parts)


def _json_attr(ds: xr.Dataset, name: str) -> dict:
    raw = ds.attrs.get(name)
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def level_settings(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """The device's dial levels: ``{name: {setting: value}}``, as a scenario of this result applies them.

    Read from the resolved config (attribute ``config_json``: ``device.levels`` of a run,
    ``base.device.levels`` of a sweep); a setting the sweep's base gives explicitly
    (attribute ``sweep_config``) wins over the level's, as in a run config. Empty when the
    result does not say.
    """
    config = _json_attr(ds, "config_json")
    device = (config.get("base") if isinstance(config.get("base"), dict) else config).get("device")
    levels = device.get("levels") if isinstance(device, dict) else None
    if not isinstance(levels, dict):
        return {}
    base = _json_attr(ds, "sweep_config").get("base")
    explicit = {}
    if isinstance(base, dict) and isinstance(base.get("protocol"), dict):
        settings = base["protocol"].get("settings")
        if isinstance(settings, dict):
            explicit = {k: v for k, v in settings.items() if k != "level" and not isinstance(v, (list, dict))}
    return {str(name): {**dict(values), **{k: v for k, v in explicit.items() if k in values}}
            for name, values in levels.items() if isinstance(values, dict)}


# a setting's value with its unit, read from the suffix of its name
_SUFFIX_UNITS = (("_kpa", "kPa"), ("_days", "d"), ("_n", "N"), ("_mm_s", "mm/s"), ("_um", "µm"), ("_g_min", "g/min"),
                 ("_l_min", "L/min"), ("_cm2", "cm²"), ("_s", "s"))
# the order a level's settings are listed in (the rest after them, by name)
_LEVEL_ORDER = ("vacuum_kpa", "passes", "load_n", "speed_mm_s", "crystal_flow_g_min", "dwell_s")


def _setting_text(name: str, value: Any) -> str:
    text = format_value(float(value)) if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else str(value)
    if name == "passes":
        return f"{text} pass" + ("" if text == "1" else "es")
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return f"{text} {unit}"
    return f"{name.replace('_', ' ')} {text}"


def value_label(ds: xr.Dataset, dim: str, value: Any, with_settings: bool = True) -> str:
    """A swept value for a tick or a legend: ``"7"`` (the axis label carries the unit); a level is
    its name and, on a second line, its settings (``30 kPa, 2 passes, 2 N``; :func:`level_settings`)."""
    value = value.item() if hasattr(value, "item") else value
    text = format_value(value)
    if with_settings and dim == "level":
        settings = level_settings(ds).get(str(value))
        if settings:
            keys = [k for k in _LEVEL_ORDER if k in settings] + sorted(k for k in settings if k not in _LEVEL_ORDER)
            text += "\n" + ", ".join(_setting_text(k, settings[k]) for k in keys)
    return text


def setting_values(ds: xr.Dataset | None, setting: dict[str, Any]) -> dict[str, Any]:
    """A setting by its swept values: ``{"scenario": 5}`` of a zip or sampled sweep becomes the axis
    values of scenario 5 (``{"interval_days": 4, "vacuum_kpa": 30}``); a grid setting is returned as it is."""
    if ds is None or "scenario" not in setting or "scenario" not in ds.dims:
        return dict(setting)
    where = {"scenario": setting["scenario"]} if "scenario" in ds.coords else {}
    values = {}
    for name in axis_paths(ds):
        coord = ds.coords.get(name)
        if coord is not None and coord.dims == ("scenario",):
            v = coord.sel(where).values if where else coord.values[int(setting["scenario"])]
            values[name] = v.item() if hasattr(v, "item") else v
    rest = {k: v for k, v in setting.items() if k != "scenario"}
    return {**values, **rest} if values else dict(setting)


def setting_label(ds: xr.Dataset | None, setting: dict[str, Any], with_settings: bool = True) -> str:
    """A setting in words: ``"interval 7 d, level moderate (30 kPa, 2 passes, 2 N)"``."""
    setting = setting_values(ds, setting)
    parts = []
    for name, value in setting.items():
        value = value.item() if hasattr(value, "item") else value
        if name == "level":
            extra = value_label(ds, name, value, with_settings).split("\n")[1:] if ds is not None else []
            parts.append(f"level {value}" + (f" ({extra[0]})" if extra else ""))
        elif name == "interval_days":
            parts.append(f"interval {_setting_text(name, value)}")
        elif name in ("scenario", "config"):
            parts.append(f"{name} {format_value(value)}")
        else:
            stem = name
            for suffix, _ in _SUFFIX_UNITS:
                if name.endswith(suffix):
                    stem = name[: -len(suffix)]
                    break
            parts.append(f"{stem.replace('_', ' ')} {_setting_text(name, value)}" if name != "passes"
                         else _setting_text(name, value))
    return ", ".join(parts)


def run_end_days(ds: xr.Dataset) -> xr.DataArray:
    """The last day of each scenario (its last finite TEWL save; a sweep pads shorter courses with NaN).

    Dims: the non-run dimensions of ``tewl`` (scalar for a run). NaN without ``tewl``.
    """
    series = next((ds[n] for n in ("tewl", "sc_layers", "ra_um") if n in ds and "time" in ds[n].dims), None)
    if series is None or "time" not in ds.coords:
        return xr.DataArray(np.nan)
    t = time_days(ds["time"])
    finite = series.notnull().transpose(..., "time").values
    idx = finite.shape[-1] - 1 - np.argmax(finite[..., ::-1], axis=-1)
    days = np.where(finite.any(axis=-1), t[idx], np.nan)
    dims = [d for d in series.dims if d != "time"]
    return xr.DataArray(days, dims=series.transpose(..., "time").dims[:-1],
                        coords={d: ds[d] for d in dims if d in ds.coords})


def course_end_days(ds: xr.Dataset) -> xr.DataArray:
    """The end of each scenario's course: last session + the interval (when the next session
    would be due), capped at the end of the run (docs/outcomes.md, ``ra_change_pct_end_course``).

    The interval is the swept ``interval_days`` where swept, else the gap between the last
    two sessions, else the protocol's (``config_json``). NaN without sessions.
    """
    end = run_end_days(ds)
    if "session_day" not in ds:
        return xr.full_like(end, np.nan, dtype=float)
    days = ds["session_day"].load()
    last = days.max("session")
    if "interval_days" in ds.coords and "interval_days" in ds.dims:
        interval = ds["interval_days"].astype(float)
    elif days.sizes.get("session", 0) >= 2:
        filled = days.fillna(-np.inf)
        top2 = np.sort(np.asarray(filled.transpose(..., "session").values, float), axis=-1)[..., -2:]
        interval = xr.DataArray(top2[..., 1] - top2[..., 0], dims=filled.transpose(..., "session").dims[:-1],
                                coords={d: days[d] for d in days.dims if d != "session" and d in days.coords})
        interval = interval.where(np.isfinite(interval))
    else:
        config = _json_attr(ds, "config_json")
        proto = (config.get("base") if isinstance(config.get("base"), dict) else config).get("protocol") or {}
        interval = float(proto.get("interval_days", np.nan)) if isinstance(proto, dict) else np.nan
    return np.minimum(last + interval, end) if end.notnull().any() else last + interval


def run_title(ds: xr.Dataset) -> str:
    """A run's name for a figure title: its ``title`` (or ``run_name``, ``config_name``) attribute,
    else its skin, device and protocol read from the resolved config (``config_json``)."""
    for key in ("title", "run_name", "config_name", "name"):
        if ds.attrs.get(key):
            return str(ds.attrs[key])
    config = _json_attr(ds, "config_json")
    if not config:
        return ""
    skin = config.get("skin")
    skin = skin.get("name") if isinstance(skin, dict) else skin
    device = config.get("device")
    device = device.get("name") if isinstance(device, dict) else device
    parts = [f"{skin} skin" if skin else ""]
    proto = config.get("protocol")
    if device and isinstance(proto, dict):
        settings = proto.get("settings") or {}
        what = ", ".join(_setting_text(k, settings[k]) for k in ("vacuum_kpa", "passes") if k in settings)
        if settings.get("level"):
            what = f"level {settings['level']}" + (f": {what}" if what else "")
        parts.append(f"{device}: {proto.get('sessions')} sessions every {format_value(float(proto.get('interval_days')))} d"
                     + (f" ({what})" if what else ""))
    elif config.get("duration_days") is not None:
        parts.append(f"untreated, {format_value(float(config['duration_days']))} d")
    return ", ".join(p for p in parts if p)
