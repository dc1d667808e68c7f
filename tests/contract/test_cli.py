"""`apimart-contract` end to end, run from a folder of its own against a served (broken) mock: the exit
code and the reports a CI job reads. (tests/test_install.py runs the installed one; these run this
checkout's, in this venv, to prove what a run reports.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis.internal.charmap import charmap, charmap_file, intervals_from_codec

from apimart_contract.cli import hypothesis_cache
from apimart_contract.coverage import rules
from apimart_mock import MockConfig

from .broken import image_urls_a_string, served, unknown_task_forbidden
from .test_report import Page, assert_opens_offline

FROZEN = MockConfig(frozen_at=1_763_000_000.0, seed=0)


def run_cli(
    cwd: Path, base_url: str, *options: str, pythonpath: str = "", home: Path | None = None, **more: str
) -> subprocess.CompletedProcess[str]:
    """`apimart-contract` run from `cwd`, with `home` (else `cwd`) as the user's home and the environment
    variables `more`."""
    home = home or cwd
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": pythonpath, **more}
    give_unicode_tables(hypothesis_cache(env))
    return subprocess.run(
        [sys.executable, "-m", "apimart_contract", "--base-url", base_url, "--rate-limit", "200", *options],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def give_unicode_tables(storage: Path) -> None:
    """Put Hypothesis's Unicode tables (which characters each category and UTF-8 hold) into the Hypothesis
    storage folder `storage` (a run's `hypothesis_cache`), computed once in this process: a run without
    them computes them again, 1.2 s of its CPU. Tables only: no examples, so each run still draws afresh."""
    charmap()
    intervals_from_codec("utf-8")
    tables = charmap_file().parent
    shutil.copytree(tables, storage / "unicode_data" / tables.name, dirs_exist_ok=True)


def report_of(cwd: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((cwd / "reports" / "report.json").read_text())
    return report


def test_a_run_leaves_its_reports_where_it_starts_and_hypothesis_caches_in_the_users_cache(
    tmp_path: Path,
) -> None:
    """Hypothesis's caches (its Unicode tables, the constants it reads from code) go to the user's cache
    folder, `~/.cache/apimart-contract/hypothesis` or the same under `XDG_CACHE_HOME`, where the next run
    finds them: the folder a run starts in gets its reports and nothing else."""
    home, elsewhere = tmp_path / "home", tmp_path / "xdg"
    with served({}, FROZEN) as url:
        for cache, more in ((home / ".cache", {}), (elsewhere, {"XDG_CACHE_HOME": str(elsewhere)})):
            project = tmp_path / f"project-{cache.name}"
            project.mkdir()
            result = run_cli(project, url, "--", "-k", "not_found", home=home, **more)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
            assert sorted(path.name for path in project.iterdir()) == ["reports"]
            assert (cache / "apimart-contract" / "hypothesis" / "constants").is_dir()


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
    page = Page((tmp_path / "reports" / "report.html").read_text(encoding="utf-8"))
    assert_opens_offline(page)
    assert f"live at {url}" in page.words and finding["replay"] in page.words
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


def test_min_coverage_fails_a_run_that_covered_less_than_its_baseline(tmp_path: Path) -> None:
    """Yesterday's run also ran the lifecycle's free rules (balances, uploads); today's only reads unknown
    tasks: with `--min-coverage 0` and yesterday's report as the baseline, the fall alone fails the run."""
    yesterday, today = tmp_path / "yesterday", tmp_path / "today"
    yesterday.mkdir(), today.mkdir()
    with served({}, FROZEN) as url:
        assert run_cli(yesterday, url, "--", "-k", "not_found or lifecycle").returncode == 0
        baseline = str(yesterday / "reports" / "report.json")
        result = run_cli(today, url, "--baseline", baseline, "--min-coverage", "0", "--", "-k", "not_found")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    report = report_of(today)
    assert report["verdict"] == "too-little-covered" and report["violations"] == []
    assert "--min-coverage 0% or the baseline's " in report["coverage"], report["coverage"]


def test_a_findings_printed_reproducer_finds_it_again_from_another_folder(tmp_path: Path) -> None:
    """The command each finding carries (everything but the keys, which come from the same variables) runs
    as printed, from another folder, and finds the same break, judging only its check. It names the run's
    case (the seed its examples were drawn from), and `--allow-spend` only when the finding needed a
    submit: a finished task's broken field did; an unknown task answered 403 did not."""
    ci = tmp_path / "ci-job"
    ci.mkdir()
    with served({**image_urls_a_string(), **unknown_task_forbidden()}, FROZEN) as url:
        run_cli(
            ci,
            url,
            "--allow-spend",
            "--spend-budget",
            "2",
            "--case",
            "7",
            "--",
            "-k",
            "custom_ids or not_found",
        )
        replays = {finding["check"]: finding["replay"] for finding in report_of(ci)["violations"]}
        assert set(replays) == {"schema", "task-not-found"}, replays
        paid, free = replays["schema"], replays["task-not-found"]
        assert paid.startswith(f"apimart-contract --base-url {url} --allow-spend --spend-budget 2"), paid
        assert "--case 7 --only schema --test 'test_custom_ids::test_" in paid and "sk-" not in paid
        assert free == (
            f"apimart-contract --base-url {url} --rate-limit 200 --case 7 "
            "--only task-not-found --test 'test_errors::test_unknown_task_is_not_found[live]'"
        ), free
        path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # where apimart-contract is installed
        for check, command in replays.items():
            laptop = tmp_path / f"laptop-{check}"
            laptop.mkdir()
            again = subprocess.run(
                ["bash", "-c", command],
                cwd=laptop,
                env={"PATH": path, "HOME": str(laptop)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
            report = report_of(laptop)
            assert [v["check"] for v in report["violations"]] == [check]
            assert report["violations"][0]["replay"] == command  # the same case, found again
            assert sum(report["tests"].values()) == 1, report["tests"]
            assert (report["targets"][0]["spent"] > 0) == (command == paid), report["targets"]


def test_the_case_is_the_seed_every_example_is_drawn_from(tmp_path: Path) -> None:
    """`--case SEED` (pytest's `--hypothesis-seed`) decides the examples even under the derandomized `live`
    profile: the same case draws the same examples, another case others, and no example database is left."""
    (tmp_path / "test_draws.py").write_text(
        "from hypothesis import given, strategies as st\n\n"
        "def test_draws():\n"
        "    drawn = []\n\n"
        "    @given(st.integers())\n"
        "    def draw(number):\n"
        "        drawn.append(number)\n\n"
        "    draw()\n"
        "    with open('drawn.txt', 'a') as file:\n"
        "        file.write(repr(drawn) + '\\n')\n"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HYPOTHESIS_PROFILE": "live"}
    for case in ("3", "3", "4"):
        subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-p", "apimart_contract.plugin", "-p", "no:cacheprovider"),
                *("-q", f"--hypothesis-seed={case}", "test_draws.py"),
            ],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    first, again, other = (tmp_path / "drawn.txt").read_text().splitlines()
    assert first == again != other
    assert not (tmp_path / ".hypothesis" / "examples").exists()  # no example database


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
