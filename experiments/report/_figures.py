"""What every figure shares: axis labels with units, number formats, colours by meaning, PNG and SVG.

Every figure is built on :class:`matplotlib.figure.Figure` (no pyplot state, no backend
switch) and written as ``NAME.png`` and ``NAME.svg``. Labels write units as a reader
does (``µm``, ``g m⁻² h⁻¹``) and leave dimensionless quantities without a unit; the data
keep their CF units (``um``, ``1``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["SHORT_NAMES", "axis_label", "display_units", "tidy_label", "format_value", "finite_part", "time_days",
           "text_colour", "save_figure"]

# short axis labels of the common time series (the long names do not fit a panel)
SHORT_NAMES = {"tewl": "TEWL", "ra_um": "roughness Ra", "rq_um": "roughness Rq", "rz_um": "roughness Rz",
               "sc_layers": "SC layers", "erythema": "erythema index", "surface_um": "surface height",
               "time": "time", "x": "lateral position"}


def axis_label(da: xr.DataArray | None, name: str) -> str:
    """``"long name (units)"``: the short name of a common series, else the long name.

    Units as a reader writes them (:func:`display_units`: ``µm``, ``g m⁻² h⁻¹``); a
    dimensionless quantity (units ``1`` or none) has no unit in its label.
    """
    attrs = da.attrs if da is not None else {}
    long_name = SHORT_NAMES.get(name) or attrs.get("long_name", name)
    units = display_units(attrs.get("units", ""))
    return f"{long_name} ({units})" if units else str(long_name)


# CF unit strings as a reader writes them (labels, tables); "1" (dimensionless) shows as nothing
_DISPLAY_UNITS = {"1": "", "um": "µm", "um2": "µm²", "g m-2 h-1": "g m⁻² h⁻¹", "d-1": "per day", "h-1": "per hour",
                  "mm s-1": "mm/s", "cm2": "cm²", "g min-1": "g/min", "L min-1": "L/min", "l min-1": "L/min",
                  "um2 h-1": "µm²/h"}


def display_units(units: str | None) -> str:
    """``units`` for a reader: ``um`` -> ``µm``, ``g m-2 h-1`` -> ``g m⁻² h⁻¹``, ``1`` -> ``""`` (no unit)."""
    units = (units or "").strip()
    return _DISPLAY_UNITS.get(units, units.replace("um", "µm") if units.startswith("um") else units)


def tidy_label(label: str) -> str:
    """A label ``"name (units)"`` built from CF units, with its units as :func:`display_units` writes them.

    ``"deepest injury (um)"`` -> ``"deepest injury (µm)"``; ``"peak TEWL ratio (1)"`` ->
    ``"peak TEWL ratio"``. A label without trailing units is returned as it is.
    """
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", label, flags=re.S)
    if not m:
        return label
    units = display_units(m.group(2))
    return f"{m.group(1)} ({units})" if units else m.group(1)


def format_value(v: Any) -> str:
    """A coordinate value for a label: floats with ``g``, anything else as ``str``."""
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def time_days(time: xr.DataArray) -> np.ndarray:
    """The values of a ``time`` coordinate in days (floats).

    A result read with CF time decoding has datetimes (``days since ...``): they are
    counted from the reference date of their encoding, else from the first time.
    """
    values = np.asarray(time.values)
    if values.dtype.kind == "M":
        ref = None
        units = str(time.encoding.get("units", ""))
        m = re.match(r"\s*\w+\s+since\s+(.+)$", units)
        if m:
            try:
                ref = np.datetime64(m.group(1).strip().replace(" ", "T").rstrip("Z"), "ns")
            except ValueError:
                ref = None
        ref = values[0] if ref is None else ref
        return (values - ref) / np.timedelta64(1, "D")
    if values.dtype.kind == "m":
        return values / np.timedelta64(1, "D")
    return values.astype(float)


def finite_part(da: xr.DataArray) -> xr.DataArray:
    """The time points of a series where it is finite (a sweep scenario ends before the longest)."""
    values = np.asarray(da.values, float)
    keep = np.isfinite(values)
    return da.isel(time=np.flatnonzero(keep)) if keep.any() else da.isel(time=slice(0, 0))


def text_colour(rgba: Any) -> str:
    """Black or white, whichever reads better on the colour ``rgba`` (relative luminance)."""
    r, g, b = (float(c) for c in tuple(rgba)[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def save_figure(fig: Figure, outdir: Path, stem: str) -> list[Path]:
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
