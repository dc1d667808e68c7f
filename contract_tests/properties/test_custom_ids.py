"""customIds: every button of every task the target returns parses, formats back to the same string and
names its task's own job; pressing a button gives a child of the action its customId names; resolving
an index, direction or zoom ratio to a button (`match_button`) agrees with what the target does.
"""

from __future__ import annotations

from typing import Any

from apimart_mj_client.models import Button
from hypothesis import given
from hypothesis import strategies as st

from apimart_mj import NoMatchingButton, match_button

from ..checks import JobRegistry, check_buttons, check_error
from ..lifecycle import ACTION_PATHS, _inputs, pressable
from ..probe import Exchange, Probe
from ..profiles import settings_for
from ..targets import Target


def test_every_button_parses_and_names_its_job(target: Target, finished: list[dict[str, Any]]) -> None:
    probe, registry = Probe(target), JobRegistry()
    for task in finished:
        check_buttons(probe, probe.mj(task["id"]), registry)


def _child_action(probe: Probe, submitted: Exchange, expected: str) -> None:
    if submitted.status != 200:
        raise probe.violation(
            submitted, "button-not-pressable", "$", f"HTTP 200 creating a {expected} task", submitted.body
        )
    child = probe.mj(submitted.body["data"][0]["task_id"])
    if child.status != 200 or child.body.get("action") != expected:
        raise probe.violation(child, "child-action", "$.action", expected, child.body)


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
        _child_action(probe, submitted, action)

    press()


def test_auto_matching_agrees_with_the_target(target: Target, finished: list[dict[str, Any]]) -> None:
    """Where the task lists its buttons, `match_button` predicts the target: the child's action, or the
    400 and its message. (An upscaled task in the live shape lists none, so nothing is predicted there.)"""
    target.require_spend()
    parents = [task for task in finished if task.get("buttons")]
    probe = Probe(target)

    @settings_for(target, spends_per_example=1)
    @given(
        st.sampled_from(parents),
        st.sampled_from(sorted(ACTION_PATHS)).flatmap(lambda a: st.tuples(st.just(a), _inputs(a))),
    )
    def resolve(task: dict[str, Any], request: tuple[str, dict[str, Any]]) -> None:
        action, inputs = request
        upscaled = task.get("action") == "UPSCALE"
        submitted = probe.submit(ACTION_PATHS[action], {"task_id": task["id"], **inputs})
        try:
            match_button([Button.from_dict(b) for b in task["buttons"]], action, upscaled=upscaled, **inputs)
        except NoMatchingButton as exc:
            check_error(probe, submitted, 400, "invalid_request_error", "auto-matching")
            if submitted.body["error"]["message"] != str(exc):
                raise probe.violation(
                    submitted, "auto-matching", "$.error.message", str(exc), submitted.body
                ) from exc
            return
        _child_action(probe, submitted, action)  # auto-matched: the child has the endpoint's action

    resolve()
