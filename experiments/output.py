"""Output variables: names, CF units and long names; NetCDF writing.

The table :data:`VARIABLES` is the contract of interface.md ("Output variables"); every
variable written carries its ``units`` and ``long_name`` from here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

# name: (units, long_name)
VARIABLES: dict[str, tuple[str, str]] = {
    # time series
    "tewl": ("g m-2 h-1", "transepidermal water loss"),
    "sc_layers": ("1", "stratum corneum corneocyte layers"),
    "sc_thickness_um": ("um", "stratum corneum thickness"),
    "ve_thickness_um": ("um", "viable epidermis thickness"),
    "ra_um": ("um", "arithmetic mean surface roughness Ra"),
    "rq_um": ("um", "root-mean-square surface roughness Rq"),
    "rz_um": ("um", "mean peak-to-valley height Rz (5 sampling lengths)"),
    "fine_line_depth_um": ("um", "depth of the template fine lines on the surface"),
    "erythema": ("1", "erythema index above baseline (0..1)"),
    "cytokine": ("1", "alarm cytokine (IL-1alpha-like), mean over the viable epidermis, normalised"),
    "calcium_top": ("1", "calcium just under the stratum corneum, normalised"),
    "desquamation_rate": ("d-1", "desquamation rate (corneocyte layers per day)"),
    "sc_transit_days": ("d", "stratum corneum transit time (layers / production rate)"),
    "injury_depth_um": ("um", "deepest loss of living epidermis not yet replaced"),
    "sc_production_rate": ("d-1", "corneocyte production (layers per day)"),
    "lamellar_body_store": ("1", "lamellar-body lipid store of the granular layer (0..1)"),
    "sc_lipid": ("1", "mean barrier-lipid content of the stratum corneum (0..1)"),
    "surface_um": ("um", "skin surface height"),
    # scalars
    "tewl_baseline": ("g m-2 h-1", "TEWL of the untreated steady state"),
    "sc_layers_baseline": ("1", "stratum corneum layers of the untreated steady state"),
    "sc_transit_days_baseline": ("d", "stratum corneum transit time of the untreated steady state"),
    "ve_thickness_um_baseline": ("um", "viable epidermis thickness of the untreated steady state"),
    # per device session (dimension `session`; definitions in docs/outcomes.md)
    "session_day": ("d", "time of the device session"),
    "removed_layers": ("1", "stratum corneum layers removed by the session (lateral mean)"),
    "removed_um": ("um", "tissue removed by the session, stratum corneum and living epidermis (lateral mean)"),
    "barrier_recovery_hours": ("h", "time until TEWL is back within 10 % of tewl_baseline (time available if never)"),
    "barrier_recovered": ("1", "1 if TEWL came back within 10 % of tewl_baseline before the next session or the end"),
    "recovered_at_start": ("1", "1 if TEWL was within 10 % of tewl_baseline when the session started"),
    "injury_max_um": ("um", "deepest living epidermis removed by the session"),
    "petechiae_risk": ("1", "petechiae risk of the session, 0..1 (vacuum vs capillary fragility)"),
    "session_strain": ("1", "skin strain in the hand-piece opening during the session"),
    "session_exposed_fraction": ("1", "fraction of the area left with less than half an SC layer by the session"),
    "tewl_after_session": ("g m-2 h-1", "TEWL right after the session"),
    # course scalars
    "ra_change_pct_end_course": ("%", "change of Ra from baseline at the end of the course"),
    "ra_change_pct_end_followup": ("%", "change of Ra from baseline at the end of follow-up"),
    "fine_line_change_pct_end_course": ("%", "change of fine-line depth from baseline at the end of the course"),
    "fine_line_change_pct_end_followup": ("%", "change of fine-line depth from baseline at the end of follow-up"),
    "ve_thickness_change_pct_end_course": ("%", "change of viable-epidermis thickness from baseline at the end of the course"),
    "irritation_burden_days": ("d", "time integral of the relative TEWL excess over tewl_baseline"),
    "barrier_recovery_hours_max": ("h", "longest barrier recovery time of the sessions"),
    "max_injury_um": ("um", "deepest loss of living epidermis during the run"),
    "exposed_fraction": ("1", "largest fraction of the area where living epidermis was exposed"),
}

COORDS: dict[str, tuple[str, str]] = {
    "time": ("d", "time since the start of the run"),
    "x": ("um", "lateral position"),
    "y": ("um", "lateral position (second axis)"),
    "session": ("1", "session number"),
    "event": ("1", "event number"),
}


def annotate(ds: xr.Dataset) -> xr.Dataset:
    """Attach ``units`` and ``long_name`` to every known variable and coordinate."""
    for name in list(ds.data_vars) + list(ds.coords):
        table = VARIABLES if name in ds.data_vars else COORDS
        if name in table:
            units, long_name = table[name]
            ds[name].attrs.setdefault("units", units)
            ds[name].attrs.setdefault("long_name", long_name)
    return ds


def check_annotated(ds: xr.Dataset) -> None:
    """Raise if any data variable lacks ``units`` (a programming error, not user input)."""
    missing = [v for v in ds.data_vars if "units" not in ds[v].attrs]
    if missing:
        raise ValueError(f"output variables without units: {missing}")


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write ``ds`` to NetCDF-4 (compressed), replacing an existing file atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_annotated(ds)
    tmp = path.with_name(path.name + ".tmp")
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars if np.issubdtype(ds[v].dtype, np.number)}
    ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    tmp.replace(path)
    return path
