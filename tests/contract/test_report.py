"""The report a CI reader acts on: one finding per cause, suite errors apart from violations."""

from __future__ import annotations

import json

import pytest
from hypothesis.errors import FlakyStrategyDefinition

from apimart_contract.flows import finished_tasks
from apimart_contract.report import ContractReport
from apimart_contract.violations import ContractViolation

from .broken import stuck_in_lower_case
from .test_self_check import broken_target


def test_one_stuck_task_is_one_finding_with_its_observations() -> None:
    """A stuck task, met by five tests that need finished tasks: one finding, five observations."""
    target = broken_target(stuck_in_lower_case())
    try:
        with pytest.raises(ContractViolation) as caught:
            finished_tasks(target)
    finally:
        target.close()
    report = ContractReport()
    for number in range(5):
        report.record(f"contract_tests/x.py::test_{number}", "setup", caught, [])
    (finding,) = report.grouped()
    assert finding.violation.check == "task-stuck" and len(finding.observations) == 5
    (shown,) = report.to_json()["violations"]
    assert shown["count"] == 5 and [o["test"] for o in shown["observations"]][-1].endswith("test_4")
    assert "1 violations" in report.markdown() and "(x5)" in report.markdown()


@pytest.mark.parametrize(
    "error",
    [
        FlakyStrategyDefinition("Inconsistent data generation! Data generation behaved differently"),
        TypeError("'NoneType' object is not subscriptable"),
    ],
    ids=["hypothesis-internal", "bug-in-a-check"],
)
def test_a_failure_of_the_suite_is_a_suite_error_not_a_violation(error: Exception) -> None:
    report, properties = ContractReport(), []
    with pytest.raises(type(error)) as caught:
        raise error
    report.record("contract_tests/x.py::test_lifecycle", "call", caught, properties)
    assert report.entries == [] and report.verdict == "suite-error"
    shown = report.to_json()
    assert shown["violations"] == [] and shown["suite_errors"][0]["error"].endswith(
        f"{type(error).__name__}: {error}"
    )
    assert "the suite **failed**" in report.markdown() and properties[0][0] == "contract_suite_error"


def test_a_long_error_is_cut_at_a_word() -> None:
    report = ContractReport()
    with pytest.raises(AssertionError) as caught:
        raise AssertionError(" ".join(["interplanetary"] * 60))
    report.record("contract_tests/x.py::test_long", "call", caught, [])
    (entry,) = report.entries
    assert entry.violation.received.endswith("interplanetary ..."), entry.violation.received[-40:]
    assert json.dumps(report.to_json())  # plain data
