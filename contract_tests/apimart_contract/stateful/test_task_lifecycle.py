"""The task lifecycle state machine, run against every selected target."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from apimart_mj import OPERATIONS

from ..lifecycle import machine_for
from ..profiles import settings_for
from ..targets import Target
from ..violations import ContractViolation


def test_task_lifecycle(target: Target, paid_phase: object) -> None:
    """Spends what the planned paid phase (`paid_phase`) leaves; reads and follows at random."""
    target.require_time()
    # Without tasks to follow (no ids given, no spending) the machine still runs its free rules: the
    # balances, an upload served back, an unknown task, each once; one run of it is all they need. The
    # coverage table says what it could not reach.
    chosen = settings_for(target)
    if not (target.task_ids or target.budget.limit):
        chosen = settings(chosen, max_examples=2)
    raised = len(target.findings.raised)
    try:
        run_state_machine_as_test(machine_for(target), settings=chosen)
    except Flaky as exc:
        # On a paid target the budget the first run spent is gone when Hypothesis replays the failing
        # steps, so the machine's preconditions differ and Hypothesis reports its data generation as
        # flaky (FlakyStrategyDefinition): the violation the first run found is the finding.
        found = target.findings.raised[raised:]
        if not found:
            raise  # a suite error
        raise ContractViolation(found[0]) from exc
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
