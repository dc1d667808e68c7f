"""The backend: every operation of the mock (reads, submits, the control API) as a method.

It owns the rules (ownership, retention, which button a follow-up presses, what a child looks like,
what a scenario does, the version rules) and raises domain errors; it knows nothing about HTTP. The HTTP
layer turns requests into typed values and calls it; submits are dispatched by the operations table
(`apimart_mj.OPERATIONS`): what an operation needs as a parent says which method runs it.

Time comes in as `now` (clock seconds) on each call (as `real`, wall-clock seconds, where the call
itself picks the scope whose clock counts); randomness from `Random(f"{seed}:{n}")`, where `n` is a
store-wide sequence number that a reset does not restart (of a scope or of all), so ids are reproducible
from a fresh store and never collide across worker processes or resets. (Upload names are secrets:
`domain.uploads`.)
State lives behind the `Store` interface, never here.

Every call is in a scope (`domain.scopes`): a task lives in the scope of the request that made it, runs
on that scope's clock and is found only there; balances, faults, the rate limit and reset are a
scope's own; the global scope's clock, faults and rate limit apply to every scope.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from apimart_mj import (
    HD_UPSCALE_OPERATIONS,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_VERSION_REASON,
    CustomId,
    Family,
    InvalidCustomId,
    NoMatchingButton,
    Operation,
    Parent,
    Result,
    by_action,
    match_button,
    rules_for,
    version_of,
)

from ..domain import results
from ..domain.accounts import INSUFFICIENT_BALANCE, Balance, account_named, price
from ..domain.clock import FOLLOWING, ClockState, ScopedClock
from ..domain.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    PaymentRequired,
    RateLimited,
    Rejected,
    StorageFull,
)
from ..domain.faults import Fault
from ..domain.inputs import Inputs, input_images, prompt_of
from ..domain.journal import RequestMatcher
from ..domain.lifecycle import (
    MODAL_TIMING,
    TIMEOUT_AFTER,
    Outcome,
    Scenario,
    Timing,
    normal_timing,
    timing_reaching,
)
from ..domain.scopes import GLOBAL, owner_by_name, scope_named
from ..domain.task import Task, new_job_hash, new_task_id
from ..domain.uploads import Upload, new_upload
from ..store import JournalEntry, Poll, Settings, Store, Write, task_cursor
from .values import EXPIRED, DirectTask, Submission, TaskFilter

__all__ = ["DEFAULT_FAIL_REASON", "EXPIRED", "MockService"]

_R = TypeVar("_R")

DEFAULT_FAIL_REASON = "No available upstream"
UNSUPPORTED_IMAGE = "Unsupported image format: send a JPEG, PNG, WebP or GIF file"
ACCOUNT_UPLOAD_BYTES = 32 * 1024 * 1024
"""Uploads one account keeps at most; its own oldest go first (never another account's)."""
KEPT_UPLOAD_BYTES = 256 * 1024 * 1024
"""Uploads kept at most, all accounts together (a shared mock must not grow without end); past it an
upload is refused, whoever sends it, until a reset."""
UPLOADS_FULL = (
    f"The mock's storage for uploads is full ({KEPT_UPLOAD_BYTES >> 20} MiB for all accounts); try again"
    " after a reset"
)
_TRIES = 3
"""Attempts of a submit whose new id was taken (drawn twice by chance; a reset keeps the sequence)."""


SCANNED_PER_PAGE = 1_000
"""The most tasks one filtered page of the control API's listing examines (a bounded cost per call)."""
_SCAN_BATCH = 500


class _IdTaken(Exception):
    """The id drawn for a new record is taken: draw again."""


@dataclass(frozen=True)
class _Plan:
    timing: Timing
    outcome: Outcome
    fail_reason: str | None
    tiles: tuple[int, ...]


@dataclass(frozen=True)
class TaskDraft:
    """A task a rule has decided on, before its dice are cast (`_new_task` draws its id and hash): whose,
    where, made when, doing what, from which `parent` and `pressed` button, if any."""

    account: str
    scope: str
    created_at: float
    action: str
    prompt: str
    version: str | None
    inputs: Inputs = field(default_factory=Inputs)
    parent: Task | None = None
    pressed: CustomId | None = None


class MockService:
    """All operations of one mock server over one store."""

    def __init__(self, store: Store, *, seed: int, retention: float, balance: float | None = None) -> None:
        self.store = store
        self.seed = seed
        self.retention = retention
        self.balance = balance
        """Every account's starting balance (None: unlimited), unless one was set for the account."""

    # ---- scopes ----
    def scope(self, account: str, name: str | None) -> str:
        """The scope an API request of `account` naming `name` (`X-Mock-Scope`; None: the account's own)
        is in; a named scope no one used yet becomes the account's."""
        scope = scope_named(name, account)
        if owner_by_name(scope) is None:
            self.claim(scope, account, self.store.settings(scope))
        return scope

    def claim(self, scope: str, account: str, settings: Settings) -> None:
        """Make `scope` (its `settings` as read) `account`'s when no one used it yet (see `scope`)."""
        if owner_by_name(scope) is None and settings.scope.owner is None:
            self.store.claim_scope(scope, account)

    def controlled_scope(self, account: str, name: str | None) -> str:
        """The scope a control call of `account` naming `name` acts on; 403 when it is another's."""
        scope = scope_named(name, account)
        owner = owner_by_name(scope) or self.store.claim_scope(scope, account)
        if owner != account:
            raise Forbidden(f"scope {scope} belongs to another key")
        return scope

    # ---- reads ----
    def task(self, task_id: str, real: float, scope: str) -> Task:
        """Any account's task in `scope` (`GLOBAL`: in any scope; control API); 404 when unknown or past
        retention on its scope's clock at wall-clock time `real`."""
        task = self.store.task(task_id)
        if task is None or scope not in (GLOBAL, task.scope):
            raise NotFound(f"task {task_id} not found")
        return self._kept(task_id, task, self.clocks(real)(task))

    def clocks(self, real: float) -> Callable[[Task], float]:
        """Each task's clock time at wall-clock time `real`: its scope's (the global control lists tasks
        of every scope, each on its own clock). Reads each scope's clock once."""
        times: dict[str, float] = {}

        def now_of(task: Task) -> float:
            if task.scope not in times:
                times[task.scope] = self.store.settings(task.scope).now(real)
            return times[task.scope]

        return now_of

    def get(self, account: str, scope: str, task_id: str, now: float) -> Task:
        """The caller's task in the caller's scope; 404 when unknown or past retention, 403 when another
        account's (in any scope, as live), 404 when the caller's own in another scope (another team's
        run with the same key)."""
        return self.owned(account, scope, task_id, self.store.task(task_id), now)

    def owned(self, account: str, scope: str, task_id: str, task: Task | None, now: float) -> Task:
        """`task`, as read for `task_id`, when it is the caller's: the rules of `get`."""
        task = self._kept(task_id, task, now)
        if task.account != account:
            raise Forbidden("You do not have permission to access this task")
        return self._in_scope(task, scope)

    def _kept(self, task_id: str, task: Task | None, now: float) -> Task:
        if task is None or task.expired(now, self.retention):
            raise NotFound(f"task {task_id} not found")
        return task

    @staticmethod
    def _in_scope(task: Task, scope: str) -> Task:
        if task.scope != scope:
            raise NotFound(f"task {task.id} not found")
        return task

    # ---- submits ----
    def submit(
        self,
        operation: Operation,
        account: str,
        scope: str,
        now: float,
        inputs: Inputs,
        submission: Submission,
    ) -> Task:
        """Run a submit operation of the table; what it needs as a parent picks the rule."""
        return _retried(lambda: self._submit(operation, account, scope, now, inputs, submission))

    def _submit(
        self,
        operation: Operation,
        account: str,
        scope: str,
        now: float,
        inputs: Inputs,
        submission: Submission,
    ) -> Task:
        if operation.parent is Parent.NONE:
            return self._generate(operation, account, scope, now, inputs, submission)
        if operation.parent is Parent.BUTTON:
            return self._press(operation, account, scope, now, inputs, submission)
        if operation.parent is Parent.INDEX or (operation.parent is Parent.FRAME and inputs.task_id):
            return self._pick(operation, account, scope, now, inputs, submission)
        if operation.parent is Parent.FRAME:
            return self._generate(operation, account, scope, now, inputs, submission)
        return self._modal(account, scope, now, inputs, submission)

    def _generate(
        self,
        operation: Operation,
        account: str,
        scope: str,
        now: float,
        inputs: Inputs,
        submission: Submission,
    ) -> Task:
        """A new task from a prompt. An unsupported `version` is accepted and the task fails, as live."""
        action = str(operation.action)
        version = version_of(inputs.version, inputs.prompt, hd=inputs.hd)
        if version is not None and version not in SUPPORTED_VERSIONS and submission.scenario is None:
            submission = Submission(Scenario.FAILURE, UNSUPPORTED_VERSION_REASON)
        draft = TaskDraft(account, scope, now, action, prompt_of(action, inputs), version, inputs)
        tiles = results.tiles_for(results.ends_as(operation.result), inputs.batch_size)
        return self._submitted(draft, submission, normal_timing(action), tiles)

    def _press(
        self,
        operation: Operation,
        account: str,
        scope: str,
        now: float,
        inputs: Inputs,
        submission: Submission,
    ) -> Task:
        """A follow-up on a finished parent: press `custom_id`, or the button auto-matching picks.

        Pressed by `custom_id`, the child's action is the one the customId names (whatever the endpoint);
        by auto-matching, the endpoint's. A rejected follow-up creates and charges nothing.
        """
        parent = self._finished_parent(account, scope, str(inputs.task_id), now)
        pressed, action = self._pressed(parent, operation, inputs)
        _check_version(parent, action)
        hd = pressed.operation in HD_UPSCALE_OPERATIONS
        draft = TaskDraft(account, scope, now, action, parent.prompt, parent.version, inputs, parent, pressed)
        tiles = results.tiles(results.ends_as(by_action(action).result))
        return self._submitted(draft, submission, normal_timing(action, hd=hd), tiles)

    def _pick(
        self,
        operation: Operation,
        account: str,
        scope: str,
        now: float,
        inputs: Inputs,
        submission: Submission,
    ) -> Task:
        """A new task from one image (`index`) of a finished grid, no button pressed (remix, video)."""
        parent = self._finished_parent(account, scope, str(inputs.task_id), now)
        action = str(operation.action)
        if parent.result is not Result.GRID:
            raise InvalidRequest(f"{operation.cli_name} needs a grid: task {parent.id} is not one")
        _check_version(parent, action)
        prompt = inputs.prompt or parent.prompt
        draft = TaskDraft(account, scope, now, action, prompt, parent.version, inputs, parent)
        tiles = results.tiles_for(results.ends_as(operation.result), inputs.batch_size)
        return self._submitted(draft, submission, normal_timing(action), tiles)

    def _submitted(
        self, draft: TaskDraft, submission: Submission, normal: Timing, tiles: tuple[int, ...]
    ) -> Task:
        """The task `draft` as `submission` wants it to end, stored and charged."""
        rng = self._rng()
        task = self._new_task(draft, self._plan(submission, normal, tiles, rng), rng)
        return self._charged(task, draft.created_at)

    def _modal(self, account: str, scope: str, now: float, inputs: Inputs, submission: Submission) -> Task:
        """Complete a task waiting in MODAL: the same task goes on to SUBMITTED now and is billed now."""
        task = self.get(account, scope, str(inputs.task_id), now)
        if task.at(now).status != "MODAL":
            raise InvalidRequest(f"task {task.id} is not in MODAL state")
        if submission.scenario is None:
            plan = _Plan(MODAL_TIMING, task.outcome, task.fail_reason, task.tiles)
        else:
            plan = self._plan(submission, MODAL_TIMING, results.tiles(Result.GRID), self._rng())
        continued = replace(
            task,
            started_at=now,
            prompt=inputs.prompt or task.prompt,
            timing=plan.timing,
            outcome=plan.outcome,
            fail_reason=plan.fail_reason,
            tiles=plan.tiles,
            charge=price(task.action),
        )
        written = self.store.replace_task(
            task, continued, balance=self._starting_balance(scope, account), now=now
        )
        if written is Write.OVER_BALANCE:
            raise PaymentRequired(INSUFFICIENT_BALANCE)
        if written is Write.CHANGED:
            raise InvalidRequest(f"task {task.id} is not in MODAL state")
        return continued

    def _charged(self, task: Task, now: float) -> Task:
        """Store a submitted task if its account can pay for it; 402 (nothing stored) otherwise."""
        written = self.store.add_task(task, balance=self._starting_balance(task.scope, task.account), now=now)
        if written is Write.OVER_BALANCE:
            raise PaymentRequired(INSUFFICIENT_BALANCE)
        if written is Write.TAKEN:
            raise _IdTaken()
        return task

    # ---- balance ----
    def balance_of(self, scope: str, account: str, now: float) -> Balance:
        """The account's balance in `scope` at clock time `now`: charges subtracted, refunds given back."""
        used = self.store.used_balance(scope, account, now)
        return Balance(used=used, starting=self._starting_balance(scope, account))

    def set_balance(self, scope: str, account: str, amount: float | None) -> str:
        """The account's (a token or an account id) starting balance in `scope` from now on (`inf`:
        unlimited; None: the default); returns the account id. Set in `GLOBAL`, it is the account's
        starting balance in every scope that sets none."""
        owner = account_named(account)
        self.store.set_starting_balance(scope, owner, amount)
        return owner

    def _starting_balance(self, scope: str, account: str) -> float | None:
        own = self.store.starting_balance(scope, account)
        if own is None and scope != GLOBAL:
            own = self.store.starting_balance(GLOBAL, account)
        amount = self.balance if own is None else own
        return None if amount is None or math.isinf(amount) else amount

    def _finished_parent(self, account: str, scope: str, task_id: str, now: float) -> Task:
        parent = self.get(account, scope, task_id, now)
        if not parent.at(now).succeeded:
            raise InvalidRequest(f"task {parent.id} is not in SUCCESS state")
        return parent

    # ---- uploads ----
    def upload(self, account: str, now: float, filename: str | None, data: bytes) -> Upload:
        """Store an uploaded image; 400 unless it is a JPEG, PNG, WebP or GIF (413 is the HTTP layer's,
        which stops reading past `MAX_UPLOAD_BYTES`). Past its quota the account's own oldest uploads go;
        when all accounts' uploads fill their room, 503 `storage_error`."""
        upload = new_upload(account, filename, data, now)
        if upload is None:
            raise InvalidRequest(UNSUPPORTED_IMAGE)
        written = self.store.add_upload(
            upload, account_bytes=ACCOUNT_UPLOAD_BYTES, total_bytes=KEPT_UPLOAD_BYTES
        )
        if written is Write.FULL:
            raise StorageFull(UPLOADS_FULL)
        return upload

    def uploaded(self, name: str) -> Upload:
        """An uploaded file by the name in its URL (public: the URL is the secret, as live)."""
        upload = self.store.upload(name)
        if upload is None:
            raise NotFound("file not found")
        return upload

    # ---- control ----
    def change_clock(
        self, scope: str, change: Callable[[ClockState, float], ClockState], real: float
    ) -> ScopedClock:
        """Apply `change` to the scope's own clock (`GLOBAL`: the global one), which runs on the global
        clock's time (`GLOBAL`: on the wall clock's time, `real`)."""
        if scope == GLOBAL:
            return ScopedClock(self.store.change_clock(GLOBAL, lambda clock: change(clock, real)))
        outer = self.store.settings(GLOBAL).clock
        return ScopedClock(outer, self.store.change_clock(scope, lambda own: change(own, outer.now(real))))

    def reset(self, scope: str, start: ClockState, rate_limit: float | None) -> None:
        """`GLOBAL`: forget everything and start the global clock at `start` with `rate_limit`. A scope:
        forget its state; its clock follows the global one again and the global rate limit applies."""
        if scope == GLOBAL:
            self.store.reset(GLOBAL, start, rate_limit)
        else:
            self.store.reset(scope, FOLLOWING, None)

    def create_directly(self, scope: str, real: float, direct: DirectTask) -> Task:
        """The task `direct` asks for, `age` seconds old on its scope's clock at wall-clock time `real`
        (control API), in `scope` (`GLOBAL`: the account's own)."""
        return _retried(lambda: self._create_directly(scope, real, direct))

    def _create_directly(self, scope: str, real: float, direct: DirectTask) -> Task:
        outcome = Outcome.FAILURE if direct.status == "FAILURE" else Outcome.SUCCESS
        reason = (direct.fail_reason or DEFAULT_FAIL_REASON) if outcome is Outcome.FAILURE else None
        normal = normal_timing("IMAGINE")  # long enough phases for any status at any age
        tiles = results.tiles(results.ends_as(by_action(direct.action).result))
        plan = _Plan(timing_reaching(direct.status, direct.age, normal), outcome, reason, tiles)
        owner = account_named(direct.account)
        home = scope or owner
        created = self.store.settings(home).now(real) - direct.age
        draft = TaskDraft(owner, home, created, direct.action, direct.prompt, None)
        task = self._new_task(draft, plan, self._rng())
        if self.store.add_task(task) is Write.TAKEN:
            raise _IdTaken()
        return task

    def tasks(
        self,
        scope: str,
        real: float,
        kept: TaskFilter,
        *,
        limit: int,
        cursor: str | None,
        newest: bool = False,
    ) -> tuple[list[Task], str | None]:
        """A page of the scope's tasks (`GLOBAL`: every scope's) that `kept` keeps, in creation order, or
        `newest` first, and the cursor of the next page (None: the last). Each task is judged on its
        scope's clock at wall-clock time `real`. A narrowed page examines at most `SCANNED_PER_PAGE`
        tasks, so it may hold fewer than `limit` with a next cursor."""
        owner = None if kept.account is None else account_named(kept.account)
        now_of = self.clocks(real)
        if kept.parent is not None:  # its children are its account's, created after it
            root = self.task(kept.parent, real, scope)
            if owner not in (None, root.account):
                return [], None
            owner = root.account
            if cursor is None and not newest:
                cursor = task_cursor(root)
        needle = None if kept.search is None else kept.search.lower()

        def wanted(task: Task) -> bool:
            return (
                (kept.action is None or task.action == kept.action)
                and (kept.parent is None or task.parent_id == kept.parent)
                and (needle is None or needle in task.id.lower() or needle in task.prompt.lower())
                and (kept.status is None or self.status_of(task, now_of(task)) == kept.status)
            )

        batch_size = max(limit + 1, _SCAN_BATCH) if kept.narrows else limit + 1
        found: list[Task] = []
        scanned = 0
        while True:
            batch = self.store.tasks(scope or None, owner, after=cursor, limit=batch_size, newest=newest)
            for task in batch:
                if wanted(task):
                    if len(found) == limit:
                        return found, task_cursor(found[-1])
                    found.append(task)
            if len(batch) < batch_size:
                return found, None
            cursor = task_cursor(batch[-1])
            scanned += len(batch)
            if scanned >= SCANNED_PER_PAGE:
                return found, cursor

    def status_of(self, task: Task, now: float) -> str:
        """A task's status as the control API lists it: EXPIRED past retention."""
        return EXPIRED if task.expired(now, self.retention) else task.at(now).status

    def add_fault(self, scope: str, fault: Fault) -> Fault:
        """`fault` on the requests in `scope` (`GLOBAL`: in every scope), stored with its id."""
        if fault.account is not None:
            fault = replace(fault, account=account_named(fault.account))
        return self.store.add_fault(scope, fault)

    def draw_fault(self, scope: str, path: str, account: str | None) -> Fault | None:
        """The injected fault that fires on this request, if any (seeded: the same run fails alike)."""
        return self.store.draw_fault(scope, path, account, self.seed)

    def rate_limit(self, scope: str) -> float | None:
        """The scope's own rate limit (`GLOBAL`: the one every scope has besides its own)."""
        settings = self.store.settings(scope)
        return settings.rate_limit if scope == GLOBAL else settings.scope.rate_limit

    def over_rate_limit(self, settings: Settings, scope: str, account: str, now: float) -> bool:
        """Count this request of `account` against the global rate limit and its scope's own (those
        switched on); whether it is over either, in requests per clock second."""
        limits = ((GLOBAL, settings.rate_limit), (scope, settings.scope.rate_limit))
        over = [
            self.store.count_request(owner, account, int(now)) > limit
            for owner, limit in limits
            if limit is not None
        ]
        return any(over)

    def polls(
        self, asked: Sequence[Poll[_R]], record: Callable[[JournalEntry], None] | None = None
    ) -> list[_R]:
        """Polls' answers, each by its `answer` from what it reads (`TaskStore.polls`: answered together),
        journaled: by the store in the same step where it can (one round trip over Redis), else by
        `record` (a caller that journals several answers at once, and sends none before) or at once."""
        answered = self.store.polls(asked)
        entries = [entry for _, entry in answered if entry is not None]
        if record is None:
            self.record(*entries)
        else:
            for entry in entries:
                record(entry)
        return [result for result, _ in answered]

    def record(self, *entries: JournalEntry) -> None:
        """Journal requests, in one append where the store can. When the store cannot (a full disk), the
        entries are lost and the answers go out anyway: a journal is a test aid, never a reason to fail
        the API. Nothing to journal costs nothing (over Redis, most turns of polls: their scripts did)."""
        if not entries:
            return
        with contextlib.suppress(OSError):
            self.store.record_all(entries)

    def in_scope(self, scope: str, matcher: RequestMatcher) -> RequestMatcher:
        """`matcher`, selecting the requests of `scope`'s journal only (`GLOBAL`: every request)."""
        if scope == GLOBAL:
            return matcher
        return replace(matcher, scope=scope, generation=self.store.settings(scope).scope.journal)

    # ---- storage ----
    def storage_error(self, error: Exception) -> StorageFull | None:
        """What to answer for `error` when the store raised it for want of room (a full disk, a full
        Redis: 503 `storage_error`, not an injected fault's `server_error`); None for any other error."""
        return StorageFull() if self.store.no_room(error) else None

    # ---- rules ----
    def _pressed(self, parent: Task, operation: Operation, inputs: Inputs) -> tuple[CustomId, str]:
        """The customId a follow-up presses and the action of the task it creates."""
        text = inputs.custom_id
        if text is None:
            try:
                button = match_button(
                    parent.buttons,
                    str(operation.action),
                    index=inputs.index,
                    direction=inputs.direction,
                    zoom_ratio=inputs.zoom_ratio,
                    upscaled=parent.result is Result.SINGLE,
                )
            except NoMatchingButton as exc:
                raise InvalidRequest(str(exc)) from None
            return CustomId.parse(button.custom_id), str(operation.action)
        try:
            custom_id = CustomId.parse(text)
        except InvalidCustomId:
            raise InvalidRequest(f"invalid custom_id: {text}") from None
        own = any(button.custom_id == text for button in parent.buttons)
        hd = (
            custom_id.family is Family.JOB
            and custom_id.operation in rules_for(parent.version).hd_upscales
            and custom_id.job_hash == parent.job_hash
        )
        if not (own or hd) or custom_id.action is None:
            raise InvalidRequest(f"custom_id {text} is not a button of task {parent.id}")
        return custom_id, custom_id.action

    def _plan(
        self, submission: Submission, normal: Timing, tiles: tuple[int, ...], rng: random.Random
    ) -> _Plan:
        reason = submission.fail_reason or DEFAULT_FAIL_REASON
        match submission.scenario:
            case Scenario.BANNED:
                raise Rejected("Banned prompt detected; the charge was refunded")
            case Scenario.INSUFFICIENT_BALANCE:
                raise PaymentRequired(INSUFFICIENT_BALANCE)
            case Scenario.FAILURE:
                return _Plan(normal, Outcome.FAILURE, reason, tiles)
            case Scenario.STUCK:
                return _Plan(normal, Outcome.STUCK, None, tiles)
            case Scenario.SLOW:
                slow = normal if normal.total else normal_timing("IMAGINE")
                return _Plan(slow.scaled(10), Outcome.SUCCESS, None, tiles)
            case Scenario.TIMEOUT:
                return _Plan(Timing(TIMEOUT_AFTER, 0.0, 0.0), Outcome.FAILURE, "Task timeout", tiles)
            case Scenario.MODERATED if len(tiles) == len(results.tiles(Result.GRID)):
                removed = rng.choice(tiles)
                return _Plan(normal, Outcome.SUCCESS, None, tuple(t for t in tiles if t != removed))
            case _:
                return _Plan(normal, Outcome.SUCCESS, None, tiles)

    def _rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.store.next_sequence()}")

    def _new_task(self, draft: TaskDraft, plan: _Plan, rng: random.Random) -> Task:
        """The task a submit creates (not stored yet). An inpaint waits in MODAL and is billed at /modal."""
        action, parent, pressed = draft.action, draft.parent, draft.pressed
        given = by_action(action).result
        modal = given is Result.MODAL
        count = len(plan.tiles) if given is Result.VIDEO else 1
        return Task(
            id=new_task_id(rng, draft.created_at),
            account=draft.account,
            action=action,
            result=results.ends_as(given),
            job_hash=new_job_hash(rng),
            prompt=draft.prompt,
            created_at=draft.created_at,
            started_at=None if modal else draft.created_at,
            timing=plan.timing,
            outcome=plan.outcome,
            tiles=plan.tiles,
            charge=0.0 if modal else price(action, pressed, count=count),
            fail_reason=plan.fail_reason,
            parent_id=None if parent is None else parent.id,
            metadata=dict(draft.inputs.metadata),
            version=draft.version,
            scope=draft.scope,
            button=None if pressed is None or parent is None else _label(parent, pressed),
            input_images=input_images(draft.inputs),
        )


def _retried(make: Callable[[], Task]) -> Task:
    """`make()`, again while the id it drew is taken (each try draws a new sequence number)."""
    for _ in range(_TRIES - 1):
        try:
            return make()
        except _IdTaken:
            continue
    try:
        return make()
    except _IdTaken:
        raise RateLimited("No free task id was drawn; please try again", 1) from None


def _label(parent: Task, pressed: CustomId) -> str:
    """The label of the button `pressed` on `parent` (an HD upscale's operation when not among them)."""
    custom_id = str(pressed)
    return next((b.label for b in parent.buttons if b.custom_id == custom_id), pressed.operation or custom_id)


def _check_version(parent: Task, action: str) -> None:
    """400 when the parent's version does not allow `action` (docs/decisions.md, version rules)."""
    refusal = rules_for(parent.version).refusal(action)
    if refusal is not None:
        raise InvalidRequest(refusal)
