"""Getting finished tasks out of a target: the ones given (`APIMART_TASK_IDS`), or, where spending is
allowed, an imagine and one upscale of it, waited for as a client would (paced polls of both views; on a
target whose clock the suite owns, the clock is advanced instead of waiting) and judged by the submit
that made them (`checks.judge_finished`).

Every wait is bounded: by `_MAX_POLLS` and by the run's wall time. A task that does not reach a terminal
status the contract names ends as a `task-stuck` violation naming it and what it last said.
"""

from __future__ import annotations

from typing import Any

from . import oracle
from .checks import judge_finished
from .probe import Exchange, Probe
from .registry import TASK_STUCK
from .targets import Target

__all__ = ["finished_tasks", "wait_until_done"]

_MAX_POLLS = 150
_STEP = 2.0
"""Seconds a poll advances a target clock the pacer does not already space reads on."""


def wait_until_done(probe: Probe, task_id: str) -> dict[str, Any]:
    """The Midjourney view of `task_id` once it is SUCCESS or FAILURE. Each poll reads both views, so
    the `Observer` judges them against each other at the poll spacing."""
    body: dict[str, Any] = _finished(probe, task_id).body
    return body


def _finished(probe: Probe, task_id: str) -> Exchange:
    """The read of `task_id` that found it SUCCESS or FAILURE (`wait_until_done`)."""
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


def finished_tasks(target: Target) -> list[dict[str, Any]]:
    """Midjourney views of finished tasks of the first account: given ones, then (if affordable) fresh
    ones, a grid and an upscale of it, so both shapes are seen."""
    probe = Probe(target)
    found = [wait_until_done(probe, task_id) for task_id in target.task_ids]
    if target.budget.remaining >= 2:
        grid = _made(probe, "IMAGINE", "/v1/midjourney/generations", {"prompt": "a lighthouse at dusk"})
        found.extend([grid] if grid else [])
        if grid and grid["status"] == "SUCCESS":
            inputs = {"task_id": grid["id"], "index": 1}
            upscale = _made(probe, "UPSCALE", "/v1/midjourney/generations/upscale", inputs)
            found.extend([upscale] if upscale else [])
    return [task for task in found if task["status"] == "SUCCESS"]


def _made(probe: Probe, action: str, path: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """A task of `action` submitted with `inputs`, waited for and judged by that submit
    (`judge_finished`); None when the submit was not taken."""
    submitted = probe.submit(path, inputs)
    if submitted.status != 200:
        return None
    finished = _finished(probe, submitted.body["data"][0]["task_id"])
    judge_finished(probe, finished, action, inputs)
    body: dict[str, Any] = finished.body
    return body
