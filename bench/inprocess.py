"""In-process speed: the generated client calling the mock through `httpx.WSGITransport`, no socket.

This is how the contract suite and most CI jobs will use the mock, so its calls per second bound how
fast they can run. Each call goes through the whole client (request building, response parsing into
models) and the whole mock (auth, store, views).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from apimart_mj_client import AuthenticatedClient
from apimart_mj_client.api.midjourney import get_midjourney_task
from apimart_mj_client.api.tasks import get_task

from apimart_mock.config import MockConfig
from apimart_mock.http.app import create_app

from .settings import INPROCESS_MAX_CALLS, INPROCESS_SECONDS

__all__ = ["InProcessResult", "measure_in_process"]

_BASE = "http://localhost"  # a name the mock answers (MockConfig.allowed_hosts)
_TOKEN = "bench-in-process"


@dataclass(frozen=True)
class InProcessResult:
    calls: int
    seconds: float
    wrong: int

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


def measure_in_process(
    make_transport: Callable[[Any], httpx.BaseTransport] = lambda app: httpx.WSGITransport(app=app),
) -> InProcessResult:
    """Alternate both GET views over a few dozen tasks for INPROCESS_SECONDS (or INPROCESS_MAX_CALLS),
    through the transport `make_transport(app)` makes (default httpx's)."""
    transport = make_transport(create_app(MockConfig()))
    with httpx.Client(transport=transport, base_url=_BASE) as control:
        ids = [
            control.post("/__mock/tasks", json={"account": _TOKEN, "status": status, "age": 10.0}).json()[
                "id"
            ]
            for status in ("SUCCESS", "IN_PROGRESS", "FAILURE", "SUBMITTED") * 10
        ]
    client = AuthenticatedClient(
        base_url=_BASE, token=_TOKEN, timeout=httpx.Timeout(10.0), httpx_args={"transport": transport}
    )
    calls = wrong = 0
    with client:
        start = time.perf_counter()
        deadline = start + INPROCESS_SECONDS
        while calls < INPROCESS_MAX_CALLS and time.perf_counter() < deadline:
            task_id = ids[calls % len(ids)]
            if calls % 2:
                status = get_task.sync_detailed(task_id, client=client).status_code
            else:
                status = get_midjourney_task.sync_detailed(task_id, client=client).status_code
            wrong += status != 200
            calls += 1
        seconds = time.perf_counter() - start
    return InProcessResult(calls, seconds, wrong)
