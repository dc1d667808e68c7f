"""The submit endpoints: imagine, the follow-up actions and /modal.

Each view checks the body against the spec's schema, reads the scenario headers and calls the service;
the service decides everything else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..domain.errors import InvalidRequest
from ..domain.lifecycle import Scenario
from ..service import Submission
from .context import account, json_response, mock, now
from .validation import read_json_object
from .views import submitted

__all__ = ["FOLLOW_UPS", "SCENARIO_HEADER", "blueprint"]

blueprint = Blueprint("actions", __name__)

SCENARIO_HEADER = "X-Mock-Scenario"
FAIL_REASON_HEADER = "X-Mock-Fail-Reason"
_FAIL_REASON_LIMIT = 500

FOLLOW_UPS: dict[str, tuple[str, str]] = {
    "upscale": ("UPSCALE", "IndexedActionRequest"),
    "variation": ("VARIATION", "IndexedActionRequest"),
    "high-variation": ("HIGH_VARIATION", "IndexedActionRequest"),
    "low-variation": ("LOW_VARIATION", "IndexedActionRequest"),
    "reroll": ("REROLL", "RerollRequest"),
    "zoom": ("ZOOM", "ZoomRequest"),
    "pan": ("PAN", "PanRequest"),
    "inpaint": ("INPAINT", "InpaintRequest"),
}
"""Endpoint name -> (the action it asks for, the spec schema of its body)."""


@blueprint.post("/v1/midjourney/generations")
@blueprint.post("/v1/midjourney/generations/imagine")
def imagine() -> Response:
    body = _body("ImagineRequest", "imagine")
    task = mock().service.imagine(account(), now(), body, _submission())
    return json_response(submitted(task))


@blueprint.post(f"/v1/midjourney/generations/<any({', '.join(map(repr, FOLLOW_UPS))}):endpoint>")
def follow_up(endpoint: str) -> Response:
    action, schema = FOLLOW_UPS[endpoint]
    body = _body(schema, endpoint)
    task = mock().service.act(account(), now(), action, body, _submission())
    return json_response(submitted(task))


@blueprint.post("/v1/midjourney/generations/modal")
def modal() -> Response:
    body = _body("ModalRequest", "modal")
    task = mock().service.modal(account(), now(), body, _submission())
    return json_response(submitted(task))


def _body(schema: str, operation: str) -> dict[str, Any]:
    return mock().validators.check(schema, read_json_object(request), operation)


def _submission() -> Submission:
    name = request.headers.get(SCENARIO_HEADER)
    reason = request.headers.get(FAIL_REASON_HEADER)
    if reason is not None and not 0 < len(reason) <= _FAIL_REASON_LIMIT:
        raise InvalidRequest(f"{FAIL_REASON_HEADER} must be 1-{_FAIL_REASON_LIMIT} characters")
    if name is None:
        return Submission(None, reason)
    try:
        return Submission(Scenario(name.strip().lower()), reason)
    except ValueError:
        raise InvalidRequest(f"{SCENARIO_HEADER} must be one of {', '.join(Scenario)}") from None
