"""Slow clients against the shared deployment (two replicas behind haproxy, deploy/haproxy.cfg): a request
whose headers or body have not arrived within haproxy's `timeout http-request` is answered 408 in the API's
error envelope and its connection closed by haproxy, sooner than a replica's own body deadline would; polls
are answered meanwhile. Real HTTP on loopback ports, every wait bounded."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Literal
from urllib.parse import urlsplit

import httpx
import pytest
from deployments import deploy

from apimart_mock.serve.server import BODY_READ_TIMEOUT_S
from apimart_mock.testing import probe_polls, trickling_clients, until_closed

pytestmark = [pytest.mark.http, pytest.mark.slow]

KEY = "sk-slow"
REQUEST_TIMEOUT_S = 2.0
"""APIMART_LB_REQUEST_TIMEOUT for this module's haproxy (10 s unless set)."""
CUT_WITHIN_S = REQUEST_TIMEOUT_S + 5
"""Slow clients must be cut off by then: before the replicas' own body deadline, so haproxy did it."""
assert CUT_WITHIN_S < BODY_READ_TIMEOUT_S
SLOW_CLIENTS = 256
PROBES = 20
PROBE_TIMEOUT_S = 5.0


@pytest.fixture(scope="module")
def shared(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """The deployment's URL and a task submitted through it."""
    with deploy(request, "two-replicas", request_timeout=f"{REQUEST_TIMEOUT_S:g}s") as deployment:
        submitted = httpx.post(
            f"{deployment.url}/v1/midjourney/generations",
            json={"prompt": "a snail"},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert submitted.status_code == 200, submitted.text
        yield deployment.url, submitted.json()["data"][0]["task_id"]


def test_a_body_that_does_not_arrive_in_time_is_answered_408_in_the_error_envelope(
    shared: tuple[str, str],
) -> None:
    parts = urlsplit(shared[0])
    head = (
        f"POST /v1/midjourney/generations HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=0.5) as sock:
        started = time.monotonic()
        sock.sendall(head.encode() + b'{"prompt": "a sn')  # and nothing more of its 100 bytes
        answer = until_closed(sock, started + CUT_WITHIN_S)
        took = time.monotonic() - started
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status_line.split()[1:2] == [b"408"], answer or f"no answer within {CUT_WITHIN_S:g} s"
    assert b"content-type: application/json" in headers.lower()
    error = json.loads(body)["error"]
    assert (error["code"], error["type"]) == (408, "request_timeout") and error["message"]
    assert REQUEST_TIMEOUT_S - 0.5 <= took <= REQUEST_TIMEOUT_S + 3


@pytest.mark.parametrize("kind", ["headers", "bodies"])
def test_clients_trickling_requests_neither_stall_the_replicas_nor_stay(
    shared: tuple[str, str], kind: Literal["headers", "bodies"]
) -> None:
    url, task_id = shared
    with trickling_clients(url, SLOW_CLIENTS, kind, token=KEY) as trickle:
        time.sleep(0.5)  # every slow request has started
        polls = probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S)
        assert polls == [200] * PROBES
        deadline = time.monotonic() + CUT_WITHIN_S
        while trickle.closed_by_server < SLOW_CLIENTS and time.monotonic() < deadline:
            time.sleep(0.1)
    assert trickle.closed_by_server >= SLOW_CLIENTS, f"haproxy kept connections whose {kind} never ended"
