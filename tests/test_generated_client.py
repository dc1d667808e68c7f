"""The generated client decodes what the spec describes, and survives what the live service may add.

Served through respx, so no network is involved. Where the raw generated client cannot survive a
response (non-IANA status codes, HTML error pages), the test is a strict expected failure naming the
client layer (issue "A client people can rely on") that turns it into a typed error.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from apimart_mj_client import AuthenticatedClient
from apimart_mj_client.api.midjourney import get_midjourney_task, inpaint, upscale
from apimart_mj_client.api.tasks import get_task
from apimart_mj_client.models import (
    ErrorResponse,
    IndexedActionRequest,
    InpaintRequest,
    MidjourneyTask,
    MidjourneyTaskStatus,
    SubmitResponse,
    TaskAction,
    TaskEnvelope,
    UnifiedTaskStatus,
)
from apimart_mj_client.types import Unset

from apimart_mock.http.spec import load_spec

BASE_URL = "https://api.apimart.ai"
TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
CLIENT_LAYER = (
    "the raw generated client cannot survive this; the client layer (issue 'A client people can rely on') can"
)


def _example(name: str) -> dict[str, Any]:
    return copy.deepcopy(load_spec()["components"]["schemas"][name]["example"])


ROUTER = respx.mock(base_url=BASE_URL, assert_all_called=True)


@pytest.fixture
def client() -> Iterator[AuthenticatedClient]:
    with ROUTER:
        yield AuthenticatedClient(base_url=BASE_URL, token="sk-test", timeout=httpx.Timeout(5.0))


def _serve_mj(body: Any, status: int = 200, **kwargs: Any) -> respx.Route:
    return ROUTER.get(f"/v1/midjourney/{TASK_ID}").mock(
        return_value=httpx.Response(status, json=body, **kwargs)
    )


def _serve_unified(body: Any, status: int = 200, **kwargs: Any) -> respx.Route:
    return ROUTER.get(f"/v1/tasks/{TASK_ID}").mock(return_value=httpx.Response(status, json=body, **kwargs))


def test_seed_midjourney_task_decodes_and_round_trips(client: AuthenticatedClient) -> None:
    seed = _example("MidjourneyTask")
    route = _serve_mj(seed)
    task = get_midjourney_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(task, MidjourneyTask)
    assert task.status is MidjourneyTaskStatus.SUCCESS
    assert task.action is TaskAction.IMAGINE
    assert task.progress == "100%"
    assert not isinstance(task.buttons, Unset)
    assert [button.label for button in task.buttons][:4] == ["U1", "U2", "U3", "U4"]
    assert task.to_dict() == seed
    assert route.calls.last.request.headers["Authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(
    "url",
    ["https://example.com/generated-image.png", ["https://upload.apimart.ai/f/image/a.png"]],
    ids=["string", "array"],
)
def test_unified_task_decodes_url_as_string_or_array(
    client: AuthenticatedClient, url: str | list[str]
) -> None:
    body = _example("TaskEnvelope")
    body["data"]["result"]["images"][0]["url"] = url
    _serve_unified(body)
    envelope = get_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(envelope, TaskEnvelope)
    assert envelope.data.status is UnifiedTaskStatus.COMPLETED
    assert envelope.data.progress == 100
    assert not isinstance(envelope.data.result, Unset)
    assert not isinstance(envelope.data.result.images, Unset)
    assert envelope.data.result.images[0].url == url
    assert envelope.to_dict() == body


def test_language_query_is_sent(client: AuthenticatedClient) -> None:
    from apimart_mj_client.models import Language

    route = _serve_unified(_example("TaskEnvelope"))
    get_task.sync(task_id=TASK_ID, client=client, language=Language.ZH)
    assert route.calls.last.request.url.params["language"] == "zh"


def test_submit_response_decodes(client: AuthenticatedClient) -> None:
    body = _example("SubmitResponse")
    route = ROUTER.post("/v1/midjourney/generations/upscale").mock(
        return_value=httpx.Response(200, json=body)
    )
    answer = upscale.sync(client=client, body=IndexedActionRequest(task_id=TASK_ID, index=2))
    assert isinstance(answer, SubmitResponse)
    assert answer.data[0].task_id == TASK_ID
    assert answer.data[0].status == "submitted"
    assert json.loads(route.calls.last.request.content) == {"task_id": TASK_ID, "index": 2}


def test_inpaint_answers_modal(client: AuthenticatedClient) -> None:
    body = {"code": 200, "data": [{"status": "modal", "task_id": TASK_ID, "model": "midjourney"}]}
    ROUTER.post("/v1/midjourney/generations/inpaint").mock(return_value=httpx.Response(200, json=body))
    answer = inpaint.sync(client=client, body=InpaintRequest(task_id=TASK_ID))
    assert isinstance(answer, SubmitResponse)
    assert answer.data[0].status == "modal"
    assert answer.data[0].model == "midjourney"


ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "payment_required",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "bad_gateway",
}


@pytest.mark.parametrize(("status", "error_type"), ERRORS.items())
def test_each_error_envelope_decodes(client: AuthenticatedClient, status: int, error_type: str) -> None:
    body = {"error": {"code": status, "message": "something went wrong", "type": error_type}}
    _serve_unified(body, status)
    response = get_task.sync_detailed(task_id=TASK_ID, client=client)
    assert response.status_code == status
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.type_ == error_type
    assert response.parsed.error.code == status


def test_422_on_submit_decodes(client: AuthenticatedClient) -> None:
    body = {"error": {"code": 422, "message": "Banned prompt detected", "type": "invalid_request_error"}}
    ROUTER.post("/v1/midjourney/generations/upscale").mock(return_value=httpx.Response(422, json=body))
    response = upscale.sync_detailed(client=client, body=IndexedActionRequest(task_id=TASK_ID, index=1))
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.message == "Banned prompt detected"


def test_rate_limit_keeps_retry_after(client: AuthenticatedClient) -> None:
    body = {"error": {"code": 429, "message": "Too many requests", "type": "rate_limit_error"}}
    _serve_mj(body, 429, headers={"Retry-After": "7"})
    response = get_midjourney_task.sync_detailed(task_id=TASK_ID, client=client)
    assert isinstance(response.parsed, ErrorResponse)
    assert response.headers["Retry-After"] == "7"


def test_error_without_code_decodes(client: AuthenticatedClient) -> None:
    """The MJ overview documents a lighter envelope without `code`."""
    _serve_mj({"error": {"type": "invalid_request_error", "message": "prompt is required"}}, 400)
    response = get_midjourney_task.sync_detailed(task_id=TASK_ID, client=client)
    assert isinstance(response.parsed, ErrorResponse)
    assert isinstance(response.parsed.error.code, Unset)


# ---- forward compatibility -------------------------------------------------------------------------


def test_unknown_status_and_action_pass_through_as_strings(client: AuthenticatedClient) -> None:
    body = _example("MidjourneyTask") | {"status": "CANCEL", "action": "SHORTEN"}
    _serve_mj(body)
    task = get_midjourney_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(task, MidjourneyTask)
    assert task.status == "CANCEL" and not isinstance(task.status, MidjourneyTaskStatus)
    assert task.action == "SHORTEN" and not isinstance(task.action, TaskAction)
    assert task.to_dict() == body


def test_unknown_unified_status_passes_through(client: AuthenticatedClient) -> None:
    body = _example("TaskEnvelope")
    body["data"]["status"] = "queued"
    _serve_unified(body)
    envelope = get_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(envelope, TaskEnvelope)
    assert envelope.data.status == "queued"


def test_extra_fields_are_kept(client: AuthenticatedClient) -> None:
    body = _example("MidjourneyTask") | {"credits_cost": 3, "submit_time": 1763088289}
    body["buttons"][0] = body["buttons"][0] | {"emoji": "x", "disabled": False}
    _serve_mj(body)
    task = get_midjourney_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(task, MidjourneyTask)
    assert task.additional_properties == {"credits_cost": 3, "submit_time": 1763088289}
    assert task.to_dict() == body


def test_live_shape_upscaled_task_without_buttons_decodes(client: AuthenticatedClient) -> None:
    """Section 2.3 of the reference: the keys a live upscaled task has, exactly."""
    body = {
        "action": "UPSCALE",
        "created_at": 1763088289,
        "finished_at": 1763088290,
        "id": TASK_ID,
        "image_urls": ["https://getapib.org/a_0.png"],
        "progress": "100%",
        "prompt_en": "a cat",
        "status": "SUCCESS",
    }
    _serve_mj(body)
    task = get_midjourney_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(task, MidjourneyTask)
    assert isinstance(task.buttons, Unset)
    assert task.to_dict() == body


def test_minimal_tasks_decode(client: AuthenticatedClient) -> None:
    _serve_mj({"id": TASK_ID, "status": "SUBMITTED"})
    task = get_midjourney_task.sync(task_id=TASK_ID, client=client)
    assert isinstance(task, MidjourneyTask)
    assert isinstance(task.progress, Unset) and isinstance(task.image_urls, Unset)


@pytest.mark.xfail(raises=ValueError, strict=True, reason=f"520 is not an IANA status: {CLIENT_LAYER}")
def test_non_iana_status_is_survived(client: AuthenticatedClient) -> None:
    ROUTER.get(f"/v1/tasks/{TASK_ID}").mock(return_value=httpx.Response(520, text="origin error"))
    get_task.sync_detailed(task_id=TASK_ID, client=client)


@pytest.mark.xfail(raises=json.JSONDecodeError, strict=True, reason=f"HTML error page: {CLIENT_LAYER}")
def test_html_error_page_is_survived(client: AuthenticatedClient) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    ROUTER.get(f"/v1/tasks/{TASK_ID}").mock(return_value=httpx.Response(502, text=html))
    get_task.sync_detailed(task_id=TASK_ID, client=client)


@pytest.mark.xfail(raises=KeyError, strict=True, reason=f"a required field is missing: {CLIENT_LAYER}")
def test_missing_required_field_is_survived(client: AuthenticatedClient) -> None:
    _serve_mj({"id": TASK_ID})
    get_midjourney_task.sync_detailed(task_id=TASK_ID, client=client)
