"""What every figure shares: axis labels with units, number formats, writing PNG and SVG.

Every figure is built on :class:`matplotlib.figure.Figure` (no pyplot state, no backend
switch) and written as ``NAME.png`` and ``NAME.svg``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["SHORT_NAMES", "axis_label", "display_units", "format_value", "finite_part", "save_figure"]

# short axis labels of the common time series (the long names do not fit a panel)
SHORT_NAMES = {"tewl": "TEWL", "ra_um": "roughness Ra", "rq_um": "roughness Rq", "rz_um": "roughness Rz",
               "sc_layers": "SC layers", "erythema": "erythema index", "surface_um": "surface height",
               "time": "time", "x": "lateral position"}


def axis_label(da: xr.DataArray | None, name: str) -> str:
    """``"long name (units)"``: the short name of a common series, else the long name; units ``1`` if none."""
    attrs = da.attrs if da is not None else {}
    long_name = SHORT_NAMES.get(name) or attrs.get("long_name", name)
    units = attrs.get("units", "1")
    return f"{long_name} ({units})" if units not in ("1", "") else f"{long_name} (1)"


# CF unit strings as a reader writes them (labels, tables); "1" (dimensionless) shows as nothing
_DISPLAY_UNITS = {"1": "", "um": "µm", "um2": "µm²", "g m-2 h-1": "g m⁻² h⁻¹", "d-1": "per day", "h-1": "per hour"}


def display_units(units: str | None) -> str:
    """``units`` for a reader: ``um`` -> ``µm``, ``g m-2 h-1`` -> ``g m⁻² h⁻¹``, ``1`` -> ``""`` (no unit)."""
    units = (units or "").strip()
    return _DISPLAY_UNITS.get(units, units.replace("um", "µm") if units.startswith("um") else units)


def format_value(v: Any) -> str:
    """A coordinate value for a label: floats with ``g``, anything else as ``str``."""
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def finite_part(da: xr.DataArray) -> xr.DataArray:
    """The time points of a series where it is finite (a sweep scenario ends before the longest)."""
    values = np.asarray(da.values, float)
    keep = np.isfinite(values)
    return da.isel(time=np.flatnonzero(keep)) if keep.any() else da.isel(time=slice(0, 0))


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
