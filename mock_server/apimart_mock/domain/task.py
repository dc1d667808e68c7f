"""A task as stored, and what it looks like at any moment (`Task.at(now)`).

A task never changes on its own: the only writes are its creation and the /modal call, which starts
the status flow of a task waiting in MODAL. Status, progress, refunds and the MODAL timeout are
computed from the stored timestamps and the task's timing, so reads are pure.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from apimart_mj import Result

from .buttons import Button, buttons_for
from .lifecycle import MODAL_TIMEOUT, Outcome, Phase, Timing, phase_at

__all__ = ["MODAL_CANCELLED", "Task", "TaskState", "new_job_hash", "new_task_id"]

MODAL_CANCELLED = "Cancelled: no /modal call within 30 minutes; the charge was refunded"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_task_id(rng: random.Random, now: float) -> str:
    """`task_` and 26 ULID characters: 10 of clock milliseconds, 16 from `rng`."""
    millis = max(0, int(now * 1000)) % (1 << 50)
    stamp = "".join(_CROCKFORD[(millis >> shift) & 31] for shift in range(45, -5, -5))
    return "task_" + stamp + "".join(rng.choice(_CROCKFORD) for _ in range(16))


def new_job_hash(rng: random.Random) -> str:
    """A Midjourney job UUID drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True)
class TaskState:
    """A task at one moment: its phase plus what billing and cancellation make of it."""

    status: str
    progress: int
    finished_at: float | None
    cancelled: bool
    quota: float
    fail_reason: str | None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.status == "FAILURE"


@dataclass(frozen=True)
class Task:
    """One task of one account.

    `started_at` is when the status flow began; it is None while an inpaint task waits in MODAL.
    `tiles` are the indices of the images it shows once finished (0-3 on a grid, one of them missing
    after moderation; (0,) for a single image). `charge` is billed unless the task fails.
    `metadata` is what the caller stored with it.
    """

    id: str
    account: str
    action: str
    result: Result
    """What it ends in (`results.ends_as`: a grid, a single image, text or videos)."""
    job_hash: str
    prompt: str
    created_at: float
    started_at: float | None
    timing: Timing
    outcome: Outcome
    tiles: tuple[int, ...]
    charge: float
    fail_reason: str | None = None
    parent_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, hash=False)
    """(Not hashed, being a dict: the rest makes a task hashable, so what is rendered of it can be cached.)"""
    version: str | None = None
    """The Midjourney version it was made with (None: the default); children inherit it."""
    scope: str = ""
    """The scope it lives in (`domain.scopes`): it runs on that scope's clock and is found only there."""
    button: str | None = None
    """The label of the parent's button pressed to make it (`U2`, `Zoom Out 2x`; None: none pressed)."""
    input_images: tuple[str, ...] = ()
    """The image URLs it was given (`image_urls`), for the control API and the dashboard
    (`inputs.input_images`: URLs only, bounded; a data URI is not kept)."""

    @property
    def buttons(self) -> tuple[Button, ...]:
        """Every button of the finished task, including the single-image set the live view hides."""
        return buttons_for(self.result, self.job_hash, self.version)

    def at(self, now: float) -> TaskState:
        """What the task is at clock time `now`."""
        if self.started_at is None:
            deadline = self.created_at + MODAL_TIMEOUT
            if now >= deadline:
                return TaskState("FAILURE", 100, deadline, True, 0.0, MODAL_CANCELLED)
            return TaskState("MODAL", 0, None, False, 0.0, None)
        phase: Phase = phase_at(self.timing, self.outcome, now - self.started_at, self.started_at)
        failed = phase.status == "FAILURE"
        return TaskState(
            phase.status,
            phase.progress,
            phase.finished_at,
            False,
            0.0 if failed else self.charge,
            self.fail_reason if failed else None,
        )

    @property
    def refund_at(self) -> float | None:
        """When the charge is given back: the end of a task that fails (None: never). A task waiting in
        MODAL has no charge yet, so its cancellation gives nothing back."""
        if self.started_at is None or self.outcome is not Outcome.FAILURE:
            return None
        return self.started_at + self.timing.total

    def expired(self, now: float, retention: float) -> bool:
        """Whether the task is older than the retention period (and so answers 404)."""
        return now - self.created_at > retention
