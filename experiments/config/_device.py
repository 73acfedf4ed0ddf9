"""A microdermabrasion device as its product sheet gives it, and whether a setting fits it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from experiments.config._errors import MISSING, schema_problem
from experiments.config._limits import MIN_DIAMETER_MM, MIN_NOZZLE_MM
from experiments.config._protocol import SETTING_NAMES, LevelSettings
from experiments.config._schema import Range, Schema, Text, field
from models import SESSION_SETTINGS


Diameter = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=MIN_DIAMETER_MM, le=50)]
NozzleDiameter = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=MIN_NOZZLE_MM, le=50)]
GrainSize = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=2000)]
Load = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=100)]
_VACUUM = SESSION_SETTINGS["vacuum_kpa"]


class DeviceSpec(Schema):
    """The hardware of a microdermabrasion device, as a product sheet gives it."""

    name: Text
    kind: Literal["diamond", "crystal"]
    tip_diameter_mm: Diameter = field(units="mm", description="tip diameter")
    aperture_diameter_mm: Diameter = field(units="mm", description="aperture diameter")
    grit_um: GrainSize | None = field(None, units="um", description="diamond grit size")
    crystal_size_um: GrainSize | None = field(None, units="um", description="crystal size")
    crystal_flow_g_min: Range | None = field(None, units=SESSION_SETTINGS["crystal_flow_g_min"].units, description="crystal-flow range")
    nozzle_diameter_mm: NozzleDiameter | None = field(None, units="mm", description="crystal nozzle bore")
    vacuum_kpa: Range = field(units=_VACUUM.units, description="vacuum range")
    air_flow_l_min: Range | None = field(None, units=SESSION_SETTINGS["air_flow_l_min"].units, description="air-flow range")
    max_load_n: Load | None = field(None, units=SESSION_SETTINGS["load_n"].units, description="maximum hand load")
    levels: dict[str, LevelSettings] = Field(default_factory=dict)
    sources: list[Text] = Field(default_factory=list)
    description: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> "DeviceSpec":
        if self.kind == "diamond":
            if self.grit_um is None:
                raise schema_problem(("grit_um",), MISSING, "is required for a diamond device", "the diamond grit size in um (e.g. 100)")
            for f in ("crystal_size_um", "crystal_flow_g_min", "nozzle_diameter_mm"):
                if getattr(self, f) is not None:
                    raise schema_problem((f,), _plain(getattr(self, f)), "is for crystal devices only", "remove it, or set kind: crystal")
        else:
            for f, example in (("crystal_size_um", "the crystal size in um (e.g. 100)"), ("crystal_flow_g_min", "a range {min, max} in g/min"),
                               ("nozzle_diameter_mm", "the crystal nozzle bore in mm (e.g. 2)"), ("air_flow_l_min", "a range {min, max} in L/min")):
                if getattr(self, f) is None:
                    raise schema_problem((f,), MISSING, "is required for a crystal device", example)
            for f in ("grit_um", "max_load_n"):
                if getattr(self, f) is not None:
                    raise schema_problem((f,), getattr(self, f), "is for diamond devices only", "remove it, or set kind: diamond")
        if self.aperture_diameter_mm > self.tip_diameter_mm:
            raise schema_problem(("aperture_diameter_mm",), self.aperture_diameter_mm, f"is wider than the tip ({self.tip_diameter_mm:g} mm)", f"<= tip_diameter_mm ({self.tip_diameter_mm:g} mm)")
        if self.vacuum_kpa.max > _VACUUM.high:
            raise schema_problem(("vacuum_kpa", "max"), self.vacuum_kpa.max, "exceeds atmospheric pressure", f"<= {_VACUUM.high:g} kPa")
        if self.vacuum_kpa.max <= 0:
            raise schema_problem(("vacuum_kpa", "max"), self.vacuum_kpa.max, "gives no suction", "> 0 kPa")
        for level, settings in self.levels.items():
            for key, value in settings.given().items():
                problem = device_problem(self, key, value)
                if problem:
                    raise schema_problem(("levels", level, key), value, *problem)
        return self

    def settings_ignored(self) -> list[str]:
        """Session settings of the other kind of device (accepted in a config, not used)."""
        return [s for s in SETTING_NAMES if SESSION_SETTINGS[s].device_kind not in (None, self.kind)]

    def settings_allowed(self) -> list[str]:
        """Session settings that apply to this kind of device."""
        drop = self.settings_ignored()
        return [s for s in SETTING_NAMES if s not in drop]


def _plain(v: Any) -> Any:
    return v.model_dump() if isinstance(v, BaseModel) else v


def device_problem(device: DeviceSpec, key: str, value: Any) -> tuple[str, str] | None:
    """(problem, allowed) when a scalar setting does not fit the device, else None."""
    if key in device.settings_ignored():
        return (f"is not a setting of {device.kind} device {device.name!r}", ", ".join(device.settings_allowed()))
    if key == "vacuum_kpa" and not device.vacuum_kpa.contains(value):
        return (f"is outside the vacuum range of device {device.name!r}", f"{device.vacuum_kpa} kPa")
    if key == "crystal_flow_g_min" and device.crystal_flow_g_min is not None and not device.crystal_flow_g_min.contains(value):
        return (f"is outside the crystal-flow range of device {device.name!r}", f"{device.crystal_flow_g_min} g/min")
    if key == "air_flow_l_min" and device.air_flow_l_min is not None and not device.air_flow_l_min.contains(value):
        return (f"is outside the air-flow range of device {device.name!r}", f"{device.air_flow_l_min} L/min")
    if key == "load_n" and device.max_load_n is not None and value > device.max_load_n + 1e-12:
        return (f"is above the maximum hand load of device {device.name!r}", f"[0, {device.max_load_n:g}] N")
    return None
