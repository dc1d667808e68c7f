"""Recorded traffic judged offline (`apimart-contract --cassettes DIR`, or pytest with `--cassettes`): the
exchanges of every cassette, in the order they happened, judged with the suite's checks
(`proxy._judging.Judgement`); each task is one test, and the exchanges of no task (balance, uploads,
errors) one more. No network, no keys. A cassette that cannot be read stops the run naming its file and
line (exit 2)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ..plugin import REPORT
from ..proxy._cassette import CassetteError
from ..proxy._judging import NO_TASK, Judged, judge_folder
from ..report import ContractReport, TargetRun
from ..violations import ContractViolation


@cache
def judged(folder: str) -> Judged:
    """The cassettes under `folder`, judged once for the whole run (raises `CassetteError`)."""
    return judge_folder(Path(folder))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "recorded_task" not in metafunc.fixturenames:
        return
    folder = metafunc.config.getoption("--cassettes")
    if not folder:
        metafunc.parametrize(
            "recorded_task", [pytest.param(None, marks=pytest.mark.skip(reason="no --cassettes"))]
        )
        return
    try:
        tasks = judged(str(Path(folder).resolve())).by_task
    except CassetteError as error:
        raise pytest.UsageError(f"--cassettes: {error}") from None
    metafunc.parametrize("recorded_task", sorted(set(tasks) | {NO_TASK}))


@pytest.fixture(scope="session")
def recording(request: pytest.FixtureRequest) -> Judged:
    """The judged cassettes; the report gets their findings and coverage once."""
    found = judged(str(Path(request.config.getoption("--cassettes")).resolve()))
    report = request.config.pluginmanager.get_plugin(REPORT)
    assert isinstance(report, ContractReport)
    accounts = tuple(sorted({str(digest) for digest in found.judgement.accounts if digest}))
    report.findings.append(found.judgement.findings)
    report.targets.append(
        TargetRun(
            "cassettes",
            ", ".join(found.upstreams),
            accounts,
            spent=0,
            budget=0,
            judged=tuple((c, o, passed) for (c, o), passed in found.judgement.findings.judged.items()),
            recorded=True,
        )
    )
    return found


def test_recorded_task(recording: Judged, recorded_task: str) -> None:
    """Every exchange of one recorded task (or of none) holds to the contract."""
    found = recording.by_task.get(recorded_task, [])
    if len(found) == 1:
        raise ContractViolation(found[0])
    if found:
        raise ExceptionGroup(
            f"{len(found)} violations in {recorded_task}", [ContractViolation(v) for v in found]
        )
