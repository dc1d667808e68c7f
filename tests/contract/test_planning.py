"""The planned paid phase: greedy choice per submit, rotation across runs with the `--state` ledger, and
the promise a run prints ("every rule is covered within N runs at a budget of B") kept against the
served mock, run after run."""

from __future__ import annotations

import json
from pathlib import Path

from apimart_contract.coverage import rules
from apimart_contract.ledger import Ledger
from apimart_contract.planning import STEPS, plan, reachable, rotation
from apimart_contract.registry import FOREIGN_FOLLOW_UP_ACCEPTED
from apimart_contract.runner import finished_tasks
from apimart_contract.targets import InProcessMock

from .broken import served
from .test_cli import FROZEN, report_of, run_cli


def test_the_plan_covers_the_most_new_rules_per_submit_within_the_budget() -> None:
    """Two submits: an imagine and a follow-up of it beat two starts (a follow-up adds the child's action
    and auto-matching to what a start gives); each step's parents are planned before it."""
    two = plan(2)
    assert two.steps[0].operation == "imagine" and two.cost == 2
    pairs = [  # every pair of submits a run could make: two starts, or a start and a follow-up of it
        first.claims() | second.claims()
        for first in STEPS.values()
        for second in STEPS.values()
        if first.parent is None and first.cost == second.cost == 1 and second.parent in (None, first.name)
    ]
    paid = {rule for step in two.steps if step.cost for rule in step.claims()}
    assert len(paid) == max(map(len, pairs))
    assert STEPS[two.steps[1].name].parent == two.steps[0].name
    six = plan(6)
    assert six.cost == 6 and len(six.claims()) > len(two.claims())
    for index, step in enumerate(six.steps):
        assert step.parent is None or step.parent in [s.name for s in six.steps[:index]]
    # A refusal (remix of a v6.1 grid: 400, nothing spent) is free once its parent is planned.
    assert any(step.refusal is not None for step in six.steps)
    assert plan(0).steps == ()


def test_a_rule_left_out_longest_goes_first() -> None:
    """After a run that exercised what the first plan claims, the next plan claims other rules first."""
    first = plan(6)
    second = plan(6, dict.fromkeys(first.claims(), 1), runs=1)
    assert second.claims() - first.claims()
    new = {step.name for step in second.steps if step.cost} - {step.name for step in first.steps}
    assert new, [step.name for step in second.steps]


def test_the_rotation_covers_every_reachable_rule() -> None:
    plans = rotation(6)
    assert len(plans) == 4
    assert set().union(*(p.claims() for p in plans)) == reachable(6)
    assert all(p.cost <= 6 for p in plans)
    assert len(rotation(100)) == 1 and rotation(0) == []


def test_the_ledger_is_kept_per_target_url_and_spec_version(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    mine = Ledger.load(state, "http://a.example/", "1.0.0")
    mine.record({("schema", "GET /v1/balance")})
    mine.save(state)
    other = Ledger.load(state, "http://b.example", "1.0.0")
    other.record({("balance", "GET /v1/balance")})
    other.save(state)
    again = Ledger.load(state, "http://a.example", "1.0.0")
    assert (again.runs, again.last) == (1, {("schema", "GET /v1/balance"): 1})
    assert Ledger.load(state, "http://a.example", "1.1.0").runs == 0  # a new spec version starts afresh
    assert sorted(json.loads(state.read_text())["ledgers"]) == [
        "http://a.example spec 1.0.0",
        "http://b.example spec 1.0.0",
    ]


def test_every_rule_is_covered_within_the_promised_runs_at_a_budget_of_6(tmp_path: Path) -> None:
    """A daily CI job: budget 6, the ledger kept between runs. Within the number of runs the report
    promises, every rule the planned flows reach has been exercised against the served mock (the ledger
    records what the checks judged, not what the plan claimed)."""
    state = tmp_path / "state.json"
    with served({}, FROZEN) as url:
        promised = None
        for run in range(1, 10):
            folder = tmp_path / f"run-{run}"
            folder.mkdir()
            result = run_cli(
                folder,
                url,
                *("--allow-spend", "--spend-budget", "6", "--state", str(state)),
                *("--", "-k", "test_other_accounts"),
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
            (line,) = report_of(folder)["rotation"]
            promised = promised or int(line.split("covered within ")[1].split()[0])
            assert f"at a budget of 6 ({len(reachable(6))} rules" in line, line
            if line.endswith(f"0 not yet covered in {run} runs of the ledger"):
                break
    assert promised == 4 and run <= promised, (run, line)
    ledger = Ledger.load(
        state, url, json.loads((folder / "reports" / "report.json").read_text())["spec_version"]
    )
    assert ledger.runs == run and reachable(6) <= set(ledger.last)


def test_another_accounts_follow_ups_are_judged_before_more_is_spent() -> None:
    """The first finished task of the paid phase (or a given one) is asked about by the second account at
    every follow-up endpoint: 403, nothing created; one submit spent in all, the imagine."""
    target = InProcessMock()
    try:
        finished_tasks(target, plan(1))
    finally:
        target.close()
    judged = {
        operation for (check, operation) in target.findings.judged if check == FOREIGN_FOLLOW_UP_ACCEPTED.name
    }
    assert judged == {operation for check, operation in rules() if check == FOREIGN_FOLLOW_UP_ACCEPTED.name}
    assert target.budget.spent == 1
