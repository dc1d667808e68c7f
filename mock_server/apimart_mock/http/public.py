"""Unauthenticated resources: the spec (`/openapi.json`), the health check and the media handed out."""

from __future__ import annotations

from flask import Blueprint, Response

from ..domain.errors import NotFound
from ..media import IMAGE_NAME, VIDEO_NAME, png_for, video_bytes
from ..spec import spec_json
from .pipeline import HEALTH_PATH

__all__ = ["blueprint"]

blueprint = Blueprint("public", __name__)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return Response(spec_json(), mimetype="application/json")


@blueprint.get(HEALTH_PATH)
def healthz() -> Response:
    """Cheap and unauthenticated: answering at all means the store's settings row was just read."""
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
