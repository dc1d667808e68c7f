"""`RedisStore`: all mutable state in one Redis database, so replicas on several machines share it.

Every key starts with a prefix (default `apimart-mock:`; `?prefix=` in the URL), so several mocks can
share one Redis. What each method does to stay atomic across replicas, and why (docs/scaling.md):

- **One Lua script** wherever the rule is arithmetic Redis can do itself: a task stored only when the
  account's balance covers it (`add_task`), a compare-and-swap of a task record with the extra charge
  checked (`replace_task`), the rate-limit counter, uploads kept within their byte budgets, and `reset`.
  A script runs alone on the server: nothing interleaves between its read and its write, and it costs
  one round trip.
- **WATCH / MULTI / EXEC** (optimistic, retried) where the new value is computed by the mock's domain
  code in Python: the clock (`change_clock` applies a `ClockState` method), a fault drawn (the draw is
  `Fault.drawn`), a fault added (its stored body carries the id). Writing that logic a second time in
  Lua would duplicate the domain; a WATCH conflict just means another replica won, and we read again.
- Single commands are atomic on their own: `HINCRBY` for the sequence, `HMGET` for the settings.

The hot path, a poll, is one round trip, journal included, when this process polled the task before
(`polls`): it answers from what it read then, and one script (`_POLL`) appends the journal entry if that
is still what is stored, else returns what is (then the poll is answered again, its entry appended in a
second round trip). The polls the RSGI loop answers in one turn send their scripts in one write and read
the answers together: one round trip for all of them. Every script runs on a connection the store keeps
open itself (`_run`), without redis-py's per-command work.

Scopes (`domain.scopes`): the global settings are the hash `settings`, a scope's own the hash
`scope:<name>`; everything else of a scope is under `in:<name>:` (the global scope's under `in::`), so
a scope's reset deletes those keys and its tasks (ids are unique store-wide: one `tasks` hash, one
`order` of all tasks, one `order:<account>` of an account's in every scope). Balances:
`in:<scope>:charged:<account>` is the sum of the account's charges there and
`in:<scope>:refunds:<account>` a sorted set of its refunded tasks by refund time, so a balance is one
subtraction, not a scan of tasks.

The request journal is a Redis stream (`XADD`), read back in order by `XRANGE`, with its counts by
request key (`store.counts`) in a hash the appending script keeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import redis

from ..domain.clock import FOLLOWING, ClockState
from ..domain.errors import InvalidRequest
from ..domain.faults import Fault
from ..domain.journal import RESPONSE_EXCERPT_BYTES
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
    shown_location,
    task_position,
)
from .counts import count_by_keys, indexed, key_prefix, request_key

__all__ = ["RedisStore"]

_T = TypeVar("_T")

_CENT = 1e-9
"""Tolerance of the balance check: charges are sums of floats (0.05 + 0.05 + ...), as in SqliteStore."""

_NO_LIMIT = "inf"

SNAPSHOTS = 10_000
"""How many polls' snapshots (`_Snapshot`: settings and task) each process keeps, by scope and task id,
so that a poll of a task polled before is one round trip: a process polling more tasks than this (a
balancer spreads every task's polls over every worker of every replica) pays two round trips for
those past it. About 1.7 KB each (a grid's record of 480 bytes, parsed), so at most about 20 MB."""

# used(account, now) = charged - (sum of the charges refunded by `now`); shared by the two scripts below.
_USED = """
local function used(charged_key, refunds_key, now)
    local total = tonumber(redis.call('GET', charged_key) or '0')
    local back = redis.call('ZRANGEBYSCORE', refunds_key, '-inf', now, 'WITHSCORES')
    local refunded = 0
    for i = 1, #back, 2 do
        local charge = string.match(back[i], '^[^ ]* (.*)$')
        refunded = refunded + tonumber(charge)
    end
    return total - refunded
end
local function over(charged_key, refunds_key, now, extra, balance)
    if balance == 'inf' then return false end
    return used(charged_key, refunds_key, now) + tonumber(extra) > tonumber(balance) + 1e-9
end
"""

# KEYS: tasks, order, account order, charged, refunds, scope order, scope account order
# ARGV: id, account, created_at, body, charge, refund_at ('' none), balance ('inf': unchecked), now
_ADD_TASK = (
    _USED
    + """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'taken' end
if over(KEYS[4], KEYS[5], ARGV[8], ARGV[5], ARGV[7]) then return 'over_balance' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[3], ARGV[1])
redis.call('INCRBYFLOAT', KEYS[4], ARGV[5])
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1] .. ' ' .. ARGV[5]) end
return 'done'
"""
)

# KEYS: tasks, charged, refunds
# ARGV: id, old body, new body, old charge, new charge, old refund_at, new refund_at, balance, now
_REPLACE_TASK = (
    _USED
    + """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 'changed' end
local extra = tonumber(ARGV[5]) - tonumber(ARGV[4])
if over(KEYS[2], KEYS[3], ARGV[9], extra, ARGV[8]) then return 'over_balance' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('INCRBYFLOAT', KEYS[2], extra)
redis.call('ZREM', KEYS[3], ARGV[1] .. ' ' .. ARGV[4])
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1] .. ' ' .. ARGV[5]) end
return 'done'
"""
)

# KEYS: charged, refunds; ARGV: now
_USED_BALANCE = _USED + "return tostring(used(KEYS[1], KEYS[2], ARGV[1]))"

# KEYS: rate; ARGV: account, window
_COUNT_REQUEST = """
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local hits = 1
if stored then
    local window, count = string.match(stored, '^(%S+) (%S+)$')
    if window == ARGV[2] then hits = tonumber(count) + 1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. hits)
return hits
"""

# KEYS: the account's upload names by age, upload sizes, the sum of all sizes, the upload's own hash;
# ARGV: name, created_at, size, account_bytes, total_bytes, then the hash's field/value pairs. The
# account's own oldest out until what it keeps fits (its newest upload always stays); 'full', and nothing
# changed, when all uploads together would still pass total_bytes.
_ADD_UPLOAD = """
local size = tonumber(ARGV[3])
local kept = size
local gone = {}
local freed = 0
for _, name in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
    local bytes = tonumber(redis.call('HGET', KEYS[2], name) or '0')
    kept = kept + bytes
    if kept > tonumber(ARGV[4]) then
        table.insert(gone, name)
        freed = freed + bytes
    end
end
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
if total - freed + size > tonumber(ARGV[5]) then return 'full' end
local prefix = string.sub(KEYS[4], 1, #KEYS[4] - #ARGV[1])
for _, name in ipairs(gone) do
    redis.call('ZREM', KEYS[1], name)
    redis.call('HDEL', KEYS[2], name)
    redis.call('DEL', prefix .. name)
end
redis.call('HSET', KEYS[4], unpack(ARGV, 6))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], size)
redis.call('SET', KEYS[3], total - freed + size)
return 'done'
"""

# record(journal's stream, its counts by request key, the entry's text, its request key, the most entries
# kept): appends the entry with its key and counts it; past the cap, the oldest go (exactly, so that their
# keys' counts go down with them: an entry written before keys were kept has none).
_APPEND = """
local function record(stream, counts, text, key, cap)
    redis.call('XADD', stream, '*', 'e', text, 'k', key)
    redis.call('HINCRBY', counts, key, 1)
    local over = redis.call('XLEN', stream) - tonumber(cap)
    if over > 0 then
        for _, item in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', over)) do
            local dropped = item[2][4]
            if dropped and redis.call('HINCRBY', counts, dropped, -1) <= 0 then
                redis.call('HDEL', counts, dropped)
            end
        end
        redis.call('XTRIM', stream, 'MAXLEN', cap)
    end
end
"""

# KEYS: the journal's stream, its counts; ARGV: `record`'s three others.
_RECORD = _APPEND + "record(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])"

_FIELDS = (
    "clock_base",
    "clock_anchor",
    "clock_speed",
    "clock_frozen",
    "rate_limit",
    "faults_active",
    "owner",
    "journal",
)
"""The fields of a settings hash that `Settings` holds (the global hash's `sequence` changes with every
new task, and is not among them)."""

# KEYS: settings, the scope's own (settings again for the global scope), tasks, the journal's stream, its
# counts; ARGV: the fingerprint of a poll's snapshot (`_Snapshot`), the task id ('': none), `record`'s
# three. Appends the entry when what the poll reads is still what the snapshot holds (nil); else appends
# nothing and returns what is stored: the two settings' fields (`_FIELDS`) and the task's record.
_POLL = (
    _APPEND
    + "local fields = {"
    + ", ".join(f"'{field}'" for field in _FIELDS)
    + """}
local global = redis.call('HMGET', KEYS[1], unpack(fields))
local own = {}
if KEYS[2] ~= KEYS[1] then own = redis.call('HMGET', KEYS[2], unpack(fields)) end
local body = false
if ARGV[2] ~= '' then body = redis.call('HGET', KEYS[3], ARGV[2]) end
local parts = {}
for _, value in ipairs(global) do table.insert(parts, value or '') end
for _, value in ipairs(own) do table.insert(parts, value or '') end
table.insert(parts, body or '')
if redis.sha1hex(table.concat(parts, '\\0')) ~= ARGV[1] then return {global, own, body} end
record(KEYS[4], KEYS[5], ARGV[3], ARGV[4], ARGV[5])
"""
)

# KEYS: settings; ARGV: its field/value pairs. Two replicas starting together: the first one's clock wins.
_INITIALIZE = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
"""

# KEYS: the prefix; ARGV: the settings hash's field/value pairs. Deletes every key of this mock but the
# settings, then rewrites them but the sequence, which goes on (no id is handed out twice): one script, so
# no request sees half a reset. (The per-account keys are found with SCAN under the prefix, which a script
# may do on a single Redis server, not on a cluster.)
_RESET = """
local settings = KEYS[1] .. 'settings'
local sequence = redis.call('HGET', settings, 'sequence') or '0'
local cursor = '0'
repeat
    local found = redis.call('SCAN', cursor, 'MATCH', KEYS[1] .. '*', 'COUNT', 1000)
    cursor = found[1]
    for _, key in ipairs(found[2]) do
        if key ~= settings then redis.call('DEL', key) end
    end
until cursor == '0'
redis.call('DEL', settings)
redis.call('HSET', settings, unpack(ARGV))
redis.call('HSET', settings, 'sequence', sequence)
"""

# KEYS: the prefix; ARGV: the scope, then its settings hash's field/value pairs. Forgets the scope's
# tasks (from the store-wide hash and orders too) and every key under `in:<scope>:`, then rewrites its
# settings (its owner stays) and starts its next journal generation: one script, as `_RESET`.
_RESET_SCOPE = """
local prefix, scope = KEYS[1], KEYS[1] .. 'in:' .. ARGV[1] .. ':'
local function forget(ids, orders)
    for i = 1, #ids, 1000 do
        local chunk = {unpack(ids, i, math.min(i + 999, #ids))}
        for _, order in ipairs(orders) do redis.call('ZREM', order, unpack(chunk)) end
        redis.call('HDEL', prefix .. 'tasks', unpack(chunk))
    end
end
local cursor = '0'
repeat
    local found = redis.call('SCAN', cursor, 'MATCH', scope .. '*', 'COUNT', 1000)
    cursor = found[1]
    for _, key in ipairs(found[2]) do
        local account = string.match(key, '^' .. scope:gsub('%p', '%%%0') .. 'order:(.+)$')
        if account then
            forget(redis.call('ZRANGE', key, 0, -1), {prefix .. 'order', prefix .. 'order:' .. account})
        end
        redis.call('DEL', key)
    end
until cursor == '0'
redis.call('HSET', prefix .. 'scope:' .. ARGV[1], unpack(ARGV, 2))
redis.call('HINCRBY', prefix .. 'scope:' .. ARGV[1], 'journal', 1)
"""


class RedisStore:
    """All mutable state of one mock server, in the Redis database at `url` (`redis://host:port/db`)."""

    def __init__(self, url: str, *, journal_bytes: int) -> None:
        # The query split off by hand: urlunsplit would write `unix:///path` back as `unix:/path`.
        base, _, query = url.partition("?")
        options = parse_qsl(query)
        self.prefix = next((value for key, value in options if key == "prefix"), "apimart-mock") + ":"
        rest = urlencode([(key, value) for key, value in options if key != "prefix"])
        self.url = f"{base}?{rest}" if rest else base
        try:
            self._redis = redis.Redis.from_url(self.url, decode_responses=True)
            self._bytes = redis.Redis.from_url(self.url)
        except ValueError as error:  # redis-py's word for a malformed URL
            raise StoreUnavailable(f"not a Redis URL: {shown_location(url)}: {error}") from error
        self._journal = RedisJournal(self._redis, self._key("journal"), journal_bytes)
        self._snapshots: OrderedDict[tuple[str, str | None], _Snapshot] = OrderedDict()
        self._idle: deque[redis.connection.AbstractConnection] = deque()
        self._scripts = {
            name: self._redis.register_script(source)
            for name, source in (
                ("add_task", _ADD_TASK),
                ("replace_task", _REPLACE_TASK),
                ("used_balance", _USED_BALANCE),
                ("count_request", _COUNT_REQUEST),
                ("add_upload", _ADD_UPLOAD),
                ("reset", _RESET),
                ("reset_scope", _RESET_SCOPE),
                ("initialize", _INITIALIZE),
                ("poll", _POLL),
                ("record", _RECORD),
            )
        }

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """`script` over `keys` with `args` (`_run_all` with one call)."""
        return self._run_all(script, keys, [args])[0]

    def _run_all(self, script: str, keys: list[str], calls: Sequence[list[Any]]) -> list[Any]:
        """`script` over `keys` once per argument list of `calls` (`_run_each`, the same keys each time)."""
        return self._run_each(script, [(keys, args) for args in calls])

    def _run_each(
        self, script: str, calls: Sequence[tuple[list[str], list[Any]]], *, refusals: bool = False
    ) -> list[Any]:
        """`script` once per `(keys, args)` of `calls`, in order, on an idle connection of this
        process's own (`_idle`, as many as scripts run at once), kept open: all sent at once and their
        answers read, one round trip, without the client's per-command work (its pool's lock and metrics:
        measured 22 µs of CPU per command, 8 µs this way). As the client's pool does, a connection Redis
        closed while it was idle (a restart, `CLIENT KILL`) is replaced before sending, so nothing runs
        twice; one that breaks in a call is closed (its next use connects afresh) and the call raises. A
        script Redis does not hold is loaded, and the calls that found it missing (so did not run) are
        sent again. A call Redis refused (an error reply: a full Redis) raises its `redis.ResponseError`
        once every answer is read; with `refusals`, the error stands in its place among the answers."""
        connection = self._connection()
        sha = self._scripts[script].sha
        commands = [("EVALSHA", sha, len(keys), *keys, *args) for keys, args in calls]
        try:
            answers = _send_all(connection, commands)
            missing = [index for index, answer in enumerate(answers) if answer is _NOT_HELD]
            if missing:
                self._redis.script_load(self._scripts[script].script)
                again = _send_all(connection, [commands[index] for index in missing])
                for index, answer in zip(missing, again, strict=True):
                    if answer is _NOT_HELD:
                        raise redis.exceptions.NoScriptError(f"script {script} not held after loading it")
                    answers[index] = answer
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            raise
        finally:
            self._idle.append(connection)
        refused = next((answer for answer in answers if isinstance(answer, redis.ResponseError)), None)
        if refused is not None and not refusals:
            raise refused
        return answers

    def _connection(self) -> redis.connection.AbstractConnection:
        """An idle connection opened by this process (one a fork inherited is left alone), or a new one;
        disconnected first when Redis closed it or it holds an answer no one read (a call cut short)."""
        while True:
            try:
                connection = self._idle.pop()
            except IndexError:
                return self._redis.connection_pool.make_connection()
            if connection.pid == os.getpid():
                break
        try:
            stale = connection.can_read()
        except redis.ConnectionError:  # closed by Redis
            stale = True
        if stale:
            connection.disconnect()  # the send connects afresh
        return connection

    def _in(self, scope: str, *parts: str) -> str:
        """The key of one piece of `scope`'s state."""
        return self._key("in", scope, *parts)

    def _settings_key(self, scope: str) -> str:
        """The hash of `scope`'s own settings (the global scope's: `settings`)."""
        return self._key("settings") if scope == GLOBAL else self._key("scope", scope)

    def _optimistic(self, watched: list[str], step: Callable[[redis.client.Pipeline], _T]) -> _T:
        """Run `step` (reads, then `multi()` and writes) until no other replica changed `watched` first."""
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*watched)
                    result = step(pipe)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    # ---- settings and clock ----
    def initialize(self, clock: ClockState, rate_limit: float | None) -> None:
        """Write the settings unless they exist (an existing store keeps its state)."""
        try:
            self._run("initialize", [self._key("settings")], _pairs(_settings_fields(clock, rate_limit)))
        except redis.RedisError as error:
            raise StoreUnavailable(f"cannot use Redis at {shown_location(self.url)}: {error}") from error

    def settings(self, scope: str) -> Settings:
        return self._read(scope, None).settings

    def _read(self, scope: str, task_id: str | None) -> _Snapshot:
        """The settings of `scope` and the task `task_id` (when given), in one round trip."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hmget(self._key("settings"), _FIELDS)
            if scope != GLOBAL:
                pipe.hmget(self._settings_key(scope), _FIELDS)
            if task_id is not None:
                pipe.hget(self._key("tasks"), task_id)
            found = pipe.execute()
        own = found[1] if scope != GLOBAL else []
        body = found[-1] if task_id is not None else None
        return _Snapshot.of(found[0], own, body)

    def claim_scope(self, scope: str, account: str) -> str:
        with self._redis.pipeline() as pipe:  # MULTI: the first claim wins, every caller reads it
            pipe.hsetnx(self._settings_key(scope), "owner", account)
            pipe.hget(self._settings_key(scope), "owner")
            return str(pipe.execute()[1])

    def change_clock(self, scope: str, change: Callable[[ClockState], ClockState]) -> ClockState:
        key = self._settings_key(scope)

        def step(pipe: redis.client.Pipeline) -> ClockState:
            stored = pipe.hgetall(key)
            clock = change(_clock(stored) if stored.get("clock_base") else FOLLOWING)
            pipe.multi()
            pipe.hset(key, mapping=_clock_fields(clock))
            return clock

        return self._optimistic([key], step)

    def set_rate_limit(self, scope: str, per_second: float | None) -> None:
        self._redis.hset(self._settings_key(scope), "rate_limit", _optional(per_second))

    def next_sequence(self) -> int:
        return int(self._redis.hincrby(self._key("settings"), "sequence", 1))

    def reset(self, scope: str, clock: ClockState, rate_limit: float | None) -> None:
        if scope == GLOBAL:
            self._run("reset", [self.prefix], _pairs(_settings_fields(clock, rate_limit)))
        else:
            self._run("reset_scope", [self.prefix], [scope, *_pairs(_scope_fields(clock, rate_limit))])

    # ---- tasks and what they cost ----
    def add_task(self, task: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        outcome = self._run(
            "add_task",
            [
                self._key("tasks"),
                self._key("order"),
                self._key("order", task.account),
                self._in(task.scope, "charged", task.account),
                self._in(task.scope, "refunds", task.account),
                self._in(task.scope, "order"),
                self._in(task.scope, "order", task.account),
            ],
            [
                task.id,
                task.account,
                repr(task.created_at),
                dump_task(task),
                repr(task.charge),
                _optional(task.refund_at),
                _balance(balance),
                repr(now),
            ],
        )
        return Write(outcome)

    def replace_task(self, old: Task, new: Task, *, balance: float | None = None, now: float = 0.0) -> Write:
        outcome = self._run(
            "replace_task",
            [
                self._key("tasks"),
                self._in(old.scope, "charged", old.account),
                self._in(old.scope, "refunds", old.account),
            ],
            [
                old.id,
                dump_task(old),
                dump_task(new),
                repr(old.charge),
                repr(new.charge),
                _optional(old.refund_at),
                _optional(new.refund_at),
                _balance(balance),
                repr(now),
            ],
        )
        return Write(outcome)

    def used_balance(self, scope: str, account: str, now: float) -> float:
        keys = [self._in(scope, "charged", account), self._in(scope, "refunds", account)]
        return float(self._run("used_balance", keys, [repr(now)]))

    def starting_balance(self, scope: str, account: str) -> float | None:
        amount = self._redis.hget(self._in(scope, "balances"), account)
        return None if amount is None else float(amount)

    def set_starting_balance(self, scope: str, account: str, amount: float | None) -> None:
        if amount is None:
            self._redis.hdel(self._in(scope, "balances"), account)
        else:
            self._redis.hset(self._in(scope, "balances"), account, repr(amount))

    def task(self, task_id: str) -> Task | None:
        body = self._redis.hget(self._key("tasks"), task_id)
        return None if body is None else load_task(body)

    def polls(self, asked: Sequence[Poll[_T]]) -> list[tuple[_T, JournalEntry | None]]:
        """One round trip for all the polls this process has a snapshot of what they read (it answered a
        poll of the task before, and no rate limit or fault was on: the last `SNAPSHOTS` tasks' are kept):
        each `answer` is given its snapshot, and `_POLL` appends each entry if the snapshot is still what is
        stored. Else, or when it is not (then `_POLL` returns what is), `answer` is given what is stored,
        and the entry is the caller's to record: two round trips, as a poll was before."""
        answered: list[tuple[_T, JournalEntry | None]] = []
        checks: list[tuple[int, _Snapshot, JournalEntry]] = []
        for scope, task_id, answer in asked:
            snapshot = self._snapshots.get((scope, task_id))
            if snapshot is None or snapshot.settings.checked:
                answered.append(self._answered((scope, task_id), self._read(scope, task_id), answer))
                continue
            result, entry = answer(snapshot.settings, snapshot.task)
            answered.append((result, None))
            if entry is not None:
                checks.append((len(answered) - 1, snapshot, entry))
        for (index, _, _), stored in zip(checks, self._appended(asked, checks), strict=True):
            if stored is not None:  # the snapshot was stale: nothing appended, answered from what is
                scope, task_id, answer = asked[index]
                answered[index] = self._answered((scope, task_id), stored, answer)
        return answered

    def _answered(
        self, key: tuple[str, str | None], stored: _Snapshot, answer: Answering[_T]
    ) -> tuple[_T, JournalEntry | None]:
        """`answer` given what is stored, which the next poll of the same task takes as its snapshot."""
        self._snapshots[key] = stored
        if len(self._snapshots) > SNAPSHOTS:
            with contextlib.suppress(KeyError):  # another thread took the oldest first
                self._snapshots.popitem(last=False)
        return answer(stored.settings, stored.task)

    def _appended(
        self, asked: Sequence[Poll[_T]], checks: Sequence[tuple[int, _Snapshot, JournalEntry]]
    ) -> list[_Snapshot | None]:
        """For each check (the poll at `index` of `asked`, answered from `snapshot`), in one round trip:
        None when its entry was appended with the snapshot still stored; else what is stored."""
        if not checks:
            return []
        calls = []
        for index, snapshot, entry in checks:
            scope, task_id, _ = asked[index]
            keys = [self._key("settings"), self._settings_key(scope), self._key("tasks"), *self._journal.keys]
            calls.append((keys, [snapshot.fingerprint, task_id or "", *self._journal.arguments(entry)]))
        stored: list[_Snapshot | None] = []
        for (index, _, _), found in zip(checks, self._run_each("poll", calls, refusals=True), strict=True):
            if isinstance(found, redis.ResponseError):  # a full Redis refused the append: read, for `record`
                stored.append(self._read(*asked[index][:2]))
            else:
                stored.append(None if found is None else _Snapshot.of(*found))
        return stored

    def tasks(
        self,
        scope: str | None,
        account: str | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
        newest: bool = False,
    ) -> list[Task]:
        """A page of an order sorted set (score: creation time; equal scores in id order, as SQLite's
        `ORDER BY created_at, id`), from just past the cursor's task: found by its rank, O(log n)."""
        parts = ("order",) if account is None else ("order", account)
        order = self._key(*parts) if scope is None else self._in(scope, *parts)
        start = 0
        if after is not None:
            created_at, task_id = task_position(after)
            rank = (self._redis.zrevrank if newest else self._redis.zrank)(order, task_id)
            if rank is None:  # not in this listing (another account's, or gone in a reset): by time alone
                beyond = ("-inf", f"({created_at!r}") if newest else (f"({created_at!r}", "+inf")
                rank = self._redis.zcard(order) - self._redis.zcount(order, *beyond) - 1
            start = rank + 1
        ids = (self._redis.zrevrange if newest else self._redis.zrange)(order, start, start + limit - 1)
        if not ids:
            return []
        bodies = self._redis.hmget(self._key("tasks"), ids)
        return [load_task(body) for body in bodies if body is not None]

    # ---- uploads ----
    def add_upload(self, upload: Upload, *, account_bytes: int, total_bytes: int) -> Write:
        fields = {
            "filename": upload.filename,
            "account": upload.account,
            "content_type": upload.content_type,
            "data": upload.data,
            "created_at": repr(upload.created_at),
        }
        keys = [
            self._key("uploads", upload.account),
            self._key("upload_sizes"),
            self._key("upload_bytes"),
            self._key("upload", upload.name),
        ]
        size = len(upload.data)
        args = [upload.name, repr(upload.created_at), size, account_bytes, total_bytes, *_pairs(fields)]
        return Write(self._run("add_upload", keys, args))

    def upload(self, name: str) -> Upload | None:
        stored = self._bytes.hgetall(self._key("upload", name))  # the file's bytes stay bytes
        if not stored:
            return None
        text = {key.decode(): value.decode() for key, value in stored.items() if key != b"data"}
        return Upload(
            name,
            text["filename"],
            text["account"],
            text["content_type"],
            stored[b"data"],
            float(text["created_at"]),
        )

    # ---- faults ----
    def add_fault(self, scope: str, fault: Fault) -> Fault:
        settings = self._settings_key(scope)

        def step(pipe: redis.client.Pipeline) -> Fault:
            numbered = replace(fault, id=int(pipe.hget(settings, "next_fault") or 1))
            pipe.multi()
            pipe.hset(self._in(scope, "faults"), str(numbered.id), dump_fault(numbered))
            pipe.hset(settings, mapping={"next_fault": numbered.id + 1, "faults_active": 1})
            return numbered

        return self._optimistic([settings], step)

    def faults(self, scope: str) -> list[Fault]:
        return _sorted_faults(self._redis.hgetall(self._in(scope, "faults")))

    def clear_faults(self, scope: str) -> None:
        with self._redis.pipeline() as pipe:  # MULTI: both or neither
            pipe.delete(self._in(scope, "faults"))
            pipe.hset(self._settings_key(scope), "faults_active", 0)
            pipe.execute()

    def draw_fault(self, scope: str, path: str, account: str | None, seed: int) -> Fault | None:
        """The first fault that fires on this request, after counting the request against every match
        (the global faults first, then the scope's own)."""
        scopes = [GLOBAL] if scope == GLOBAL else [GLOBAL, scope]

        def step(pipe: redis.client.Pipeline) -> Fault | None:
            stored = {owner: _sorted_faults(pipe.hgetall(self._in(owner, "faults"))) for owner in scopes}
            fired: Fault | None = None
            used_up: str | None = None
            counted: list[tuple[str, Fault]] = []
            for owner in scopes:
                for fault in stored[owner]:
                    if fired is not None or not fault.matches(path, account):
                        continue
                    drawn, fires = fault.drawn(seed)
                    counted.append((owner, drawn))
                    if fires:
                        fired = drawn
                        others = [f for f in stored[owner] if f.id != fault.id]
                        used_up = owner if not drawn.active and not any(f.active for f in others) else None
            pipe.multi()
            for owner, drawn in counted:
                pipe.hset(self._in(owner, "faults"), str(drawn.id), dump_fault(drawn))
            if used_up is not None:
                pipe.hset(self._settings_key(used_up), "faults_active", 0)
            return fired

        return self._optimistic([self._in(owner, "faults") for owner in scopes], step)

    # ---- rate limit ----
    def count_request(self, scope: str, account: str, window: int) -> int:
        return int(self._run("count_request", [self._in(scope, "rate")], [account, window]))

    # ---- journal ----
    def record(self, entry: JournalEntry) -> None:
        self.record_all((entry,))

    def record_all(self, entries: Sequence[JournalEntry]) -> None:
        """Append `entries` in their order, their scripts sent together (one round trip for them all); a
        Redis that cannot take them raises OSError, as a full disk does."""
        try:
            self._run_all("record", self._journal.keys, [self._journal.arguments(entry) for entry in entries])
        except redis.RedisError as error:
            raise OSError(f"journal not written: {error}") from error

    def journal(self, matcher: RequestMatcher, *, limit: int, cursor: str | None = None) -> JournalPage:
        return self._journal.page(matcher, limit, cursor)

    def newest_requests(self, matcher: RequestMatcher, *, limit: int) -> JournalPage:
        return self._journal.newest(matcher, limit)

    def count_requests(self, matcher: RequestMatcher) -> int:
        return self._journal.count(matcher)

    def clear_journal(self, scope: str) -> None:
        if scope == GLOBAL:
            self._journal.clear()
        else:
            self._redis.hincrby(self._settings_key(scope), "journal", 1)

    # ---- room ----
    def no_room(self, error: Exception) -> bool:
        """Redis at `maxmemory` (OOM) or refusing writes since a save failed (MISCONF: a full disk)."""
        return isinstance(error, redis.exceptions.OutOfMemoryError) or (
            isinstance(error, redis.ResponseError) and str(error).startswith("MISCONF ")
        )

    def has_room(self) -> bool:
        """`MIN_ROOM` below `maxmemory` (if set), and a write taken (no MISCONF)."""
        memory = self._redis.info("memory")
        if memory["maxmemory"] and memory["used_memory"] + MIN_ROOM > memory["maxmemory"]:
            return False
        try:
            self._redis.set(self._key("room"), 1)
        except redis.ResponseError as error:
            if self.no_room(error):
                return False
            raise
        return True


@dataclass(frozen=True)
class _Snapshot:
    """What a poll read (the settings of its scope, its task), and the fingerprint `_POLL` checks it by:
    the SHA-1 of the hashes' `_FIELDS` and the task's record, each NUL-separated, missing ones empty."""

    settings: Settings
    task: Task | None
    fingerprint: str

    @classmethod
    def of(cls, stored: Sequence[str | None], own: Sequence[str | None], body: str | None) -> _Snapshot:
        """From the `_FIELDS` of the global settings and the scope's own (none for the global scope)."""
        text = "\0".join(value or "" for value in (*stored, *own, body))
        settings = _settings(_fields(stored), _fields(own))
        task = None if body is None else load_task(body)
        return cls(settings, task, hashlib.sha1(text.encode()).hexdigest())


class RedisJournal:
    """The request journal as a Redis stream: one script (`_RECORD`, or `_POLL` with a poll's read)
    appends an entry with its request key, counts the key in the hash `<key>-counts` and drops the
    oldest past the cap (uncounting theirs), from every replica in one order. The cap is in entries,
    from the byte cap and an entry's typical size; the dropped count is what the stream ever took
    (`entries-added`) less what it holds. A cursor is a stream id: where the next page starts."""

    ENTRY_BYTES = 368 + RESPONSE_EXCERPT_BYTES
    """What an entry typically takes in Redis (its ~180 bytes of JSON with its scope and generation, its
    ~80 bytes of request key, the response excerpt, the stream's overhead)."""
    _CHUNK = 500
    _SCAN = 10_000

    def __init__(self, client: redis.Redis, key: str, max_bytes: int) -> None:
        self._redis = client
        self.key = key
        self.counts = key + "-counts"
        self.max_entries = max(max_bytes // self.ENTRY_BYTES, 1)

    @property
    def keys(self) -> list[str]:
        """The keys an append writes: the stream, its counts."""
        return [self.key, self.counts]

    def arguments(self, entry: JournalEntry) -> list[str | int]:
        """What an append (`record` in the scripts) takes besides its keys."""
        return [entry.to_text(), request_key(entry), self.max_entries]

    def count(self, matcher: RequestMatcher) -> int:
        """How many entries match: from the counts by request key (those under the matcher's key prefix,
        picked by Redis), unless the matcher needs the entries themselves (`since`, `body`)."""
        if not indexed(matcher):
            return sum(1 for _ in self.entries(matcher, None, reverse=False))
        pattern = _GLOB_SPECIAL.sub(r"\\\g<0>", key_prefix(matcher)) + "*"
        found = self._redis.hscan_iter(self.counts, match=pattern, count=self._SCAN)
        return count_by_keys(matcher, {key: int(count) for key, count in found})

    def page(self, matcher: RequestMatcher, limit: int, cursor: str | None) -> JournalPage:
        entries: list[JournalEntry] = []
        for position, entry in self.entries(matcher, cursor, reverse=False):
            if len(entries) == limit:
                return JournalPage(entries, position, self.dropped())
            entries.append(entry)
        return JournalPage(entries, None, self.dropped())

    def newest(self, matcher: RequestMatcher, limit: int) -> JournalPage:
        found = [entry for _, entry in itertools.islice(self.entries(matcher, None, reverse=True), limit)]
        return JournalPage(found, None, self.dropped())

    def entries(
        self, matcher: RequestMatcher, cursor: str | None, *, reverse: bool
    ) -> Iterator[tuple[str, JournalEntry]]:
        """The matching entries from `cursor` on (or from the newest back), each with its stream id."""
        if cursor is not None and not _STREAM_ID.fullmatch(cursor):
            raise InvalidRequest("cursor is not one this server handed out")
        start = cursor or ("+" if reverse else "-")
        while True:
            if reverse:
                chunk = self._redis.xrevrange(self.key, start, "-", count=self._CHUNK)
            else:
                chunk = self._redis.xrange(self.key, start, "+", count=self._CHUNK)
            for stream_id, fields in chunk:
                entry = JournalEntry.from_row(json.loads(fields["e"]))
                if matcher.matches(entry):
                    yield stream_id, entry
            if len(chunk) < self._CHUNK:
                return
            start = "(" + chunk[-1][0]

    def dropped(self) -> int:
        try:
            info = self._redis.xinfo_stream(self.key)
        except redis.ResponseError:  # no such key: nothing recorded since the last clear
            return 0
        return int(info["entries-added"]) - int(info["length"])

    def clear(self) -> None:
        self._redis.delete(self.key, self.counts)


_STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")
_GLOB_SPECIAL = re.compile(r"[*?\[\]\\^]")
"""What HSCAN's MATCH reads as a pattern: escaped with a backslash to match itself."""


_NOT_HELD = object()
"""`_send_all`'s answer to a call whose script Redis did not hold (that call did not run)."""


def _send_all(connection: redis.connection.AbstractConnection, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Send `commands` in one write and read every answer: `_NOT_HELD` for each that found no script (a
    `SCRIPT FLUSH` or a restart), the `redis.ResponseError` of another error reply (Redis ran the rest)."""
    if not commands:
        return []
    connection.send_packed_command(connection.pack_commands(commands), check_health=False)
    answers: list[Any] = []
    for _ in commands:
        try:
            answers.append(connection.read_response())
        except redis.exceptions.NoScriptError:
            answers.append(_NOT_HELD)
        except redis.ResponseError as refused:
            answers.append(refused)
    return answers


def _pairs(fields: Mapping[str, object]) -> list[object]:
    """A mapping as the flat field, value, field, value... list that HSET takes."""
    return [item for pair in fields.items() for item in pair]


def _optional(value: float | None) -> str:
    return "" if value is None else repr(value)


def _balance(balance: float | None) -> str:
    return _NO_LIMIT if balance is None or math.isinf(balance) else repr(balance)


def _clock(stored: Mapping[str, str]) -> ClockState:
    return ClockState(
        float(stored["clock_base"]),
        float(stored["clock_anchor"]),
        float(stored["clock_speed"]),
        stored["clock_frozen"] == "1",
    )


def _clock_fields(clock: ClockState) -> dict[str, str | int]:
    return {
        "clock_base": repr(clock.base),
        "clock_anchor": repr(clock.anchor),
        "clock_speed": repr(clock.speed),
        "clock_frozen": int(clock.frozen),
    }


def _scope_fields(clock: ClockState, rate_limit: float | None) -> dict[str, str | int]:
    """A scope's own settings as a reset leaves them."""
    return _clock_fields(clock) | {"rate_limit": _optional(rate_limit), "faults_active": 0, "next_fault": 1}


def _settings_fields(clock: ClockState, rate_limit: float | None) -> dict[str, str | int]:
    """The global settings as a reset leaves them: the global scope's, and the id sequence."""
    return _scope_fields(clock, rate_limit) | {"sequence": 0}


def _settings(stored: Mapping[str, str], own: Mapping[str, str]) -> Settings:
    """The global settings hash and a scope's own (empty when it has none) as `Settings`."""
    scope = ScopeSettings(
        _clock(own) if own.get("clock_base") else FOLLOWING,
        _rate(own),
        own.get("faults_active") == "1",
        own.get("owner"),
        int(own.get("journal", 0)),
    )
    return Settings(_clock(stored), _rate(stored), stored.get("faults_active") == "1", scope)


def _fields(values: Sequence[str | None]) -> dict[str, str]:
    """The `_FIELDS` read by HMGET, the missing ones left out (as HGETALL leaves them)."""
    return {field: value for field, value in zip(_FIELDS, values, strict=False) if value is not None}


def _rate(stored: Mapping[str, str]) -> float | None:
    rate = stored.get("rate_limit", "")
    return float(rate) if rate else None


def _sorted_faults(stored: Mapping[str, str]) -> list[Fault]:
    return sorted((load_fault(body) for body in stored.values()), key=lambda fault: fault.id)
