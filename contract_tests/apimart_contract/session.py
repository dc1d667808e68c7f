"""Judging exchanges, whoever made them: `Session` is the `Judge` of one run against one target, and
`judge_exchanges` judges exchanges no `Target` made (recorded ones, say) the same way.

A session checks each exchange it is given against the spec (`schema`), notes drift, and hands every task
read to its `Observer`, which judges it against the reads of the same task before it (status and
progress never going back, the two views agreeing, results present, buttons matching their labels and
their task). What it finds goes into its `Findings`: violations raised, warnings and drift noted, the
rules judged (coverage). `probe.Probe` gives the session of its target every exchange it makes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .checks import Observer, drift
from .exchange import Exchange
from .registry import REQUEST_REFUSED, SCHEMA, Check, Level
from .spec import check_response
from .violations import ContractViolation, Findings, Violation

__all__ = ["Session", "judge_exchanges"]


class Session:
    """Judges the exchanges of one run against one target (`name`), in the order they happened."""

    def __init__(self, name: str, findings: Findings | None = None, *, strict_warnings: bool = False) -> None:
        self.name = name
        self.findings = findings if findings is not None else Findings()
        self.strict_warnings = strict_warnings
        """Warnings raise like violations (`--strict-warnings`)."""
        self.observer = Observer()

    def judge(self, exchange: Exchange) -> None:
        """Validate the response against the spec, note drift, judge a task read against the reads before
        it; raise `ContractViolation` at the first break."""
        try:
            check_response(exchange.response, target=self.name, reproducer=exchange.reproducer)
        except ContractViolation as exc:
            self.findings.raised.append(exc.violation)
            raise
        self.judged(SCHEMA, exchange)
        if exchange.response.request.method == "POST" and exchange.status == 200:
            self.judged(REQUEST_REFUSED, exchange)
        drift(self, exchange)
        self.observer.observe(self, exchange)

    # ---- the `Judge` protocol: what the checks report through ----
    def judged(self, check: Check, what: Exchange | str, passed: bool = True) -> None:
        """`check` judged an exchange (or the operation named): a rule this run exercised (coverage)."""
        self.findings.judge(check, what if isinstance(what, str) else what.operation, passed)

    def violation(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any
    ) -> ContractViolation:
        """A `ContractViolation` about `exchange` (`received` is shown as JSON), for the caller to raise."""
        self.judged(check, exchange, passed=False)
        found = self._finding(exchange, check, field, expected, received)
        self.findings.raised.append(found)
        return ContractViolation(found)

    def notice(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any, key: str
    ) -> None:
        """Report a warning or drift notice (counted once per `key`); a warning raises instead when the
        session is judged with `strict_warnings`."""
        finding = self._finding(exchange, check, field, expected, received)
        if finding.level is Level.VIOLATION or (finding.level is Level.WARNING and self.strict_warnings):
            self.findings.raised.append(finding)
            raise ContractViolation(finding)
        self.findings.note(finding, key)

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
            target=self.name,
        )


def judge_exchanges(exchanges: Iterable[Exchange], *, target: str = "recorded") -> Findings:
    """Judge exchanges no `Target` made (a recording, a cassette), in order, as a run judges its own:
    the schema, drift, and the `Observer`'s checks across the reads of each task. Every exchange is
    judged, whatever an earlier one broke; the violations are in `raised`, the warnings and drift notices
    in `entries`, the rules judged in `judged`."""
    session = Session(target)
    for exchange in exchanges:
        try:
            session.judge(exchange)
        except ContractViolation:
            continue  # recorded in the findings; the next exchange is judged all the same
    return session.findings
