"""The contract suite's pytest wiring: `--target`, one session fixture per target, the summary plugin.

`--target` takes a comma-separated list of `inprocess` (the mock in this process), `served` (the mock
served over HTTP on a free port, checked as a live API) and `live` (`APIMART_BASE_URL`). The default,
`inprocess,served`, is what `make test` runs; `make contract` passes `inprocess` (fast, no port) and
`make contract-live` passes `live`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .flows import finished_tasks
from .report import ViolationReport
from .targets import InProcessMock, LiveApi, ServedMock, Target, TargetSettings

TARGETS = ("inprocess", "served", "live")
DEFAULT_TARGETS = "inprocess,served"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("contract suite").addoption(
        "--target",
        default=DEFAULT_TARGETS,
        help=f"comma-separated contract-suite targets: {', '.join(TARGETS)} (default {DEFAULT_TARGETS})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ViolationReport(), "contract-violations")


def selected_targets(config: pytest.Config) -> list[str]:
    names = [name.strip() for name in str(config.getoption("--target")).split(",") if name.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        raise pytest.UsageError(f"--target: unknown {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", selected_targets(metafunc.config), indirect=True, scope="session")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    built: Target
    if request.param == "inprocess":
        built = InProcessMock()
    elif request.param == "served":
        built = ServedMock()
    else:
        settings = TargetSettings.from_env()
        if isinstance(settings, str):
            pytest.skip(settings)
        built = LiveApi(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture(scope="session")
def finished(target: Target) -> list[dict[str, Any]]:
    """Finished tasks of the first account on `target` (skips, saying what to set, when there are none)."""
    tasks = finished_tasks(target)
    if not tasks:
        pytest.skip(
            f"{target.name}: no finished task to inspect: set APIMART_TASK_IDS or APIMART_ALLOW_SPEND=1"
        )
    return tasks
