"""The task lifecycle state machine, run against every selected target."""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from apimart_mj import OPERATIONS

from ..lifecycle import machine_for
from ..profiles import settings_for
from ..targets import Target


def test_task_lifecycle(target: Target) -> None:
    target.require_time()
    if not target.task_ids and target.budget.limit == 0:
        pytest.skip(f"{target.name}: no tasks to follow: set APIMART_TASK_IDS or APIMART_ALLOW_SPEND=1")
    run_state_machine_as_test(machine_for(target), settings=settings_for(target))
    if target.free:  # our own mock, kept perfect: not even a drift notice
        assert target.findings.entries == {}, [v.lines()[0] for v, _ in target.findings.entries.values()]
    # The journal shows what the machine reached: a property of the machine, judged once, on the
    # SQLite-backed run (`inprocess-redis` draws other derandomized examples, so reaches other routes).
    if target.white_box and target.name == "inprocess":
        sent: set[tuple[str, str]] = set()
        page = target.control("GET", "/__mock/requests?limit=1000")
        while True:  # the journal comes in pages
            sent |= {(entry["method"], entry["path"]) for entry in page["requests"]}
            if page["next_cursor"] is None:
                break
            page = target.control("GET", f"/__mock/requests?limit=1000&cursor={page['next_cursor']}")
        routes = {
            (route.method, route.path) for op in OPERATIONS for route in op.routes if "{" not in route.path
        }
        unreached = sorted(routes - sent)
        assert unreached == [], f"operations the lifecycle machine never called: {unreached}"
