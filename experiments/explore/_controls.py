"""The controls of the live explorer: what a student can set, its allowed range, the run config it makes.

A :class:`Controls` is one setting of every control (skin profile, device, session
intensity, schedule, an optional tape strip). :func:`check_controls` refuses a value
outside the explorer's ranges (:data:`LIMITS`) with a one-line
:class:`experiments.errors.InputError` naming the control, the value and what is allowed;
the config schema then checks the rest (a vacuum outside the device's hardware range, an
unknown profile) with its own one-line :class:`experiments.ConfigError`.

The ranges of the schedule are bounded so that every setting fits one padded time grid
(:mod:`experiments.explore._live`): the longest course is ``MAX_SESSIONS`` sessions
``MAX_INTERVAL_DAYS`` apart plus ``FOLLOW_UP_DAYS`` of follow-up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, NamedTuple

from experiments.errors import InputError

__all__ = ["Controls", "FOLLOW_UP_DAYS", "LIMITS", "Limit", "MAX_INTERVAL_DAYS", "MAX_SESSIONS", "MAX_STRIP_DAY",
           "check_controls", "column_config", "transect_config", "worst_case"]

MAX_SESSIONS = 8
MAX_INTERVAL_DAYS = 21
MAX_STRIP_DAY = 28
FOLLOW_UP_DAYS = 28  # d after the last session: the default and the longest
DT_HOURS = 1.0
SAVE_EVERY_HOURS = 6.0
# the short transect of the surface profile: columns and width (coarser than the 256 over 5 mm of a run)
TRANSECT_COLUMNS = 32
TRANSECT_WIDTH_MM = 2.0


class Limit(NamedTuple):
    """The explorer's range of one numeric control: ``low``..``high`` in ``units``, slider ``step``."""

    low: float
    high: float
    step: float
    units: str
    integer: bool = False


def _catalogue_range(setting: str) -> tuple[float, float]:
    """The widest hardware range of ``setting`` over the device catalogue (``configs/devices``):
    each device then checks its own (the config schema's one-line error)."""
    from experiments.config import load_device
    from experiments.config._lookup import list_devices

    ranges = [r for r in (getattr(load_device(name), setting, None) for name in list_devices()) if r is not None]
    return min(float(r.min) for r in ranges), max(float(r.max) for r in ranges)


def _spread(setting: str) -> tuple[float, float]:
    """The plausible range of a session setting (``models.SESSION_SETTINGS``, its ``spread``)."""
    from models import SESSION_SETTINGS

    spread = SESSION_SETTINGS[setting].spread
    return float(spread.low), float(spread.high)


def _limits() -> dict[str, Limit]:
    """The explorer's ranges: the hardware ones from the device catalogue, the pass count from
    the session-settings table; the hand speed (no hardware range: a person moves the
    hand-piece) twice the table's plausible 10-40 mm/s each way; the schedule's from the
    padded time grid (``MAX_*`` above)."""
    speed = _spread("speed_mm_s")
    return {
        "vacuum_kpa": Limit(*_catalogue_range("vacuum_kpa"), 1, "kPa"),
        "passes": Limit(*(int(v) for v in _spread("passes")), 1, "", True),
        "speed_mm_s": Limit(speed[0] / 2, speed[1] * 1.5, 1, "mm/s"),
        "crystal_flow_g_min": Limit(*_catalogue_range("crystal_flow_g_min"), 1, "g/min"),
        "interval_days": Limit(1, MAX_INTERVAL_DAYS, 1, "d", True),
        "sessions": Limit(1, MAX_SESSIONS, 1, "", True),
        "follow_up_days": Limit(0, FOLLOW_UP_DAYS, 1, "d", True),
        "strip_fraction": Limit(0, 1, 0.05, ""),
        "strip_day": Limit(0, MAX_STRIP_DAY, 1, "d", True),
    }


LIMITS: dict[str, Limit] = _limits()


@dataclass(frozen=True)
class Controls:
    """One setting of the live explorer's controls.

    ``skin``: a profile name (configs/skin); ``device``: a device name (configs/devices);
    ``vacuum_kpa`` (kPa), ``passes``, ``speed_mm_s`` (hand speed of a diamond tip, mm/s),
    ``crystal_flow_g_min`` (crystal devices, g/min): the settings of every session;
    ``interval_days`` (d) and ``sessions``: the course (from day 0, then
    ``follow_up_days`` of follow-up, at most :data:`FOLLOW_UP_DAYS`); ``strip_fraction`` (0..1; 0 = no strip) of SC
    layers removed by a tape strip on ``strip_day`` (d).
    """

    skin: str = "young_face"
    device: str = "diamond_medium"
    vacuum_kpa: float = 30.0
    passes: int = 2
    speed_mm_s: float = 20.0
    crystal_flow_g_min: float = 20.0
    interval_days: int = 7
    sessions: int = 6
    follow_up_days: int = FOLLOW_UP_DAYS
    strip_fraction: float = 0.0
    strip_day: int = 0

    def updated(self, **changes: Any) -> "Controls":
        """A copy with ``changes`` (control name -> value)."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise InputError(f"{unknown[0]}: not a control of the explorer; allowed: {', '.join(asdict(self))}",
                             parameter=unknown[0])
        return replace(self, **changes)


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if number != number or isinstance(value, bool):
        raise InputError(f"{name}: {value!r} is not a number; allowed: {_allowed(name)}", parameter=name)
    return number


def _allowed(name: str) -> str:
    lim = LIMITS[name]
    kind = "a whole number" if lim.integer else "a number"
    units = f" {lim.units}" if lim.units else ""
    return f"{kind} from {lim.low:g} to {lim.high:g}{units}"


def check_controls(controls: Controls) -> Controls:
    """``controls`` with numbers as numbers, or an :class:`InputError` naming the first bad control."""
    values: dict[str, Any] = {}
    for name, lim in LIMITS.items():
        raw = getattr(controls, name)
        number = _number(name, raw)
        if not lim.low <= number <= lim.high or (lim.integer and number != round(number)):
            raise InputError(f"{name}: {raw!r} is outside the explorer's range; allowed: {_allowed(name)}",
                             parameter=name)
        values[name] = int(round(number)) if lim.integer else number
    for name in ("skin", "device"):
        if not isinstance(getattr(controls, name), str) or not getattr(controls, name):
            raise InputError(f"{name}: {getattr(controls, name)!r} is not a name; allowed: a name from configs/"
                             f"{'skin' if name == 'skin' else 'devices'}", parameter=name)
    return replace(controls, **values)


def _config(controls: Controls, grid: dict, profiles: bool) -> dict:
    c = check_controls(controls)
    settings = {"vacuum_kpa": c.vacuum_kpa, "passes": c.passes, "speed_mm_s": c.speed_mm_s,
                "crystal_flow_g_min": c.crystal_flow_g_min, "mode": "moving"}  # the other kind's setting is ignored
    events = [{"day": c.strip_day, "kind": "strip", "remove_fraction": c.strip_fraction}] if c.strip_fraction > 0 else []
    return {"skin": c.skin, "device": c.device,
            "protocol": {"interval_days": c.interval_days, "sessions": c.sessions, "start_day": 0,
                         "follow_up_days": c.follow_up_days, "settings": settings},
            "events": events, "grid": grid, "save": {"every_hours": SAVE_EVERY_HOURS, "profiles": profiles}, "seed": 0}


def column_config(controls: Controls) -> dict:
    """The run config (mapping) of ``controls`` on a single column (the time courses and SC cohorts)."""
    return _config(controls, {"lateral": "column", "dt_hours": DT_HOURS}, False)


def transect_config(controls: Controls) -> dict:
    """The run config of ``controls`` on the short 1-D transect (surface profile and roughness)."""
    return _config(controls, {"lateral": "1d", "n": TRANSECT_COLUMNS, "width_mm": TRANSECT_WIDTH_MM,
                              "dt_hours": DT_HOURS}, True)


def worst_case(controls: Controls) -> Controls:
    """The setting of ``controls``' skin and device with the most time steps and events (sizes the padding)."""
    return replace(controls, sessions=MAX_SESSIONS, interval_days=MAX_INTERVAL_DAYS, follow_up_days=FOLLOW_UP_DAYS,
                   strip_fraction=0.5, strip_day=MAX_STRIP_DAY - 1)
