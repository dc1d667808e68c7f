"""How a task moves through its statuses, as data: phase durations and an outcome per scenario.

A task stores when its status flow started and the `Timing` and `Outcome` its scenario chose at submit;
`phase_at` computes status and progress for any `now`. Nothing advances in the background and reading
never changes state, so a frozen clock gives the same answer on every read and every worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from apimart_mj import FINISHES, Result, by_action

__all__ = [
    "DESCRIBE_TIMING",
    "GRID_TIMING",
    "INSTANT",
    "MODAL_TIMEOUT",
    "MODAL_TIMING",
    "RESULT_TIMING",
    "SCENARIO_HELP",
    "TIMEOUT_AFTER",
    "Outcome",
    "Phase",
    "Scenario",
    "Timing",
    "normal_timing",
    "phase_at",
    "timing_reaching",
]

MODAL_TIMEOUT = 30 * 60.0
"""A task left in MODAL this long (clock seconds) is cancelled and refunded."""
TIMEOUT_AFTER = 30 * 60.0
"""How long the `timeout` scenario sits in NOT_START before the platform fails it."""


class Scenario(StrEnum):
    """Outcomes a caller picks per submit with the `X-Mock-Scenario` header."""

    SUCCESS = "success"
    FAILURE = "failure"
    BANNED = "banned"
    STUCK = "stuck"
    SLOW = "slow"
    TIMEOUT = "timeout"
    MODERATED = "moderated"
    INSUFFICIENT_BALANCE = "insufficient_balance"


SCENARIO_HELP: dict[Scenario, str] = {
    Scenario.SUCCESS: "the default: NOT_START -> SUBMITTED -> IN_PROGRESS -> SUCCESS in a few seconds",
    Scenario.FAILURE: "ends in FAILURE, refunded; fail_reason from X-Mock-Fail-Reason or a default",
    Scenario.BANNED: "422 at submit (banned prompt); nothing created or charged",
    Scenario.STUCK: "stays SUBMITTED forever (queued)",
    Scenario.SLOW: "succeeds, but every phase lasts ten times longer",
    Scenario.TIMEOUT: "NOT_START for 30 minutes, then FAILURE 'Task timeout', refunded",
    Scenario.MODERATED: "succeeds with one tile removed by moderation (3 image_urls)",
    Scenario.INSUFFICIENT_BALANCE: "402 at submit; nothing created or charged",
}


class Outcome(StrEnum):
    """Where a status flow ends."""

    SUCCESS = "success"
    FAILURE = "failure"
    STUCK = "stuck"


@dataclass(frozen=True)
class Timing:
    """Seconds (clock time) spent in NOT_START, SUBMITTED and IN_PROGRESS."""

    not_start: float
    submitted: float
    in_progress: float

    @property
    def total(self) -> float:
        return self.not_start + self.submitted + self.in_progress

    def scaled(self, factor: float) -> Timing:
        return Timing(self.not_start * factor, self.submitted * factor, self.in_progress * factor)


RESULT_TIMING: Mapping[Result, Timing] = MappingProxyType(
    {result: Timing(*finish.seconds) for result, finish in FINISHES.items()}
)
"""How long a task takes by the result its operation's row gives (`apimart_mj.FINISHES`; a MODAL task:
once /modal is called)."""
GRID_TIMING = RESULT_TIMING[Result.GRID]
"""A whole imagine (or variation, zoom, modal...)."""
INSTANT = RESULT_TIMING[Result.SINGLE]
"""A plain upscale: composed locally, SUCCESS as soon as it exists."""
MODAL_TIMING = Timing(0.0, GRID_TIMING.submitted, GRID_TIMING.in_progress)
"""A task after its /modal call: the row exists already, so it goes MODAL -> SUBMITTED directly."""
DESCRIBE_TIMING = RESULT_TIMING[Result.TEXT]
"""A describe."""


def normal_timing(action: str, *, hd: bool = False) -> Timing:
    """How long a task of `action` takes when nothing goes wrong (an HD upscale renders like a grid)."""
    result = by_action(action).result
    if result is None or (hd and result is Result.SINGLE):
        return GRID_TIMING
    return RESULT_TIMING[result]


_SUBMITTED_PROGRESS = 5
_IN_PROGRESS_FIRST, _IN_PROGRESS_LAST = 10, 99


@dataclass(frozen=True)
class Phase:
    """A task's Midjourney status at one moment, with its progress and, once over, when it ended."""

    status: str
    progress: int
    finished_at: float | None = None


def phase_at(timing: Timing, outcome: Outcome, elapsed: float, started_at: float) -> Phase:
    """The phase `elapsed` clock seconds after the flow started at `started_at`.

    Progress never decreases: 0% (NOT_START), 5% (SUBMITTED), 10-99% (IN_PROGRESS), 100% (terminal).
    """
    if elapsed < timing.not_start:
        return Phase("NOT_START", 0)
    if outcome is Outcome.STUCK or elapsed < timing.not_start + timing.submitted:
        return Phase("SUBMITTED", _SUBMITTED_PROGRESS)
    if elapsed < timing.total:
        share = (elapsed - timing.not_start - timing.submitted) / timing.in_progress
        span = _IN_PROGRESS_LAST - _IN_PROGRESS_FIRST
        return Phase("IN_PROGRESS", _IN_PROGRESS_FIRST + int(share * span))
    status = "SUCCESS" if outcome is Outcome.SUCCESS else "FAILURE"
    return Phase(status, 100, started_at + timing.total)


_FINISHED_BEFORE_NOW = 1e-3


def timing_reaching(status: str, age: float, normal: Timing) -> Timing:
    """A timing under which a flow started `age` seconds ago is in `status` now (the control API's
    "create a task in any state at any age"); the rest of the current phase keeps its normal length.
    """
    if status == "NOT_START":
        return Timing(age + normal.not_start, normal.submitted, normal.in_progress)
    if status == "SUBMITTED":
        return Timing(0.0, age + normal.submitted, normal.in_progress)
    if status == "IN_PROGRESS":
        return Timing(0.0, 0.0, age + normal.in_progress)
    # Over a millisecond before now: `now - (now - age)` is `age` give or take the clock's rounding.
    return Timing(0.0, 0.0, max(0.0, min(age, normal.total) - _FINISHED_BEFORE_NOW))
