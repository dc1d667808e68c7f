"""The report a CI reader acts on: one finding per cause, suite errors apart from violations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis.errors import FlakyStrategyDefinition

from apimart_contract.registry import CHECKS
from apimart_contract.report import ContractReport, TargetRun, digest
from apimart_contract.runner import finished_tasks
from apimart_contract.spec import operations
from apimart_contract.violations import ContractViolation, Findings, Violation

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


def _violation(check: str, field: str, expected: str = "x") -> Violation:
    return Violation(check, "GET /v1/tasks/{task_id}", 200, field, expected, "y", "curl x", "live")


def test_the_baseline_diff_lists_new_and_fixed_violations_and_new_drift(tmp_path: Path) -> None:
    yesterday = ContractReport(tmp_path / "yesterday")
    yesterday.observe("test_a", _violation("progress-backwards", "$.data.progress"))
    yesterday.observe("test_b", _violation("views-disagree", "$.data.status", "task_1 ..."))
    baseline = tmp_path / "report.json"
    baseline.write_text(json.dumps(yesterday.to_json()))
    today = ContractReport(baseline=baseline)
    today.observe("test_b", _violation("views-disagree", "$.data.status", "task_2 ..."))
    today.observe("test_c", _violation("task-stuck", "$.status"))
    drift = Findings()
    drift.note(_violation("unknown-field", "$.data.request_id"), "request_id")
    today.findings.append(drift)
    since = today.to_json()["since_baseline"]
    assert [v["check"] for v in since["new_violations"]] == ["task-stuck"]  # the same finding, another id
    assert [v["check"] for v in since["fixed_violations"]] == ["progress-backwards"]
    assert [v["field"] for v in since["new_drift"]] == ["$.data.request_id"]
    shown = today.markdown()
    assert "- new violations: 1\n  - `task-stuck`" in shown and "- violations no longer seen: 1" in shown


def test_the_report_opens_with_its_context() -> None:
    report = ContractReport(started=1_763_000_000.0, finished=1_763_000_042.5)
    report.targets.append(TargetRun("live", "http://127.0.0.1:4010", (digest("sk-secret-key"),), 2, 6))
    shown = report.to_json()
    assert shown["targets"][0]["base_url"] == "http://127.0.0.1:4010" and shown["duration_s"] == 42.5
    assert shown["started"] == "2025-11-13T02:13:20+00:00" and shown["spec_version"] and shown["python"]
    assert "sk-secret-key" not in json.dumps(shown) and shown["targets"][0]["keys"][0].startswith("sha256:")
    header = report.markdown().split("Verdict:")[0]
    for part in ("http://127.0.0.1:4010", "budget used: 2 of 6 submits", "42.5 s", "spec 1.0.0", "Python"):
        assert part in header, header


def test_the_coverage_table_is_the_registry_times_operations() -> None:
    """Every registered check on every operation it applies to is one row per target, nothing else; the
    operations a check names are operations of the spec (a typo would silently shrink the table)."""
    spec_ids = {operation.operation_id for operation in operations()}
    expected: set[tuple[str, str]] = set()
    for check in CHECKS.values():
        assert check.applies_to is None or set(check.applies_to) <= spec_ids, check.name
        applies = [
            op for op in operations() if check.applies_to is None or op.operation_id in check.applies_to
        ]
        assert applies or check.name == "test-failed", f"{check.name} applies to no operation"
        expected |= {(check.name, op.label) for op in applies}
    report = ContractReport()
    report.targets += [TargetRun("live", "http://x", (), 0, 0), TargetRun("served", "http://y", (), 0, 9)]
    rows = report.coverage()
    for name in ("live", "served"):
        mine = [(row.check, row.operation) for row in rows if row.target == name]
        assert len(mine) == len(set(mine)) and set(mine) == expected
    assert {row.status for row in rows} == {"not exercised"}
    assert {row.reason for row in rows if row.target == "live" and row.check == "balance"} == {
        "budget: spending not allowed (and no task of the run to follow)"
    }
    assert report.coverage_line().startswith(f"holds for 0 of {2 * len(expected)} rules;")


def test_coverage_says_what_was_exercised_and_min_coverage_fails_below_it() -> None:
    judged = (
        ("task-not-found", "GET /v1/tasks/{task_id}", True),
        ("schema", "GET /v1/tasks/{task_id}", True),
    )
    run = TargetRun("live", "http://x", (), 0, 0, judged=judged, skipped=(("bad-key-accepted", "any key"),))
    report = ContractReport(min_coverage=0.5)
    report.targets.append(run)
    report.observe("t", _violation("views-disagree", "$.data.status"))
    rows = {(row.check, row.operation): row for row in report.coverage()}
    assert rows[("task-not-found", "GET /v1/tasks/{task_id}")].status == "pass"
    assert rows[("views-disagree", "GET /v1/tasks/{task_id}")].status == "fail"
    assert rows[("bad-key-accepted", "GET /v1/balance")].reason == "skipped: any key"
    assert report.verdict == "violations"
    report.entries.clear()
    assert report.verdict == "too-little-covered" and "--min-coverage 50%: below" in report.coverage_line()
    report.min_coverage = 0.001
    assert report.verdict == "holds"


def test_a_target_run_survives_the_trip_from_an_xdist_worker() -> None:
    """`make test` runs on xdist: each worker hands its target runs to the controller as JSON-able data,
    keys (digests) and rows alike, and the controller's report names the keys as the worker's did."""
    judged = (("status-backwards", "GET /v1/tasks/{task_id}", True),)
    run = TargetRun("served", "http://127.0.0.1:1", (digest("sk-a"), digest("sk-b")), 1, 6, judged=judged)
    back = TargetRun.from_json(json.loads(json.dumps(dataclasses.asdict(run))))
    assert back == run and back.line() == run.line()
