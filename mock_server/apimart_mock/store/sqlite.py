"""`SqliteStore`: one SQLite file holding all mutable state, so every worker process sees the same.

Tasks, the clocks, faults, the rate limits and their counters live here, each row under its scope (the
global scope's settings in the one `settings` row, every other scope's in `scopes`); the request journal
is a file beside it (below). WAL mode and a busy timeout let the server's worker processes and threads
read and write concurrently; each thread keeps its own connection. `synchronous=OFF` trades durability,
which a mock does not need, for speed.

The hot path of a GET is one statement (`poll`: the settings row, i.e. the clock and "are faults or
rate limits on?", and the task by primary key) and one journal append.

The request journal is not in SQLite: one INSERT per request made every request take the database's
write lock, and under concurrent load SQLite's busy handler then sleeps whole milliseconds (measured:
~800 sleeps of ~2 ms in 5 s in one worker under `make bench`). It is a bounded set of append-only
files beside the store instead (`store.journal.FileJournal`).

The store file and everything beside it are created 0600: they hold what teams submitted.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from ..domain.clock import ClockState
from ..domain.faults import Fault
from ..domain.scopes import GLOBAL
from ..domain.task import Task
from ..domain.uploads import Upload
from . import (
    MIN_ROOM,
    Answering,
    JournalEntry,
    JournalPage,
    Poll,
    RequestMatcher,
    ScopeSettings,
    Settings,
    StoreUnavailable,
    Write,
    dump_fault,
    dump_task,
    load_fault,
    load_task,
    task_position,
)
from .journal import FileJournal

__all__ = ["SqliteStore"]

_R = TypeVar("_R")

_CENT = 1e-9
"""Tolerance of the balance check: charges are sums of floats (0.05 + 0.05 + ...)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    clock_base REAL NOT NULL, clock_anchor REAL NOT NULL, clock_speed REAL NOT NULL,
    clock_frozen INTEGER NOT NULL, rate_limit REAL, faults_active INTEGER NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0, next_fault INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS scopes (
    name TEXT PRIMARY KEY, owner TEXT,
    clock_base REAL NOT NULL DEFAULT 0, clock_anchor REAL NOT NULL DEFAULT 0,
    clock_speed REAL NOT NULL DEFAULT 1, clock_frozen INTEGER NOT NULL DEFAULT 0,
    rate_limit REAL, faults_active INTEGER NOT NULL DEFAULT 0, next_fault INTEGER NOT NULL DEFAULT 1,
    journal INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, scope TEXT NOT NULL, account TEXT NOT NULL, created_at REAL NOT NULL,
    body TEXT NOT NULL, charge REAL NOT NULL, refund_at REAL
);
CREATE INDEX IF NOT EXISTS tasks_by_account ON tasks (scope, account, created_at, id);
CREATE INDEX IF NOT EXISTS tasks_by_scope ON tasks (scope, created_at, id);
CREATE INDEX IF NOT EXISTS tasks_created ON tasks (created_at, id);
CREATE INDEX IF NOT EXISTS tasks_refunds ON tasks (scope, account, refund_at) WHERE refund_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS balances (
    scope TEXT NOT NULL, account TEXT NOT NULL, amount REAL NOT NULL, PRIMARY KEY (scope, account)
);
CREATE TABLE IF NOT EXISTS uploads (
    name TEXT PRIMARY KEY, filename TEXT NOT NULL, account TEXT NOT NULL, content_type TEXT NOT NULL,
    data BLOB NOT NULL, created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_account ON uploads (account, created_at);
CREATE TABLE IF NOT EXISTS faults (
    scope TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (scope, id)
);
CREATE TABLE IF NOT EXISTS rate (
    scope TEXT NOT NULL, account TEXT NOT NULL, window INTEGER NOT NULL, hits INTEGER NOT NULL,
    PRIMARY KEY (scope, account)
);
"""


_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""A full disk, a full quota, a file-size limit (RLIMIT_FSIZE)."""


class _NoRoom(Exception):
    """An upload would take all uploads together past their room: roll it back."""


_COLUMNS = ("clock_base", "clock_anchor", "clock_speed", "clock_frozen", "rate_limit", "faults_active")
"""A scope's settings, in the `settings` row (the global scope) and in `scopes` (every other)."""
_COLUMNS_READ = (
    f"SELECT {', '.join('g.' + c for c in _COLUMNS)}, {', '.join('s.' + c for c in _COLUMNS)}, s.owner,"
    " s.journal"
)
_SCOPE_ROWS = " FROM settings g LEFT JOIN scopes s ON s.name = ? WHERE g.id = 1"
_SETTINGS = _COLUMNS_READ + _SCOPE_ROWS
"""The global settings and one scope's own (NULLs when it has none), as `_settings_of` reads them."""
_POLL = _COLUMNS_READ + ", (SELECT body FROM tasks WHERE id = ?)" + _SCOPE_ROWS
"""`_SETTINGS` and one task's stored text: a poll's one statement."""


def _settings_of(row: tuple[Any, ...]) -> Settings:
    if row[6] is None:
        own = ScopeSettings()
    else:
        clock = ClockState(row[6], row[7], row[8], bool(row[9]))
        own = ScopeSettings(clock, row[10], bool(row[11]), row[12], row[13])
    return Settings(ClockState(row[0], row[1], row[2], bool(row[3])), row[4], bool(row[5]), own)


def _clock_columns(clock: ClockState) -> dict[str, object]:
    return {
        "clock_base": clock.base,
        "clock_anchor": clock.anchor,
        "clock_speed": clock.speed,
        "clock_frozen": int(clock.frozen),
    }


class SqliteStore:
    """All mutable state of one mock server, in the SQLite file at `path`."""

    def __init__(self, path: str, *, journal: str | None = None, journal_bytes: int) -> None:
        self.path = path
        self._journal = FileJournal(journal or path + ".journal", journal_bytes)
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous=OFF")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds the write lock from the start (no lost updates across workers)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def initialize(self, clock: ClockState, rate_limit: float | None) -> None:
        """Create the tables and the settings row unless they exist (an existing store keeps its state)."""
        try:
            if not os.path.exists(self.path):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            db = self._db
            db.execute("PRAGMA journal_mode=WAL")
            columns = {row[1] for row in db.execute("PRAGMA table_info(tasks)")}
            if columns and "scope" not in columns:
                raise StoreUnavailable(
                    f"{self.path} was written by an apimart-mock without scopes: start a new store"
                )
            db.executescript(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO settings"
                " (id, clock_base, clock_anchor, clock_speed, clock_frozen, rate_limit)"
                " VALUES (1, ?, ?, ?, ?, ?)",
                (clock.base, clock.anchor, clock.speed, int(clock.frozen), rate_limit),
            )
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open the store {self.path}: {error}") from error

    # ---- settings and clock ----
    def settings(self, scope: str) -> Settings:
        return _settings_of(self._db.execute(_SETTINGS, (scope,)).fetchone())

    def claim_scope(self, scope: str, account: str) -> str:
        row = self._db.execute(
            "INSERT INTO scopes (name, owner) VALUES (?, ?) ON CONFLICT (name)"
            " DO UPDATE SET owner = COALESCE(scopes.owner, excluded.owner) RETURNING owner",
            (scope, account),
        ).fetchone()
        return str(row[0])

    def change_clock(self, scope: str, change: Callable[[ClockState], ClockState]) -> ClockState:
        """Apply `change` to the scope's clock as one transaction, so concurrent changes (from any
        worker) all count and none writes back a clock older than another already stored."""
        with self._transaction() as db:
            settings = _settings_of(db.execute(_SETTINGS, (scope,)).fetchone())
            clock = change(settings.clock if scope == GLOBAL else settings.scope.clock)
            _write(db, scope, _clock_columns(clock))
        return clock

    def set_rate_limit(self, scope: str, per_second: float | None) -> None:
        _write(self._db, scope, {"rate_limit": per_second})

    def next_sequence(self) -> int:
        """A number no other call of any worker ever gets (a reset keeps counting): the seed of one new
        task."""
        row = self._db.execute("UPDATE settings SET sequence = sequence + 1 WHERE id = 1 RETURNING sequence")
        return int(row.fetchone()[0])

    def reset(self, scope: str, clock: ClockState, rate_limit: float | None) -> None:
        """`GLOBAL`: forget everything and restart the clock; a scope: forget its rows. The id sequence goes
        on either way, so no id is handed out twice by this store, frozen clock or not."""
        with self._transaction() as db:
            if scope == GLOBAL:
                for table in ("tasks", "faults", "rate", "balances", "uploads", "scopes"):
                    db.execute(f"DELETE FROM {table}")
            else:
                for table in ("tasks", "faults", "rate", "balances"):
                    db.execute(f"DELETE FROM {table} WHERE scope = ?", (scope,))
            columns = {"rate_limit": rate_limit, "faults_active": 0, "next_fault": 1}
            _write(db, scope, _clock_columns(clock) | columns)
            self._clear_journal(db, scope)

    # ---- tasks and what they cost ----
    def add_task(self, task: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        with self._transaction() as db:
            used = self._used(db, task.scope, task.account, now)
            if balance is not None and used + task.charge > balance + _CENT:
                return Write.OVER_BALANCE
            inserted = db.execute(
                "INSERT INTO tasks (id, scope, account, created_at, body, charge, refund_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (
                    task.id,
                    task.scope,
                    task.account,
                    task.created_at,
                    dump_task(task),
                    task.charge,
                    task.refund_at,
                ),
            )
            if inserted.rowcount == 0:
                return Write.TAKEN
        return Write.DONE

    def replace_task(self, old: Task, new: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        with self._transaction() as db:
            row = db.execute("SELECT body FROM tasks WHERE id = ?", (old.id,)).fetchone()
            if row is None or row[0] != dump_task(old):
                return Write.CHANGED
            extra = new.charge - old.charge
            if balance is not None and self._used(db, old.scope, old.account, now) + extra > balance + _CENT:
                return Write.OVER_BALANCE
            db.execute(
                "UPDATE tasks SET body = ?, charge = ?, refund_at = ? WHERE id = ?",
                (dump_task(new), new.charge, new.refund_at, old.id),
            )
        return Write.DONE

    def used_balance(self, scope: str, account: str, now: float) -> float:
        return self._used(self._db, scope, account, now)

    @staticmethod
    def _used(db: sqlite3.Connection, scope: str, account: str, now: float) -> float:
        charged, refunded = db.execute(
            "SELECT COALESCE(SUM(charge), 0), COALESCE(SUM(CASE WHEN refund_at <= ? THEN charge END), 0)"
            " FROM tasks WHERE scope = ? AND account = ?",
            (now, scope, account),
        ).fetchone()
        return float(charged - refunded)

    def starting_balance(self, scope: str, account: str) -> float | None:
        row = self._db.execute(
            "SELECT amount FROM balances WHERE scope = ? AND account = ?", (scope, account)
        ).fetchone()
        return None if row is None else float(row[0])

    def set_starting_balance(self, scope: str, account: str, amount: float | None) -> None:
        if amount is None:
            self._db.execute("DELETE FROM balances WHERE scope = ? AND account = ?", (scope, account))
        else:
            self._db.execute(
                "INSERT INTO balances (scope, account, amount) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, account) DO UPDATE SET amount = excluded.amount",
                (scope, account, amount),
            )

    def task(self, task_id: str) -> Task | None:
        row = self._db.execute("SELECT body FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return None if row is None else load_task(row[0])

    def polls(self, asked: Sequence[Poll[_R]]) -> list[tuple[_R, JournalEntry | None]]:
        """One read each, then its `answer`; the entries are the caller's to record (the journal is a
        file)."""
        return [self._poll(scope, task_id, answer) for scope, task_id, answer in asked]

    def _poll(self, scope: str, task_id: str | None, answer: Answering[_R]) -> tuple[_R, JournalEntry | None]:
        if task_id is None:
            return answer(self.settings(scope), None)
        row = self._db.execute(_POLL, (task_id, scope)).fetchone()
        return answer(_settings_of(row), None if row[14] is None else load_task(row[14]))

    def tasks(
        self,
        scope: str | None,
        account: str | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
        newest: bool = False,
    ) -> list[Task]:
        where: list[str] = ["1"]
        values: list[object] = []
        if scope is not None:
            where.append("scope = ?")
            values.append(scope)
        if account is not None:
            where.append("account = ?")
            values.append(account)
        if after is not None:
            created_at, task_id = task_position(after)
            where.append(f"(created_at, id) {'<' if newest else '>'} (?, ?)")
            values += [created_at, task_id]
        order = "created_at DESC, id DESC" if newest else "created_at, id"
        rows = self._db.execute(
            f"SELECT body FROM tasks WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?", (*values, limit)
        )
        return [load_task(row[0]) for row in rows]

    # ---- uploads ----
    def add_upload(self, upload: Upload, *, account_bytes: int, total_bytes: int) -> Write:
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO uploads (name, filename, account, content_type, data, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        upload.name,
                        upload.filename,
                        upload.account,
                        upload.content_type,
                        upload.data,
                        upload.created_at,
                    ),
                )
                # The account's own oldest out, until what it keeps fits (its newest upload stays).
                db.execute(
                    "DELETE FROM uploads WHERE name IN (SELECT name FROM (SELECT name, SUM(LENGTH(data))"
                    " OVER (ORDER BY created_at DESC, rowid DESC) AS kept FROM uploads WHERE account = ?)"
                    " WHERE kept > ? AND name != ?)",
                    (upload.account, account_bytes, upload.name),
                )
                if db.execute("SELECT SUM(LENGTH(data)) FROM uploads").fetchone()[0] > total_bytes:
                    raise _NoRoom  # rolls the whole upload back
        except _NoRoom:
            return Write.FULL
        return Write.DONE

    def upload(self, name: str) -> Upload | None:
        row = self._db.execute(
            "SELECT name, filename, account, content_type, data, created_at FROM uploads WHERE name = ?",
            (name,),
        ).fetchone()
        return None if row is None else Upload(row[0], row[1], row[2], row[3], bytes(row[4]), row[5])

    # ---- faults ----
    def add_fault(self, scope: str, fault: Fault) -> Fault:
        with self._transaction() as db:
            fault = replace(fault, id=_read(db, scope, "next_fault", 1))
            db.execute(
                "INSERT INTO faults (scope, id, body) VALUES (?, ?, ?)", (scope, fault.id, dump_fault(fault))
            )
            _write(db, scope, {"next_fault": fault.id + 1, "faults_active": 1})
        return fault

    def faults(self, scope: str) -> list[Fault]:
        rows = self._db.execute("SELECT body FROM faults WHERE scope = ? ORDER BY id", (scope,))
        return [load_fault(row[0]) for row in rows]

    def clear_faults(self, scope: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM faults WHERE scope = ?", (scope,))
            _write(db, scope, {"faults_active": 0})

    def draw_fault(self, scope: str, path: str, account: str | None, seed: int) -> Fault | None:
        """The first fault that fires on this request, after counting the request against every match."""
        with self._transaction() as db:
            fired: Fault | None = None
            rows = db.execute(
                "SELECT scope, body FROM faults WHERE scope IN (?, ?) ORDER BY scope != ?, id",
                (GLOBAL, scope, GLOBAL),
            ).fetchall()
            faults = [(owner, load_fault(body)) for owner, body in rows]
            for owner, fault in faults:
                if fired is not None or not fault.matches(path, account):
                    continue
                counted, fires = fault.drawn(seed)
                db.execute(
                    "UPDATE faults SET body = ? WHERE scope = ? AND id = ?",
                    (dump_fault(counted), owner, fault.id),
                )
                if fires:
                    fired = counted
                    others = (f for o, f in faults if o == owner and f.id != fault.id)
                    if not counted.active and not any(f.active for f in others):
                        _write(db, owner, {"faults_active": 0})
        return fired

    # ---- rate limit ----
    def count_request(self, scope: str, account: str, window: int) -> int:
        """How many requests `account` made in `scope` in the one-second `window` of clock time, this
        one included."""
        row = self._db.execute(
            "INSERT INTO rate (scope, account, window, hits) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (scope, account) DO UPDATE SET"
            " hits = CASE WHEN window = excluded.window THEN hits + 1 ELSE 1 END, window = excluded.window"
            " RETURNING hits",
            (scope, account, window),
        ).fetchone()
        return int(row[0])

    # ---- journal ----
    def record(self, entry: JournalEntry) -> None:
        self._journal.record(entry)

    def record_all(self, entries: Sequence[JournalEntry]) -> None:
        self._journal.record_all(entries)

    def journal(self, matcher: RequestMatcher, *, limit: int, cursor: str | None = None) -> JournalPage:
        return self._journal.page(matcher, limit, cursor)

    def newest_requests(self, matcher: RequestMatcher, *, limit: int) -> JournalPage:
        return self._journal.newest(matcher, limit)

    def count_requests(self, matcher: RequestMatcher) -> int:
        return self._journal.count(matcher)

    def clear_journal(self, scope: str) -> None:
        self._clear_journal(self._db, scope)

    def _clear_journal(self, db: sqlite3.Connection, scope: str) -> None:
        if scope == GLOBAL:
            self._journal.clear()
        else:
            db.execute(
                "INSERT INTO scopes (name, journal) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET journal = journal + 1",
                (scope,),
            )

    # ---- room ----
    def no_room(self, error: Exception) -> bool:
        if isinstance(error, OSError):
            return error.errno in _NO_ROOM
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(error, sqlite3.Error) and code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_WRITE)

    def has_room(self) -> bool:
        """At least `MIN_ROOM` bytes free on the store's disk (a full journal's disk fails nothing)."""
        disk = os.statvfs(os.path.dirname(os.path.abspath(self.path)))
        return disk.f_bavail * disk.f_frsize >= MIN_ROOM


def _read(db: sqlite3.Connection, scope: str, column: str, default: Any) -> Any:
    """One of a scope's own settings (`column` is one of this module's names, never the caller's)."""
    if scope == GLOBAL:
        row = db.execute(f"SELECT {column} FROM settings WHERE id = 1").fetchone()
    else:
        row = db.execute(f"SELECT {column} FROM scopes WHERE name = ?", (scope,)).fetchone()
    return default if row is None else row[0]


def _write(db: sqlite3.Connection, scope: str, values: dict[str, object]) -> None:
    """Set some of a scope's own settings (the global ones in the `settings` row); a scope's row is
    created on its first change. The column names are this module's, never the caller's."""
    names = list(values)
    if scope == GLOBAL:
        assignments = ", ".join(f"{name} = ?" for name in names)
        db.execute(f"UPDATE settings SET {assignments} WHERE id = 1", list(values.values()))
    else:
        updates = ", ".join(f"{name} = excluded.{name}" for name in names)
        db.execute(
            f"INSERT INTO scopes (name, {', '.join(names)}) VALUES (?{', ?' * len(names)})"
            f" ON CONFLICT (name) DO UPDATE SET {updates}",
            [scope, *values.values()],
        )
