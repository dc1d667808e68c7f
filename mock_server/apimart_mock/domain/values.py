"""Numbers from control-API bodies, checked once: finite, in range, and never a bool.

Unbounded numbers would overflow later (a clock advanced by 1e308 seconds cannot be written as JSON,
a latency of 1e20 ms cannot be slept), so every number the control API takes has a ceiling here.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import InvalidRequest

__all__ = ["MAX_SECONDS", "number"]

MAX_SECONDS = 10 * 365.25 * 24 * 3600
"""The longest span of clock time the control API takes at once (ten years)."""


def number(value: Any, name: str, *, minimum: float, maximum: float, integer: bool = False) -> float:
    """`value` as a number from `minimum` to `maximum` (an int when `integer`), else 400 naming `name`."""
    kind = "a whole number" if integer else "a number"
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())  # 2.0 is JSON's 2
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not whole):
        raise InvalidRequest(f"{name} must be {kind} from {minimum:g} to {maximum:g}")
    try:
        checked = float(value)
    except OverflowError:
        checked = math.inf
    if not (math.isfinite(checked) and minimum <= checked <= maximum):
        raise InvalidRequest(f"{name} must be {kind} from {minimum:g} to {maximum:g}")
    return checked
