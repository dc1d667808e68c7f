"""Per-call `extra_headers=`: sent with that call's requests only (a submit-and-wait's polls too), after
the client's own headers; headers httpx could not send are refused before any request."""

from __future__ import annotations

import httpx
import pytest
import respx
from client_helpers import TASK_ID, mj_task, submitted

import apimart

TRACE = {"X-Trace-Id": "abc-123"}


def test_extra_headers_go_with_one_call_only(client: apimart.Client, router: respx.Router) -> None:
    route = router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    client.get_task(TASK_ID, extra_headers=TRACE)
    client.get_task(TASK_ID)
    first, second = (call.request.headers for call in route.calls)
    assert first["x-trace-id"] == "abc-123" and first["authorization"] == "Bearer sk-test"
    assert "x-trace-id" not in second


def test_a_submit_and_wait_sends_them_on_every_request(client: apimart.Client, router: respx.Router) -> None:
    post = router.post("/v1/midjourney/generations/imagine").respond(200, json=submitted(TASK_ID))
    get = router.get(f"/v1/midjourney/{TASK_ID}").mock(
        side_effect=[
            httpx.Response(200, json=mj_task("IN_PROGRESS", "50%")),
            httpx.Response(200, json=mj_task()),
        ]
    )
    client.imagine_and_wait("a cat", extra_headers={"X-Mock-Scenario": "success"})
    sent = [call.request.headers.get("x-mock-scenario") for call in [*post.calls, *get.calls]]
    assert sent == ["success"] * 3


def test_they_reach_reads_and_uploads(client: apimart.Client, router: respx.Router) -> None:
    balance = router.get("/v1/balance").respond(
        200, json={"success": True, "remain_balance": 1, "used_balance": 0, "unlimited_quota": False}
    )
    client.balance(extra_headers=TRACE)
    assert balance.calls.last.request.headers["x-trace-id"] == "abc-123"


@pytest.mark.anyio
async def test_async_client_takes_them_too(async_client: apimart.AsyncClient, router: respx.Router) -> None:
    route = router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    await async_client.wait_for_task(TASK_ID, extra_headers=TRACE)
    assert route.calls.last.request.headers["x-trace-id"] == "abc-123"


@pytest.mark.parametrize(
    "headers", [{"X-Bad": "caf\u00e9"}, {"X-Bad": "a\r\nInjected: 1"}, {"Bad Name": "x"}, {"X": 1}, ["x"]]
)
def test_unsendable_headers_are_refused_before_any_request(client: apimart.Client, headers: object) -> None:
    with pytest.raises(apimart.InvalidArgumentError):
        client.get_task(TASK_ID, extra_headers=headers)  # type: ignore[arg-type]
