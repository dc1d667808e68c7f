"""Checked HTTP calls against a target: every response is validated against `openapi.yaml`, and every
call keeps what a reproducer needs.

`Probe` is the one way the suite's own checks talk to a target (schemathesis brings its own client).
Submits go through the target's spend budget: reserved before, given back when nothing was created.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import httpx

from .checks import drift
from .exchange import Exchange
from .registry import REQUEST_REFUSED, SCHEMA, Check, Level
from .spec import check_response, operation_for
from .targets import Target
from .violations import ContractViolation, Violation

__all__ = ["Exchange", "Probe"]


class Probe:
    """The suite's HTTP session over one target."""

    def __init__(self, target: Target) -> None:
        self.target = target

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
        """Send, validate the response against the spec, note drift, judge task reads (`Observer`), and
        return the exchange."""
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
        try:
            check_response(response, target=self.target.name, reproducer=exchange.reproducer)
        except ContractViolation as exc:
            self.target.findings.raised.append(exc.violation)
            raise
        self.judged(SCHEMA, exchange)
        if method == "POST" and exchange.status == 200:
            self.judged(REQUEST_REFUSED, exchange)
        drift(self, exchange)
        self.target.observer.observe(self, exchange)
        return exchange

    def mj(self, task_id: str, *, account: int = 0) -> Exchange:
        return self.request("GET", f"/v1/midjourney/{task_id}", account=account)

    def unified(self, task_id: str, *, account: int = 0) -> Exchange:
        return self.request("GET", f"/v1/tasks/{task_id}", account=account)

    def submit(
        self, path: str, body: dict[str, Any], *, account: int = 0, headers: dict[str, str] | None = None
    ) -> Exchange:
        return self.request("POST", path, account=account, body=body, headers=headers)

    def judged(self, check: Check, what: Exchange | str, passed: bool = True) -> None:
        """`check` judged an exchange (or the operation named): a rule this run exercised (coverage)."""
        self.target.findings.judge(check, what if isinstance(what, str) else what.operation, passed)

    def violation(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any
    ) -> ContractViolation:
        """A `ContractViolation` about `exchange` (`received` is shown as JSON), for the caller to raise."""
        self.judged(check, exchange, passed=False)
        found = self._finding(exchange, check, field, expected, received)
        self.target.findings.raised.append(found)
        return ContractViolation(found)

    def notice(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any, key: str
    ) -> None:
        """Report a warning or drift notice (counted once per `key`); a warning raises instead when the
        target is judged with `--strict-warnings`."""
        finding = self._finding(exchange, check, field, expected, received)
        if finding.level is Level.VIOLATION or (
            finding.level is Level.WARNING and self.target.strict_warnings
        ):
            raise ContractViolation(finding)
        self.target.findings.note(finding, key)

    def _finding(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any
    ) -> Violation:
        shown = received if isinstance(received, str) else json.dumps(received, ensure_ascii=False)
        return Violation(
            check=check.name,
            operation=exchange.operation,
            status=exchange.status,
            field=field,
            expected=expected,
            received=shown[:240],
            reproducer=exchange.reproducer,
            target=self.target.name,
        )

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
