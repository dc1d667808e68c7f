"""Fixtures of the client-layer tests: a respx router behind the client, and a fake clock.

Nothing here waits: the client's `sleep` advances the fake clock and records each delay, so a test
can assert how many requests went out and how far apart they were.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
from client_helpers import BASE, FakeClock

import apimart


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> respx.Router:
    """Routes that answer the client's transport; nothing global is patched."""
    return respx.Router(base_url=BASE, assert_all_mocked=True)


@pytest.fixture
def client(router: respx.Router, clock: FakeClock) -> Iterator[apimart.Client]:
    with apimart.Client(
        api_key="sk-test",
        base_url=BASE,
        transport=httpx.MockTransport(router.handler),
        sleep=clock.sleep,
        clock=clock,
    ) as made:
        yield made


@pytest.fixture
def async_client(router: respx.Router, clock: FakeClock) -> apimart.AsyncClient:
    return apimart.AsyncClient(
        api_key="sk-test",
        base_url=BASE,
        transport=httpx.MockTransport(router.handler),
        sleep=clock.async_sleep,
        clock=clock,
    )
