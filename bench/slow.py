"""The slow-client probe: polls of one task, alternating with `GET /healthz`, while 256 connections
trickle their headers (or bodies).

Each poll runs on a new connection (a client arriving while the slow ones hold theirs) and is bounded
by PROBE_TIMEOUT_S; the probe stops after SLOW_PROBES polls or SLOW_PROBE_BUDGET_S, whichever comes
first, so a server that stalls costs a bounded time. An unanswered poll counts as slower than any answer.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Literal

import httpx

from apimart_mock.testing import trickling_clients

from .mix import Probe
from .settings import SLOW_CLIENTS, SLOW_PROBE_BUDGET_S, SLOW_PROBES

__all__ = ["SlowResult", "probe_under_slow_clients"]

PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SlowResult:
    kind: str
    latencies_ms: list[float]
    """Answered polls with the expected status, sorted."""
    unanswered: int

    @property
    def polls(self) -> int:
        return len(self.latencies_ms) + self.unanswered

    @property
    def p99_ms(self) -> float:
        """The 99th percentile over every poll; infinite when more than 1% got no right answer."""
        ranked = self.latencies_ms + [float("inf")] * self.unanswered
        return ranked[min(len(ranked) - 1, int(len(ranked) * 0.99))] if ranked else float("inf")


def probe_under_slow_clients(url: str, probe: Probe, kind: Literal["headers", "bodies"]) -> SlowResult:
    latencies: list[float] = []
    unanswered = 0
    task = {"Authorization": f"Bearer {probe.token}", "Prefer": f"code={probe.status}"}
    polls = itertools.cycle([(probe.path, task, probe.status), ("/healthz", {}, 200)])
    with (
        trickling_clients(url, SLOW_CLIENTS, kind, token=probe.token),
        httpx.Client(timeout=PROBE_TIMEOUT_S) as http,
    ):
        time.sleep(1.0)  # every slow client has started its request
        deadline = time.monotonic() + SLOW_PROBE_BUDGET_S
        while len(latencies) + unanswered < SLOW_PROBES and time.monotonic() < deadline:
            path, headers, status = next(polls)
            start = time.perf_counter()
            try:
                ok = http.get(url + path, headers={**headers, "Connection": "close"}).status_code == status
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                unanswered += 1
    return SlowResult(kind, sorted(latencies), unanswered)
