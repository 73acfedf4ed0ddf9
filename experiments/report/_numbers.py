"""Numbers for people: a value with its units, a mean with its spread, a range.

One rule for every number a report shows (the HTML report's tables and sentences):

* NaN or None -> ``–``; a value below 1e-9 in size (round-off of a zero) -> ``0``;
* 1000 and above: no decimals (``1234``); 1 to 1000: one decimal (``12.3``, ``1.2``);
  below 1: two significant digits (``0.12``, ``0.0034``), at most 4 decimals, a smaller
  non-zero value reads ``< 0.0001``;
* a whole number (within round-off) loses its decimals (``72``, not ``72.0``);
* ``decimals``, where given, fixes the decimals (a risk 0..1 as ``0.35``); a non-zero value
  that would round to zero then reads ``< 0.01``;
* units follow after a space, as a reader writes them (:func:`display_units`: ``µm``,
  ``g m⁻² h⁻¹``; ``1`` shows as nothing): ``12.3 %``, ``1.2 d``, ``6.9 µm``.
"""

from __future__ import annotations

import math
from typing import Any

from ._figures import display_units

__all__ = ["format_quantity", "format_mean_sd", "format_range", "decimals_for"]

ZERO = 1e-9  # below this a value is a zero with round-off
MAX_DECIMALS = 4
MISSING = "–"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def decimals_for(value: float) -> int:
    """The decimals the rule of the module docstring gives ``value``."""
    a = abs(value)
    if a < ZERO or abs(value - round(value)) < 1e-9 * max(1.0, a):
        return 0
    if a >= 1000:
        return 0
    if a >= 1:
        return 1
    return min(MAX_DECIMALS, 1 - math.floor(math.log10(a)))


def _fixed(v: float, decimals: int) -> str:
    if abs(v) < ZERO:
        return "0"
    text = f"{v:.{decimals}f}"
    if float(text) == 0.0:  # non-zero, below the last decimal shown
        return f"< {10.0 ** -decimals:.{decimals}f}" if v > 0 else f"> -{10.0 ** -decimals:.{decimals}f}"
    return text


def _with_units(text: str, units: str | None) -> str:
    u = display_units(units)
    return f"{text} {u}" if u and text != MISSING else text


def format_quantity(value: Any, units: str | None = "", decimals: int | None = None) -> str:
    """``value`` with ``units`` for a reader (see the module docstring): ``12.3 %``, ``0``, ``–``."""
    if isinstance(value, str):
        return value
    v = _number(value)
    if v is None:
        return MISSING
    return _with_units(_fixed(v, decimals if decimals is not None else decimals_for(v)), units)


def format_mean_sd(mean: Any, sd: Any, units: str | None = "") -> str:
    """``-11.8 ± 0.7 %``: the decimals of the mean; where the SD would show as 0, enough for its first digit."""
    m, s = _number(mean), _number(sd)
    if m is None:
        return MISSING
    if s is None:
        return format_quantity(m, units)
    d = decimals_for(m) if abs(m) >= ZERO else decimals_for(s)
    if s >= ZERO and float(f"{s:.{d}f}") == 0.0:  # one significant digit of the SD
        d = max(d, min(MAX_DECIMALS, -math.floor(math.log10(s))))
    return _with_units(f"{_fixed(m, d)} ± {_fixed(s, d) if s >= ZERO else '0'}", units)


def format_range(low: Any, high: Any, units: str | None = "") -> str:
    """``-12.2 .. -11.2 %`` (the decimals of the wider end)."""
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None:
        return MISSING
    d = max(decimals_for(lo), decimals_for(hi))
    return _with_units(f"{_fixed(lo, d)} .. {_fixed(hi, d)}", units)
