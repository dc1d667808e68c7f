"""customIds: every button of every task the target returns is the family its label names and names its
task's own job (the `Observer` judges each read); pressing a button gives a child of the action its label
names; a follow-up by index, direction or zoom ratio presses what the reference's auto-matching rules
(`oracle.expected_press`) say, or answers 400.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from .. import oracle
from ..checks import check_error
from ..lifecycle import ACTION_PATHS, _inputs, pressable
from ..probe import Exchange, Probe
from ..profiles import settings_for
from ..registry import AUTO_MATCHING, CHILD_ACTION, REQUEST_REFUSED, VERSION_RULES, Check
from ..targets import Target


def test_every_button_matches_its_label_and_names_its_job(
    target: Target, finished: list[dict[str, Any]]
) -> None:
    probe = Probe(target)
    for task in finished:
        probe.mj(task["id"])  # the Observer judges the buttons of every read


def _child_action(probe: Probe, submitted: Exchange, expected: str, refused: Check = REQUEST_REFUSED) -> None:
    if submitted.status != 200:
        raise probe.violation(submitted, refused, "$", f"HTTP 200 creating a {expected} task", submitted.body)
    child = probe.mj(submitted.body["data"][0]["task_id"])
    probe.judged(CHILD_ACTION, submitted)
    if child.status != 200 or child.body.get("action") != expected:
        raise probe.violation(child, CHILD_ACTION, "$.action", expected, child.body)


def test_pressing_a_button_gives_a_child_of_its_action(
    target: Target, finished: list[dict[str, Any]]
) -> None:
    target.require_spend()
    buttons = [
        (task, button, action) for task in finished for button, action in pressable(task.get("buttons") or [])
    ]
    probe = Probe(target)

    @settings_for(target, spends_per_example=1)
    @given(st.sampled_from(buttons))
    def press(choice: tuple[dict[str, Any], dict[str, Any], str]) -> None:
        task, button, action = choice
        submitted = probe.submit(
            ACTION_PATHS[action], {"task_id": task["id"], "custom_id": button["customId"]}
        )
        version = oracle.version_of_task(task)
        if action == "PAN" and version in oracle.PAN_REFUSED_VERSIONS:
            check_error(probe, submitted, 400, "invalid_request_error", VERSION_RULES)  # listed, yet v8.x
            return
        if action == "PAN" and version is None and oracle.PAN_REFUSED in str(submitted.body):
            return  # a child whose view names no version (its parent's may be v8.x): nothing to judge
        _child_action(probe, submitted, action)

    press()


def test_auto_matching_agrees_with_the_reference(target: Target, finished: list[dict[str, Any]]) -> None:
    """Where the task lists its buttons, the reference's rules predict the target: the child's action,
    or a 400. (An upscaled task in the live shape lists none, so nothing is predicted there.)"""
    target.require_spend()
    parents = [task for task in finished if task.get("buttons")]
    probe = Probe(target)

    @settings_for(target, spends_per_example=1)
    @given(
        st.sampled_from(parents),
        st.sampled_from(sorted(oracle.AUTO_MATCH)).flatmap(lambda a: st.tuples(st.just(a), _inputs(a))),
    )
    def resolve(task: dict[str, Any], request: tuple[str, dict[str, Any]]) -> None:
        action, inputs = request
        upscaled = task.get("action") == "UPSCALE"
        submitted = probe.submit(ACTION_PATHS[action], {"task_id": task["id"], **inputs})
        labels = [str(b.get("label", "")) for b in task["buttons"]]
        if oracle.expected_press(action, labels, inputs, upscaled=upscaled) is None:
            check_error(probe, submitted, 400, "invalid_request_error", AUTO_MATCHING)
            return
        _child_action(probe, submitted, action, AUTO_MATCHING)  # the child has the endpoint's action

    resolve()
