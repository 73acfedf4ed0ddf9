"""A run config as written: skin and device references, protocol, events, grid, what to save."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from experiments.config._device import DeviceSpec
from experiments.config._errors import schema_problem
from experiments.config._limits import (MAX_DAYS, MAX_EVENTS, MAX_LATERAL_N, MAX_SC_BINS, MAX_SEED, MIN_COLUMN_UM, MIN_DT_HOURS,
                                        MIN_LATERAL_N, MIN_SC_BINS)
from experiments.config._protocol import ProtocolSpec
from experiments.config._schema import Positive, Schema, Text, field, is_multiple, tagged_union


class StripEvent(Schema):
    """Tape stripping: remove ``remove_fraction`` of the SC layers from the top on ``day``."""

    kind: Literal["strip"]
    day: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_DAYS)] = field(units="d", description="day of the tape stripping")
    remove_fraction: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1)] = field(
        units="1", description="fraction of the SC layers removed", allowed="(0, 1] (fraction of the SC layers)"
    )


Event = tagged_union(StripEvent)


class GridSpec(Schema):
    """Numerical grid: lateral geometry, depth cells, time step, SC age bins."""

    lateral: Literal["column", "1d", "2d"] = field("1d", description="lateral geometry")
    n: Annotated[int, Field(strict=True, ge=MIN_LATERAL_N, le=MAX_LATERAL_N["1d"])] = field(256, units="1", description="lateral columns per side")
    width_mm: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1000)] = field(5.0, units="mm", description="lateral width")
    dt_hours: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=MIN_DT_HOURS, le=24)] = field(
        1.0, units="h", description="time step", allowed="[1/60, 24] h (1 minute to a day; 24/k for an integer k)")
    nz: Annotated[int, Field(strict=True, ge=4, le=1000)] = field(12, units="1", description="depth cells of the viable epidermis")
    sc_bin_hours: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=24 * 3650)] = field(24.0, units="h", description="width of an SC age bin")
    sc_max_age_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=3650)] = field(40.0, units="d", description="oldest SC age kept")

    @model_validator(mode="after")
    def _commensurate(self) -> "GridSpec":
        if self.lateral == "2d" and self.n > MAX_LATERAL_N["2d"]:
            raise schema_problem(("n",), self.n, f"is too many columns for a 2-D patch ({self.n} x {self.n})",
                                 f"{MIN_LATERAL_N} to {MAX_LATERAL_N['2d']} on lateral: 2d (docs/limits.md)")
        if self.lateral != "column" and 1000.0 * self.width_mm / self.n < MIN_COLUMN_UM:
            raise schema_problem(("width_mm",), self.width_mm, f"makes columns {1000.0 * self.width_mm / self.n:.3g} um wide ({self.n} columns)",
                                 f">= {MIN_COLUMN_UM * self.n / 1000.0:g} mm for n: {self.n} (columns at least {MIN_COLUMN_UM:g} um wide)")
        if not is_multiple(24.0, self.dt_hours):
            divisors = ", ".join(f"{24 / k:g}" for k in (1, 2, 3, 4, 6, 8, 12, 24, 48))
            raise schema_problem(("dt_hours",), self.dt_hours, "does not divide 24 h exactly", f"24/k hours for an integer k, e.g. {divisors}")
        if not is_multiple(self.sc_bin_hours, self.dt_hours):
            raise schema_problem(("sc_bin_hours",), self.sc_bin_hours, f"is not a multiple of dt_hours ({self.dt_hours:g} h)", f"k * {self.dt_hours:g} h for an integer k >= 1")
        if not is_multiple(self.sc_max_age_days * 24.0, self.sc_bin_hours):
            raise schema_problem(("sc_max_age_days",), self.sc_max_age_days, f"is not a whole number of SC age bins ({self.sc_bin_hours:g} h)", f"k * {self.sc_bin_hours / 24:g} d for an integer k >= 1")
        bins = self.n_sc_bins
        if not MIN_SC_BINS <= bins <= MAX_SC_BINS:
            few = bins < MIN_SC_BINS
            raise schema_problem(("sc_max_age_days",), self.sc_max_age_days,
                                 f"gives {bins} SC age bin{'s' if bins != 1 else ''} of {self.sc_bin_hours:g} h" + (" (the age shift needs a next bin)" if few else ""),
                                 f"{MIN_SC_BINS} to {MAX_SC_BINS} bins: k * {self.sc_bin_hours / 24:g} d with {MIN_SC_BINS} <= k <= {MAX_SC_BINS} (docs/limits.md)")
        return self

    @property
    def steps_per_day(self) -> int:
        return round(24.0 / self.dt_hours)

    @property
    def n_sc_bins(self) -> int:
        """Number of SC age bins (cohorts) = sc_max_age_days * 24 / sc_bin_hours."""
        return round(self.sc_max_age_days * 24.0 / self.sc_bin_hours)


class SaveSpec(Schema):
    """What to save: the output interval and whether to keep spatial profiles."""

    every_hours: Positive = field(6.0, units="h", description="output interval")
    profiles: Annotated[bool, Field(strict=True)] = field(False, description="whether spatial profiles are saved")


class SkinParameterEntry(Schema):
    """One parameter of a skin profile with its source."""

    value: Any
    source: Text = "user"


class SkinProfile(Schema):
    """A skin profile file (or inline mapping): parameter values with their sources."""

    name: Text | None = None
    site: Text | None = None
    description: Text | None = None
    base: Text | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    calibration: dict[str, Any] | None = Field(
        None, description="record of the fit that produced the profile (written by epiturn calibrate); not read by the model")


def _reference(v: Any, what: str, allow_none: bool) -> Any:
    if v is None and allow_none:
        return v
    if isinstance(v, (str, dict, DeviceSpec)):
        return v
    allowed = f"a {what} name, a path to a YAML file, or a mapping" + (", or null" if allow_none else "")
    raise schema_problem((), v, f"is not a {what} reference", allowed)


class RunConfig(Schema):
    """A run config as written (references not yet resolved).

    ``skin`` is a :class:`SkinProfile` (a name, a path or a mapping), ``device`` a
    :class:`DeviceSpec` (the same, or None for untreated skin).
    """

    skin: Any
    device: Any = None
    protocol: ProtocolSpec | None = None
    events: list[Event] = Field(default_factory=list)
    grid: GridSpec = Field(default_factory=GridSpec)
    save: SaveSpec = Field(default_factory=SaveSpec)
    duration_days: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=36500)] | None = field(None, units="d", description="duration of the run")
    seed: Annotated[int, Field(strict=True, ge=0, le=MAX_SEED)] = field(0, units="1", description="random seed", allowed=f"an integer in [0, {MAX_SEED}] (2^31 - 1)")

    @field_validator("skin", mode="before")
    @classmethod
    def _skin_ref(cls, v: Any) -> Any:
        return _reference(v, "skin profile", False)

    @field_validator("events", mode="before")
    @classmethod
    def _few_events(cls, v: Any) -> Any:
        if isinstance(v, (list, tuple)) and len(v) > MAX_EVENTS:
            raise schema_problem((), len(v), "events are too many", f"at most {MAX_EVENTS} events (docs/limits.md)")
        return v

    @field_validator("device", mode="before")
    @classmethod
    def _device_ref(cls, v: Any) -> Any:
        return _reference(v, "device", True)

    @model_validator(mode="after")
    def _save_on_grid(self) -> "RunConfig":
        if not is_multiple(self.save.every_hours, self.grid.dt_hours):
            raise schema_problem(("save", "every_hours"), self.save.every_hours, f"is not a multiple of grid.dt_hours ({self.grid.dt_hours:g} h)", f"k * {self.grid.dt_hours:g} h for an integer k >= 1")
        return self


REFERENCES: dict[str, type[Schema]] = {"skin": SkinProfile, "device": DeviceSpec}
"""The schema that a reference field of :class:`RunConfig` resolves to."""
