"""GET /v1/tasks/{id} and GET /v1/midjourney/{id}: two views of one task at one moment."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from werkzeug.routing import BaseConverter

from .context import account, json_response, media_url, mock, now, scope
from .validation import check_language, check_task_id
from .views import midjourney_view, unified_view

__all__ = ["blueprint", "init_app"]

blueprint = Blueprint("tasks", __name__)


class TaskIdSegment(BaseConverter):
    """One path segment, except `generations`: that path is the imagine route (POST only), so a GET
    there must be a 405, not a task lookup."""

    regex = r"(?!generations$)[^/]+"


def init_app(app: Flask) -> None:
    app.url_map.converters["task_id"] = TaskIdSegment


@blueprint.get("/v1/tasks/<task_id:task_id>")
def get_task(task_id: str) -> Response:
    check_language(request)
    task = mock().service.get(account(), scope(), check_task_id(task_id), now())
    return json_response(unified_view(task, task.at(now()), media_url()))


@blueprint.get("/v1/midjourney/<task_id:task_id>")
def get_midjourney_task(task_id: str) -> Response:
    state = mock()
    task = state.service.get(account(), scope(), check_task_id(task_id), now())
    return json_response(midjourney_view(task, task.at(now()), media_url(), state.config.shape))
