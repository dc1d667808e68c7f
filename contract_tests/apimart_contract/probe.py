"""Checked HTTP calls against a target: every exchange is judged by the run's `Session` of that target (the
spec, drift, the `Observer`'s checks across reads), and keeps what a reproducer needs (its curl).

`Probe` is the one way the suite's own checks talk to a target (schemathesis brings its own client).
Submits go through the target's spend budget: reserved before, given back when nothing was created.
The session belongs to the run, not to the target (`session_of`): the checks judge exchanges, wherever
they come from (`session.judge_exchanges` judges recorded ones).
"""

from __future__ import annotations

import shlex
from typing import Any
from weakref import WeakKeyDictionary

import httpx

from .exchange import Exchange
from .registry import Check
from .session import Session
from .spec import operation_for
from .targets import Target
from .violations import ContractViolation

__all__ = ["Exchange", "Probe", "session_of"]

_SESSIONS: WeakKeyDictionary[Target, Session] = WeakKeyDictionary()


def session_of(target: Target) -> Session:
    """The run's session of `target`: one for the target's life, shared by every probe of it (reads of one
    task by different tests are judged against each other), its findings the target's."""
    if target not in _SESSIONS:
        _SESSIONS[target] = Session(target.name, target.findings)
    session = _SESSIONS[target]
    session.strict_warnings = target.strict_warnings  # as the run set it, once the target was built
    return session


class Probe:
    """The suite's HTTP session over one target."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.session = session_of(target)

    def request(
        self,
        method: str,
        path: str,
        *,
        account: int = 0,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Exchange:
        """Send, have the session judge the exchange (the spec, drift, task reads), and return it."""
        operation = operation_for(method, path)
        spends = operation is not None and operation.spends
        if spends:
            self.target.budget.reserve(f"{method} {path}")
        response: httpx.Response | None = None
        try:
            response = self.target.http(account).request(
                method, path, json=body, headers=headers, files=files
            )
        finally:
            if spends:
                self.target.budget.settle(response is not None and response.is_success)
        exchange = Exchange(response, account, self._curl(response.request, account))
        self.session.judge(exchange)
        return exchange

    def mj(self, task_id: str, *, account: int = 0) -> Exchange:
        return self.request("GET", f"/v1/midjourney/{task_id}", account=account)

    def unified(self, task_id: str, *, account: int = 0) -> Exchange:
        return self.request("GET", f"/v1/tasks/{task_id}", account=account)

    def submit(
        self, path: str, body: dict[str, Any], *, account: int = 0, headers: dict[str, str] | None = None
    ) -> Exchange:
        return self.request("POST", path, account=account, body=body, headers=headers)

    # ---- the `Judge` protocol, for checks that judge what they asked for: the session's ----
    def judged(self, check: Check, what: Exchange | str, passed: bool = True) -> None:
        self.session.judged(check, what, passed)

    def violation(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any
    ) -> ContractViolation:
        return self.session.violation(exchange, check, field, expected, received)

    def notice(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any, key: str
    ) -> None:
        self.session.notice(exchange, check, field, expected, received, key)

    def _curl(self, request: httpx.Request, account: int) -> str:
        parts = ["curl", "-sS", "-X", request.method, str(request.url)]
        parts += ["-H", f"Authorization: Bearer {self.target.key_reference(account)}"]
        for name in ("content-type", "x-mock-scenario"):
            if name in request.headers:
                parts += ["-H", f"{name.title()}: {request.headers[name]}"]
        if request.read():
            parts += ["-d", request.content.decode(errors="replace")]
        # The key reference stays unquoted-expandable: double quotes around the header that holds it.
        return " ".join(
            f'"{part}"' if part.startswith("Authorization: Bearer $") else shlex.quote(part) for part in parts
        )
