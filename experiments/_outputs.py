"""The output table: every variable a run writes, with its units, long name and dimensions.

:data:`OUTPUTS` is the contract of docs/interface.md ("Output variables"). Every variable
a run writes (:func:`experiments.run`) and every variable of a sweep store
(:func:`experiments.sweep`) is a row here: its CF ``units``, ``long_name`` and ``dims``.
The dimensions are those of one run: ``("time",)`` (save points, days), ``("session",)``
(device sessions, numbered from 1), ``()`` (a scalar), ``("time", "x", "y")`` (a surface
profile: the lateral dimensions ``x``, ``y`` are as many as the grid has, see
:func:`dims_on`). A sweep puts its own dimensions in front.

:func:`run_outputs` says which variables one run holds, so that the layout of a sweep
store is read from this table (:mod:`experiments.sweep`), not found by running the model.

:func:`output_attrs` and :func:`coordinate_attrs` are the CF attributes a variable or
coordinate carries in memory (units are UDUNITS strings; 0/1 variables also have
``flag_values``/``flag_meanings``, :data:`FLAGS`). No output
has a CF ``standard_name``: none of the standard-name table's names is one of these
quantities. On disk ``time`` becomes the CF time coordinate (:mod:`experiments.storage`).
"""

from __future__ import annotations

from typing import NamedTuple

import xarray as xr

__all__ = ["Output", "OUTPUTS", "COORDINATES", "FLAGS", "LATERAL_DIMS", "COLUMN_NAN", "NO_COURSE_NAN",
           "dims_on", "run_outputs", "fixed_comments", "is_nan_by_definition", "output_attrs", "coordinate_attrs",
           "flag_attrs", "annotate", "check_annotated"]

LATERAL_DIMS = ("x", "y")


class Output(NamedTuple):
    """One output variable: CF ``units``, ``long_name`` and its dimensions in one run."""

    units: str
    long_name: str
    dims: tuple[str, ...]


OUTPUTS: dict[str, Output] = {
    # time series
    "tewl": Output("g m-2 h-1", "transepidermal water loss", ("time",)),
    "sc_layers": Output("1", "stratum corneum corneocyte layers", ("time",)),
    "sc_thickness_um": Output("um", "stratum corneum thickness", ("time",)),
    "ve_thickness_um": Output("um", "viable epidermis thickness", ("time",)),
    "ra_um": Output("um", "arithmetic mean surface roughness Ra", ("time",)),
    "rq_um": Output("um", "root-mean-square surface roughness Rq", ("time",)),
    "rz_um": Output("um", "mean peak-to-valley height Rz (5 sampling lengths)", ("time",)),
    "fine_line_depth_um": Output("um", "depth of the template fine lines on the surface", ("time",)),
    "erythema": Output("1", "erythema index above baseline (0..1)", ("time",)),
    "cytokine": Output("1", "alarm cytokine (IL-1alpha-like), mean over the viable epidermis, normalised", ("time",)),
    "calcium_top": Output("1", "calcium just under the stratum corneum, normalised", ("time",)),
    "desquamation_rate": Output("d-1", "desquamation rate (corneocyte layers per day)", ("time",)),
    "sc_transit_days": Output("d", "stratum corneum transit time (layers / production rate)", ("time",)),
    "injury_depth_um": Output("um", "deepest loss of living epidermis not yet replaced", ("time",)),
    "basal_proliferation": Output("d-1", "basal proliferation: corneocyte-layer equivalents per day entering the maturation chain", ("time",)),
    "sc_production_rate": Output("d-1", "corneocyte production: layers per day entering the stratum corneum", ("time",)),
    "fibroblast_activation": Output("1", "dermal fibroblast activation above baseline (0..1)", ("time",)),
    "growth_factor": Output("1", "dermal growth factor (KGF-like) reaching the basal layer, above baseline (0..1)", ("time",)),
    "lamellar_body_store": Output("1", "lamellar-body lipid store of the granular layer (0..1)", ("time",)),
    "sc_lipid": Output("1", "mean barrier-lipid content of the stratum corneum (0..1)", ("time",)),
    "surface_um": Output("um", "skin surface height", ("time", "x", "y")),
    # scalars
    "tewl_baseline": Output("g m-2 h-1", "TEWL of the untreated steady state", ()),
    "sc_layers_baseline": Output("1", "stratum corneum layers of the untreated steady state", ()),
    "sc_transit_days_baseline": Output("d", "stratum corneum transit time of the untreated steady state", ()),
    "ve_thickness_um_baseline": Output("um", "viable epidermis thickness of the untreated steady state", ()),
    # per device session (dimension `session`; definitions in docs/outcomes.md)
    "session_day": Output("d", "time of the device session", ("session",)),
    "removed_layers": Output("1", "stratum corneum layers removed by the session (lateral mean)", ("session",)),
    "removed_um": Output("um", "tissue removed by the session, stratum corneum and living epidermis (lateral mean)", ("session",)),
    "barrier_recovery_hours": Output("h", "time until TEWL is back within 10 % of tewl_baseline (time available if never)", ("session",)),
    "barrier_recovered": Output("1", "1 if TEWL came back within 10 % of tewl_baseline before the next session or the end", ("session",)),
    "recovered_at_start": Output("1", "1 if TEWL was within 10 % of tewl_baseline when the session started", ("session",)),
    "injury_max_um": Output("um", "deepest living epidermis removed by the session", ("session",)),
    "petechiae_risk": Output("1", "petechiae risk of the session, 0..1 (vacuum vs capillary fragility)", ("session",)),
    "session_strain": Output("1", "skin strain in the hand-piece opening during the session", ("session",)),
    "session_exposed_fraction": Output("1", "fraction of the area left with less than half an SC layer by the session", ("session",)),
    "session_denuded_fraction": Output("1", "fraction of the area left without living epidermis by the session (a full-thickness epidermal wound)", ("session",)),
    "tewl_after_session": Output("g m-2 h-1", "TEWL right after the session", ("session",)),
    # course scalars
    "ra_change_pct_end_course": Output("%", "change of Ra from baseline at the end of the course", ()),
    "ra_change_pct_end_followup": Output("%", "change of Ra from baseline at the end of follow-up", ()),
    "fine_line_change_pct_end_course": Output("%", "change of fine-line depth from baseline at the end of the course", ()),
    "fine_line_change_pct_end_followup": Output("%", "change of fine-line depth from baseline at the end of follow-up", ()),
    "ve_thickness_change_pct_end_course": Output("%", "change of viable-epidermis thickness from baseline at the end of the course", ()),
    "irritation_burden_days": Output("d", "time integral of the relative TEWL excess over tewl_baseline", ()),
    "barrier_recovery_hours_max": Output("h", "longest barrier recovery time of the sessions", ()),
    "max_injury_um": Output("um", "deepest loss of living epidermis during the run", ()),
    "exposed_fraction": Output("1", "largest fraction of the area where living epidermis was exposed", ()),
    "denuded_fraction": Output("1", "largest fraction of the area left without living epidermis by a session", ()),
}

# coordinate name: (units, long_name); in files ``time`` is the CF time coordinate (experiments.storage._cf)
COORDINATES: dict[str, tuple[str, str]] = {
    "time": ("d", "time since the start of the run"),
    "x": ("um", "lateral position"),
    "y": ("um", "lateral position (second axis)"),
    "session": ("1", "session number"),
    "event": ("1", "event number"),
}
# 0/1 variables: CF flag_meanings of the values 0 and 1 (flag_values 0, 1; NaN where not computed)
FLAGS: dict[str, str] = {
    "barrier_recovered": "not_recovered recovered",
    "recovered_at_start": "not_recovered recovered",
}

# the outputs that only a run with device sessions has, and those read from a lateral profile
SESSION_OUTPUTS = tuple(name for name, o in OUTPUTS.items() if o.dims == ("session",))
PROFILE_OUTPUTS = ("surface_um",)
ROUGHNESS_OUTPUTS = ("ra_um", "rq_um", "rz_um", "fine_line_depth_um")
COURSE_CHANGE_OUTPUTS = ("ra_change_pct_end_course", "ra_change_pct_end_followup", "fine_line_change_pct_end_course",
                         "fine_line_change_pct_end_followup", "ve_thickness_change_pct_end_course")

COLUMN_NAN = "undefined for a single column (no lateral profile): NaN by definition"
NO_COURSE_NAN = "no device sessions in this run: NaN by definition"


def dims_on(name: str, lateral_ndim: int) -> tuple[str, ...]:
    """Dimensions of output ``name`` in a run on a grid with ``lateral_ndim`` lateral axes."""
    dims = OUTPUTS[name].dims
    lateral = [d for d in dims if d in LATERAL_DIMS][:lateral_ndim]
    return tuple(d for d in dims if d not in LATERAL_DIMS or d in lateral)


def run_outputs(lateral_ndim: int, profiles: bool, sessions: bool) -> dict[str, tuple[str, ...]]:
    """The variables of one run and their dimensions, in the order of :data:`OUTPUTS`.

    ``lateral_ndim``: 0 (a column), 1 or 2; ``profiles``: the run saves the surface
    (``save.profiles``; a column has none); ``sessions``: the run has device sessions.
    """
    out = {}
    for name in OUTPUTS:
        if name in PROFILE_OUTPUTS and not (profiles and lateral_ndim):
            continue
        if name in SESSION_OUTPUTS and not sessions:
            continue
        out[name] = dims_on(name, lateral_ndim)
    return out


def fixed_comments(lateral_ndim: int, sessions: bool) -> dict[str, str]:
    """``comment`` attributes that follow from the layout alone (variables NaN by definition)."""
    comments = {}
    if lateral_ndim == 0:
        comments.update({name: COLUMN_NAN for name in ROUGHNESS_OUTPUTS})
    if not sessions:
        comments.update({name: NO_COURSE_NAN for name in COURSE_CHANGE_OUTPUTS + ("barrier_recovery_hours_max",)})
    return comments


def is_nan_by_definition(var: xr.Variable | xr.DataArray) -> bool:
    """True for a variable whose NaN values are its definition (its ``comment`` says so)."""
    return "NaN by definition" in str(var.attrs.get("comment", ""))


def flag_attrs(meanings: str) -> dict:
    """CF attributes of a 0/1 variable (float, NaN where not computed): ``flag_values``, ``flag_meanings``."""
    return {"flag_values": [0.0, 1.0], "flag_meanings": meanings}


def output_attrs(name: str) -> dict:
    """CF attributes of output variable ``name``: ``units``, ``long_name`` (and the flag attributes of a 0/1 one)."""
    attrs = {"units": OUTPUTS[name].units, "long_name": OUTPUTS[name].long_name}
    if name in FLAGS:
        attrs.update(flag_attrs(FLAGS[name]))
    return attrs


def coordinate_attrs(name: str) -> dict:
    """CF attributes of coordinate ``name`` in memory: ``units``, ``long_name``.

    No ``axis``: in files ``time`` is the CF time coordinate (``axis: T``, see
    :mod:`experiments.storage`); ``x``, ``y`` (positions on the skin) are not CF ``X``/``Y``
    axes, which are the Earth's horizontal and would call for latitude and longitude.
    """
    units, long_name = COORDINATES[name]
    return {"units": units, "long_name": long_name}


def annotate(ds: xr.Dataset) -> xr.Dataset:
    """Attach the CF attributes (:func:`output_attrs`, :func:`coordinate_attrs`) to every known variable and coordinate."""
    variables = ds.variables  # the Variable objects themselves: no DataArray is built per attribute
    for name in list(ds.data_vars) + list(ds.coords):
        if name in ds.data_vars and name in OUTPUTS:
            attrs = output_attrs(name)
        elif name in ds.coords and name in COORDINATES:
            attrs = coordinate_attrs(name)
        else:
            continue
        target = variables[name].attrs
        for key, value in attrs.items():
            target.setdefault(key, value)
    return ds


def check_annotated(ds: xr.Dataset) -> None:
    """Raise if any data variable lacks ``units`` (a programming error, not user input)."""
    missing = [v for v in ds.data_vars if "units" not in ds[v].attrs]
    if missing:
        raise ValueError(f"output variables without units: {missing}")
