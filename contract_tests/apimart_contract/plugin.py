"""The contract suite as a pytest plugin: `--target`, one session fixture per target, `--strict-warnings`,
`--report-dir`, the Hypothesis profiles and the report. Loaded only where a run asks for it:
`apimart-contract`, or `pytest -p apimart_contract.plugin` (installing the package registers nothing, so
another project's own pytest runs never see it).

`--target` takes a comma-separated list of `inprocess` (the mock in this process), `served` (the mock
served over HTTP on a free port, checked as a live API) and `live` (`APIMART_BASE_URL`). The default,
`inprocess,served`, is what `make test` runs; `apimart-contract` (and `make contract-live`) run `live`.
Only tests of this package are parametrized by target: the plugin stays out of other test suites. Their
schemathesis tests are collected without coverage cases and built in full at set-up (`lazy_cases`):
a run narrowed with `-k` builds only the cases of what it runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .report import ContractReport, TargetRun

if TYPE_CHECKING:
    from .ledger import Ledger
    from .targets import Target

TARGETS = ("inprocess", "served", "inprocess-redis", "served-redis", "live")
DEFAULT_TARGETS = "inprocess,served"
REPORT = "apimart-contract-report"
_LEDGERS = pytest.StashKey[dict[str, "Ledger"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apimart contract suite")
    group.addoption(
        "--target",
        default=DEFAULT_TARGETS,
        help=f"comma-separated contract-suite targets: {', '.join(TARGETS)} (default {DEFAULT_TARGETS})",
    )
    group.addoption(
        "--strict-warnings",
        action="store_true",
        default=os.environ.get("APIMART_STRICT_WARNINGS") == "1",
        help="contract warnings (HTTP hygiene) fail the run like violations (env APIMART_STRICT_WARNINGS=1)",
    )
    group.addoption(
        "--report-dir",
        default=None,
        help="write the contract report (report.md, report.json, report.html) into this folder",
    )
    group.addoption(
        "--min-coverage",
        default=None,
        type=_share,
        metavar="SHARE",
        help="fail the run when it exercises less than this share of the rules (0.4 or 40%%), or, with "
        "--baseline, less than the baseline run did",
    )
    group.addoption(
        "--only",
        default=None,
        metavar="CHECK",
        help="report only this check's violations (what a finding's reproducer runs)",
    )
    group.addoption(
        "--cassettes",
        default=None,
        metavar="DIR",
        help="judge the HAR cassettes in DIR (apimart-proxy --record) instead of a target",
    )
    group.addoption(
        "--state",
        default=os.environ.get("APIMART_CONTRACT_STATE"),
        metavar="FILE",
        help="a JSON ledger of when each rule was last exercised, per target URL and spec version: the "
        "paid phase puts the rules not reached lately first (env APIMART_CONTRACT_STATE)",
    )
    group.addoption(
        "--baseline",
        default=None,
        metavar="FILE",
        help="a previous run's report.json: the report lists new and fixed violations, new drift notices",
    )


def pytest_configure(config: pytest.Config) -> None:
    from .profiles import draw_from, register_profiles

    register_profiles()
    seed = config.getoption("hypothesis_seed", None)  # Hypothesis's own option, when its plugin runs
    if seed is not None:
        if not str(seed).isdigit():
            raise pytest.UsageError(f"--hypothesis-seed (apimart-contract --case): a whole number: {seed}")
        draw_from(int(seed))
    report_dir, baseline = config.getoption("--report-dir"), config.getoption("--baseline")
    report = ContractReport(Path(report_dir) if report_dir else None, Path(baseline) if baseline else None)
    report.min_coverage, report.only = config.getoption("--min-coverage"), config.getoption("--only")
    config.pluginmanager.register(report, REPORT)


def _share(text: str) -> float:
    """`0.4` or `40%`: a share between 0 and 1."""
    value = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise ValueError(f"a share between 0 and 1 (or 0% and 100%): {text}")
    return value


def selected_targets(config: pytest.Config) -> list[str]:
    names = [name.strip() for name in str(config.getoption("--target")).split(",") if name.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        raise pytest.UsageError(f"--target: unknown {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    return names


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """The suite's schemathesis tests are collected without their coverage cases (`lazy_cases`)..."""
    from .lazy_cases import deferring

    with deferring():
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """...and built with them when they are about to run."""
    from .lazy_cases import build_in_full

    build_in_full(item)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The suite's free tests first, then the ones after the paid phase (`paid_phase`, `finished`): every
    rule whose answer costs nothing is judged before anything is spent."""
    paid = [item for item in items if _ours(item) and "paid_phase" in getattr(item, "fixturenames", ())]
    if paid:
        rest = [item for item in items if item not in paid]
        items[:] = rest + paid


def _ours(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and module.__name__.startswith(__package__ + ".")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames and metafunc.module.__name__.startswith(__package__ + "."):
        metafunc.parametrize("target", selected_targets(metafunc.config), indirect=True, scope="session")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    from .planning import promise
    from .targets import REDIS_SUFFIX, InProcessMock, LiveApi, ServedMock, TargetSettings

    built: Target
    kind, redis = request.param.removesuffix(REDIS_SUFFIX), request.param.endswith(REDIS_SUFFIX)
    # `*-redis`: the mock over Redis, from the `redis_url` fixture (this repository's conftest starts one)
    store = f"{request.getfixturevalue('redis_url')}?prefix=contract-{uuid.uuid4().hex}" if redis else None
    if kind == "inprocess":
        built = InProcessMock(store=store)
    elif kind == "served":
        built = ServedMock(store=store)
    else:
        settings = TargetSettings.from_env()
        if isinstance(settings, str):
            pytest.skip(settings)
        built = LiveApi(settings)
    built.strict_warnings = bool(request.config.getoption("--strict-warnings"))
    report = _report(request.config)
    report.running[built.name] = built
    try:
        yield built
    finally:
        del report.running[built.name]
        ledger = _ledger(request.config, built)
        if ledger is not None:
            ledger.record(set(built.findings.judged))
            ledger.save(Path(request.config.getoption("--state")))
        exercised = set(built.findings.judged)
        report.rotation.append(f"{built.name}: {promise(built.budget.limit, exercised, ledger)}")
        report.findings.append(built.findings)
        report.targets.append(TargetRun.of(built))
        built.close()


def _report(config: pytest.Config) -> ContractReport:
    report = config.pluginmanager.get_plugin(REPORT)
    assert isinstance(report, ContractReport), "the report is registered in pytest_configure"
    return report


def _ledger(config: pytest.Config, target: Target) -> Ledger | None:
    """The `--state` ledger of `target` (its URL and the spec's version), loaded once a session."""
    from .ledger import Ledger
    from .spec import load_spec

    path = config.getoption("--state")
    if path is None:
        return None
    loaded = config.stash.setdefault(_LEDGERS, {})
    if target.name not in loaded:
        loaded[target.name] = Ledger.load(Path(path), target.base_url, str(load_spec()["info"]["version"]))
    return loaded[target.name]


@pytest.fixture(scope="session")
def paid_phase(request: pytest.FixtureRequest, target: Target) -> list[dict[str, Any]] | str:
    """The planned paid phase, once a session: finished tasks of the first account on `target` (the ones
    given, then the plan's, `planning.plan` for the budget and the `--state` ledger), or, when getting
    them broke the contract, why (the finding is reported once). A test that spends asks for it first,
    so it spends only what the plan leaves."""
    from .planning import plan
    from .runner import finished_tasks
    from .violations import ContractViolation

    ledger = _ledger(request.config, target)
    planned = plan(target.budget.remaining, *((ledger.last, ledger.runs) if ledger else ()))
    try:
        return finished_tasks(target, planned)
    except ContractViolation as exc:
        found = exc.violation
        first = getattr(request, "_pyfuncitem", None)  # the first test that needs them: it saw the break
        _report(request.config).observe(first.nodeid if first else f"finished[{target.name}]", found, exc)
        depends_on = found.field.removeprefix("$.").removeprefix("$") or found.operation
        return f"not checked: depends on {depends_on} ({found.check}, reported once)"


@pytest.fixture(scope="session")
def finished(target: Target, paid_phase: list[dict[str, Any]] | str) -> list[dict[str, Any]]:
    """Finished tasks of the first account on `target` (skips, saying what to set, when there are none;
    or naming what they depend on, when getting them broke the contract)."""
    if isinstance(paid_phase, str):
        pytest.skip(paid_phase)
    if not paid_phase:
        pytest.skip(
            f"{target.name}: no finished task to inspect: set APIMART_TASK_IDS or APIMART_ALLOW_SPEND=1"
        )
    return paid_phase
