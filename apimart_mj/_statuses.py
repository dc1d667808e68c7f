"""Task statuses of the two views, and the one mapping between them.

The Midjourney view (`GET /v1/midjourney/{id}`) says `SUBMITTED`, `IN_PROGRESS`, ...; the unified view
(`GET /v1/tasks/{id}`) says `pending`, `processing`, ...  The service does not document the mapping;
`docs/decisions.md` fixes it, and this module is the only place in the toolkit that spells it out, so
the mock server and the client layer cannot disagree (the contract suite keeps its own copy, as data
written from the reference, to judge both).

Both enums are owned upstream: a value this module does not know passes through unchanged instead of
raising, so a status the service adds tomorrow reaches the caller as a plain string.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "MJ_STATUS_RANK",
    "MJ_TERMINAL",
    "MJ_TO_UNIFIED",
    "UNIFIED_STATUS_RANK",
    "UNIFIED_TERMINAL",
    "InvalidProgress",
    "format_progress",
    "parse_progress",
    "to_unified",
]

MJ_TO_UNIFIED: Mapping[str, str] = MappingProxyType(
    {
        "NOT_START": "pending",
        "SUBMITTED": "pending",
        "MODAL": "pending",  # waiting for the /modal call
        "IN_PROGRESS": "processing",
        "SUCCESS": "completed",
        "FAILURE": "failed",
    }
)
"""Midjourney-view status -> unified-view status (a MODAL timeout is the one exception: see `to_unified`)."""

MJ_TERMINAL = frozenset({"SUCCESS", "FAILURE"})
UNIFIED_TERMINAL = frozenset({"completed", "failed", "cancelled"})

MJ_STATUS_RANK: Mapping[str, int] = MappingProxyType(
    {"NOT_START": 0, "MODAL": 1, "SUBMITTED": 2, "IN_PROGRESS": 3, "SUCCESS": 4, "FAILURE": 4}
)
"""How far along each Midjourney status is: a task's rank never decreases (MODAL comes before the
SUBMITTED that the /modal call starts)."""

UNIFIED_STATUS_RANK: Mapping[str, int] = MappingProxyType(
    {"pending": 0, "processing": 1, "completed": 2, "failed": 2, "cancelled": 2}
)


def to_unified(mj_status: str, *, cancelled: bool = False) -> str:
    """The unified-view status of a task whose Midjourney-view status is `mj_status`.

    `cancelled` marks a task that the service cancelled (a MODAL task left 30 minutes): the Midjourney
    view shows it as `FAILURE`, the unified view as `cancelled`. Unknown values pass through unchanged.
    """
    if cancelled:
        return "cancelled"
    return MJ_TO_UNIFIED.get(mj_status, mj_status)


class InvalidProgress(ValueError):
    """A `progress` value that is not a percentage from 0 to 100."""


def parse_progress(value: str | int) -> int:
    """The percentage in `"45%"` (Midjourney view) or `45` (unified view)."""
    if isinstance(value, bool):
        raise InvalidProgress(f"progress must be a percentage, got {value!r}")
    if isinstance(value, int):
        number = value
    else:
        digits = value[:-1] if value.endswith("%") else value
        if not digits.isascii() or not digits.isdigit():
            raise InvalidProgress(f"progress must look like '45%', got {value!r}")
        number = int(digits)
    if not 0 <= number <= 100:
        raise InvalidProgress(f"progress must be between 0 and 100, got {value!r}")
    return number


def format_progress(percent: int) -> str:
    """The Midjourney view's percent string: `45` -> `"45%"`."""
    if not 0 <= percent <= 100:
        raise InvalidProgress(f"progress must be between 0 and 100, got {percent!r}")
    return f"{percent}%"
