"""Judging exchanges no `Target` made (the proxy's live traffic, a cassette's recording) with the suite's
own checks, in the order they happened:

- every answer against the spec (schema per operation, the error envelope) and for drift;
- every task read against the reads of the same task before it (`checks.Observer`: status and progress
  never go back, terminal stays terminal, the two views agree, buttons match their labels, results are
  there on success);
- across accounts: a task read by an account other than the one that submitted it must be 403 with
  nothing of the task in it;
- a follow-up's child has the action its submit asked for.

Accounts are told apart by their digest (never by their key), so cassettes judge the same as live traffic.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from apimart_mj import OPERATIONS

from ..checks import check_forbidden
from ..exchange import Exchange
from ..registry import CHILD_ACTION, FOREIGN_TASK_READABLE
from ..session import Session
from ..spec import operation_for
from ..violations import ContractViolation, Violation
from ._cassette import Recorded, account_digest, read_cassettes

__all__ = ["NO_TASK", "Judged", "Judgement", "judge_folder"]

NO_TASK = "(no task)"
"""Where the violations of exchanges that belong to no task go (balance, uploads, errors)."""

_READS = frozenset({"getMidjourneyTask", "getTask"})
_ACTIONS = {route.operation_id: op.action for op in OPERATIONS for route in op.routes if op.action}
"""Submit operation id -> the action of the task it creates; with a `custom_id`, the button decides."""


class Judgement(Session):
    """The findings of one stream of exchanges: a `Session` (the schema, drift, the `Observer`) and what
    only a whole stream shows (who submitted a task, what its submit asked for). `add` is safe to call
    from one thread at a time."""

    def __init__(self, target: str, on_violation: Callable[[str], None] | None = None) -> None:
        super().__init__(target)
        self.exchanges = 0
        self.accounts: dict[str | None, int] = {}
        """Account digest -> the account number its exchanges carry."""
        self._on_violation = on_violation
        self._submitted_by: dict[str, int] = {}
        self._asked: dict[str, str] = {}
        """Task id -> the action its submit asked for (a follow-up's child, judged at its first read)."""
        self._tasks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, recorded: Recorded) -> list[Violation]:
        """Judge one exchange; the violations it showed (also logged, one line each). Requests outside the
        spec (a media download, the mock's control API) are the client's business: not judged."""
        response = recorded.response()
        if operation_for(recorded.method, response.request.url.path) is None:
            return []
        digest = recorded.account or account_digest(recorded.header("authorization"))
        exchange = Exchange(response, self._account(digest), _curl(recorded))
        with self._lock:
            self.exchanges += 1
            before = len(self.findings.raised)
            for step in (self.judge, self._ownership, self._submit, self._child, self._remember):
                # Every violation is in `findings.raised` (the `Judge` methods put it there).
                with suppress(ContractViolation):
                    step(exchange)
            found = self.findings.raised[before:]
        if self._on_violation is not None:
            for violation in found:
                self._on_violation(_line(violation))
        return found

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "target": self.name,
                "exchanges": self.exchanges,
                "violations": [violation.to_json() for violation in self.findings.raised],
                "notices": [v.to_json() | {"count": n} for v, n in self.findings.entries.values()],
            }

    # The steps after the session's own, in order; each raises a `ContractViolation` or returns.

    def _ownership(self, exchange: Exchange) -> None:
        task_id = _read_task_id(exchange)
        owner = self._submitted_by.get(task_id) if task_id else None
        if task_id is None or owner is None or owner == exchange.account:
            return
        self.judged(FOREIGN_TASK_READABLE, exchange)
        check_forbidden(self, exchange, self._tasks.get(task_id, {}), FOREIGN_TASK_READABLE)

    def _submit(self, exchange: Exchange) -> None:
        request = exchange.response.request
        operation = operation_for(request.method, request.url.path)
        body = exchange.body
        if (
            operation is None
            or request.method != "POST"
            or exchange.status != 200
            or not isinstance(body, dict)
        ):
            return
        sent = _json_object(request.content)
        action = None if sent.get("custom_id") else _ACTIONS.get(operation.operation_id)
        for item in body.get("data") or []:
            task_id = item.get("task_id") if isinstance(item, dict) else None
            if not isinstance(task_id, str) or task_id == sent.get("task_id"):
                continue  # `/modal` continues its task: no new child
            self._submitted_by.setdefault(task_id, exchange.account)
            if action is not None:
                self._asked[task_id] = action

    def _child(self, exchange: Exchange) -> None:
        task_id = _read_task_id(exchange)
        if exchange.status != 200 or task_id is None or exchange.operation != "GET /v1/midjourney/{task_id}":
            return
        asked = self._asked.pop(task_id, None)
        action = exchange.body.get("action") if isinstance(exchange.body, dict) else None
        if asked is None or action is None:
            return
        self.judged(CHILD_ACTION, exchange, action == asked)
        if action != asked:
            raise self.violation(exchange, CHILD_ACTION, "$.action", asked, action)

    def _remember(self, exchange: Exchange) -> None:
        """What its owner last read of a task: the data another account's answer must not show."""
        task_id = _read_task_id(exchange)
        if exchange.status != 200 or task_id is None or exchange.account != self._submitted_by.get(task_id):
            return
        body = exchange.body
        task = body.get("data") if exchange.operation == "GET /v1/tasks/{task_id}" else body
        if isinstance(task, dict):
            self._tasks[task_id] = {**self._tasks.get(task_id, {}), **task}

    def _account(self, digest: str | None) -> int:
        return self.accounts.setdefault(digest, len(self.accounts))


def _read_task_id(exchange: Exchange) -> str | None:
    request = exchange.response.request
    operation = operation_for(request.method, request.url.path)
    if operation is None or operation.operation_id not in _READS:
        return None
    return request.url.path.rsplit("/", 1)[1]


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        sent = json.loads(content or b"{}")
    except ValueError:
        return {}
    return sent if isinstance(sent, dict) else {}


def _curl(recorded: Recorded) -> str:
    parts = ["curl", "-sS", "-X", recorded.method, recorded.url]
    if recorded.header("authorization"):
        parts += ["-H", "Authorization: Bearer $APIMART_API_KEY"]
    content_type = recorded.header("content-type")
    if content_type:
        parts += ["-H", f"Content-Type: {content_type}"]
    if recorded.request_body and len(recorded.request_body) <= 4096:
        parts += ["-d", recorded.request_body.decode(errors="replace")]
    return " ".join(f'"{p}"' if p.startswith("Authorization: Bearer $") else shlex.quote(p) for p in parts)


def _line(violation: Violation) -> str:
    return (
        f"apimart-proxy: {violation.check}: {violation.operation} -> HTTP {violation.status}: "
        f"{violation.field} expected {violation.expected}, received {violation.received}"
    )


@dataclass
class Judged:
    """Recorded traffic, judged: the judgement, the upstreams it came from, the violations per task."""

    judgement: Judgement
    upstreams: tuple[str, ...]
    by_task: dict[str, list[Violation]] = field(default_factory=lambda: defaultdict(list))


def judge_folder(folder: Path) -> Judged:
    """Every exchange of the cassettes under `folder`, judged in order (raises `CassetteError`)."""
    exchanges = [exchange for _, _, exchange in read_cassettes(folder)]
    upstreams = sorted({str(httpx.URL(e.url).copy_with(path="/", query=None)).rstrip("/") for e in exchanges})
    found = Judged(Judgement("cassettes"), tuple(upstreams))
    for exchange in exchanges:
        for violation in found.judgement.add(exchange):
            found.by_task[_task_of(exchange)].append(violation)
    return found


def _task_of(exchange: Recorded) -> str:
    """The task an exchange is about: the one it reads, or the one its submit created."""
    path = httpx.URL(exchange.url).path
    last = path.rsplit("/", 1)[-1]
    if exchange.method == "GET" and last.startswith("task_"):
        return last
    try:
        return str(exchange.response().json()["data"][0]["task_id"])
    except (ValueError, LookupError, TypeError):
        return NO_TASK
