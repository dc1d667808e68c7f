"""Turn method arguments into HTTP requests: the pure half of every call, shared by both clients.

Paths and bodies come from the generated client (its request models and each operation's request
builder), so they follow `openapi.yaml`; this module only checks what a caller passed and picks the
operation. Nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import attrs
from apimart_mj_client.api.midjourney import (
    get_midjourney_task,
    high_variation,
    imagine,
    inpaint,
    low_variation,
    modal,
    pan,
    reroll,
    upscale,
    variation,
    zoom,
)
from apimart_mj_client.api.tasks import get_task
from apimart_mj_client.models import (
    Button,
    Direction,
    ImagineRequest,
    IndexedActionRequest,
    InpaintRequest,
    Language,
    Metadata,
    MidjourneyTask,
    ModalRequest,
    PanRequest,
    RerollRequest,
    Speed,
    SubmittedTask,
    UnifiedTask,
    ZoomRequest,
)
from apimart_mj_client.types import UNSET

from apimart_mj import CustomId

from ._errors import InvalidArgumentError
from ._types import Action, ButtonRef, RequestSpec, TaskRef, View

__all__ = ["ACTIONS", "build_action", "build_get", "build_imagine", "custom_id_of", "task_id_of"]

ACTIONS: Mapping[Action, tuple[ModuleType, type[Any]]] = {
    "upscale": (upscale, IndexedActionRequest),
    "variation": (variation, IndexedActionRequest),
    "high_variation": (high_variation, IndexedActionRequest),
    "low_variation": (low_variation, IndexedActionRequest),
    "reroll": (reroll, RerollRequest),
    "zoom": (zoom, ZoomRequest),
    "pan": (pan, PanRequest),
    "inpaint": (inpaint, InpaintRequest),
    "modal": (modal, ModalRequest),
}
"""Each follow-up action: the generated operation module and its request body model."""


def task_id_of(task: TaskRef) -> str:
    """The id of `task`, whether it is an id or a task / submit answer the API returned."""
    task_id: object = None
    if isinstance(task, str):
        task_id = task
    elif isinstance(task, SubmittedTask):
        task_id = task.task_id
    elif isinstance(task, MidjourneyTask | UnifiedTask):
        task_id = task.id
    if not isinstance(task_id, str) or not task_id:
        raise InvalidArgumentError(f"expected a task or a task id, got {task!r}")
    return task_id


def custom_id_of(button: ButtonRef) -> str:
    """The customId string of a button, a parsed `CustomId` or a string (sent as given)."""
    if isinstance(button, Button):
        return button.custom_id
    if isinstance(button, CustomId | str):
        return str(button)
    raise InvalidArgumentError(f"expected a customId or a button, got {button!r}")


def build_get(task: TaskRef, *, view: View, language: str | None = None) -> RequestSpec:
    """`GET /v1/midjourney/{id}` (`view="mj"`) or `GET /v1/tasks/{id}` (`view="unified"`)."""
    task_id = task_id_of(task)
    if view == "mj":
        if language is not None:
            raise InvalidArgumentError("language is only offered by the unified view")
        return get_midjourney_task._get_kwargs(task_id)
    if view == "unified":
        lang = UNSET if language is None else _enum(Language, language, "language")
        return get_task._get_kwargs(task_id, language=lang)
    raise InvalidArgumentError(f"view must be 'mj' or 'unified', got {view!r}")


def build_imagine(
    prompt: str, *, speed: str | None, metadata: Mapping[str, Any] | None, options: Mapping[str, Any]
) -> RequestSpec:
    """`POST /v1/midjourney/generations/imagine`; `options`: the structured fields (`size`, `version`...)."""
    fields = _common(speed, metadata)
    try:
        body = ImagineRequest(prompt=prompt, **fields, **options)
    except TypeError:
        unknown = sorted(set(options) - set(attrs.fields_dict(ImagineRequest)))
        raise InvalidArgumentError(f"imagine does not take {', '.join(unknown)}") from None
    return imagine._get_kwargs(body=body)


def build_action(
    action: Action,
    task: TaskRef,
    *,
    index: int | None = None,
    button: ButtonRef | None = None,
    direction: str | None = None,
    zoom_ratio: float | None = None,
    prompt: str | None = None,
    mask_url: str | None = None,
    speed: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> RequestSpec:
    """The request of a follow-up `action` on `task`.

    Arguments the action's endpoint does not take are refused here rather than silently dropped. What is
    sent is what was given: choosing the button from `index`, `direction` or `zoom_ratio` is the service's
    job (its auto-matching), and a `button` is sent as `custom_id`, which the service prefers.
    """
    if action not in ACTIONS:
        raise InvalidArgumentError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    module, model = ACTIONS[action]
    given: dict[str, Any] = {
        "index": index,
        "custom_id": None if button is None else custom_id_of(button),
        "direction": None if direction is None else _enum(Direction, direction, "direction"),
        "zoom_ratio": zoom_ratio,
        "prompt": prompt,
        "mask_url": mask_url,
    }
    given = {name: value for name, value in given.items() if value is not None}
    accepted = attrs.fields_dict(model)
    refused = [name for name in given if name not in accepted]
    if refused:
        raise InvalidArgumentError(f"{action} does not take {', '.join(refused)}")
    body = model(task_id=task_id_of(task), **given, **_common(speed, metadata))
    spec: RequestSpec = module._get_kwargs(body=body)
    return spec


def _common(speed: str | None, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if speed is not None:
        fields["speed"] = _enum(Speed, speed, "speed")
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise InvalidArgumentError(f"metadata must be a mapping, got {type(metadata).__name__}")
        fields["metadata"] = Metadata.from_dict(metadata)
    return fields


def _enum(enum: Any, value: str, name: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InvalidArgumentError(f"{name} must be one of {choices}, got {value!r}") from None
