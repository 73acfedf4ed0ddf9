"""Numbers for people: one formatting rule for tables, the terminal and the HTML report.

:func:`format_number` writes a value with 3 significant digits (integers as integers),
never in scientific notation between 1e-3 and 1e6, a value below ``zero_below`` in
magnitude as ``0`` (round-off of a quantity that is zero: ``1.28e-10`` µm of injury is
no injury), NaN/None as an en dash, and appends the unit written for people
(:func:`unit_for_people`: ``um`` -> ``µm``, ``1`` -> nothing, ``g m-2 h-1`` -> ``g/m²/h``).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_number", "unit_for_people", "MISSING"]

MISSING = "–"
_UNITS = {"um": "µm", "1": "", "g m-2 h-1": "g/m²/h", "d-1": "/d", "h-1": "/h", "mm s-1": "mm/s",
          "g min-1": "g/min", "cm2": "cm²", "mm2": "mm²", "um2 h-1": "µm²/h", "g m-2": "g/m²", "l min-1": "L/min", "L min-1": "L/min", "degC": "°C"}


def unit_for_people(units: str | None) -> str:
    """A CF/UDUNITS unit string as a person writes it (``um`` -> ``µm``; ``1`` -> ``""``)."""
    if not units:
        return ""
    return _UNITS.get(units.strip(), units.strip())


def format_number(value: Any, units: str | None = None, digits: int = 3, zero_below: float = 1e-9) -> str:
    """``value`` for people (see the module docstring); ``units`` as in the data (CF)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return MISSING
    if abs(v) < zero_below:
        text = "0"
    elif float(v).is_integer() and abs(v) < 1e9:
        text = f"{int(v):d}"
    else:
        mag = math.floor(math.log10(abs(v)))
        if -3 <= mag < 6:
            decimals = max(digits - 1 - mag, 0)
            text = f"{v:.{decimals}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
        else:
            text = f"{v:.{digits - 1}e}"
    u = unit_for_people(units)
    if not u:
        return text
    return f"{text} {u}" if u not in ("%",) else f"{text} %"
