"""`apimart-contract` end to end, run from a folder of its own against a served (broken) mock: the exit
code and the reports a CI job reads. (tests/test_install.py runs the installed one; these run this
checkout's, in this venv, to prove what a run reports.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from apimart_contract.coverage import rules
from apimart_mock import MockConfig

from .broken import image_urls_a_string, served

FROZEN = MockConfig(frozen_at=1_763_000_000.0, seed=0)


def run_cli(
    cwd: Path, base_url: str, *options: str, pythonpath: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "PYTHONPATH": pythonpath}
    return subprocess.run(
        [sys.executable, "-m", "apimart_contract", "--base-url", base_url, "--rate-limit", "200", *options],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def report_of(cwd: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((cwd / "reports" / "report.json").read_text())
    return report


def test_a_bug_in_a_check_is_a_suite_error_exit_2(tmp_path: Path) -> None:
    """A check that raises a `TypeError` (here: put there by a plugin) fails the suite, not the target."""
    (tmp_path / "bug_in_a_check.py").write_text(
        "import apimart_contract.checks as checks\n\n"
        "def check_error(*args, **kwargs):\n"
        "    raise TypeError('a bug in a check')\n\n"
        "checks.check_error = check_error\n"
    )
    with served({}, FROZEN) as url:
        result = run_cli(
            tmp_path, url, "--", "-p", "bug_in_a_check", "-k", "not_found", pythonpath=str(tmp_path)
        )
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-2000:]
    report = report_of(tmp_path)
    assert report["verdict"] == "suite-error" and report["violations"] == []
    (error,) = report["suite_errors"]
    assert (
        error["test"].endswith("test_unknown_task_is_not_found[live]")
        and "a bug in a check" in error["error"]
    )
    assert "suite errors (the suite failed, not the target): 1" in result.stdout


def test_a_broken_field_is_one_finding_and_what_depends_on_it_is_not_checked(tmp_path: Path) -> None:
    """`image_urls` a string: one schema finding; the tests that need finished tasks are skipped as not
    checked, naming the field (no set-up errors), and the run ends quickly."""
    started = time.monotonic()
    with served(image_urls_a_string(), FROZEN) as url:
        result = run_cli(
            tmp_path, url, "--allow-spend", "--spend-budget", "2", "--", "-k", "custom_ids or errors"
        )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    report = report_of(tmp_path)
    (finding,) = report["violations"]
    assert (finding["check"], finding["field"]) == ("schema", "$.image_urls"), finding
    assert report["suite_errors"] == [] and " ERROR " not in result.stdout
    reasons = {skipped["reason"] for skipped in report["skipped_tests"]}
    assert "not checked: depends on image_urls (schema, reported once)" in reasons, reasons
    assert time.monotonic() - started < 120
    # A report that opens with its context, and a quiet console: no warnings of our own, no file paths.
    assert report["targets"][0]["base_url"] == url and report["targets"][0]["spent"] >= 1
    assert report["duration_s"] > 0 and report["spec_version"] and report["suite_version"]
    assert (
        (tmp_path / "reports" / "report.md")
        .read_text()
        .startswith(f"# Contract report\n\n| | |\n|---|---|\n| target | live at {url}")
    )
    rows = {(row["check"], row["operation"]): row["status"] for row in report["coverage_table"]}
    assert len(rows) == len(report["coverage_table"]) == len(rules())
    assert rows[("schema", "GET /v1/midjourney/{task_id}")] == "fail"
    assert rows[("task-not-found", "GET /v1/tasks/{task_id}")] == "pass"
    assert (
        report["coverage"].startswith("holds for ")
        and f"of {len(rules())} rules, fails" in report["coverage"]
    )
    console = result.stdout + result.stderr
    for noise in ("Warning", "configfile", "dev/null", ".py:", "site-packages"):
        assert noise not in console, console[-3000:]


def test_a_run_below_min_coverage_fails_and_says_how_much_was_covered(tmp_path: Path) -> None:
    with served({}, FROZEN) as url:
        result = run_cli(tmp_path, url, "--min-coverage", "90%", "--", "-k", "not_found")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    report = report_of(tmp_path)
    assert report["verdict"] == "too-little-covered" and report["violations"] == []
    assert report["coverage"].endswith("exercised); --min-coverage 90%: below"), report["coverage"]
    assert "Coverage: holds for " in (tmp_path / "reports" / "report.md").read_text()
    assert 'name="contract_coverage" value="holds for ' in (tmp_path / "reports" / "junit.xml").read_text()


def test_a_findings_printed_reproducer_finds_it_again_from_another_folder(tmp_path: Path) -> None:
    """The command a finding carries (everything but the keys, which come from the same variables) runs
    as printed, from another folder, and finds the same break, judging only its check."""
    first, second = tmp_path / "ci-job", tmp_path / "my-laptop"
    first.mkdir(), second.mkdir()
    with served(image_urls_a_string(), FROZEN) as url:
        run_cli(first, url, "--allow-spend", "--spend-budget", "2", "--", "-k", "custom_ids")
        (finding,) = report_of(first)["violations"]
        command = finding["replay"]
        assert command.startswith(f"apimart-contract --base-url {url} --allow-spend --spend-budget 2"), (
            command
        )
        assert "--only schema --test 'test_custom_ids::test_" in command and "sk-" not in command
        path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # where apimart-contract is installed
        again = subprocess.run(
            ["bash", "-c", command],
            cwd=second,
            env={"PATH": path, "HOME": str(second)},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
    report = report_of(second)
    assert [(v["check"], v["field"]) for v in report["violations"]] == [("schema", "$.image_urls")]
    assert report["tests"] == {"failed": 1} or sum(report["tests"].values()) == 1, report["tests"]


def test_a_violation_on_a_paid_target_survives_hypothesis_replaying_it(tmp_path: Path) -> None:
    """The lifecycle machine finds a broken field, spending what the paid phase left of the budget;
    replaying the failing steps, Hypothesis finds the budget gone, its preconditions differ, and it calls
    its own data generation flaky (FlakyStrategyDefinition). The finding is the violation, not a suite
    error."""
    with served(image_urls_a_string(), FROZEN) as url:
        result = run_cli(tmp_path, url, "--allow-spend", "--spend-budget", "2", "--", "-k", "lifecycle")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    report = report_of(tmp_path)
    assert report["suite_errors"] == []
    seen = [(v["check"], v["field"], v["test"]) for v in report["violations"]]
    assert ("schema", "$.image_urls", "test_task_lifecycle::test_task_lifecycle[live]") in seen, seen


def test_a_run_without_spending_still_exercises_the_lifecycles_free_rules(tmp_path: Path) -> None:
    """No task ids, no spending, no mock clock: the lifecycle machine still reads the balances, uploads an
    image and fetches it back, and reads an unknown task, instead of skipping whole."""
    with served({}, FROZEN) as url:
        result = run_cli(tmp_path, url, "--no-mock-clock", "--", "-k", "lifecycle")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    rows = {(row["check"], row["operation"]): row["status"] for row in report_of(tmp_path)["coverage_table"]}
    for rule in (
        ("balance", "GET /v1/balance"),
        ("balance", "GET /user/balance"),
        ("upload-served", "POST /v1/uploads/images"),
        ("task-not-found", "GET /v1/tasks/{task_id}"),
    ):
        assert rows[rule] == "pass", rule
