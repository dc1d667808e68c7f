"""Where the mock keeps its mutable state, behind five small role interfaces.

What the backend needs of a store, by role: `ControlStore` (the settings of the global scope and of each
scope: clock, rate limit, whether faults are on, owner; a sequence number, faults, rate-limit counters,
reset), `TaskStore` (tasks), `Ledger` (what they cost: charges and when each is refunded, so that a
balance is one sum; starting balances), `UploadStore` (uploaded files) and `JournalStore` (the request
journal). `Store` is all five: what `open_store` opens. The state of a scope (`domain.scopes`: its
clock, faults, rate counters, balances and tasks) is kept under its name, so a scope's reset clears that
scope only; `GLOBAL` names the mock owner's. Every method is one atomic step, so that many worker
processes (or replicas) over one store never lose an update: a write that depends on what is stored (a
clock change, a /modal call, a fault drawn, a charge against a balance) is one transaction.

`SqliteStore` (`store.sqlite`) is the embedded default; `RedisStore` (`store.redis`) lets replicas on
several machines share one state. Both implement every role (tests/mock_server/store/ runs one
conformance suite per role against both) and use `dump_task` / `load_task` for the task records, so both
hold the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol, TypeVar

from apimart_mj import Result

from ..domain.clock import FOLLOWING, ClockState, ScopedClock
from ..domain.errors import InvalidRequest
from ..domain.faults import Drift, Fault, FaultKind
from ..domain.journal import JournalEntry, JournalPage, RequestMatcher
from ..domain.lifecycle import Outcome, Timing
from ..domain.task import Task
from ..domain.uploads import Upload

__all__ = [
    "MIN_ROOM",
    "Answering",
    "ControlStore",
    "JournalEntry",
    "JournalPage",
    "JournalStore",
    "Ledger",
    "Poll",
    "RequestMatcher",
    "ScopeSettings",
    "Settings",
    "Store",
    "StoreUnavailable",
    "TaskStore",
    "UploadStore",
    "Write",
    "dump_fault",
    "dump_task",
    "load_fault",
    "load_task",
    "open_store",
    "shown_location",
    "task_cursor",
    "task_position",
]


@dataclass(frozen=True)
class ScopeSettings:
    """A scope's own settings; the defaults are those of a scope no one changed (it follows the global
    ones). `owner` is the account it belongs to (None: no one used it yet); `journal` counts its
    journal's clears (a reset clears it too): the generation its new journal entries have."""

    clock: ClockState = FOLLOWING
    rate_limit: float | None = None
    faults_active: bool = False
    owner: str | None = None
    journal: int = 0


@dataclass(frozen=True)
class Settings:
    """The per-request snapshot: the global clock and which optional (slower) checks are switched on,
    and the request's scope's own (the global scope's are the defaults)."""

    clock: ClockState
    rate_limit: float | None
    faults_active: bool
    scope: ScopeSettings = ScopeSettings()

    @property
    def scoped_clock(self) -> ScopedClock:
        """The scope's clock: its own, running on the global one."""
        return ScopedClock(self.clock, self.scope.clock)

    def now(self, real: float) -> float:
        """The scope's clock time at wall-clock time `real`."""
        return self.scoped_clock.now(real)

    @property
    def checked(self) -> bool:
        """Whether a rate limit or a fault may apply to this scope's requests."""
        own = self.scope
        limited = self.rate_limit is not None or own.rate_limit is not None
        return limited or self.faults_active or own.faults_active


R = TypeVar("R")
Answering = Callable[[Settings, Task | None], tuple[R, JournalEntry | None]]
"""What answers a poll from what it read (`TaskStore.polls`): the answer and its journal entry (None:
nothing to journal)."""
Poll = tuple[str, str | None, Answering[R]]
"""One poll `TaskStore.polls` answers: its scope, the task id it looks up (None: none), its `Answering`."""


class Write(StrEnum):
    """The outcome of a conditional write."""

    DONE = "done"
    CHANGED = "changed"
    """Someone else changed the record first: nothing written."""
    OVER_BALANCE = "over_balance"
    """The account cannot pay for it: nothing written."""
    TAKEN = "taken"
    """A new record's id is taken (drawn twice by chance): nothing written."""
    FULL = "full"
    """No room for it: nothing written."""


class StoreUnavailable(RuntimeError):
    """The store cannot be opened or set up (a folder that does not exist, a Redis that does not answer, a
    malformed URL, a store an older mock wrote): the message says which, in one line."""


class ControlStore(Protocol):
    """The settings of every scope (clock, rate limit, owner), the id sequence, faults and rate counters,
    reset, and whether the store has room: what the control API and each request's checks read."""

    def initialize(self, clock: ClockState, rate_limit: float | None) -> None:
        """Create what is missing (an existing store keeps its state); `StoreUnavailable` when it cannot."""

    def settings(self, scope: str) -> Settings:
        """The global settings, and `scope`'s own (the defaults for `GLOBAL`)."""

    def claim_scope(self, scope: str, account: str) -> str:
        """The owner of `scope`: `account` when no one owned it yet (then it does)."""

    def change_clock(self, scope: str, change: Callable[[ClockState], ClockState]) -> ClockState:
        """Apply `change` to the scope's own clock (`GLOBAL`: the global clock) as one step; concurrent
        changes all count."""

    def set_rate_limit(self, scope: str, per_second: float | None) -> None: ...

    def count_request(self, scope: str, account: str, window: int) -> int:
        """Requests of `account` in `scope` in the one-second `window`, this one included."""

    def next_sequence(self) -> int:
        """A number no other call of any worker ever gets from this store (a reset keeps counting)."""

    def reset(self, scope: str, clock: ClockState, rate_limit: float | None) -> None:
        """`GLOBAL`: forget everything (every scope, upload and journal entry); restart the clock, not the
        sequence. A scope: forget its tasks, faults, counters and balances, set its own clock and rate
        limit and clear its journal (keeping its owner). One step: a request running meanwhile sees the
        state before it or after it, never a mix."""

    def add_fault(self, scope: str, fault: Fault) -> Fault:
        """Store `fault` in `scope` under its next fault id and return it with that id."""

    def faults(self, scope: str) -> list[Fault]: ...

    def clear_faults(self, scope: str) -> None: ...

    def draw_fault(self, scope: str, path: str, account: str | None, seed: int) -> Fault | None:
        """Count this request against every matching fault of `GLOBAL`, then of `scope`; the first one
        that fires, or None."""

    def no_room(self, error: Exception) -> bool:
        """Whether `error`, raised by this store, says it has no room to write (a full disk, a full
        Redis), rather than anything else."""

    def has_room(self) -> bool:
        """Whether this store can write now (what `/healthz` reports)."""


class TaskStore(Protocol):
    """Tasks, each under its scope (ids unique store-wide). A write that charges is checked against the
    account's balance in the same step (the `Ledger` reads what the tasks cost)."""

    def add_task(self, task: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        """Store a new task. With a `balance`, only when the account's used balance at clock time `now`
        plus the task's charge stays within it (else OVER_BALANCE); TAKEN when its id is."""

    def replace_task(self, old: Task, new: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        """Store `new` in place of `old` unless the task changed meanwhile (compare and swap), and, with a
        `balance`, unless the extra charge takes the account over it."""

    def task(self, task_id: str) -> Task | None:
        """The task with this id, in whichever scope it lives (ids are unique store-wide)."""

    def polls(self, asked: Sequence[Poll[R]]) -> list[tuple[R, JournalEntry | None]]:
        """Polls answered together, each `(scope, task_id, answer)`: the task `task_id` (None: a poll that
        looks no task up) in `scope`; `answer` is given `settings(scope)` and the task, and returns the
        poll's answer and its journal entry. Returns, in order, each answer and its entry when it is still
        to be recorded (`record`); None when the store recorded it in the same step as the read
        (`RedisStore`: the polls it answers from snapshots, all in one round trip).

        A store may first call `answer` with a snapshot of what it read for this poll before, then, when
        the snapshot is no longer what is stored, once more with what is: never when the snapshot's
        settings are `checked` (then a poll may write: a rate count, a fault drawn), so `answer` writes
        nothing twice (claiming a scope, its only other write, takes effect once)."""

    def tasks(
        self,
        scope: str | None,
        account: str | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
        newest: bool = False,
    ) -> list[Task]:
        """Up to `limit` tasks in creation order (`newest` first: the reverse), of one scope or all
        (None), of one account or all, from after the task whose `task_cursor` is `after`."""


class Ledger(Protocol):
    """Balances: what an account's tasks in a scope cost less what was refunded, and the starting
    balances set per scope."""

    def used_balance(self, scope: str, account: str, now: float) -> float:
        """What the account's tasks in `scope` cost, less the refunds given back by clock time `now`."""

    def starting_balance(self, scope: str, account: str) -> float | None:
        """The account's own starting balance in `scope`, when one was set there (`inf`: unlimited)."""

    def set_starting_balance(self, scope: str, account: str, amount: float | None) -> None:
        """Set the account's starting balance in `scope` (None: back to the default)."""


class UploadStore(Protocol):
    """Uploaded files, by their secret names, within per-account and total byte budgets."""

    def add_upload(self, upload: Upload, *, account_bytes: int, total_bytes: int) -> Write:
        """Store an uploaded file. The account's own oldest ones go once its uploads together pass
        `account_bytes` (never another account's); FULL, and nothing changed, when all uploads together
        would still pass `total_bytes`."""

    def upload(self, name: str) -> Upload | None: ...


class JournalStore(Protocol):
    """The request journal, bounded in bytes (the oldest entries go first, counted)."""

    def record(self, entry: JournalEntry) -> None:
        """Journal one request; the oldest entries go (and are counted) past the journal's cap. May
        raise OSError (a full disk): the caller decides what that means."""

    def record_all(self, entries: Sequence[JournalEntry]) -> None:
        """Journal several requests in their order, as `record` does each (at once where the journal
        can: one write for them all)."""

    def journal(self, matcher: RequestMatcher, *, limit: int, cursor: str | None = None) -> JournalPage:
        """Up to `limit` matching entries, oldest first, from `cursor` (a page's `next_cursor`) on."""

    def newest_requests(self, matcher: RequestMatcher, *, limit: int) -> JournalPage:
        """The `limit` newest matching entries, newest first, on one page (the dashboard's recent
        requests)."""

    def count_requests(self, matcher: RequestMatcher) -> int:
        """How many entries match: from the journal's counts by request key (`store.counts`), without
        reading the entries, unless the matcher selects by `since` or `body`; 400 (`InvalidRequest`) when
        that means reading more than `MAX_READ_KEYS` distinct keys."""

    def clear_journal(self, scope: str) -> None:
        """`GLOBAL`: forget every journal entry and the count of dropped ones. A scope: start its next
        journal generation (its entries so far are no longer its journal's)."""


class Store(ControlStore, TaskStore, Ledger, UploadStore, JournalStore, Protocol):
    """All mutable state of one mock server, every role in one object (what `open_store` opens); every
    method is atomic across workers."""


MIN_ROOM = 1024 * 1024
"""Bytes of room (free disk, memory below Redis's `maxmemory`) under which a store counts as full for
`/healthz`: a small write may still fit, a burst of them or an upload not."""

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_store(location: str, *, journal: str | None = None, journal_bytes: int) -> Store:
    """The store at `location`: a Redis URL (`redis://host:port/db`, optionally `?prefix=name`), its journal
    a stream in it; or a SQLite file path, its journal at `journal` (default: beside it). Either journal is
    bounded to about `journal_bytes`."""
    if location.startswith(REDIS_SCHEMES):
        from .redis import RedisStore

        return RedisStore(location, journal_bytes=journal_bytes)
    from .sqlite import SqliteStore

    return SqliteStore(location, journal=journal, journal_bytes=journal_bytes)


def shown_location(location: str) -> str:
    """`location` fit to print: a password in a Redis URL (`redis://user:PASSWORD@host`, `?password=`)
    shown as `***`."""
    base, mark, query = location.partition("?")
    scheme, slashes, rest = base.partition("://")
    credentials, at, place = rest.rpartition("@")
    if at and ":" in credentials:
        base = f"{scheme}{slashes}{credentials.split(':', 1)[0]}:***@{place}"
    if mark:
        query = "&".join(
            "password=***" if part.startswith("password=") else part for part in query.split("&")
        )
    return base + mark + query


def task_cursor(task: Task) -> str:
    """Where a page of tasks that ends with `task` goes on (creation time and id, as tasks are ordered)."""
    return f"{task.created_at!r}/{task.id}"


def task_position(cursor: str) -> tuple[float, str]:
    """The creation time and id a `task_cursor` names; 400 for anything else."""
    created_at, _, task_id = cursor.partition("/")
    try:
        if task_id:
            return float(created_at), task_id
    except ValueError:
        pass
    raise InvalidRequest("cursor is not one this server handed out")


def dump_task(task: Task) -> str:
    """A task as the JSON text every store keeps (stable key order: equal tasks give equal text)."""
    return json.dumps(asdict(task), sort_keys=True)


PARSED_TASKS = 1024
"""How many parsed tasks each process keeps, by their stored text: a poll re-reads its task from the
store every time but parses it once (a `Task` is immutable; metadata, at most `Limits.metadata_bytes`,
bounds the memory)."""


@lru_cache(maxsize=PARSED_TASKS)
def load_task(text: str) -> Task:
    """The task `dump_task` wrote as `text`."""
    data = json.loads(text)
    data["result"] = Result(data["result"])
    data["timing"] = Timing(**data["timing"])
    data["outcome"] = Outcome(data["outcome"])
    data["tiles"] = tuple(data["tiles"])
    data["input_images"] = tuple(data.get("input_images", ()))  # stored before they were kept: none
    return Task(**data)


def dump_fault(fault: Fault) -> str:
    return json.dumps(fault.to_json())


def load_fault(text: str) -> Fault:
    data = json.loads(text)
    data["kind"] = FaultKind(data["kind"])
    data["drift"] = Drift(data["drift"])
    return Fault(**data)
