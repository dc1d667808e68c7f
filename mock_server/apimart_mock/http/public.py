"""Unauthenticated resources: the spec (`/openapi.json`), the health check and the media handed out."""

from __future__ import annotations

from flask import Blueprint, Response

from ..domain.errors import STORAGE_FULL, NotFound, StorageFull
from ..domain.media import IMAGE_NAME, VIDEO_NAME, png_for, video_bytes
from .context import mock
from .errors import error_response
from .pipeline import HEALTH_PATH
from .spec import spec_json

__all__ = ["blueprint"]

blueprint = Blueprint("public", __name__)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return Response(spec_json(), mimetype="application/json")


@blueprint.get(HEALTH_PATH)
def healthz() -> Response:
    """Cheap and unauthenticated: answering at all means the store's settings row was just read; 503
    `storage_error` while the store has no room to write (a full disk, a full Redis)."""
    if not mock().service.store.has_room():
        return error_response(503, StorageFull.error_type, STORAGE_FULL)
    return Response('{"status":"ok"}', mimetype="application/json")


@blueprint.get("/images/<name>")
def image(name: str) -> Response:
    if IMAGE_NAME.fullmatch(name) is None:
        raise NotFound("image not found")
    response = Response(png_for(name), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@blueprint.get("/videos/<name>")
def video(name: str) -> Response:
    if VIDEO_NAME.fullmatch(name) is None:
        raise NotFound("video not found")
    response = Response(video_bytes(), mimetype="video/mp4")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
