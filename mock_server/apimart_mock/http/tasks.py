"""GET /v1/tasks/{id} and GET /v1/midjourney/{id}: two views of one task at one moment.

Each view hands its request to `polls.answer_polls`, which answers it whole; the WSGI middleware and the
RSGI loop call the same function before Flask is reached (http/fast.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from werkzeug.routing import BaseConverter

from .context import media_url, mock
from .pipeline import POLLS
from .polls import answer_polls

__all__ = ["blueprint", "init_app"]

blueprint = Blueprint(POLLS, __name__)


class TaskIdSegment(BaseConverter):
    """One path segment, except `generations`: that path is the imagine route (POST only), so a GET
    there must be a 405, not a task lookup."""

    regex = r"(?!generations$)[^/]+"


def init_app(app: Flask) -> None:
    app.url_map.converters["task_id"] = TaskIdSegment


@blueprint.get("/v1/tasks/<task_id:task_id>")
def get_task(task_id: str) -> Response:
    return _poll("unified", task_id)


@blueprint.get("/v1/midjourney/<task_id:task_id>")
def get_midjourney_task(task_id: str) -> Response:
    return _poll("mj", task_id)


def _poll(view: str, task_id: str) -> Response:
    (answer,) = answer_polls(mock(), [(request.environ, (view, task_id), media_url())], may_wait=True)
    assert answer is not None  # it may wait: it always answers
    status, headers, data = answer
    return Response(data, status, headers)
