"""Coverage, a first-class output: every rule the suite knows (each registered check on each operation it
applies to) and what one run did with it against one target: exercised (`pass`, `fail`, or `noted` for
a warning or drift notice), or not exercised, and why (`budget`, `skipped`, `wall time`, `not reached`).

The checks say what they judged (`Findings.judge`); a rule nobody judged is not exercised, whatever the
tests' outcome: a green run that judged little says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from apimart_mj import by_action

from .registry import CHECKS, Level
from .spec import operation_for, operations

__all__ = ["Limits", "Row", "Rule", "operation_of_action", "rules", "share", "summary", "table"]

Rule = tuple[str, str]
"""(check name, operation label): one check on one operation."""


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule: each registered check x each operation of the spec it applies to."""
    return tuple(
        (check.name, operation.label)
        for check in CHECKS.values()
        for operation in operations()
        if check.applies_to is None or operation.operation_id in check.applies_to
    )


def operation_of_action(action: str) -> str | None:
    """The operation that creates tasks of `action` (`BLEND` -> `POST /v1/midjourney/generations/blend`);
    None for an action the table does not know (drift, noted elsewhere)."""
    try:
        route = by_action(action).route
    except KeyError:
        return None
    found = operation_for(route.method, route.path)
    return found.label if found else None


@dataclass(frozen=True)
class Row:
    target: str
    check: str
    operation: str
    status: str
    """`pass`, `fail`, `noted` (a warning or drift notice) or `not exercised`."""
    reason: str = ""
    """Why it was not exercised, in words; its first word (`budget`, ...) is its category."""


@dataclass(frozen=True)
class Limits:
    """What a run against one target could do: its spend budget, what it spent, whether time ran out."""

    budget: int
    spent: int
    out_of_time: bool
    recorded: bool = False
    """Judged from recorded traffic (`--cassettes`): what was not judged is not in the recording."""


def table(
    target: str, judged: dict[Rule, bool], failed: Iterable[Rule], skipped: dict[str, str], limits: Limits
) -> list[Row]:
    """One row per rule: judged (and how) or not, and why not."""
    failing = set(failed) | {rule for rule, passed in judged.items() if not passed}
    rows = []
    for check, operation in rules():
        if (check, operation) in failing:
            status = "fail" if CHECKS[check].level is Level.VIOLATION else "noted"
            rows.append(Row(target, check, operation, status))
        elif (check, operation) in judged:
            rows.append(Row(target, check, operation, "pass"))
        else:
            rows.append(Row(target, check, operation, "not exercised", _why_not(check, skipped, limits)))
    return rows


def _why_not(check: str, skipped: dict[str, str], limits: Limits) -> str:
    if check in skipped:
        return f"skipped: {skipped[check]}"
    if limits.recorded:
        return "not reached: nothing recorded that it judges"
    if limits.budget == 0:
        return "budget: spending not allowed (and no task of the run to follow)"
    if limits.spent >= limits.budget:
        return f"budget: all {limits.budget} submits spent"
    if limits.out_of_time:
        return "wall time: used up"
    return "not reached: no step of this run judged it"


def summary(rows: list[Row]) -> str:
    """`holds for 41 of 118 rules; 77 not exercised: 70 budget, 7 skipped` (and what failed)."""
    counts = Counter(row.status for row in rows)
    line = f"holds for {counts['pass'] + counts['noted']} of {len(rows)} rules"
    if counts["fail"]:
        line += f", fails {counts['fail']}"
    missing = Counter(row.reason.split(":")[0] for row in rows if row.status == "not exercised")
    if missing:
        why = ", ".join(f"{n} {reason}" for reason, n in missing.most_common())
        line += f"; {sum(missing.values())} not exercised: {why}"
    return line


def share(rows: list[Row]) -> float:
    """The share of rules exercised (passed, failed or noted)."""
    return sum(row.status != "not exercised" for row in rows) / len(rows) if rows else 0.0
