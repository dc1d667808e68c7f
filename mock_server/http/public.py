"""Unauthenticated resources: the spec (`/openapi.json`) and the images the mock hands out."""

from __future__ import annotations

from flask import Blueprint, Response

from ..domain.errors import NotFound
from ..images import IMAGE_NAME, png_for
from ..spec import spec_json

__all__ = ["blueprint"]

blueprint = Blueprint("public", __name__)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return Response(spec_json(), mimetype="application/json")


@blueprint.get("/images/<name>")
def image(name: str) -> Response:
    if IMAGE_NAME.fullmatch(name) is None:
        raise NotFound("image not found")
    response = Response(png_for(name), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
