"""The end-of-run report: every finding, in the terminal summary, `report.md`, `report.json`, `report.html`
and the JUnit XML properties.

A pytest plugin (registered by `apimart_contract.plugin`). A failed test (setup, call or teardown) gives its
`Violation`s, whatever raised it: a `ContractViolation`, a schemathesis failure group, a plain assertion
(then a `test-failed` violation naming the test and the error), or, when the suite itself failed (a
Hypothesis internal error, a bug in a check), a suite error, which is never a contract violation.
Observations of one cause (`Violation.cause`) are one finding, listed once with each observation.
The targets hand over their warnings, drift notices and skipped checks when they close.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import re
import shlex
import textwrap
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest.junitxml import xml_key  # the JUnit XML of the run, for its global properties

from .coverage import Limits, Row, share, summary, table
from .registry import CHECKS, TEST_FAILED, Level
from .spec import load_spec
from .violations import Findings, Violation, suite_error, violations_of

if TYPE_CHECKING:
    from .targets import Target

__all__ = ["ContractReport", "Entry", "Finding", "SuiteError", "TargetRun", "digest", "short_name"]

_REPRODUCE = re.compile(r"@reproduce_failure\([^\n]*\)")
_WORKER_KEY = "apimart_contract_report"
_SPENDING = ("APIMART_ALLOW_SPEND", "APIMART_SPEND_BUDGET")
"""The options a reproducer names only when its finding needed a submit."""
_VERDICTS = {
    "suite-error": ("the suite", "failed", " (suite errors: no verdict on the contract)"),
    "violations": ("the contract is", "broken", ""),
    "too-little-covered": ("", "too little covered", " (below --min-coverage); no violation in what ran"),
    "holds": ("the contract", "holds", ""),
}
"""Each verdict in words: (before, the word that matters, after)."""
_SINCE = (
    ("new_violations", "new violations"),
    ("fixed_violations", "violations no longer seen"),
    ("new_drift", "new drift notices"),
)
_SHOWN = 400
"""Characters of an error message the report shows (cut at a word)."""


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return textwrap.shorten(excinfo.exconly(), width=_SHOWN, placeholder=" ...")


@dataclass(frozen=True)
class Entry:
    """One observation of a violation, by one test."""

    nodeid: str
    violation: Violation
    replay: str

    def to_json(self) -> dict[str, Any]:
        return {**self.violation.to_json(), "test": self.nodeid, "replay": self.replay}


@dataclass(frozen=True)
class Finding:
    """One cause: every observation of a check failing the same way at the same place."""

    observations: tuple[Entry, ...]

    @property
    def violation(self) -> Violation:
        """The first observation's violation."""
        return self.observations[0].violation

    def to_json(self) -> dict[str, Any]:
        entries = self.observations
        seen = [{"test": e.nodeid, "received": e.violation.received, "replay": e.replay} for e in entries]
        return {**entries[0].to_json(), "count": len(seen), "observations": seen}


@dataclass(frozen=True)
class SuiteError:
    """A failure of the suite itself in one test: its phase and the error."""

    nodeid: str
    when: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"test": self.nodeid, "phase": self.when, "error": self.error}


def short_name(nodeid: str) -> str:
    """A test as a reader names it, without the folder it was installed in:
    `.../properties/test_errors.py::test_x[live]` -> `test_errors::test_x[live]`."""
    path, _, test = nodeid.partition("::")
    return f"{path.rsplit('/', 1)[-1].removesuffix('.py')}::{test}" if test else nodeid


def reproducer(nodeid: str, check: str, exc: BaseException | None, *, spends: bool) -> str:
    """One command that runs the test that saw a finding again, judging only its check.

    Against the live target: `apimart-contract` with this run's options, everything but the keys (read
    from the same variables), from any folder. Its case (`--case SEED`: every example of the run was
    drawn from that seed) draws the same examples again; `--allow-spend` and the budget only when the
    finding needed a submit (`spends`). Against this repository's own targets: pytest with the suite's
    plugin; a Hypothesis `@reproduce_failure` blob, when printed, pins the very example."""
    test = short_name(nodeid)
    target = test.rsplit("[", 1)[-1].removesuffix("]")
    if target == "live":
        from .cli import OPTIONS

        options: list[str] = []
        for option, env, _, metavar in OPTIONS:
            value = os.environ.get(env)
            if value is None or (env == "HYPOTHESIS_PROFILE" and value == "live"):
                continue
            if env in _SPENDING and not spends:
                continue
            if metavar is not None:
                options += [option, value]
            elif value == ("0" if option == "--no-mock-clock" else "1"):
                options.append(option)
        return shlex.join(["apimart-contract", *options, "--only", check, "--test", test])
    profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
    command = f"HYPOTHESIS_PROFILE={profile} pytest -p apimart_contract.plugin --target={target} "
    command += shlex.quote(nodeid)
    blob = _REPRODUCE.search("\n".join(getattr(exc, "__notes__", [])))
    return f"{command}  (or add {blob.group(0)})" if blob else command


def digest(key: str) -> str:
    """How a report names an API key: never the key, a digest to tell keys apart."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class TargetRun:
    """What the report says of one target it checked: where, with which keys (by digest), what it spent."""

    name: str
    base_url: str
    keys: tuple[str, ...]
    spent: int
    budget: int
    out_of_time: bool = False
    judged: tuple[tuple[str, str, bool], ...] = ()
    """(check, operation, passed): the rules the run exercised."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(check, why): the checks skipped against this target."""
    recorded: bool = False
    """Judged from recorded traffic (`--cassettes`), not by requests of the suite."""

    @classmethod
    def of(cls, target: Target) -> TargetRun:
        return cls(
            target.name,
            target.base_url,
            tuple(digest(key) for key in target.api_keys),
            target.budget.spent,
            target.budget.limit,
            target.wall.used_up,
            tuple(
                (check, operation, passed) for (check, operation), passed in target.findings.judged.items()
            ),
            tuple(target.findings.skipped.items()),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetRun:
        fields: dict[str, Any] = {**data, "keys": tuple(data["keys"])}
        fields.update({k: tuple(map(tuple, data[k])) for k in ("judged", "skipped") if k in data})
        return cls(**fields)

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        del found["judged"], found["skipped"]  # in the coverage table
        return found

    def line(self) -> str:
        if self.recorded:
            return f"{self.name}: recorded traffic of {self.base_url}; accounts {', '.join(self.keys)}"
        budget = (
            f"{self.spent} of {self.budget} submits" if self.budget else "0 submits (spending not allowed)"
        )
        return f"{self.name} at {self.base_url}; keys {', '.join(self.keys)}; budget used: {budget}"


def _since(baseline: dict[str, Any], now: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What changed since a previous `report.json`: violations new and no longer seen, new drift notices.
    A finding is the same when its target, check, operation and field are (ids in `expected` differ
    from run to run)."""

    def key(found: dict[str, Any]) -> tuple[str, ...]:
        return (found.get("target", ""), found["check"], found["operation"], found["field"])

    def new(kind: str, of: dict[str, Any], than: dict[str, Any]) -> list[dict[str, Any]]:
        known = {key(found) for found in than.get(kind, [])}
        return [found for found in of.get(kind, []) if key(found) not in known]

    return {
        "new_violations": new("violations", now, baseline),
        "fixed_violations": new("violations", baseline, now),
        "new_drift": new("drift", now, baseline),
    }


@dataclass(eq=False)  # a pytest plugin: hashable, by identity
class ContractReport:
    """Collects violations per test and the targets' findings; prints and writes the report."""

    report_dir: Path | None = None
    baseline: Path | None = None
    """A previous run's `report.json`: the report says what changed since."""
    started: float | None = None
    finished: float | None = None
    targets: list[TargetRun] = field(default_factory=list)
    min_coverage: float | None = None
    """`--min-coverage`: the share of rules a run must exercise (and, with a baseline, no less than it)."""
    only: str | None = None
    """`--only CHECK`: the one check this run judges (a reproducer's run)."""
    entries: list[Entry] = field(default_factory=list)
    errors: list[SuiteError] = field(default_factory=list)
    findings: list[Findings] = field(default_factory=list)
    skipped_tests: list[tuple[str, str]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    running: dict[str, Target] = field(default_factory=dict)
    """This process's targets, by name, while they run (the plugin adds each it builds)."""
    _test: tuple[dict[str, int], bool] = ({}, False)
    """At the start of the running test: what each target had spent, and whether it needs finished tasks."""

    @pytest.hookimpl(tryfirst=True)  # before the test's fixtures: what they spend is the test's
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        spent = {name: target.budget.spent for name, target in self.running.items()}
        self._test = (spent, "finished" in getattr(item, "fixturenames", ()))

    def _spends(self, violation: Violation) -> bool:
        """Whether the running test needed a submit to see `violation`: its target spent during the test,
        or the test needs finished tasks and the run got them by submitting (no task ids given)."""
        spent, needs_finished = self._test
        ran = self.running.get(violation.target)
        return any(
            target.budget.spent > spent.get(name, 0) or (needs_finished and not target.task_ids)
            for name, target in self.running.items()
            if target is ran or ran is None
        )

    rotation: list[str] = field(default_factory=list)
    """Per target, what its paid phase promises across runs (`planning.promise`)."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[Any]
    ) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if report.skipped and call.excinfo is not None:
            reason = getattr(call.excinfo.value, "msg", str(call.excinfo.value))
            self.skipped_tests.append((short_name(item.nodeid), reason))
        if call.excinfo is None or report.passed or report.skipped:
            return
        self.record(item.nodeid, call.when, call.excinfo, item.user_properties)

    def record(
        self, nodeid: str, when: str, excinfo: pytest.ExceptionInfo[BaseException], properties: list[Any]
    ) -> None:
        """The violations a failed test carries; else a suite error, or a `test-failed` violation naming
        the test and its error."""
        found = violations_of(excinfo.value)
        if not found and suite_error(excinfo.value):
            self.errors.append(SuiteError(short_name(nodeid), when, _message(excinfo)))
            properties.append(("contract_suite_error", _message(excinfo)))
            return
        for violation in found or [self._uncaught(nodeid, when, excinfo)]:
            self.observe(nodeid, violation, excinfo.value)
            properties.append(("contract_violation", json.dumps(violation.to_json())))

    def observe(self, nodeid: str, violation: Violation, exc: BaseException | None = None) -> None:
        """One more observation of `violation` by the test `nodeid` (a set-up that failed for every test
        depending on it: once, by the first of them). With `--only CHECK`, only that check's."""
        if self.only is None or violation.check == self.only:
            replay = reproducer(nodeid, violation.check, exc, spends=self._spends(violation))
            self.entries.append(Entry(short_name(nodeid), violation, replay))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1

    @staticmethod
    def _uncaught(nodeid: str, when: str, excinfo: pytest.ExceptionInfo[BaseException]) -> Violation:
        return Violation(
            check=TEST_FAILED.name,
            operation=short_name(nodeid),
            status=None,
            field=f"({when})",
            expected="the test passes",
            received=_message(excinfo),
        )

    # ---- what the report holds ----
    def grouped(self) -> list[Finding]:
        """The violations, one finding per cause, in the order first seen."""
        causes: dict[tuple[str, ...], list[Entry]] = {}
        for entry in self.entries:
            causes.setdefault(entry.violation.cause, []).append(entry)
        return [Finding(tuple(entries)) for entries in causes.values()]

    def coverage(self) -> list[Row]:
        """Every rule of the registry, for every target: exercised (and how) or why not."""
        rows: list[Row] = []
        for run in self.targets:
            failed = [
                (e.violation.check, e.violation.operation)
                for e in self.entries
                if e.violation.target == run.name
            ]
            judged = {(check, operation): passed for check, operation, passed in run.judged}
            limits = Limits(run.budget, run.spent, run.out_of_time, run.recorded)
            rows += table(run.name, judged, failed, dict(run.skipped), limits)
        return rows

    @cached_property
    def previous(self) -> dict[str, Any] | None:
        """The baseline `report.json`, read once (None without `--baseline`)."""
        return None if self.baseline is None else json.loads(self.baseline.read_text(encoding="utf-8"))

    def previous_share(self) -> float | None:
        """The share of rules the baseline run exercised."""
        if self.previous is None:
            return None
        return share([Row(**row) for row in self.previous["coverage_table"]])

    @property
    def too_little_covered(self) -> bool:
        """With `--min-coverage`: exercised less than that share, or less than the baseline did."""
        if self.min_coverage is None:
            return False
        now, before = share(self.coverage()), self.previous_share()
        return now < self.min_coverage or (before is not None and now < before)

    @property
    def verdict(self) -> str:
        """`suite-error` (the suite failed: exit 2), `violations` (exit 1), `too-little-covered` (below
        `--min-coverage`: exit 1) or `holds` (exit 0)."""
        if self.errors:
            return "suite-error"
        return "violations" if self.entries else "too-little-covered" if self.too_little_covered else "holds"

    def noted(self, level: Level) -> list[tuple[Violation, int]]:
        return [entry for findings in self.findings for entry in findings.of_level(level)]

    def skipped_checks(self) -> dict[str, str]:
        return {name: reason for findings in self.findings for name, reason in findings.skipped.items()}

    def to_json(self) -> dict[str, Any]:
        def counted(level: Level) -> list[dict[str, Any]]:
            return [{**v.to_json(), "count": n} for v, n in self.noted(level)]

        found = {
            **self.context(),
            "verdict": self.verdict,
            "tests": self.outcomes,
            "violations": [finding.to_json() for finding in self.grouped()],
            "suite_errors": [error.to_json() for error in self.errors],
            "warnings": counted(Level.WARNING),
            "drift": counted(Level.DRIFT),
            "skipped_checks": self.skipped_checks(),
            "skipped_tests": [{"test": t, "reason": r} for t, r in self.skipped_tests],
            "checks": [
                {"name": c.name, "level": str(c.level), "verifies": c.verifies, "applies_to": c.applies_to}
                for c in CHECKS.values()
            ],
            "coverage_table": [asdict(row) for row in self.coverage()],
        }
        if self.previous is not None:
            found["since_baseline"] = {"baseline": str(self.baseline), **_since(self.previous, found)}
        return found

    def context(self) -> dict[str, Any]:
        """What a reader needs before the findings: where, when, how long, with what, at what cost."""
        started = None if self.started is None else datetime.fromtimestamp(self.started, UTC)
        stopped = self.finished
        duration = None if self.started is None or stopped is None else round(stopped - self.started, 1)
        try:
            suite = version("apimart-midjourney")
        except PackageNotFoundError:  # run from a checkout that was never installed
            suite = "unknown"
        return {
            "targets": [run.to_json() for run in self.targets],
            "started": started.isoformat(timespec="seconds") if started else None,
            "duration_s": duration,
            "suite_version": suite,
            "spec_version": str(load_spec()["info"]["version"]),
            "python": platform.python_version(),
            "coverage": self.coverage_line(),
            "rotation": self.rotation,
        }

    def coverage_line(self) -> str:
        rows = self.coverage()
        line = f"{summary(rows)} ({share(rows):.0%} exercised)"
        if self.min_coverage is not None:
            before = self.previous_share()
            line += f"; --min-coverage {self.min_coverage:.0%}"
            line += "" if before is None else f" or the baseline's {before:.0%}"
            line += ": below" if self.too_little_covered else ""
        return line

    def _context_rows(self) -> list[tuple[str, str]]:
        """The report's opening table, as (name, value) rows."""
        context = self.context()
        rows = [("target", run.line()) for run in self.targets] or [("target", "none ran")]
        return [
            *rows,
            ("started", context["started"] or "-"),
            ("duration", "-" if context["duration_s"] is None else f"{context['duration_s']} s"),
            ("coverage", context["coverage"]),
            *(("paid rules", line) for line in self.rotation),
            (
                "versions",
                f"suite {context['suite_version']}, spec {context['spec_version']}, "
                f"Python {context['python']}",
            ),
        ]

    def _counts(self) -> str:
        """`2 violations, 0 warnings, 1 drift notices, 0 suite errors (3 failed, 5 passed)`."""
        tests = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items())) or "no tests"
        return (
            f"{len(self.grouped())} violations, {len(self.noted(Level.WARNING))} warnings, "
            f"{len(self.noted(Level.DRIFT))} drift notices, {len(self.errors)} suite errors ({tests})"
        )

    def _verdict(self) -> tuple[str, str, str]:
        """The verdict in words (before, the word that matters, after); a run that could not spend says
        that its paid rules were not exercised."""
        before, verdict, after = _VERDICTS[self.verdict]
        if any(run.budget == 0 and not run.recorded for run in self.targets):
            after += " for the free rules; paid rules were not exercised (spending not allowed)"
        return before, verdict, after

    def markdown(self) -> str:
        warnings, drift, found = self.noted(Level.WARNING), self.noted(Level.DRIFT), self.grouped()
        before, verdict, after = self._verdict()
        lines = [
            "# Contract report",
            "",
            "| | |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in self._context_rows()],
            "",
            f"Verdict: {f'{before} **{verdict}**'.lstrip()}{after}: {self._counts()}. "
            f"Coverage: {self.coverage_line()}.",
            "",
        ]
        if self.errors:
            lines += ["## Suite errors (the suite failed, not the target)", ""]
            lines += [f"- `{e.nodeid}` ({e.when}): `{_cell(e.error, _SHOWN)}`" for e in self.errors]
            lines.append("")
        if self.baseline is not None:
            lines += self._since_baseline()
        lines += ["## Violations", ""]
        lines += [*_items([(f.violation, len(f.observations), f) for f in found])] or ["None."]
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
        lines += ["", "## Coverage", "", self.coverage_line(), ""]
        lines += ["| target | check | operation | status | why not |", "|---|---|---|---|---|"]
        lines += [
            f"| {r.target} | {r.check} | {r.operation} | {r.status} | {r.reason} |" for r in self.coverage()
        ]
        skipped = self.skipped_checks()
        lines += ["", "## Skipped checks", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in sorted(skipped.items())] or ["None."]
        if self.skipped_tests:
            lines += ["", "## Skipped tests", ""]
            lines += [f"- `{nodeid}`: {reason}" for nodeid, reason in self.skipped_tests]
        return "\n".join(lines) + "\n"

    def _since_baseline(self) -> list[str]:
        since = self.to_json()["since_baseline"]
        lines = [f"## Since the baseline ({since['baseline']})", ""]
        for kind, title in _SINCE:
            found = since[kind]
            lines.append(f"- {title}: {len(found)}")
            lines += [f"  - `{f['check']}`: {f['operation']} `{f['field']}`" for f in found]
        return [*lines, ""]

    def html(self) -> str:
        """report.html: the report as one page that opens offline (inline style, no script, nothing fetched);
        every value from the run or the target is escaped text."""
        found, shown = self.grouped(), self.to_json()
        before, verdict, after = self._verdict()
        body = [
            "<h1>Contract report</h1>",
            _table(["", ""], self._context_rows(), "context"),
            f'<p class="verdict {_e(self.verdict)}">Verdict: {_e(before)} <strong>{_e(verdict)}</strong>'
            f"{_e(after)}: {_e(self._counts())}.<br>Coverage: {_e(self.coverage_line())}.</p>",
        ]
        if self.errors:
            body.append("<h2>Suite errors (the suite failed, not the target)</h2>")
            body += [
                f"<p><code>{_e(e.nodeid)}</code> ({_e(e.when)})</p><pre>{_e(e.error)}</pre>"
                for e in self.errors
            ]
        if "since_baseline" in shown:
            since = shown["since_baseline"]
            body.append(f"<h2>Since the baseline ({_e(since['baseline'])})</h2><ul>")
            for kind, title in _SINCE:
                listed = "".join(
                    f"<li><code>{_e(f['check'])}</code>: {_e(f['operation'])} <code>{_e(f['field'])}</code>"
                    for f in since[kind]
                )
                body.append(f"<li>{_e(title)}: {len(since[kind])}<ul>{listed}</ul></li>")
            body.append("</ul>")
        body.append(f"<h2>Violations ({len(found)})</h2>")
        body += [_finding_html(number, f) for number, f in enumerate(found, 1)] or ["<p>None.</p>"]
        for level, title in ((Level.WARNING, "Warnings"), (Level.DRIFT, "Drift notices")):
            noted = self.noted(level)
            body.append(f"<h2>{title} ({len(noted)})</h2>")
            rows = [(v.check, v.operation, v.field, str(n), v.received) for v, n in noted]
            body.append(
                _table(["check", "operation", "field", "count", "example"], rows) if rows else "<p>None.</p>"
            )
        rows = [(r.target, r.check, r.operation, r.status, r.reason) for r in self.coverage()]
        body += [
            "<h2>Coverage</h2>",
            f"<p>{_e(self.coverage_line())}</p>",
            _table(["target", "check", "operation", "status", "why not"], rows, "coverage"),
            "<h2>Skipped checks</h2>",
            _table(["check", "why"], sorted(self.skipped_checks().items())),
            "<h2>Skipped tests</h2>",
            _table(["test", "why"], self.skipped_tests),
        ]
        return _PAGE.format(title=_e(f"Contract report: {self.verdict}"), body="\n".join(body))

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
            "errors": [[e.nodeid, e.when, e.error] for e in self.errors],
            "targets": [asdict(run) for run in self.targets],
            "rotation": self.rotation,
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
        self.errors += [SuiteError(nodeid, when, error) for nodeid, when, error in state["errors"]]
        self.targets += [TargetRun.from_json(run) for run in state["targets"]]
        self.rotation += state["rotation"]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        state = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if state is not None:
            self.merge(state)

    # ---- pytest hooks ----
    def pytest_sessionstart(self) -> None:
        self.started = time.time()

    @pytest.hookimpl(tryfirst=True)  # before the JUnit XML is written: its coverage properties
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.finished = time.time()
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller reports
            workeroutput[_WORKER_KEY] = self.worker_state()
            return
        xml = session.config.stash.get(xml_key, None)
        if xml is not None and self.targets:
            xml.add_global_property("contract_coverage", self.coverage_line())
            xml.add_global_property("contract_coverage_share", f"{share(self.coverage()):.3f}")
        if self.verdict != "holds" and session.exitstatus == pytest.ExitCode.OK:
            # a violation of a set-up many tests depend on (recorded once, the tests skipped), or too
            # little covered
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.report_dir is not None:
            self.write(self.report_dir)

    def write(self, folder: Path) -> None:
        """report.json, report.md and report.html, side by side in `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False))
        (folder / "report.md").write_text(self.markdown(), encoding="utf-8")
        (folder / "report.html").write_text(self.html(), encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for level, found in (
            (Level.WARNING, self.noted(Level.WARNING)),
            (Level.DRIFT, self.noted(Level.DRIFT)),
        ):
            if found:
                terminalreporter.section(f"contract {level}s: {len(found)}", sep="-", yellow=True)
                for violation, count in found:
                    terminalreporter.write_line(f"{violation.lines()[0]}  (x{count})")
        grouped = self.grouped()
        if grouped:
            terminalreporter.section(f"contract violations: {len(grouped)}", sep="=", bold=True, red=True)
            for finding in grouped:
                for line in finding.violation.lines():
                    terminalreporter.write_line(line)
                for entry in finding.observations:
                    terminalreporter.write_line(f"    test:      {entry.nodeid}")
                    terminalreporter.write_line(f"    replay:    {entry.replay}")
                terminalreporter.write_line("")
        if self.errors:
            terminalreporter.section(
                f"suite errors (the suite failed, not the target): {len(self.errors)}", sep="=", red=True
            )
            for error in self.errors:
                terminalreporter.write_line(f"{error.nodeid} ({error.when}): {error.error}")
        not_checked: dict[str, int] = {}
        for _, reason in self.skipped_tests:
            not_checked[reason] = not_checked.get(reason, 0) + 1
        if not_checked:
            terminalreporter.section(f"contract: {len(self.skipped_tests)} tests not checked", sep="-")
            for reason, count in not_checked.items():
                terminalreporter.write_line(f"{count:>3} x {reason}")
        for run in self.targets:
            terminalreporter.write_line(f"contract target {run.line()}")
        if self.report_dir is not None:
            terminalreporter.write_line(
                f"contract reports: {self.report_dir}/report.md, report.json, report.html"
            )


def _cell(text: str, width: int = 120) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:width]


def _items(found: list[tuple[Violation, int, Finding | None]]) -> list[str]:
    lines: list[str] = []
    for number, (v, count, finding) in enumerate(found, 1):
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
        for entry in finding.observations if finding is not None else ():
            received = _cell(entry.violation.received)
            lines += [f"- seen by `{entry.nodeid}`: `{received}`; replay: `{entry.replay}`"]
        lines.append("")
    return lines


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; }}
table {{ border-collapse: collapse; margin: .5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
pre, code {{ font: 12px ui-monospace, monospace; background: #f6f6f6; }}
pre {{ padding: .5em; white-space: pre-wrap; word-break: break-all; }}
.verdict {{ font-size: 1.2em; padding: .5em; border-left: .4em solid #888; }}
.verdict.holds {{ border-color: #2a7; }}
.verdict.violations, .verdict.suite-error, .verdict.too-little-covered {{ border-color: #c33; }}
.finding {{ border: 1px solid #ddd; padding: 0 1em; margin: 1em 0; }}
td.fail {{ background: #fdd; }}
td.pass {{ background: #dfd; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
"""report.html: one page, its style inline; nothing it shows is fetched."""


def _e(value: object) -> str:
    """Any value, as escaped HTML text."""
    return html.escape(str(value), quote=True)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], css: str = "") -> str:
    """A table of escaped text (`None.` when it has no rows). In a table of class `css` each cell of the
    column named `status` is of the class its value names (the coverage table: `pass`, `fail`)."""
    rows = list(rows)
    if not rows:
        return "<p>None.</p>"
    styled = header.index("status") if "status" in header else -1
    lines = [f'<table class="{_e(css)}">']
    if any(header):
        lines.append("<tr>" + "".join(f"<th>{_e(name)}</th>" for name in header) + "</tr>")
    for row in rows:
        cells = [
            f'<td class="{_e(cell)}">{_e(cell)}</td>' if column == styled else f"<td>{_e(cell)}</td>"
            for column, cell in enumerate(row)
        ]
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return "\n".join([*lines, "</table>"])


def _finding_html(number: int, finding: Finding) -> str:
    """One finding: what broke, how to run it again, the curl of the exchange, every observation."""
    v = finding.violation
    status = "no response" if v.status is None else f"HTTP {v.status}"
    times = f" (x{len(finding.observations)})" if len(finding.observations) > 1 else ""
    parts = [
        '<section class="finding">',
        f"<h3>{number}. <code>{_e(v.check)}</code>: {_e(v.operation)} -&gt; {_e(status)}{_e(times)}</h3>",
        _table(
            [],
            [
                ("target", v.target or "-"),
                ("field", v.field),
                ("expected", v.expected),
                ("received", v.received),
            ],
        ),
        f"<p>Run it again (keys from the same variables):</p><pre>{_e(finding.observations[0].replay)}</pre>",
    ]
    if v.reproducer:
        parts.append(f"<p>The exchange:</p><pre>{_e(v.reproducer)}</pre>")
    rows = [(entry.nodeid, entry.violation.received, entry.replay) for entry in finding.observations]
    parts += ["<p>Seen by:</p>", _table(["test", "received", "replay"], rows), "</section>"]
    return "\n".join(parts)
