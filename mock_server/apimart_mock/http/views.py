"""A task rendered as the two views of the API, from one `TaskState`, so both always agree.

`GET /v1/midjourney/{id}` shows the bare Midjourney task (live or documented shape);
`GET /v1/tasks/{id}` shows the unified `{code, data}` envelope with mapped statuses.
"""

from __future__ import annotations

import math
from typing import Any

from apimart_mj import Result, format_progress, to_unified

from ..config import ViewShape
from ..domain.accounts import Balance
from ..domain.buttons import Button
from ..domain.media import grid_image_path, tile_image_path, video_path
from ..domain.results import describe_text
from ..domain.task import Task, TaskState

__all__ = ["URL_LIFETIME", "balance_view", "error_body", "midjourney_view", "submitted", "unified_view"]

URL_LIFETIME = 24 * 3600
"""`expires_at` of result URLs is completion + 24 h (both doc examples); the images outlive it."""
_FAILED = {"code": 500, "type": "task_failed"}
_CANCELLED = {"code": 408, "type": "task_cancelled"}


def midjourney_view(task: Task, state: TaskState, media: str, shape: ViewShape) -> dict[str, Any]:
    """The bare task of `GET /v1/midjourney/{id}`; `media` is the base URL of the media it links to."""
    live = shape is ViewShape.LIVE
    view: dict[str, Any] = {
        "id": task.id,
        "status": state.status,
        "action": task.action,
        "progress": format_progress(state.progress),
        "quota": state.quota,
    }
    if task.result is Result.TEXT:  # a text result is the prompt (describe, docs/decisions.md)
        view["mode"] = task.action
        if state.succeeded:
            view["prompt"] = view["description"] = describe_text(task.job_hash)
    else:
        view["prompt_en" if live else "prompt"] = task.prompt
    if task.result is Result.VIDEO:
        view["mode"] = "FAST"
    if live:
        view["created_at"] = int(task.created_at)
        if state.finished_at is not None:
            view["finished_at"] = int(state.finished_at)
    if state.succeeded:
        view.update(_results(task, media, live))
    if state.failed:
        view["fail_reason"] = state.fail_reason
    return view


def _results(task: Task, media: str, live: bool) -> dict[str, Any]:
    """What a finished task shows in the MJ view, by its shape."""
    if task.result is Result.VIDEO:
        urls = _video_urls(task, media)
        return {"video_url": urls[0], "video_urls": urls}
    if task.result is Result.TEXT:
        return {}
    results: dict[str, Any] = {"image_urls": _image_urls(task, media)}
    if task.result is Result.GRID:
        results["grid_image_url"] = media + grid_image_path(task.job_hash)
    if task.result is Result.GRID or not live:
        results["buttons"] = [_button(button) for button in task.buttons]
    return results


def unified_view(task: Task, state: TaskState, media: str) -> dict[str, Any]:
    """The `{code, data}` envelope of `GET /v1/tasks/{id}`, statuses mapped (docs/decisions.md)."""
    data: dict[str, Any] = {
        "id": task.id,
        "status": to_unified(state.status, cancelled=state.cancelled),
        "progress": state.progress,
        "created": int(task.created_at),
        "estimated_time": math.ceil(task.timing.total),
    }
    if state.succeeded and state.finished_at is not None:
        finished = int(state.finished_at)
        data["completed"] = finished
        data["actual_time"] = max(0, finished - int(task.created_at))
        expires = finished + URL_LIFETIME
        if task.result is Result.VIDEO:
            data["result"] = {"videos": [{"url": _video_urls(task, media), "expires_at": expires}]}
        elif task.result is not Result.TEXT:
            data["result"] = {"images": [{"url": _image_urls(task, media), "expires_at": expires}]}
    if state.failed:
        data["error"] = {**(_CANCELLED if state.cancelled else _FAILED), "message": state.fail_reason}
    return {"code": 200, "data": data}


def balance_view(balance: Balance) -> dict[str, Any]:
    """The balance body: `remain_balance` -1 and `unlimited_quota` when there is no limit."""
    remaining = balance.remaining
    return {
        "success": True,
        "remain_balance": -1 if remaining is None else round(remaining, 6),
        "used_balance": round(balance.used, 6),
        "unlimited_quota": remaining is None,
    }


def error_body(status: int, error_type: str, message: str) -> dict[str, Any]:
    """The APIMart error envelope, for every error the mock answers."""
    return {"error": {"code": status, "message": message, "type": error_type}}


def submitted(task: Task) -> dict[str, Any]:
    """The answer to a submit: `modal` for a task that waits for /modal, else `submitted`."""
    status = "modal" if task.started_at is None else "submitted"
    return {"code": 200, "data": [{"status": status, "task_id": task.id}]}


def _image_urls(task: Task, media: str) -> list[str]:
    return [media + tile_image_path(task.job_hash, tile) for tile in task.tiles]


def _video_urls(task: Task, media: str) -> list[str]:
    return [media + video_path(task.job_hash, n) for n in task.tiles]


def _button(button: Button) -> dict[str, Any]:
    return {"customId": button.custom_id, "label": button.label, "style": button.style, "type": button.type}
