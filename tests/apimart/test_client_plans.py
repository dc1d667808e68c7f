"""The client's calls are plans run by two small drivers: a plan is stepped by hand here, with no
transport, no clock and no event loop, and the two clients are shown to share every method."""

from __future__ import annotations

import inspect

import httpx
import pytest
from client_helpers import BASE, TASK_ID, FakeClock, mj_task

import apimart
from apimart._plans import Done, Pause, Send, advance

OWN = {"_connect", "_default_sleep", "_run", "_carry_out", "close"}
"""What each client writes for itself: its pool, its sleep, its driver, and its context manager."""
CONTEXT = {apimart.Client: {"__enter__", "__exit__"}, apimart.AsyncClient: {"__aenter__", "__aexit__"}}


def planner() -> apimart.Client:
    return apimart.Client(api_key="sk-test", base_url=BASE, max_retries=1, clock=FakeClock())


def test_a_read_is_a_plan_that_pauses_as_retry_after_says_and_sends_again() -> None:
    client = planner()
    plan = client._get_plan(TASK_ID, "mj", None, None, None)
    first = advance(plan, None)
    assert isinstance(first, Send)
    assert (first.request.method, first.request.url) == ("GET", f"{BASE}/v1/midjourney/{TASK_ID}")
    busy = httpx.Response(503, headers={"Retry-After": "7"}, request=first.request)
    assert advance(plan, busy) == Pause(7.0)
    again = advance(plan, None)
    assert isinstance(again, Send) and again.request is first.request
    done = advance(plan, httpx.Response(200, json=mj_task(), request=first.request))
    assert isinstance(done, Done) and done.value.id == TASK_ID and done.value.status == "SUCCESS"


def test_an_error_handed_to_a_plan_is_raised_at_its_yield_where_its_rules_decide() -> None:
    plan = planner()._submit_plan({"method": "post", "url": "/v1/midjourney/generations/imagine"}, None)
    send = advance(plan, None)
    assert isinstance(send, Send)
    timeout = httpx.ReadTimeout("slow", request=send.request)
    with pytest.raises(apimart.APITimeoutError) as raised:  # a submit that may have arrived: not resent
        advance(plan, timeout)
    assert raised.value.__cause__ is timeout


def test_the_two_clients_share_every_method_but_their_edge_and_driver() -> None:
    for face, context in CONTEXT.items():
        assert {name for name, value in vars(face).items() if callable(value)} == OWN | context
    shared = (
        {name for name, _ in inspect.getmembers(apimart.Client, callable)} - OWN - CONTEXT[apimart.Client]
    )
    assert {"get_task", "wait_for_task", "upload_image", "imagine_and_wait"} <= shared
    for name in {name for name in shared if not name.startswith("__")}:
        assert getattr(apimart.Client, name) is getattr(apimart.AsyncClient, name), name
