"""The backend: every operation of the mock (submit, follow-up, modal, read, control) as a method.

It owns the rules (ownership, retention, which button a follow-up presses, what a child looks like,
what a scenario does) and raises domain errors; it knows nothing about HTTP. Time comes in as `now`
(clock seconds) on each call; randomness from `Random(f"{seed}:{n}")`, where `n` is a store-wide
sequence number, so ids are reproducible and never collide across worker processes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from apimart_mj import (
    HD_UPSCALE_OPERATIONS,
    CustomId,
    Family,
    InvalidCustomId,
    NoMatchingButton,
    match_button,
)

from .domain.accounts import price
from .domain.buttons import Shape
from .domain.errors import Forbidden, InvalidRequest, NotFound, PaymentRequired, Rejected
from .domain.lifecycle import GRID_TIMING, INSTANT, TIMEOUT_AFTER, Outcome, Scenario, Timing, timing_reaching
from .domain.task import Task, new_job_hash, new_task_id
from .domain.values import MAX_SECONDS, number
from .store import SqliteStore

__all__ = ["DEFAULT_FAIL_REASON", "MockService", "Submission"]

DEFAULT_FAIL_REASON = "No available upstream"
SUPPORTED_VERSIONS = ("5", "5.1", "5.2", "6", "6.1", "7", "8", "8.1", "8.2")
_UNSUPPORTED_VERSION = "upstream code=4: --v 必须是 ['5','5.1','5.2','6','6.1','7','8','8.1','8.2'] 之一"
_GRID_TILES = (0, 1, 2, 3)
_STATUSES = ("NOT_START", "SUBMITTED", "IN_PROGRESS", "MODAL", "SUCCESS", "FAILURE")
_ACTIONS = (
    "IMAGINE",
    "UPSCALE",
    "VARIATION",
    "HIGH_VARIATION",
    "LOW_VARIATION",
    "REROLL",
    "ZOOM",
    "PAN",
    "INPAINT",
)


@dataclass(frozen=True)
class Submission:
    """How the caller wants a submitted task to end (`X-Mock-Scenario`, `X-Mock-Fail-Reason`).

    `scenario` None means "not chosen": success, or for /modal whatever the inpaint call chose.
    """

    scenario: Scenario | None = None
    fail_reason: str | None = None


@dataclass(frozen=True)
class _Plan:
    timing: Timing
    outcome: Outcome
    fail_reason: str | None
    tiles: tuple[int, ...]


class MockService:
    """All operations of one mock server over one store."""

    def __init__(self, store: SqliteStore, *, seed: int, retention: float) -> None:
        self.store = store
        self.seed = seed
        self.retention = retention

    # ---- reads ----
    def get(self, account: str, task_id: str, now: float) -> Task:
        """The caller's task; 404 when unknown or past retention, 403 when another account's."""
        task = self.store.task(task_id)
        if task is None or task.expired(now, self.retention):
            raise NotFound(f"task {task_id} not found")
        if task.account != account:
            raise Forbidden("You do not have permission to access this task")
        return task

    # ---- submits ----
    def imagine(self, account: str, now: float, body: dict[str, Any], submission: Submission) -> Task:
        """A new IMAGINE grid. An unsupported `version` is accepted and the task fails, as live."""
        version = body.get("version")
        if version is not None and version not in SUPPORTED_VERSIONS and submission.scenario is None:
            submission = Submission(Scenario.FAILURE, _UNSUPPORTED_VERSION)
        rng = self._rng()
        plan = self._plan(submission, GRID_TIMING, Shape.GRID, rng)
        return self._create(account, now, rng, "IMAGINE", Shape.GRID, body["prompt"], plan, body, None)

    def act(
        self, account: str, now: float, action: str, body: dict[str, Any], submission: Submission
    ) -> Task:
        """A follow-up on a finished parent: press `custom_id`, or the button auto-matching picks.

        The child's action is the one the pressed customId names (whatever the endpoint). A rejected
        follow-up creates and charges nothing.
        """
        parent = self.get(account, body["task_id"], now)
        if not parent.at(now).succeeded:
            raise InvalidRequest(f"task {parent.id} is not in SUCCESS state")
        pressed = self._pressed(parent, action, body)
        child_action = pressed.action
        assert child_action is not None  # every button and HD id the mock accepts names an action
        hd = pressed.operation in HD_UPSCALE_OPERATIONS
        shape = Shape.SINGLE if child_action == "UPSCALE" else Shape.GRID
        normal = INSTANT if child_action == "UPSCALE" and not hd else GRID_TIMING
        rng = self._rng()
        plan = self._plan(submission, normal, shape, rng)
        return self._create(
            account, now, rng, child_action, shape, parent.prompt, plan, body, pressed, parent
        )

    def modal(self, account: str, now: float, body: dict[str, Any], submission: Submission) -> Task:
        """Complete a task waiting in MODAL: the same task starts its flow now and is billed now."""
        task = self.get(account, body["task_id"], now)
        if task.at(now).status != "MODAL":
            raise InvalidRequest(f"task {task.id} is not in MODAL state")
        if submission.scenario is None:
            plan = _Plan(task.timing, task.outcome, task.fail_reason, task.tiles)
        else:
            plan = self._plan(submission, GRID_TIMING, Shape.GRID, self._rng())
        continued = replace(
            task,
            started_at=now,
            prompt=body.get("prompt") or task.prompt,
            timing=plan.timing,
            outcome=plan.outcome,
            fail_reason=plan.fail_reason,
            tiles=plan.tiles,
            charge=price("INPAINT"),
        )
        if not self.store.replace_task(task, continued):
            raise InvalidRequest(f"task {task.id} is not in MODAL state")
        return continued

    # ---- control ----
    def create_directly(self, now: float, body: dict[str, Any]) -> Task:
        """A task for any account, in any status, `age` seconds old (control API)."""
        account, status, action, age = (body.get(k) for k in ("account", "status", "action", "age"))
        status = status or "SUCCESS"
        action = action or ("INPAINT" if status == "MODAL" else "IMAGINE")
        age = 0 if age is None else age
        if not isinstance(account, str) or not account:
            raise InvalidRequest("account is required")
        if status not in _STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(_STATUSES)}")
        if action not in _ACTIONS or (status == "MODAL") != (action == "INPAINT"):
            raise InvalidRequest(f"action must be one of {', '.join(_ACTIONS)}; MODAL goes with INPAINT")
        age = number(age, "age", minimum=0, maximum=MAX_SECONDS)
        prompt = body.get("prompt", "a cat sitting on a windowsill")
        if not isinstance(prompt, str):
            raise InvalidRequest("prompt must be a string")
        shape = Shape.SINGLE if action == "UPSCALE" else Shape.GRID
        outcome = Outcome.FAILURE if status == "FAILURE" else Outcome.SUCCESS
        reason = str(body.get("fail_reason") or DEFAULT_FAIL_REASON) if outcome is Outcome.FAILURE else None
        tiles = _GRID_TILES if shape is Shape.GRID else (0,)
        plan = _Plan(timing_reaching(status, age, GRID_TIMING), outcome, reason, tiles)
        return self._create(account, now - age, self._rng(), action, shape, prompt, plan, {}, None)

    def tasks(self, account: str | None = None) -> list[Task]:
        return self.store.tasks(account)

    # ---- rules ----
    def _pressed(self, parent: Task, action: str, body: dict[str, Any]) -> CustomId:
        text = body.get("custom_id")
        if text is None:
            try:
                button = match_button(
                    parent.buttons,
                    action,
                    index=body.get("index"),
                    direction=body.get("direction"),
                    zoom_ratio=body.get("zoom_ratio"),
                    upscaled=parent.shape is Shape.SINGLE,
                )
            except NoMatchingButton as exc:
                raise InvalidRequest(str(exc)) from None
            return CustomId.parse(button.custom_id)
        try:
            custom_id = CustomId.parse(text)
        except InvalidCustomId:
            raise InvalidRequest(f"invalid custom_id: {text}") from None
        own = any(button.custom_id == text for button in parent.buttons)
        hd = (
            custom_id.family is Family.JOB
            and custom_id.operation in HD_UPSCALE_OPERATIONS
            and custom_id.job_hash == parent.job_hash
        )
        if not (own or hd):
            raise InvalidRequest(f"custom_id {text} is not a button of task {parent.id}")
        return custom_id

    def _plan(self, submission: Submission, normal: Timing, shape: Shape, rng: random.Random) -> _Plan:
        tiles = _GRID_TILES if shape is Shape.GRID else (0,)
        reason = submission.fail_reason or DEFAULT_FAIL_REASON
        match submission.scenario:
            case Scenario.BANNED:
                raise Rejected("Banned prompt detected; the charge was refunded")
            case Scenario.INSUFFICIENT_BALANCE:
                raise PaymentRequired("Insufficient account balance, please top up")
            case Scenario.FAILURE:
                return _Plan(normal, Outcome.FAILURE, reason, tiles)
            case Scenario.STUCK:
                return _Plan(normal, Outcome.STUCK, None, tiles)
            case Scenario.SLOW:
                return _Plan(
                    (normal if normal.total else GRID_TIMING).scaled(10), Outcome.SUCCESS, None, tiles
                )
            case Scenario.TIMEOUT:
                return _Plan(Timing(TIMEOUT_AFTER, 0.0, 0.0), Outcome.FAILURE, "Task timeout", tiles)
            case Scenario.MODERATED if shape is Shape.GRID:
                removed = rng.choice(tiles)
                return _Plan(normal, Outcome.SUCCESS, None, tuple(t for t in tiles if t != removed))
            case _:
                return _Plan(normal, Outcome.SUCCESS, None, tiles)

    def _rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.store.next_sequence()}")

    def _create(
        self,
        account: str,
        now: float,
        rng: random.Random,
        action: str,
        shape: Shape,
        prompt: str,
        plan: _Plan,
        body: dict[str, Any],
        pressed: CustomId | None,
        parent: Task | None = None,
    ) -> Task:
        modal = action == "INPAINT"
        metadata = body.get("metadata")
        task = Task(
            id=new_task_id(rng, now),
            account=account,
            action=action,
            shape=shape,
            job_hash=new_job_hash(rng),
            prompt=prompt,
            created_at=now,
            started_at=None if modal else now,
            timing=plan.timing,
            outcome=plan.outcome,
            tiles=plan.tiles,
            charge=0.0 if modal else price(action, pressed),
            fail_reason=plan.fail_reason,
            parent_id=None if parent is None else parent.id,
            metadata=metadata if isinstance(metadata, dict) else {},
        )
        self.store.add_task(task)
        return task
