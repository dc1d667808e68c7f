"""What the conformance suite's modules share: the clock time, and tasks made to order."""

from __future__ import annotations

from dataclasses import replace

from apimart_mj import Result
from apimart_mock.domain.lifecycle import Outcome, Timing
from apimart_mock.domain.task import Task

T0 = 1_700_000_000.0
JOURNAL_BYTES = 64 * 1024 * 1024


def make_task(number: int, *, scope: str = "s", account: str = "acct_a", **changes: object) -> Task:
    """Task number `number`, made at T0 + `number`, with `changes`."""
    task = Task(
        id=f"task_{9999 - number:04d}",  # ids in the reverse of creation order: listings go by time
        account=account,
        action="IMAGINE",
        result=Result.GRID,
        job_hash=f"hash-{number}",
        prompt=f"a cat {number}",
        created_at=T0 + number,
        started_at=T0 + number,
        timing=Timing(1.0, 2.0, 3.0),
        outcome=Outcome.SUCCESS,
        tiles=(0, 1, 2, 3),
        charge=0.05,
        scope=scope,
    )
    return replace(task, **changes)  # type: ignore[arg-type]
