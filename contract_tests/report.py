"""The end-of-run summary: every contract violation, in a form a human reads in a CI log.

A pytest plugin (registered by `contract_tests/conftest.py`). It collects the `Violation`s carried by
failed tests, adds each to the test's JUnit XML properties, and prints them after the run with the
reproducers: the curl line of the offending request and how to replay the Hypothesis example.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator
from typing import Any

import pytest

from .violations import Violation, violations_of

__all__ = ["ViolationReport"]

_REPRODUCE = re.compile(r"@reproduce_failure\([^\n]*\)")


class ViolationReport:
    """Collects violations per test and prints the summary."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Violation, str]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[Any]
    ) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is None or report.passed or report.skipped:
            return
        violations = violations_of(call.excinfo.value)
        replay = self._replay(item.nodeid, call.excinfo.value)
        for violation in violations:
            self.entries.append((item.nodeid, violation, replay))
            item.user_properties.append(("contract_violation", json.dumps(violation.to_json())))

    @staticmethod
    def _replay(nodeid: str, exc: BaseException) -> str:
        notes = "\n".join(getattr(exc, "__notes__", []))
        blob = _REPRODUCE.search(notes)
        profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
        replay = f"HYPOTHESIS_PROFILE={profile} pytest '{nodeid}'"
        return f"{replay}  (or add {blob.group(0)})" if blob else replay

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.entries:
            return
        terminalreporter.section(f"contract violations: {len(self.entries)}", sep="=", bold=True, red=True)
        for nodeid, violation, replay in self.entries:
            for line in violation.lines():
                terminalreporter.write_line(line)
            terminalreporter.write_line(f"    test:      {nodeid}")
            terminalreporter.write_line(f"    replay:    {replay}")
            terminalreporter.write_line("")
