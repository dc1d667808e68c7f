"""The bench's Redis targets (issue 27): one Redis-backed replica against the SQLite mock, in one run, on
req/s and on CPU per request, judged from what the rounds measured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.machine import Machine
from bench.report import MOCK, MOCK_REDIS, TARGET_REDIS_CPU, Results, ServerRun, verdicts
from bench.wrk import WrkResult

ONE_REPLICA = "Redis-backed mock, one replica"


def run(requests: int, cpu_seconds: float) -> ServerRun:
    """A server that answered `requests` in 10 s, spending `cpu_seconds`."""
    result = WrkResult(requests, 10.0, 1.0, 2.0, 3.0, 4.0, 0, 0)
    return ServerRun("a server", "serve", [result], [cpu_seconds])


def judged(redis_cpu_seconds: float) -> dict[str, bool]:
    machine = Machine(2, "cpu", 4.0, "linux", "3.11", {})
    results = Results(
        started=datetime(2026, 12, 6, tzinfo=UTC),
        seconds=1.0,
        machine=machine,
        runs={MOCK: run(10_000, 2.0), MOCK_REDIS: run(8_000, redis_cpu_seconds)},
        in_process=None,
        timed=[],
        audit=[],
        workers_seen=2,
        workers_configured=2,
        state_tasks=1,
        state_accounts=1,
        duration_s=10,
        rounds=1,
        load_average=[],
        fixed_rate={},
        slow={},
    )
    return {v.name: v.passed for v in verdicts(results) if v.name.startswith(ONE_REPLICA)}


@pytest.mark.parametrize(("factor", "passed"), [(TARGET_REDIS_CPU, True), (TARGET_REDIS_CPU + 0.01, False)])
def test_a_replica_passes_at_most_the_target_times_the_sqlite_mocks_cpu(factor: float, passed: bool) -> None:
    per_request = 2.0 / 10_000  # the SQLite mock's CPU seconds per request
    found = judged(factor * per_request * 8_000)
    assert found == {
        f"{ONE_REPLICA}: share of the SQLite mock's req/s, state-correct": True,  # 80%
        f"{ONE_REPLICA}: CPU per request against the SQLite mock's": passed,
    }
