"""Finished tasks of a target (`finished_tasks`: the ones given, then the paid phase's), and the paid
phase itself: a `planning.Plan` taken against a target, each step submitted through the probe (so the
spend budget, the rate limit and the wall time hold), each task it creates polled to its end, and what
it got judged:
the answer to the submit, the child's action, auto-matching, the modal flow, the finished task's
content (`judge_result`, the one place results are judged), and on every read what the `Observer`
judges (the views agreeing, the status flow, the buttons).
"""

from __future__ import annotations

from typing import Any

from apimart_mj import Parent, by_name

from . import oracle
from .checks import check_child_action, check_error, check_forbidden, judge_finished
from .flows import wait_for
from .planning import STEPS, Plan, Step, plan
from .probe import Exchange, Probe
from .registry import (
    AUTO_MATCHING,
    FOREIGN_FOLLOW_UP_ACCEPTED,
    MODAL_FLOW,
    REQUEST_REFUSED,
)
from .targets import Target

__all__ = ["finished_tasks", "follow_ups_as_other_account", "judge_result", "run_plan"]


def finished_tasks(target: Target, planned: Plan | None = None) -> list[dict[str, Any]]:
    """Midjourney views of finished tasks of the first account: the given ones (free), then those of the
    plan (by default the plan for what is left of the budget, without a ledger)."""
    probe = Probe(target)
    found = [wait_for(probe, task_id).body for task_id in target.task_ids]
    given = [task for task in found if task["status"] == "SUCCESS"]
    if given:
        follow_ups_as_other_account(probe, given[0])
    return given + run_plan(probe, planned or plan(target.budget.remaining), foreign_checked=bool(given))


def follow_ups_as_other_account(probe: Probe, task: dict[str, Any]) -> None:
    """Every follow-up endpoint, asked by the second account about the first one's finished task: 403 and
    nothing created. Free on a target that honours the contract, yet a submit: sent only where one may
    be reserved (it is given back when refused)."""
    if len(probe.target.api_keys) < 2:
        return
    for operation in sorted(
        {step.operation: step for step in STEPS.values() if step.parent}.values(), key=_name
    ):
        if probe.target.budget.remaining < 1:
            return
        exchange = probe.submit(operation.route, {**operation.body, "task_id": task["id"]}, account=1)
        check_forbidden(probe, exchange, task, FOREIGN_FOLLOW_UP_ACCEPTED)


def _name(step: Step) -> str:
    return step.name


def judge_result(probe: Probe, finished: Exchange, step: Step, sent: dict[str, Any]) -> None:
    """A finished task of `step`, judged by the submit that made it (`checks.judge_finished`: its action,
    /modal keeping the task, what its result holds by its action and the inputs `sent`)."""
    judge_finished(probe, finished, str(by_name(step.operation).action), sent)


def run_plan(probe: Probe, planned: Plan, *, foreign_checked: bool = False) -> list[dict[str, Any]]:
    """Take the planned steps in order (a step whose parent did not succeed is left out); the Midjourney
    views of the tasks that finished SUCCESS. Unless done on a given task, the first one to finish is
    the one the second account's follow-ups ask about, before anything more is spent."""
    made: dict[str, str] = {}
    bodies: dict[str, dict[str, Any]] = {}
    for step in planned.steps:
        if step.parent is not None and step.parent not in made:
            continue
        if probe.target.budget.remaining < 1 or probe.target.wall.used_up:
            break
        parent = bodies.get(step.parent or "")
        body = {**step.body, **({"task_id": made[step.parent]} if step.parent else {})}
        if parent is not None and not _predicted(step, parent):
            check_error(probe, probe.submit(step.route, body), 400, "invalid_request_error", AUTO_MATCHING)
            continue
        exchange = probe.submit(step.route, body)
        if step.refusal is not None:
            check_error(probe, exchange, 400, "invalid_request_error", step.refusal)
            continue
        task_id = _created(probe, exchange, step)
        if step.parent is not None:
            _check_child(probe, step, task_id, body)
        if not step.waits:
            made[step.name] = task_id
            continue
        finished = wait_for(probe, task_id)
        judge_result(probe, finished, step, body)
        for read in (probe.unified, probe.mj, probe.unified):  # a terminal status stays, in both views
            read(task_id)
        if finished.body.get("status") == "SUCCESS":
            made[step.name], bodies[step.name] = task_id, finished.body
            if not foreign_checked:
                foreign_checked = True
                follow_ups_as_other_account(probe, finished.body)
    return [body for name, body in bodies.items() if name in made]


def _predicted(step: Step, parent: dict[str, Any]) -> bool:
    """Whether the reference's auto-matching rules say the parent has the button the step presses (the
    live shape lists no buttons on an upscaled task, so there nothing is predicted: any answer goes)."""
    action = by_name(step.operation).action
    if step.refusal is not None or action not in oracle.AUTO_MATCH or not parent.get("buttons"):
        return True
    labels = [str(button.get("label", "")) for button in parent["buttons"]]
    upscaled = parent.get("action") == "UPSCALE"
    return oracle.expected_press(str(action), labels, step.body, upscaled=upscaled) is not None


def _created(probe: Probe, exchange: Exchange, step: Step) -> str:
    action = by_name(step.operation).action
    if exchange.status != 200:
        raise probe.violation(
            exchange, REQUEST_REFUSED, "$", f"HTTP 200 creating a {action} task", exchange.body
        )
    task_id: str = exchange.body["data"][0]["task_id"]
    return task_id


def _check_child(probe: Probe, step: Step, task_id: str, sent: dict[str, Any]) -> None:
    """A follow-up's task, read at once, has the action asked for (`checks.check_child_action`; /modal's
    is judged once it ends, `judge_result`); an auto-matched press was predicted; an inpaint waits in
    MODAL."""
    submitted = probe.mj(task_id)
    if step.operation == "modal":
        return
    check_child_action(probe, submitted, str(by_name(step.operation).action), sent)
    if by_name(step.operation).parent is Parent.BUTTON:
        probe.judged(AUTO_MATCHING, step.label)  # matched, as the reference predicted
    if step.operation == "inpaint":
        probe.judged(MODAL_FLOW, step.label)
        if submitted.body.get("status") != "MODAL":
            raise probe.violation(submitted, MODAL_FLOW, "$.status", "MODAL after /inpaint", submitted.body)
