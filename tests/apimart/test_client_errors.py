"""Every status class, every malformed body and every transport failure becomes the right typed error.

Retrying is switched off here (`max_retries=0`) so that each test sees exactly one request; the retry
paths have their own tests in test_client_retry.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx
from client_helpers import BASE, TASK_ID, envelope, mj_task

import apimart

MJ_PATH = f"/v1/midjourney/{TASK_ID}"


@pytest.fixture
def client(router: respx.Router) -> Iterator[apimart.Client]:
    with apimart.Client(
        api_key="sk-test", base_url=BASE, max_retries=0, transport=httpx.MockTransport(router.handler)
    ) as made:
        yield made


@pytest.mark.parametrize(
    ("status", "type_", "cls"),
    [
        (400, "invalid_request_error", apimart.BadRequestError),
        (401, "authentication_error", apimart.AuthenticationError),
        (402, "payment_required", apimart.PaymentRequiredError),
        (403, "permission_error", apimart.PermissionDeniedError),
        (404, "not_found_error", apimart.NotFoundError),
        (409, "conflict", apimart.APIStatusError),
        (422, "invalid_request_error", apimart.ModerationError),
        (429, "rate_limit_error", apimart.RateLimitError),
        (499, "client_closed", apimart.ServerError),
        (500, "server_error", apimart.ServerError),
        (502, "bad_gateway", apimart.ServerError),
        (503, "unavailable", apimart.ServerError),
        (520, "cdn", apimart.ServerError),
    ],
)
def test_status_maps_to_its_class(
    client: apimart.Client, router: respx.Router, status: int, type_: str, cls: type[apimart.APIStatusError]
) -> None:
    router.get(MJ_PATH).respond(status, json=envelope(status, "the message", type_))
    with pytest.raises(cls) as caught:
        client.get_task(TASK_ID)
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.envelope is not None and error.envelope.error.message == "the message"
    assert error.error_type == type_
    assert error.response.status_code == status
    assert error.request is not None and error.request.url.path == MJ_PATH
    assert json.loads(error.body or "") == envelope(status, "the message", type_)
    assert str(error).startswith(f"{status} ") and "the message" in str(error)
    assert router.calls.call_count == 1


def test_moderation_is_a_bad_request(client: apimart.Client, router: respx.Router) -> None:
    router.post("/v1/midjourney/generations/imagine").respond(
        422, json=envelope(422, "prompt failed moderation, refunded", "invalid_request_error")
    )
    with pytest.raises(apimart.BadRequestError, match="moderation"):
        client.imagine("something")


def test_envelope_without_code_decodes(client: apimart.Client, router: respx.Router) -> None:
    body = {"error": {"type": "invalid_request_error", "message": "prompt is required"}}
    router.post("/v1/midjourney/generations/imagine").respond(400, json=body)
    with pytest.raises(apimart.BadRequestError) as caught:
        client.imagine("")
    assert caught.value.envelope is not None and caught.value.envelope.error.message == "prompt is required"


def test_rate_limit_carries_retry_after(client: apimart.Client, router: respx.Router) -> None:
    router.get(MJ_PATH).respond(
        429, json=envelope(429, "too many requests", "rate_limit_error"), headers={"Retry-After": "7"}
    )
    with pytest.raises(apimart.RateLimitError) as caught:
        client.get_task(TASK_ID)
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (520, "<html><body>Web server is returning an unknown error</body></html>", apimart.ServerError),
        (502, "<html>Bad Gateway</html>", apimart.ServerError),
        (404, "Not Found", apimart.NotFoundError),
        (401, "", apimart.AuthenticationError),
        (500, '{"error": "just a string"}', apimart.ServerError),
        (400, '{"error": {"message": 5}}', apimart.BadRequestError),
    ],
)
def test_error_without_envelope_keeps_raw_text(
    client: apimart.Client, router: respx.Router, status: int, body: str, cls: type[apimart.APIStatusError]
) -> None:
    router.get(MJ_PATH).respond(status, text=body, headers={"Content-Type": "text/html"})
    with pytest.raises(cls) as caught:
        client.get_task(TASK_ID)
    assert caught.value.envelope is None
    assert caught.value.body == body
    assert caught.value.status_code == status


def test_long_html_is_shortened_in_the_message(client: apimart.Client, router: respx.Router) -> None:
    router.get(MJ_PATH).respond(520, text="<html>" + "x" * 5000 + "</html>")
    with pytest.raises(apimart.ServerError) as caught:
        client.get_task(TASK_ID)
    assert len(str(caught.value)) < 300
    assert len(caught.value.body or "") > 5000


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<html>maintenance</html>", "not JSON"),
        ("", "not JSON"),
        ('{"status": "SUCCESS"}', "missing required field 'id'"),
        ('{"id": "x"}', "missing required field 'status'"),
        ("[1, 2]", "must be a JSON object"),
        ('"a string"', "must be a JSON object"),
        ('{"id": 5, "status": "SUCCESS"}', "task id must be a non-empty string"),
        ('{"id": "x", "status": 3}', "status must be a string"),
        ('{"id": "x", "status": "SUCCESS", "progress": "266%"}', "between 0 and 100"),
        ('{"id": "x", "status": "SUCCESS", "buttons": [{"label": "U1"}]}', "customId"),
        ('{"id": "x", "status": "SUCCESS", "buttons": 7}', "not iterable"),
    ],
)
def test_malformed_2xx_is_a_validation_error(
    client: apimart.Client, router: respx.Router, body: str, reason: str
) -> None:
    router.get(MJ_PATH).respond(200, text=body)
    with pytest.raises(apimart.ResponseValidationError, match=reason) as caught:
        client.get_task(TASK_ID)
    assert caught.value.body == body
    assert caught.value.status_code == 200
    assert not isinstance(caught.value, ValueError | KeyError)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"code": 200, "data": []}, "names no task"),
        ({"code": 200}, "missing required field 'data'"),
        ({"code": 200, "data": [{"status": "submitted"}]}, "missing required field 'task_id'"),
        ({"code": 200, "data": [{"status": "submitted", "task_id": ""}]}, "non-empty string"),
    ],
)
def test_malformed_submit_answer(
    client: apimart.Client, router: respx.Router, body: object, reason: str
) -> None:
    router.post("/v1/midjourney/generations/imagine").respond(200, json=body)
    with pytest.raises(apimart.ResponseValidationError, match=reason):
        client.imagine("a cat")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"code": 200}, "missing required field 'data'"),
        ({"code": 200, "data": "nope"}, "ValueError|dictionary"),
        ({"code": 200, "data": {"id": "x", "status": "completed", "progress": 101}}, "between 0 and 100"),
    ],
)
def test_malformed_unified_task(
    client: apimart.Client, router: respx.Router, body: object, reason: str
) -> None:
    router.get(f"/v1/tasks/{TASK_ID}").respond(200, json=body)
    with pytest.raises(apimart.ResponseValidationError, match=reason):
        client.get_task(TASK_ID, view="unified")


def test_unknown_status_and_extra_fields_decode(client: apimart.Client, router: respx.Router) -> None:
    router.get(MJ_PATH).respond(200, json=mj_task("QUEUED_SOMEWHERE", "5%", action="NEW_ACTION", extra=1))
    task = client.get_task(TASK_ID)
    assert task.status == "QUEUED_SOMEWHERE"
    assert task.action == "NEW_ACTION"
    assert task.additional_properties == {"extra": 1}


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), apimart.APIConnectionError),
        (httpx.RemoteProtocolError("peer closed connection"), apimart.APIConnectionError),
        (httpx.ReadError("connection reset by peer"), apimart.APIConnectionError),
        (httpx.ConnectTimeout("connect timed out"), apimart.APITimeoutError),
        (httpx.ReadTimeout("read timed out"), apimart.APITimeoutError),
        (httpx.PoolTimeout("pool timed out"), apimart.APITimeoutError),
    ],
)
def test_transport_failures_are_connection_errors(
    client: apimart.Client, router: respx.Router, exc: Exception, cls: type[apimart.APIConnectionError]
) -> None:
    router.get(MJ_PATH).mock(side_effect=exc)
    with pytest.raises(cls) as caught:
        client.get_task(TASK_ID)
    assert type(caught.value) is cls
    assert caught.value.status_code is None and caught.value.response is None
    assert caught.value.request is not None and caught.value.request.url.path == MJ_PATH
    assert caught.value.__cause__ is exc


def test_task_errors_name_the_task() -> None:
    task = apimart.MidjourneyTask.from_dict(mj_task("FAILURE", fail_reason="Banned prompt detected"))
    failed = apimart.TaskFailedError(task, status="FAILURE", fail_reason="Banned prompt detected")
    assert str(failed) == f"task {TASK_ID} failure: Banned prompt detected"
    timed_out = apimart.TaskTimeoutError(task, timeout=30)
    assert str(timed_out) == f"task {TASK_ID} still FAILURE after waiting 30 s"
