"""The suite can fail: its own checks, run against deliberately broken servers, report each break.

Each broken server is the real mock (in process) behind a wrapper that breaks one rule. The state
machine and the button check are run exactly as against a real target; the test passes only when they
raise a `ContractViolation` naming the break. A schemathesis case against a server sending a wrong type
must fail too, and the end-of-run summary must print what a human needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test

from mock_server import MockConfig, create_app

from .broken import Broken, button_of_another_job, foreign_task_readable, progress_backwards, wrong_type
from .checks import JobRegistry, check_buttons
from .flows import finished_tasks
from .lifecycle import machine_for
from .probe import Probe
from .properties.test_conformance import SCHEMA, _call_and_validate
from .report import ViolationReport
from .targets import InProcessMock
from .violations import ContractViolation, Violation, violations_of

KEYS = ("sk-contract-first", "sk-contract-second")
SEARCH = settings(
    # No shrinking: finding the break is the point, a minimal example of it is not; one bug at a time.
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    max_examples=60,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def broken_target(break_: dict[str, Any]) -> InProcessMock:
    config = MockConfig(frozen_at=1_763_000_000.0, seed=0, api_keys=frozenset(KEYS))
    return InProcessMock(app=Broken(create_app(config), **break_))


def machine_finds(break_: dict[str, Any]) -> ContractViolation:
    target = broken_target(break_)
    try:
        with pytest.raises(ContractViolation) as caught:
            run_state_machine_as_test(machine_for(target), settings=SEARCH)
    finally:
        target.close()
    return caught.value


@pytest.mark.parametrize(
    ("break_", "check", "field"),
    [
        (lambda: foreign_task_readable(KEYS[0]), "foreign-task-readable", "$.error.type"),
        (progress_backwards, "progress-backwards", "$.progress"),
        (wrong_type, "schema", "$.data.progress"),
        (button_of_another_job, "button-job-hash", "$.buttons[14].customId"),
    ],
    ids=["foreign-task-readable", "progress-backwards", "wrong-type", "button-of-another-job"],
)
def test_state_machine_reports_the_break(
    break_: Callable[[], dict[str, Any]], check: str, field: str
) -> None:
    violation = machine_finds(break_()).violation
    assert (violation.check, violation.field) == (check, field), violation
    assert violation.target == "inprocess" and violation.operation.startswith("GET /v1/")
    assert violation.reproducer.startswith("curl ")


def test_state_machine_passes_the_unbroken_mock() -> None:
    """The control: the same search against the same mock without a break finds nothing."""
    target = broken_target({})
    try:
        run_state_machine_as_test(machine_for(target), settings=SEARCH)
    finally:
        target.close()


def test_button_check_reports_a_button_of_another_job() -> None:
    """The customId property test's own check, on the finished tasks of a broken server."""
    target = broken_target(button_of_another_job())
    probe = Probe(target)
    try:
        with pytest.raises(ContractViolation) as caught:
            for task in finished_tasks(target):
                check_buttons(probe, probe.mj(task["id"]), JobRegistry())
    finally:
        target.close()
    assert caught.value.violation.check == "button-job-hash"
    assert "00000000-0000-4000-8000-0000000000ff" in caught.value.violation.received


def test_schemathesis_reports_a_wrong_type() -> None:
    """The conformance test's own call, for the unified view of a real task of a broken server."""
    target = broken_target(wrong_type())
    task_id = (
        Probe(target).submit("/v1/midjourney/generations", {"prompt": "a cat"}).body["data"][0]["task_id"]
    )
    operation = SCHEMA["/v1/tasks/{task_id}"]["GET"]

    @settings(SEARCH, max_examples=5)
    @given(operation.as_strategy().map(lambda case: _with_task(case, task_id)))
    def conforms(case: Any) -> None:
        _call_and_validate(case, target)

    try:
        with pytest.raises(BaseExceptionGroup) as caught:
            conforms()
    finally:
        target.close()
    found = violations_of(caught.value)
    assert found and any("schema" in v.check.lower() for v in found), found
    assert all(v.reproducer.startswith("curl") and v.status == 200 for v in found)


def _with_task(case: Any, task_id: str) -> Any:
    case.path_parameters = {"task_id": task_id}
    case.query = {}
    return case


def test_summary_prints_every_field() -> None:
    violation = Violation(
        "progress-backwards",
        "GET /v1/midjourney/{task_id}",
        200,
        "$.progress",
        ">= 60%",
        "40%",
        "curl x",
        "served",
    )
    report = ViolationReport()
    report.entries.append(("contract_tests/x.py::test[served]", violation, "pytest 'x'"))
    lines: list[str] = []

    class Terminal:
        def section(self, title: str, **_: Any) -> None:
            lines.append(title)

        def write_line(self, line: str) -> None:
            lines.append(line)

    report.pytest_terminal_summary(Terminal())
    text = "\n".join(lines)
    for part in (
        "contract violations: 1",
        "[served] progress-backwards: GET /v1/midjourney/{task_id} -> HTTP 200",
        "field:     $.progress",
        "expected:  >= 60%",
        "received:  40%",
        "reproduce: curl x",
        "replay:    pytest 'x'",
    ):
        assert part in text, text
