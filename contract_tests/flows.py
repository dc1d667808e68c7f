"""Getting finished tasks out of a target: the ones given (`APIMART_TASK_IDS`), or, where spending is
allowed, an imagine and one upscale of it, waited for as a client would (paced polls; on a target whose
clock the suite owns, the clock is advanced instead of waiting).
"""

from __future__ import annotations

from typing import Any

from .probe import Probe
from .targets import Target

__all__ = ["finished_tasks", "wait_until_done"]

_MAX_POLLS = 120
_STEP = 5.0


def wait_until_done(probe: Probe, task_id: str) -> dict[str, Any]:
    """The Midjourney view of `task_id` once it is SUCCESS or FAILURE (raises after `_MAX_POLLS`)."""
    for _ in range(_MAX_POLLS):
        exchange = probe.mj(task_id)
        if exchange.status == 200 and exchange.body["status"] in ("SUCCESS", "FAILURE"):
            body: dict[str, Any] = exchange.body
            return body
        if probe.target.has_clock:
            probe.target.advance(_STEP)
    raise TimeoutError(f"{probe.target.name}: task {task_id} not finished after {_MAX_POLLS} polls")


def finished_tasks(target: Target) -> list[dict[str, Any]]:
    """Midjourney views of finished tasks of the first account: given ones, then (if affordable) fresh
    ones, a grid and an upscale of it, so both shapes are seen."""
    probe = Probe(target)
    found = [wait_until_done(probe, task_id) for task_id in target.task_ids]
    if target.budget.remaining >= 2:
        submitted = probe.submit("/v1/midjourney/generations", {"prompt": "a lighthouse at dusk"})
        if submitted.status == 200:
            grid = wait_until_done(probe, submitted.body["data"][0]["task_id"])
            found.append(grid)
            if grid["status"] == "SUCCESS":
                upscale = probe.submit(
                    "/v1/midjourney/generations/upscale", {"task_id": grid["id"], "index": 1}
                )
                if upscale.status == 200:
                    found.append(wait_until_done(probe, upscale.body["data"][0]["task_id"]))
    return [task for task in found if task["status"] == "SUCCESS"]
