"""The suite can fail: for every check of the registry, a broken server (`broken.BREAKS`) that triggers it.

Each broken server is the real mock (in process) behind a wrapper that breaks one rule. The suite's own
code is run against it exactly as against a real target (a wait for finished tasks, the state machine,
a property test, schemathesis cases), and the test passes only when the break is reported by the check
the registry names, at its level, with the right field. A meta-test fails when a registered check has no
broken server; control runs against the unbroken mock find nothing, not even a warning.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.generation.meta import CoverageScenario

from apimart_contract.checks import check_follow_up_answer, judge_finished
from apimart_contract.flows import wait_until_done
from apimart_contract.lifecycle import machine_for
from apimart_contract.oracle import MJ_RANK
from apimart_contract.probe import Probe
from apimart_contract.properties import test_errors
from apimart_contract.properties.test_conformance import SCHEMA, _call_and_validate
from apimart_contract.registry import CHECKS, REQUEST_REFUSED, Level
from apimart_contract.report import ContractReport, Entry
from apimart_contract.runner import finished_tasks
from apimart_contract.targets import InProcessMock, Target
from apimart_contract.violations import ContractViolation, Findings, Violation, violations_of
from apimart_mock import MockConfig, create_app

from .broken import BREAKS, Broken

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


# ---- how the suite is run against a broken server ----
def follow(target: Target) -> None:
    """What every run does: wait for finished tasks (both views at the poll spacing), read them again."""
    probe = Probe(target)
    for task in finished_tasks(target):
        probe.mj(task["id"])
        probe.unified(task["id"])
        probe.mj(task["id"])


def machine(target: Target) -> None:
    run_state_machine_as_test(machine_for(target), settings=SEARCH)


def with_finished(test: Callable[[Target, list[dict[str, Any]]], None]) -> Callable[[Target], None]:
    return lambda target: test(target, finished_tasks(target))


def schemathesis_read(target: Target) -> None:
    """The conformance test's own call, for the unified view of a real task (positive cases)."""
    task_id = (
        Probe(target).submit("/v1/midjourney/generations", {"prompt": "a cat"}).body["data"][0]["task_id"]
    )
    operation = SCHEMA["/v1/tasks/{task_id}"]["GET"]
    for case in SCHEMA.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.POSITIVE], generation_config=SCHEMA.config.generation
    ):
        case.path_parameters = {"task_id": task_id}
        case.query = {}
        _call_and_validate(case, target)


def undeclared_methods(target: Target) -> None:
    """The coverage phase's requests with methods the spec does not declare (and OPTIONS)."""
    operation = SCHEMA["/v1/tasks/{task_id}"]["GET"]
    SCHEMA.coverage_unexpected_methods_seen.clear()  # schemathesis sends each method once per schema
    for case in SCHEMA.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.NEGATIVE], generation_config=SCHEMA.config.generation
    ):
        data = case.meta.phase.data if case.meta else None
        if getattr(data, "scenario", None) == CoverageScenario.UNSPECIFIED_HTTP_METHOD:
            _call_and_validate(case, target)


def each_kind(target: Target) -> None:
    """What a run that submits every kind of task does: each once, its answer judged by the rules that
    say it is taken or refused (`check_follow_up_answer`), the finished task by the submit that made it
    (`judge_finished`)."""
    probe = Probe(target)
    generations = "/v1/midjourney/generations"

    def submit(action: str, inputs: dict[str, Any], parent: dict[str, Any] | None = None) -> dict[str, Any]:
        path = f"{generations}/{action.lower().replace('_', '-')}"
        exchange = probe.submit(path, inputs)
        if parent is not None and check_follow_up_answer(probe, exchange, action, inputs, parent):
            return {}
        if exchange.status != 200:
            raise probe.violation(
                exchange, REQUEST_REFUSED, "$", f"HTTP 200 creating a {action}", exchange.body
            )
        task_id = exchange.body["data"][0]["task_id"]
        if action == "INPAINT":
            return submit("MODAL", {"task_id": task_id, "prompt": "a red balloon"})
        wait_until_done(probe, task_id)
        finished = probe.mj(task_id)
        judge_finished(probe, finished, action, inputs)
        body: dict[str, Any] = finished.body
        return body

    grid = submit("IMAGINE", {"prompt": "a lighthouse at dusk --v 7"})
    v81 = submit("IMAGINE", {"prompt": "a castle at dawn --v 8.1"})
    for action, inputs in (
        ("BLEND", {"image_urls": ["https://example.com/a.png", "https://example.com/b.png"]}),
        ("DESCRIBE", {"image_urls": ["https://example.com/photo.png"]}),
        ("EDITS", {"prompt": "make the sky a sunset", "image_urls": ["https://example.com/photo.png"]}),
    ):
        submit(action, inputs)
    submit("VIDEO", {"task_id": grid["id"], "index": 0, "batch_size": 2}, grid)
    v2 = next(b["customId"] for b in grid["buttons"] if b["label"] == "V2")
    submit("UPSCALE", {"task_id": grid["id"], "custom_id": v2, "index": 1}, grid)
    submit("HIGH_VARIATION", {"task_id": grid["id"], "index": 1}, grid)
    upscaled = submit("UPSCALE", {"task_id": grid["id"], "index": 1}, grid)
    for action, inputs in (
        ("LOW_VARIATION", {"index": 1}),
        ("ZOOM", {"zoom_ratio": 3.5}),
        ("ZOOM", {"zoom_ratio": 1.0}),
        ("PAN", {"direction": "left"}),
        ("INPAINT", {}),
    ):
        submit(action, {"task_id": upscaled["id"], **inputs}, upscaled)
    submit("REMIX_STRONG", {"task_id": v81["id"], "index": 1}, v81)
    submit("REMIX_SUBTLE", {"task_id": grid["id"], "index": 2}, grid)
    v81_upscaled = submit("UPSCALE", {"task_id": v81["id"], "index": 2}, v81)
    submit("PAN", {"task_id": v81_upscaled["id"], "direction": "up"}, v81_upscaled)


RUNS: dict[str, tuple[Callable[[Target], None], str]] = {
    "schema": (follow, "$.data.progress"),
    "conformance": (schemathesis_read, "$.data.progress"),
    "bad-key-accepted": (test_errors.test_bad_key_is_an_authentication_error, "$.error.type"),
    "undeclared-method": (undeclared_methods, "$"),
    "allow-header": (undeclared_methods, "$"),
    "foreign-task-readable": (
        with_finished(test_errors.test_other_accounts_task_is_permission_denied),
        "$.error.type",
    ),
    "foreign-follow-up-accepted": (machine, "$.error.type"),
    "task-not-found": (test_errors.test_unknown_task_is_not_found, "$.error.type"),
    "status-backwards": (follow, "$.status"),
    "terminal-changed": (follow, "$.status"),
    "progress-backwards": (follow, "$.progress"),
    "views-disagree": (follow, "$.data.status"),
    "task-stuck": (follow, "$.status"),
    "wrong-task": (follow, "$.id"),
    "results-missing": (follow, "$.image_urls"),
    "button-label-mismatch": (follow, "$.buttons[1].customId"),
    "button-job-hash": (follow, "$.buttons[14].customId"),
    "request-refused": (machine, "$"),
    "child-action": (machine, "$.action"),
    "auto-matching": (with_finished(test_errors.test_impossible_action_is_a_bad_request), "$.error.type"),
    "version-rules": (machine, "$.error.type"),
    "modal-flow": (machine, "$.data[0].task_id"),
    "balance": (machine, "$.remain_balance"),
    "upload-served": (machine, "$.url"),
    "unknown-field": (follow, "$.render_farm"),
    "unknown-enum": (follow, "$.action"),
    "button-family": (follow, "$.buttons[15]"),
    "error-without-code": (test_errors.test_unknown_task_is_not_found, "$.error.code"),
    "foreign-task-readable (task data in a 403)": (
        with_finished(test_errors.test_other_accounts_task_is_permission_denied),
        "$",
    ),
    "child-action (a started task)": (each_kind, "$.action"),
    "grid-tiles": (follow, "$.image_urls"),
    "describe-prompts": (each_kind, "$.description"),
    "video-batch": (each_kind, "$.video_urls"),
    "custom-id-wins": (each_kind, "$.action"),
    "zoom-ratio": (each_kind, "$"),
    "vary-accepted": (each_kind, "$"),
    "version-rules (pan on v7)": (each_kind, "$"),
    "version-rules (remix on v8.1)": (each_kind, "$"),
}
"""Registered check (or `check (case)`, another break of it) -> the suite code that must report its
break, and the field it must name."""


def check_of(name: str) -> str:
    """The check a break of `RUNS` triggers: `version-rules (pan on v7)` -> `version-rules`."""
    return name.split(" (")[0]


def reported(name: str, strict: bool = False) -> list[Violation]:
    """Run the suite's code for `name` against its broken server; every finding it reported."""
    break_ = BREAKS[name]
    target = broken_target(break_(KEYS[0]) if inspect.signature(break_).parameters else break_())
    target.strict_warnings = strict
    run, _ = RUNS[name]
    found: list[Violation] = []
    try:
        run(target)
    except (ContractViolation, BaseExceptionGroup) as exc:
        found = violations_of(exc)
    finally:
        target.close()
    return found + [v for v, _ in target.findings.entries.values()]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_check_reports_its_break(name: str) -> None:
    found = reported(name)
    check = check_of(name)
    ours = [v for v in found if v.check == check]
    assert ours, f"{name} not reported; found {[(v.check, v.field) for v in found]}"
    _, field = RUNS[name]
    assert any(v.field == field for v in ours), [v.field for v in ours]
    assert all(v.level is CHECKS[check].level for v in ours)
    assert all(v.target == "inprocess" and v.reproducer.startswith("curl ") for v in ours), ours
    if CHECKS[check].level is not Level.VIOLATION:  # quiet otherwise: nothing that would fail the run
        assert [v for v in found if v.level is Level.VIOLATION] == []


def test_every_registered_check_has_a_broken_server() -> None:
    """The meta-test: a check without a break proven to trigger it is a check that may never fail."""
    proven = {check_of(name) for name in RUNS} | {"test-failed"}  # test_a_plain_failure_is_reported
    assert sorted(set(CHECKS) - proven) == [], "registered checks without a broken server"
    assert set(RUNS) == set(BREAKS)


def test_levels_are_the_issues() -> None:
    """HTTP hygiene warns, drift notices, everything clients feel is a violation."""
    levels = {name: check.level for name, check in CHECKS.items()}
    assert {n for n, level in levels.items() if level is Level.WARNING} == {
        "undeclared-method",
        "allow-header",
    }
    assert {n for n, level in levels.items() if level is Level.DRIFT} == {
        "unknown-field",
        "unknown-enum",
        "button-family",
        "error-without-code",
    }


def test_strict_warnings_fail() -> None:
    """With `--strict-warnings` (what `make test` sets for our mock) a warning fails like a violation."""
    found = reported("undeclared-method", strict=True)
    assert any(v.check == "undeclared-method" for v in found)
    target = broken_target(BREAKS["undeclared-method"]())
    target.strict_warnings = True
    with pytest.raises(BaseExceptionGroup):
        undeclared_methods(target)
    target.close()


def test_the_unbroken_mock_passes_without_a_finding() -> None:
    """The control: the same wait against the same mock without a break finds nothing at all. (The
    machine's control is `test_task_lifecycle[inprocess]`: the same mock, no finding allowed.)"""
    target = broken_target({})
    try:
        follow(target)
        each_kind(target)
    finally:
        target.close()
    assert target.findings.entries == {}


def test_a_plain_failure_is_reported() -> None:
    """`test-failed`: a test failing with a plain assertion is a violation naming the test and error."""
    report, properties = ContractReport(), []
    with pytest.raises(AssertionError) as caught:
        assert 1 == 2, "the numbers differ"
    report.record("contract_tests/x.py::test_plain", "call", caught, properties)
    (entry,) = report.entries
    assert entry.violation.check == "test-failed" and entry.violation.level is Level.VIOLATION
    assert entry.violation.operation == "x::test_plain"  # the test, without the folder it is installed in
    assert "the numbers differ" in entry.violation.received
    assert properties and report.to_json()["verdict"] == "violations" and "test-failed" in report.markdown()


def test_report_prints_every_field(tmp_path: Any) -> None:
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
    report = ContractReport(tmp_path)
    report.entries.append(Entry("contract_tests/x.py::test[served]", violation, "pytest 'x'"))
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
    markdown = report.markdown()
    for part in ("`progress-backwards`", "`$.progress`", ">= 60%", "`40%`", "`curl x`"):
        assert part in markdown, markdown


def test_a_hanging_target_ends_within_its_wall_time_with_a_verdict() -> None:
    """A task stuck in a status the contract does not name (lower case), on a real-time target over HTTP:
    the wait ends at the wall-time budget plus one poll interval, as a violation naming the task and what
    it last said; after it, every further request skips the test instead of waiting."""
    from werkzeug.serving import make_server

    from apimart_contract.targets import LiveApi, TargetSettings
    from apimart_mock.testing import free_port

    app = Broken(create_app(MockConfig(seed=0, api_keys=frozenset(KEYS))), **BREAKS["task-stuck"]())
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = TargetSettings(
        f"http://127.0.0.1:{port}",
        KEYS,
        allow_spend=True,
        rate=100.0,
        poll_interval=0.2,
        wall_time=5.0,
        use_mock_clock=False,  # real time, as against the live API
    )
    target = LiveApi(settings, name="hanging")
    started = time.monotonic()
    try:
        with pytest.raises(ContractViolation) as caught:
            finished_tasks(target)
        elapsed = time.monotonic() - started
        with pytest.raises(pytest.skip.Exception, match="wall-time budget of 5 s used up"):
            Probe(target).mj("task_contract_any")
    finally:
        target.close()
        server.shutdown()
        thread.join(timeout=10)
    violation = caught.value.violation
    assert (violation.check, violation.field) == ("task-stuck", "$.status")
    assert "task task_" in violation.expected, violation
    last = violation.received.removeprefix("last seen {'status': '").split("'")[0]
    assert last == last.lower() and last.upper() in MJ_RANK, violation  # "success" is no status it knows
    assert elapsed < 5.0 + 0.2 + 2.0, elapsed  # wall time, one poll interval, and a request's own time


def test_a_silent_target_cannot_hold_the_run_past_its_wall_time() -> None:
    """A target that accepts connections and never answers: every request times out within the wall
    time plus one poll interval (not the 30 s a request may take otherwise), then the test skips."""
    import socket

    from apimart_contract.targets import LiveApi, TargetSettings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepted by the kernel, never answered
    port = listener.getsockname()[1]
    settings = TargetSettings(f"http://127.0.0.1:{port}", KEYS, rate=100.0, poll_interval=0.5, wall_time=2.0)
    started = time.monotonic()
    target = LiveApi(settings, name="silent")
    try:
        with pytest.raises((httpx.TimeoutException, pytest.skip.Exception)):
            while True:  # reads until one times out or the wall time skips the test
                Probe(target).mj("task_contract_any")
    finally:
        target.close()
        listener.close()
    assert time.monotonic() - started < 2.0 + 0.5 + 1.5


def test_what_xdist_workers_find_reaches_the_report() -> None:
    """Under `pytest -n` each worker finds its part; the controller writes the one report from all."""
    worker = ContractReport()
    violation = Violation("progress-backwards", "GET /v1/tasks/{task_id}", 200, "$.progress", ">= 60", "40")
    worker.entries.append(Entry("contract_tests/x.py::test[served]", violation, "pytest 'x'"))
    drift = Violation("unknown-field", "GET /v1/tasks/{task_id}", 200, "$.data.x_new", "a named field", "1")
    worker.findings.append(Findings(skipped={"bad-key": "the mock accepts any token"}))
    worker.findings[0].note(drift, "x_new")
    worker.findings[0].note(drift, "x_new")
    worker.skipped_tests.append(("contract_tests/y.py::test", "no finished task"))
    controller = ContractReport()
    controller.merge(json.loads(json.dumps(worker.worker_state())))  # only plain data crosses
    assert controller.to_json() == worker.to_json()
    assert controller.markdown() == worker.markdown()
