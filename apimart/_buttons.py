"""Pick a button of a finished task the way the service would, so its customId can be sent or shown."""

from __future__ import annotations

from apimart_mj import match_button

from ._errors import InvalidArgumentError, NoMatchingButton
from ._models import Button, MidjourneyTask
from ._requests import submit_operation
from ._types import Action

__all__ = ["pick_button"]


def pick_button(
    task: MidjourneyTask,
    action: Action | None = None,
    *,
    label: str | None = None,
    index: int | None = None,
    direction: str | None = None,
    zoom_ratio: float | None = None,
) -> Button:
    """The button of `task` (Midjourney view) that `label` names, or that the service's auto-matching
    would press for `action` with `index`, `direction` or `zoom_ratio`.

    Raises `NoMatchingButton` with the service's 400 message when there is none (an upscaled task, for
    example, has no U1-U4, and a grid has no pan buttons that auto-matching may use). Live responses list
    no buttons at all on an upscaled task although the service still matches against them: for such a
    task, pass `index`, `direction` or `zoom_ratio` to the action itself instead of a button.

    Usage:
    ```
    button = pick_button(task, "upscale", index=2)     # U2
    client.upscale(task, button=button)
    pick_button(task, label="Vary (Region)")
    ```
    """
    buttons = task.buttons or []
    if not buttons:
        raise NoMatchingButton(
            f"task {task.id} lists no buttons (live upscaled tasks do not); send index, direction or"
            " zoom_ratio with the action and the service matches the button itself"
        )
    if label is not None:
        for button in buttons:
            if button.label == label:
                return button
        raise NoMatchingButton(f"no button labelled {label!r} on task {task.id}")
    if action is None:
        raise InvalidArgumentError("pick_button needs an action or a label")
    return match_button(
        buttons,
        str(submit_operation(action).action),
        index=index,
        direction=direction,
        zoom_ratio=zoom_ratio,
        upscaled=str(task.action) == "UPSCALE",
    )
