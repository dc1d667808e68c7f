"""`ContractViolation`: what every check of the suite raises, structured so the summary can print it.

A violation names the operation, the HTTP status received, the field (a JSON path into the response),
what the contract expected and what the target sent, and a reproducer (a curl line). It subclasses
`AssertionError` so pytest reports it as a failure and Hypothesis shrinks towards it.

`suite_error` tells a failure of the suite itself (a Hypothesis internal error, a bug in a check, a
spend budget overrun) from a finding about the target: only assertions and the target's transport
failures are findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import pytest

from .registry import Check, Level, check

__all__ = [
    "ContractViolation",
    "Findings",
    "Violation",
    "attach",
    "json_path",
    "suite_error",
    "violations_of",
]


@dataclass(frozen=True)
class Violation:
    """One break of the contract, as a human reads it in a CI log."""

    check: str
    """Short name of the check that failed (`schema`, `status-backwards`, `button-job-hash`, ...)."""
    operation: str
    """`GET /v1/midjourney/{task_id}` and kin: the spec's operation, not the concrete URL."""
    status: int | None
    field: str
    expected: str
    received: str
    reproducer: str = ""
    target: str = ""

    @property
    def cause(self) -> tuple[str, str, str, str, str]:
        """What makes two observations one finding: the same check failing the same way at the same place
        (one stuck task read by five tests, one broken field seen in every read of it)."""
        return (self.target, self.check, self.operation, self.field, self.expected)

    @property
    def level(self) -> Level:
        """The level of its check in the registry (an unregistered check name is a KeyError)."""
        return check(self.check).level

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "level": str(self.level)}

    def lines(self) -> list[str]:
        """The summary entry: a headline and indented details."""
        where = f"[{self.target}] " if self.target else ""
        where += "" if self.level is Level.VIOLATION else f"({self.level}) "
        status = "no response" if self.status is None else f"HTTP {self.status}"
        lines = [
            f"{where}{self.check}: {self.operation} -> {status}",
            f"    field:     {self.field}",
            f"    expected:  {self.expected}",
            f"    received:  {self.received}",
        ]
        if self.reproducer:
            lines.append(f"    reproduce: {self.reproducer}")
        return lines


@dataclass
class Findings:
    """What a run reports without failing: warnings and drift notices, each counted once per `key`
    (one entry per field, enum value or button family, with the first example and how often it came)."""

    entries: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Check name -> why it was not run against this target."""
    judged: dict[tuple[str, str], bool] = field(default_factory=dict)
    """(check, operation) -> whether every judgement of it passed: the rules this run exercised."""
    raised: list[Violation] = field(default_factory=list)
    """Every violation a check raised, in order (kept when Hypothesis loses one, see the lifecycle)."""

    def judge(self, judging: Check, operation: str, passed: bool = True) -> None:
        """A check judged an exchange of `operation` (a failure stays a failure)."""
        rule = (judging.name, operation)
        self.judged[rule] = self.judged.get(rule, True) and passed

    def note(self, violation: Violation, key: str) -> None:
        entry = self.entries.setdefault((violation.check, key), [violation, 0])
        entry[1] += 1
        self.judge(check(violation.check), violation.operation, passed=False)

    def skip(self, skipped: Check, reason: str) -> None:
        self.skipped[skipped.name] = reason

    def of_level(self, level: Level) -> list[tuple[Violation, int]]:
        return [(v, n) for v, n in self.entries.values() if v.level is level]


class ContractViolation(AssertionError):
    """Raised by a check; carries the structured `Violation`."""

    def __init__(self, violation: Violation) -> None:
        super().__init__("\n".join(violation.lines()))
        self.violation = violation


def json_path(parts: Any) -> str:
    """`["buttons", 3, "customId"]` -> `$.buttons[3].customId`."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


_ATTACHED = "contract_violations"


def attach(exc: BaseException, violations: list[Violation]) -> BaseException:
    """Let an exception that is not a `ContractViolation` (schemathesis's) carry structured violations."""
    setattr(exc, _ATTACHED, violations)
    return exc


def violations_of(exc: BaseException) -> list[Violation]:
    """Every violation an exception carries, through exception groups and chained causes."""
    if isinstance(exc, ContractViolation):
        return [exc.violation]
    found: list[Violation] = list(getattr(exc, _ATTACHED, []))
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found += violations_of(inner)
    if not found and exc.__cause__ is not None:
        found = violations_of(exc.__cause__)
    return found


def suite_error(exc: BaseException) -> bool:
    """Whether `exc` is a failure of the suite itself, never a finding about the target: anything but an
    assertion (a violation, a test's own `assert`, `pytest.fail`) or the target's transport failing (a
    refused connection, a timeout). So a Hypothesis internal error (`FlakyStrategyDefinition`), a
    `TypeError` in a check or `BudgetExceeded` are suite errors; in an exception group, any of its own."""
    if isinstance(exc, BaseExceptionGroup):
        return any(suite_error(inner) for inner in exc.exceptions)
    return not isinstance(exc, (AssertionError, httpx.TransportError, pytest.fail.Exception))
