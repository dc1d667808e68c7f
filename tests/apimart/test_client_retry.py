"""Retries: the pure policy (`RetryPolicy`, `parse_retry_after`) and every retry path through the client,
asserting how many requests went out and how long the client slept between them."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from client_helpers import BASE, TASK_ID, FakeClock, envelope, mj_task, submitted
from hypothesis import given
from hypothesis import strategies as st

import apimart
from apimart._retry import RetryPolicy, parse_retry_after

MJ_PATH = f"/v1/midjourney/{TASK_ID}"
IMAGINE = "/v1/midjourney/generations/imagine"
OK = httpx.Response(200, json=mj_task())
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


# --- parse_retry_after ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-1", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
        ("Mon, 99 Foo 2026 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after({"retry-after": value}, now=NOW.timestamp()) == expected


def test_retry_after_date_is_measured_against_the_server_date() -> None:
    headers = {
        "retry-after": format_datetime(NOW + timedelta(seconds=12), usegmt=True),
        "date": format_datetime(NOW, usegmt=True),
    }
    assert parse_retry_after(headers, now=0.0) == 12.0


def test_no_retry_after() -> None:
    assert parse_retry_after({}) is None


# --- RetryPolicy ------------------------------------------------------------------------------

REQUEST = httpx.Request("GET", BASE)


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


@pytest.mark.parametrize("status", [408, 429, 499, 500, 502, 503, 504, 520, 524])
def test_get_retries_transient_statuses(status: int) -> None:
    assert RetryPolicy().should_retry("GET", response(status), 0)


@pytest.mark.parametrize("status", [200, 400, 401, 402, 403, 404, 409, 422])
def test_get_does_not_retry_final_statuses(status: int) -> None:
    assert not RetryPolicy().should_retry("GET", response(status), 0)


@pytest.mark.parametrize(
    ("outcome", "retried"),
    [
        (response(429), True),
        (response(408), False),
        (response(500), False),
        (response(502), False),
        (response(520), False),
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("connect"), True),
        (httpx.PoolTimeout("pool"), True),
        (httpx.ReadTimeout("read"), False),
        (httpx.WriteTimeout("write"), False),
        (httpx.ReadError("reset"), False),
        (httpx.RemoteProtocolError("closed"), False),
    ],
)
def test_post_is_only_retried_when_no_task_can_exist(
    outcome: httpx.Response | Exception, retried: bool
) -> None:
    assert RetryPolicy().should_retry("POST", outcome, 0) is retried


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadError("reset"),
        httpx.ReadTimeout("t"),
        httpx.RemoteProtocolError("closed"),
        httpx.ConnectError("x"),
    ],
)
def test_get_retries_transport_errors(error: Exception) -> None:
    assert RetryPolicy().should_retry("GET", error, 0)


def test_own_mistakes_are_not_retried() -> None:
    assert not RetryPolicy().should_retry("GET", httpx.UnsupportedProtocol("ftp"), 0)
    assert not RetryPolicy().should_retry("GET", ValueError("bug"), 0)


def test_retry_after_above_the_cap_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retry_after=60)
    assert policy.should_retry("GET", response(429, **{"retry-after": "60"}), 0)
    assert not policy.should_retry("GET", response(429, **{"retry-after": "61"}), 0)
    assert not policy.should_retry("GET", response(503, **{"retry-after": "3600"}), 0)


def test_max_retries_counts_and_zero_switches_off() -> None:
    assert RetryPolicy(max_retries=2).should_retry("GET", response(500), 1)
    assert not RetryPolicy(max_retries=2).should_retry("GET", response(500), 2)
    assert not RetryPolicy(max_retries=0).should_retry("GET", response(500), 0)


@pytest.mark.parametrize("bad", [-1, None, 1.5, True, math.inf])
def test_max_retries_must_be_a_count(bad: object) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="max_retries"):
        RetryPolicy(max_retries=bad)  # type: ignore[arg-type]


def test_delay_prefers_the_hint_then_backs_off() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    assert policy.delay(0, {"retry-after": "3"}) == 3.0
    assert policy.delay(0, {"retry-after": "500"}, rng=lambda: 0.0) == 0.5
    assert [policy.delay(n, rng=lambda: 0.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert [policy.delay(n, rng=lambda: 1.0) for n in range(3)] == [0.375, 0.75, 1.5]


@given(
    retries_done=st.integers(min_value=0, max_value=200),
    initial=st.floats(min_value=0.01, max_value=10),
    cap=st.floats(min_value=0.01, max_value=120),
    jitter=st.floats(min_value=0.0, max_value=1.0),
)
def test_backoff_stays_within_its_bounds(
    retries_done: int, initial: float, cap: float, jitter: float
) -> None:
    policy = RetryPolicy(initial_delay=initial, max_delay=cap)
    delay = policy.delay(retries_done, rng=lambda: jitter)
    base = min(initial * 2.0 ** min(retries_done, 100), cap)
    assert 0.75 * base - 1e-9 <= delay <= base + 1e-9
    assert delay <= cap


@given(hint=st.floats(min_value=0, max_value=1e6, allow_nan=False), cap=st.floats(min_value=0, max_value=300))
def test_delay_never_exceeds_the_larger_cap(hint: float, cap: float) -> None:
    policy = RetryPolicy(max_retry_after=cap)
    delay = policy.delay(3, {"retry-after": repr(hint)})
    assert 0 <= delay <= max(cap, policy.max_delay)
    if hint <= cap:
        assert delay == hint


# --- through the client -----------------------------------------------------------------------


def test_503_then_success_backs_off(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    route = router.get(MJ_PATH).mock(side_effect=[httpx.Response(503), httpx.Response(503), OK])
    assert client.get_task(TASK_ID).status == "SUCCESS"
    assert route.call_count == 3
    assert len(clock.sleeps) == 2
    assert 0.375 <= clock.sleeps[0] <= 0.5 and 0.75 <= clock.sleeps[1] <= 1.0


def test_retry_after_seconds_spaces_the_requests(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    sent_at: list[float] = []
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json=envelope(429, "slow", "rate_limit_error")),
            OK,
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now)
        return next(answers)

    router.get(MJ_PATH).mock(side_effect=answer)
    client.get_task(TASK_ID)
    assert sent_at == [0.0, 7.0]


def test_retry_after_http_date(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    headers = {
        "Retry-After": format_datetime(NOW + timedelta(seconds=20), usegmt=True),
        "Date": format_datetime(NOW, usegmt=True),
    }
    route = router.get(MJ_PATH).mock(side_effect=[httpx.Response(503, headers=headers), OK])
    client.get_task(TASK_ID)
    assert route.call_count == 2
    assert clock.sleeps == [20.0]


@pytest.mark.parametrize("status", [408, 499, 500, 502, 520])
def test_every_transient_status_is_retried_for_reads(
    client: apimart.Client, router: respx.Router, clock: FakeClock, status: int
) -> None:
    route = router.get(MJ_PATH).mock(side_effect=[httpx.Response(status, text="<html>oops</html>"), OK])
    client.get_task(TASK_ID)
    assert route.call_count == 2 and len(clock.sleeps) == 1


def test_retries_give_up_with_the_last_error(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(MJ_PATH).respond(520, text="<html>cloudflare</html>")
    with pytest.raises(apimart.ServerError) as caught:
        client.get_task(TASK_ID)
    assert caught.value.status_code == 520
    assert route.call_count == 3  # the first attempt and DEFAULT_MAX_RETRIES retries
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadError("connection reset by peer"), httpx.ReadTimeout("slow")],
)
def test_transport_errors_are_retried_for_reads(
    client: apimart.Client, router: respx.Router, clock: FakeClock, error: Exception
) -> None:
    route = router.get(MJ_PATH).mock(side_effect=[error, error, OK])
    assert client.get_task(TASK_ID).status == "SUCCESS"
    assert route.call_count == 3 and len(clock.sleeps) == 2


def test_timeouts_exhaust_into_api_timeout_error(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(MJ_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(apimart.APITimeoutError):
        client.get_task(TASK_ID)
    assert route.call_count == 3


def test_long_retry_after_is_raised_at_once(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(MJ_PATH).respond(429, headers={"Retry-After": "3600"})
    with pytest.raises(apimart.RateLimitError) as caught:
        client.get_task(TASK_ID)
    assert caught.value.retry_after == 3600.0
    assert route.call_count == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    "first",
    [
        httpx.Response(500, json=envelope(500, "boom", "server_error")),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(520),
    ],
)
def test_submit_is_not_retried_after_a_server_error(
    client: apimart.Client, router: respx.Router, clock: FakeClock, first: httpx.Response
) -> None:
    route = router.post(IMAGINE).mock(side_effect=[first, httpx.Response(200, json=submitted())])
    with pytest.raises(apimart.ServerError):
        client.imagine("a cat")
    assert route.call_count == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("x")]
)
def test_submit_is_not_retried_once_sent(
    client: apimart.Client, router: respx.Router, clock: FakeClock, error: Exception
) -> None:
    route = router.post(IMAGINE).mock(side_effect=[error, httpx.Response(200, json=submitted())])
    with pytest.raises(apimart.APIConnectionError):
        client.imagine("a cat")
    assert route.call_count == 1


def test_submit_is_retried_when_it_never_left(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    route = router.post(IMAGINE).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=submitted("task_new"))]
    )
    assert client.imagine("a cat").task_id == "task_new"
    assert route.call_count == 2 and len(clock.sleeps) == 1


def test_submit_is_retried_after_429(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    route = router.post(IMAGINE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json=envelope(429, "slow", "rate_limit_error")),
            httpx.Response(200, json=submitted("task_new")),
        ]
    )
    assert client.imagine("a cat").task_id == "task_new"
    assert route.call_count == 2 and clock.sleeps == [2.0]
    assert route.calls[0].request.content == route.calls[1].request.content


def test_retrying_can_be_switched_off(router: respx.Router, clock: FakeClock) -> None:
    route = router.get(MJ_PATH).respond(503)
    client = apimart.Client(
        api_key="k",
        base_url=BASE,
        max_retries=0,
        transport=httpx.MockTransport(router.handler),
        sleep=clock.sleep,
    )
    with pytest.raises(apimart.ServerError):
        client.get_task(TASK_ID)
    assert route.call_count == 1 and clock.sleeps == []


@pytest.mark.anyio
async def test_async_client_retries_the_same_way(
    async_client: apimart.AsyncClient, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(MJ_PATH).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "4"}), httpx.ConnectError("refused"), OK]
    )
    async with async_client:
        task = await async_client.get_task(TASK_ID)
    assert task.status == "SUCCESS"
    assert route.call_count == 3
    assert clock.sleeps[0] == 4.0 and 0.75 <= clock.sleeps[1] <= 1.0


# --- what the client tells its logger ------------------------------------------------------------


def test_retry_decisions_are_logged_at_debug_level(
    client: apimart.Client, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(MJ_PATH).mock(side_effect=[httpx.Response(503, headers={"Retry-After": "2"}), OK])
    router.post(IMAGINE).respond(500, json=envelope(500, "boom", "server_error"))
    with caplog.at_level("DEBUG", logger="apimart"):
        client.get_task(TASK_ID)
        with pytest.raises(apimart.ServerError):
            client.imagine("a cat")
    messages = [r.getMessage() for r in caplog.records if r.name == "apimart" and r.levelname == "DEBUG"]
    attempt = re.compile(r"(GET|POST) (\S+): (\d{3}) in \d+\.\d{3} s")
    attempts = [found.groups() for found in map(attempt.fullmatch, messages) if found]
    assert attempts == [("GET", MJ_PATH, "503"), ("GET", MJ_PATH, "200"), ("POST", IMAGINE, "500")]
    assert [message for message in messages if not attempt.fullmatch(message)] == [
        "Retry-After 2 s: honoured",
        f"GET {MJ_PATH}: 503; retry 1 of 2 in 2.00 s",
        f"POST {IMAGINE}: 500; not retried (after 0 retries)",
    ]


def test_a_retry_that_would_end_after_the_wait_is_not_made(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    router.get(MJ_PATH).mock(
        side_effect=[httpx.Response(200, json=mj_task("IN_PROGRESS", "10%"))]
        + [httpx.Response(503, headers={"Retry-After": "5"})] * 3
    )
    with pytest.raises(apimart.ServerError):
        client.wait_for_task(TASK_ID, timeout=4, interval=2)
    assert clock.now <= 4 + 2  # deadline plus one interval, though the server asked for 5 s more
