"""Waiting for a task to end as a client would (paced polls of both views; on a target whose clock the
suite owns, the clock is advanced instead of waiting).

Every wait is bounded: by `_MAX_POLLS` and by the run's wall time. A task that does not reach a terminal
status the contract names ends as a `task-stuck` violation naming it and what it last said.
"""

from __future__ import annotations

from typing import Any

from . import oracle
from .probe import Exchange, Probe
from .registry import TASK_STUCK

__all__ = ["wait_for", "wait_until_done"]

_MAX_POLLS = 150
_STEP = 2.0
"""Seconds a poll advances a target clock the pacer does not already space reads on."""


def wait_until_done(probe: Probe, task_id: str) -> dict[str, Any]:
    """The Midjourney view of `task_id` once it is SUCCESS or FAILURE."""
    body: dict[str, Any] = wait_for(probe, task_id).body
    return body


def wait_for(probe: Probe, task_id: str) -> Exchange:
    """The read of the Midjourney view of `task_id` that found it SUCCESS or FAILURE. Each poll reads
    both views, so the `Observer` judges them against each other at the poll spacing."""
    last = probe.mj(task_id)  # past the wall time already, the pacer skips the test here
    for _ in range(_MAX_POLLS):
        if last.status != 200:
            raise probe.violation(
                last, TASK_STUCK, "$", f"HTTP 200: task {task_id} of this account", last.body
            )
        if last.body["status"] in oracle.MJ_TERMINAL:
            probe.judged(TASK_STUCK, last)
            return last
        if probe.target.wall.used_up:
            break
        probe.unified(task_id)
        if probe.target.has_clock and not probe.target.pacer.poll_interval:
            probe.target.advance(_STEP)
        if probe.target.wall.used_up:
            break
        last = probe.mj(task_id)
    seen = {key: last.body.get(key) for key in ("status", "progress")}
    raise probe.violation(
        last,
        TASK_STUCK,
        "$.status",
        f"task {task_id} SUCCESS or FAILURE within {_MAX_POLLS} polls and the wall time",
        f"last seen {seen}",
    )
