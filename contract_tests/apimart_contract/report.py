"""The end-of-run report: every finding, in the terminal summary, `report.md`, `report.json` and the JUnit
XML properties.

A pytest plugin (registered by `apimart_contract.plugin`). A failed test (setup, call or teardown) gives its
`Violation`s, whatever raised it: a `ContractViolation`, a schemathesis failure group, or anything else
(then a `test-failed` violation naming the test and the error). The targets hand over their warnings,
drift notices and skipped checks when they close.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .registry import CHECKS, Level
from .violations import Findings, Violation, violations_of

__all__ = ["ContractReport", "Entry"]

_REPRODUCE = re.compile(r"@reproduce_failure\([^\n]*\)")
_WORKER_KEY = "apimart_contract_report"


@dataclass(frozen=True)
class Entry:
    """One violation of one test."""

    nodeid: str
    violation: Violation
    replay: str

    def to_json(self) -> dict[str, Any]:
        return {**self.violation.to_json(), "test": self.nodeid, "replay": self.replay}


@dataclass(eq=False)  # a pytest plugin: hashable, by identity
class ContractReport:
    """Collects violations per test and the targets' findings; prints and writes the report."""

    report_dir: Path | None = None
    entries: list[Entry] = field(default_factory=list)
    findings: list[Findings] = field(default_factory=list)
    skipped_tests: list[tuple[str, str]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[Any]
    ) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if report.skipped and call.excinfo is not None:
            reason = getattr(call.excinfo.value, "msg", str(call.excinfo.value))
            self.skipped_tests.append((item.nodeid, reason))
        if call.excinfo is None or report.passed or report.skipped:
            return
        self.record(item.nodeid, call.when, call.excinfo, item.user_properties)

    def record(
        self, nodeid: str, when: str, excinfo: pytest.ExceptionInfo[BaseException], properties: list[Any]
    ) -> None:
        """The violations a failed test carries, or a `test-failed` one naming the test and its error."""
        replay = self._replay(nodeid, excinfo.value)
        for violation in violations_of(excinfo.value) or [self._uncaught(nodeid, when, excinfo)]:
            self.entries.append(Entry(nodeid, violation, replay))
            properties.append(("contract_violation", json.dumps(violation.to_json())))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1

    @staticmethod
    def _uncaught(nodeid: str, when: str, excinfo: pytest.ExceptionInfo[BaseException]) -> Violation:
        return Violation(
            check="test-failed",
            operation=nodeid,
            status=None,
            field=f"({when})",
            expected="the test passes",
            received=" ".join(excinfo.exconly().split())[:400],
        )

    @staticmethod
    def _replay(nodeid: str, exc: BaseException) -> str:
        notes = "\n".join(getattr(exc, "__notes__", []))
        blob = _REPRODUCE.search(notes)
        profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
        replay = f"HYPOTHESIS_PROFILE={profile} pytest '{nodeid}'"
        return f"{replay}  (or add {blob.group(0)})" if blob else replay

    # ---- what the report holds ----
    def noted(self, level: Level) -> list[tuple[Violation, int]]:
        return [entry for findings in self.findings for entry in findings.of_level(level)]

    def skipped_checks(self) -> dict[str, str]:
        return {name: reason for findings in self.findings for name, reason in findings.skipped.items()}

    def to_json(self) -> dict[str, Any]:
        def counted(level: Level) -> list[dict[str, Any]]:
            return [{**v.to_json(), "count": n} for v, n in self.noted(level)]

        return {
            "verdict": "violations" if self.entries else "holds",
            "tests": self.outcomes,
            "violations": [entry.to_json() for entry in self.entries],
            "warnings": counted(Level.WARNING),
            "drift": counted(Level.DRIFT),
            "skipped_checks": self.skipped_checks(),
            "skipped_tests": [{"test": t, "reason": r} for t, r in self.skipped_tests],
            "checks": [
                {"name": c.name, "level": str(c.level), "verifies": c.verifies} for c in CHECKS.values()
            ],
        }

    def markdown(self) -> str:
        warnings, drift = self.noted(Level.WARNING), self.noted(Level.DRIFT)
        verdict = "the contract is **broken**" if self.entries else "the contract **holds**"
        tests = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items())) or "no tests"
        lines = [
            "# Contract report",
            "",
            f"Verdict: {verdict}: {len(self.entries)} violations, {len(warnings)} warnings, "
            f"{len(drift)} drift notices ({tests}).",
            "",
            "## Violations",
            "",
        ]
        lines += [*_items([(e.violation, 1, e) for e in self.entries])] or ["None."]
        lines += ["", "## Warnings", ""]
        lines += [*_items([(v, n, None) for v, n in warnings])] or ["None."]
        lines += ["", "## Drift notices", ""]
        if drift:
            lines += ["| check | field | count | example | operation |", "|---|---|---|---|---|"]
            lines += [
                f"| {v.check} | `{v.field}` | {n} | `{_cell(v.received)}` | {v.operation} |" for v, n in drift
            ]
        else:
            lines.append("None.")
        skipped = self.skipped_checks()
        lines += ["", "## Skipped checks", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in sorted(skipped.items())] or ["None."]
        if self.skipped_tests:
            lines += ["", "## Skipped tests", ""]
            lines += [f"- `{nodeid}`: {reason}" for nodeid, reason in self.skipped_tests]
        return "\n".join(lines) + "\n"

    # ---- across pytest-xdist workers: each sends what it found; the controller writes the report ----
    def worker_state(self) -> dict[str, Any]:
        """What this process found, as plain data (xdist's `workeroutput` carries only that)."""
        return {
            "entries": [[e.nodeid, asdict(e.violation), e.replay] for e in self.entries],
            "findings": [
                {
                    "noted": [[key, asdict(v), n] for (_, key), (v, n) in f.entries.items()],
                    "skipped": f.skipped,
                }
                for f in self.findings
            ],
            "skipped_tests": self.skipped_tests,
        }

    def merge(self, state: dict[str, Any]) -> None:
        """Add what a worker found (its `worker_state`)."""
        self.entries += [Entry(nodeid, Violation(**v), replay) for nodeid, v, replay in state["entries"]]
        for found in state["findings"]:
            findings = Findings(skipped=dict(found["skipped"]))
            for key, v, count in found["noted"]:
                violation = Violation(**v)
                findings.entries[(violation.check, key)] = [violation, count]
            self.findings.append(findings)
        self.skipped_tests += [(nodeid, reason) for nodeid, reason in state["skipped_tests"]]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        state = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if state is not None:
            self.merge(state)

    # ---- pytest hooks ----
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller reports
            workeroutput[_WORKER_KEY] = self.worker_state()
            return
        if self.report_dir is None:
            return
        self.report_dir.mkdir(parents=True, exist_ok=True)
        (self.report_dir / "report.json").write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False))
        (self.report_dir / "report.md").write_text(self.markdown(), encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for level, found in (
            (Level.WARNING, self.noted(Level.WARNING)),
            (Level.DRIFT, self.noted(Level.DRIFT)),
        ):
            if found:
                terminalreporter.section(f"contract {level}s: {len(found)}", sep="-", yellow=True)
                for violation, count in found:
                    terminalreporter.write_line(f"{violation.lines()[0]}  (x{count})")
        if self.entries:
            terminalreporter.section(
                f"contract violations: {len(self.entries)}", sep="=", bold=True, red=True
            )
            for entry in self.entries:
                for line in entry.violation.lines():
                    terminalreporter.write_line(line)
                terminalreporter.write_line(f"    test:      {entry.nodeid}")
                terminalreporter.write_line(f"    replay:    {entry.replay}")
                terminalreporter.write_line("")
        if self.report_dir is not None:
            terminalreporter.write_line(f"contract reports: {self.report_dir}/report.md, report.json")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:120]


def _items(found: list[tuple[Violation, int, Entry | None]]) -> list[str]:
    lines: list[str] = []
    for number, (v, count, entry) in enumerate(found, 1):
        status = "no response" if v.status is None else f"HTTP {v.status}"
        times = f" (x{count})" if count > 1 else ""
        lines += [
            f"### {number}. `{v.check}`: {v.operation} -> {status}{times}",
            "",
            f"- target: {v.target or '-'}",
            f"- field: `{v.field}`",
            f"- expected: {v.expected}",
            f"- received: `{_cell(v.received)}`",
        ]
        if v.reproducer:
            lines += [f"- reproducer: `{v.reproducer}`"]
        if entry is not None:
            lines += [f"- test: `{entry.nodeid}`", f"- replay: `{entry.replay}`"]
        lines.append("")
    return lines
