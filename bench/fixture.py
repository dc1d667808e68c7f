"""In-process speed as a test sees it: the `apimart_mock` fixture's flow, and the transports compared.

- The flow: `imagine_and_wait` then `upscale_and_wait` through `apimart_mock.client` (a fresh mock per
  flow as per test: after the first, an app reset as the fixture does; setup timed apart), median and
  p99 wall time.
- Generated-client calls per second in-process through `httpx.WSGITransport` and through
  `apimart.WSGITransport`, measured in alternating rounds (bench/inprocess.py's loop), best round each.

`python -m bench.fixture` prints the figures without the rest of the bench.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

import apimart
from apimart_mock.testing.pytest_plugin import harness_from_options

from .inprocess import InProcessResult, measure_in_process

__all__ = ["FixtureResult", "fixture_checks", "fixture_rows", "measure_fixture"]

FLOWS = 200
TRANSPORT_ROUNDS = 3
TARGET_FLOW_MEDIAN_MS = 10.0
TARGET_CALLS = 4000.0
FLOW_CHECK = "fixture flow median ≤ 10 ms"
CALLS_CHECK = "in-process (apimart.WSGITransport) ≥ 4,000 calls/s"


@dataclass(frozen=True)
class FixtureResult:
    flows: int
    flow_median_ms: float
    flow_p99_ms: float
    setup_median_ms: float
    requests_per_flow: int
    httpx_transport: InProcessResult
    apimart_transport: InProcessResult


def measure_fixture(flows: int = FLOWS, rounds: int = TRANSPORT_ROUNDS) -> FixtureResult:
    flow_ms: list[float] = []
    setup_ms: list[float] = []
    requests = 0
    apps: dict[Any, list[Any]] = {}  # as the fixture keeps them: every flow after the first resets an app
    for _ in range(flows):
        start = time.perf_counter()
        mock = harness_from_options({}, apps)
        client = mock.client
        ready = time.perf_counter()
        grid = client.imagine_and_wait("a lighthouse at dusk")
        image = client.upscale_and_wait(grid, 2)
        done = time.perf_counter()
        if image.status != "SUCCESS":
            raise RuntimeError(f"the flow ended in {image.status}")
        requests = len(mock.requests())
        mock.close()
        apps.setdefault(mock.config, []).append(mock.app)
        setup_ms.append((ready - start) * 1000)
        flow_ms.append((done - ready) * 1000)
    plain: list[InProcessResult] = []
    ours: list[InProcessResult] = []
    for n in range(rounds):  # alternate which goes first, so a change in background load hits both
        pair = [(plain, httpx.WSGITransport), (ours, apimart.WSGITransport)]
        for results, transport in pair if n % 2 == 0 else pair[::-1]:
            results.append(measure_in_process(lambda app, t=transport: t(app=app)))  # type: ignore[misc]
    return FixtureResult(
        flows=flows,
        flow_median_ms=statistics.median(flow_ms),
        flow_p99_ms=_percentile(flow_ms, 0.99),
        setup_median_ms=statistics.median(setup_ms),
        requests_per_flow=requests,
        httpx_transport=max(plain, key=lambda r: r.per_second),
        apimart_transport=max(ours, key=lambda r: r.per_second),
    )


def fixture_checks(r: FixtureResult) -> list[tuple[str, str, str, bool]]:
    """(name, measured, threshold, passed) of the targets of issue 12."""
    ours = r.apimart_transport
    return [
        (
            FLOW_CHECK,
            f"median {r.flow_median_ms:.1f} ms, p99 {r.flow_p99_ms:.1f} ms",
            f"≤ {TARGET_FLOW_MEDIAN_MS:g} ms",
            r.flow_median_ms <= TARGET_FLOW_MEDIAN_MS,
        ),
        (
            CALLS_CHECK,
            f"{ours.per_second:,.0f} calls/s ({ours.wrong} wrong)",
            f"≥ {TARGET_CALLS:,.0f}",
            ours.per_second >= TARGET_CALLS and ours.wrong == 0,
        ),
    ]


def fixture_rows(r: FixtureResult, marks: dict[str, str]) -> list[str]:
    """Rows of BENCHMARKS.md's table (its columns: measured, req/s, p50, p99, errors, two ratios, targets)."""
    plain, ours = r.httpx_transport, r.apimart_transport
    ratio = ours.per_second / plain.per_second if plain.per_second else 0.0
    return [
        f"| fixture: imagine → wait → upscale → wait via apimart_mock.client ({r.requests_per_flow} requests;"
        f" setup {r.setup_median_ms:.1f} ms apart) | {1000 / r.flow_median_ms:,.0f} flows/s"
        f" | {r.flow_median_ms:.1f} | {r.flow_p99_ms:.1f} | 0 / {r.flows} | — | — |"
        f" median ≤ 10 ms **{marks.get(FLOW_CHECK, '')}** |",
        f"| in-process: generated client → mock via apimart.WSGITransport (same run: httpx's"
        f" {plain.per_second:,.0f}) | {ours.per_second:,.0f} calls/s | — | — | {ours.wrong} / {ours.calls:,}"
        f" | {ratio:.2f}× httpx's | — | ≥ 4,000 calls/s **{marks.get(CALLS_CHECK, '')}** |",
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


if __name__ == "__main__":
    result = measure_fixture()
    print(
        f"flow: median {result.flow_median_ms:.2f} ms, p99 {result.flow_p99_ms:.2f} ms over {result.flows}"
        f" flows ({result.requests_per_flow} requests each); setup median {result.setup_median_ms:.2f} ms"
    )
    for name, r in (
        ("httpx.WSGITransport", result.httpx_transport),
        ("apimart.WSGITransport", result.apimart_transport),
    ):
        print(f"{name}: {r.per_second:,.0f} calls/s ({r.wrong} wrong of {r.calls:,})")
