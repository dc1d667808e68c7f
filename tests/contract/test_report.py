"""The report a CI reader acts on: one finding per cause, suite errors apart from violations."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
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


def test_min_coverage_fails_a_run_whose_coverage_fell_since_the_baseline(tmp_path: Path) -> None:
    """Above the share asked for, but below what yesterday's run exercised: too little covered."""
    both = (
        ("task-not-found", "GET /v1/tasks/{task_id}", True),
        ("schema", "GET /v1/tasks/{task_id}", True),
    )
    yesterday = ContractReport()
    yesterday.targets.append(TargetRun("live", "http://x", (), 0, 0, judged=both))
    baseline = tmp_path / "report.json"
    baseline.write_text(json.dumps(yesterday.to_json()))
    today = ContractReport(baseline=baseline, min_coverage=0.0)
    today.targets.append(TargetRun("live", "http://x", (), 0, 0, judged=both[:1]))
    assert today.verdict == "too-little-covered"
    line = today.coverage_line()
    assert "; --min-coverage 0% or the baseline's " in line and line.endswith(": below"), line
    today.targets[0] = TargetRun("live", "http://x", (), 0, 0, judged=both)
    assert today.verdict == "holds" and not today.coverage_line().endswith("below")
    without = ContractReport(baseline=baseline)  # no --min-coverage: a fall is reported, not failed
    without.targets.append(TargetRun("live", "http://x", (), 0, 0, judged=both[:1]))
    assert without.verdict == "holds"


class Page(HTMLParser):
    """What a browser would see of report.html: its tags with their attributes, its text, its style."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self._in: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.style += data
        else:
            self.text.append(data)

    @property
    def words(self) -> str:
        """The text as read (inline pieces joined), white space collapsed."""
        return " ".join("".join(self.text).split())


def assert_opens_offline(page: Page) -> None:
    """Nothing on the page is fetched to show it: no script, frame, image or stylesheet, no attribute
    naming a remote (or any) address, no `url(` or `@import` in its inline style. A URL in the text (the
    target's, a curl line) is text, never a link."""
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "table", "tr", "th", "td",
        "p", "pre", "code", "strong", "br", "ul", "li", "section",
    }, sorted({tag for tag, _ in page.tags})  # fmt: skip
    for tag, attributes in page.tags:
        for name, value in attributes.items():
            assert name not in ("src", "href", "srcset", "action", "data", "poster", "style"), (tag, name)
            assert "//" not in (value or ""), (tag, name, value)
    assert "url(" not in page.style and "@import" not in page.style


def _a_broken_run(tmp_path: Path, received: str) -> ContractReport:
    """A run with a finding seen twice, a baseline, a skipped test and rules judged."""
    yesterday = ContractReport()
    yesterday.observe("test_a", _violation("progress-backwards", "$.data.progress"))
    baseline = tmp_path / "yesterday.json"
    baseline.write_text(json.dumps(yesterday.to_json()))
    report = ContractReport(tmp_path, baseline, started=1_763_000_000.0, finished=1_763_000_042.5)
    judged = (("task-not-found", "GET /v1/tasks/{task_id}", True),)
    report.targets.append(
        TargetRun("live", "http://127.0.0.1:4010", (digest("sk-secret"),), 2, 6, judged=judged)
    )
    found = dataclasses.replace(_violation("results-missing", "$.image_urls"), received=received)
    report.observe("contract_tests/x.py::test_first[live]", found)
    report.observe("contract_tests/x.py::test_second[live]", found)
    report.skipped_tests.append(
        ("test_errors::test_rate_limit_is_a_rate_limit_error[live]", "no <b>limit</b>")
    )
    return report


def test_the_html_report_shows_the_run_to_a_person_and_opens_offline(tmp_path: Path) -> None:
    """report.html: the context, the verdict with its coverage line, each finding once with its command
    and curl, the coverage table, the baseline diff; the target's data (a prompt holding a script) is
    text on the page, never markup."""
    prompt = '{"prompt": "a cat <script>alert(1)</script> --v 7", "image_urls": "x"}'
    report = _a_broken_run(tmp_path, prompt)
    page = Page(report.html())
    assert_opens_offline(page)
    words = page.words
    for shown in (
        "live at http://127.0.0.1:4010",
        "budget used: 2 of 6 submits",
        "42.5 s",
        "Verdict: the contract is broken: 1 violations",
        f"Coverage: {report.coverage_line()}.",
        "1. results-missing: GET /v1/tasks/{task_id} -> HTTP 200 (x2)",
        prompt,  # as text: the script is a string on the page
        "curl x",
        report.entries[0].replay,
        "new violations: 1",
        "violations no longer seen: 1",
        "no <b>limit</b>",
    ):
        assert " ".join(shown.split()) in words, shown
    assert "sk-secret" not in report.html()
    rows = [attributes.get("class") for tag, attributes in page.tags if tag == "td" and attributes]
    assert rows.count("pass") == 1 and len([t for t, _ in page.tags if t == "tr"]) > len(report.coverage())


def test_the_report_files_are_written_side_by_side(tmp_path: Path) -> None:
    report = _a_broken_run(tmp_path, "<img src=https://example.invalid/x.png>")
    report.write(tmp_path / "reports")
    written = {path.name for path in (tmp_path / "reports").iterdir()}
    assert {"report.md", "report.json", "report.html"} <= written, written
    page = Page((tmp_path / "reports" / "report.html").read_text(encoding="utf-8"))
    assert_opens_offline(page)
    assert "<img src=https://example.invalid/x.png>" in page.words
