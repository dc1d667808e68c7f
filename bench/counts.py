"""Issue 22's count figure: `POST /__mock/requests/count` with a `path_pattern` over a 100k-entry journal.

100k journal entries (polls of `POLLED_TASKS` tasks by 20 accounts in their own scopes, submits, some
404s) are written straight into each store (SQLite with its file journal, Redis with its stream), then
`apimart-mock serve` serves it and counts are timed over HTTP: with a `path_pattern` (the target, <= 100
ms), and a count that must read every entry (`since`: not in the counts by request key,
`store.counts`) beside it, which is what every count cost before. A second journal holds
about `MAX_READ_KEYS` distinct poll paths, near the most one count reads: its worst case.

`python -m bench.counts` runs it alone and prints the figures; `make bench` appends them to BENCHMARKS.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from .processes import free_port, serving
from .settings import HOST, RUN_DIR
from .stores import redis_server
from .tools import ensure_redis_server

__all__ = ["CountResult", "main", "measure_counts", "render_counts"]

ENTRIES = 100_000
POLLED_TASKS = 2_000
TARGET_MS = 100.0
PATTERN = {"path_pattern": "/v1/tasks/task_[0-9A-Z]{26}"}
READ_EVERY_ENTRY = {"path_pattern": "/v1/tasks/task_[0-9A-Z]{26}", "since": 0}
_PROBES = 10
_JOURNAL_BYTES = 256 * 1024 * 1024
"""Room for every entry in both stores (the default 64 MiB keeps fewer on Redis)."""


@dataclass(frozen=True)
class CountResult:
    store: str
    journal: str
    first_ms: float
    """The server's first count: its worker reads the journal's keys for the first time."""
    pattern_ms: float
    every_entry_ms: float
    counted: int


def measure_counts() -> list[CountResult]:
    from apimart_mock.store.counts import MAX_READ_KEYS

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    results = []
    for polled in (POLLED_TASKS, MAX_READ_KEYS):
        for name, location in _stores():
            print(
                f"bench: counts: {name}, {polled:,} tasks polled: writing {ENTRIES:,} entries ...", flush=True
            )
            paths = _write_journal(location, polled)
            results.append(_timed(name, f"{paths:,} distinct poll paths", location))
    return results


@contextmanager
def _redis() -> Iterator[str]:
    with redis_server(ensure_redis_server(), free_port(), RUN_DIR / "counts-redis.log") as url:
        yield url


def _stores() -> Iterator[tuple[str, str]]:
    sqlite = RUN_DIR / "counts.sqlite"
    for path in RUN_DIR.glob("counts.sqlite*"):
        path.unlink()
    yield "SQLite", str(sqlite)
    with _redis() as url:
        yield "Redis", url


def _write_journal(location: str, polled: int) -> int:
    """`ENTRIES` entries: polls of `polled` tasks, every tenth a submit instead, every 50th a 404; the
    number of distinct poll paths."""
    from apimart_mock.domain.clock import ClockState
    from apimart_mock.domain.journal import JournalEntry
    from apimart_mock.domain.scopes import GLOBAL
    from apimart_mock.store import open_store

    store = open_store(location, journal_bytes=_JOURNAL_BYTES)
    store.initialize(ClockState.start(time.time()), None)
    store.reset(GLOBAL, ClockState.start(time.time()), None)
    paths = set()
    for n in range(ENTRIES):
        account = f"acct_{n % 20:02d}"
        if n % 10 == 0:
            method, path, status = "POST", "/v1/midjourney/generations", 200
        else:
            method, path, status = "GET", f"/v1/tasks/task_01JB{n % polled:022d}", 404 if n % 50 == 1 else 200
            paths.add(path)
        body = '{"prompt": "a cat"}' if method == "POST" else ""
        store.record(JournalEntry(float(n), method, path, account, status, 1, body=body, scope=account))
    return len(paths)


def _timed(name: str, journal: str, location: str) -> CountResult:
    port = free_port()
    command = [sys.executable, "-m", "apimart_mock.serve.cli", "serve", "--host", HOST, "--port", str(port)]
    command += ["--store", location, "--journal-max-bytes", str(_JOURNAL_BYTES), "--workers", "1"]
    log = RUN_DIR / "counts.log"
    with (
        serving("counts", command, port, log, ready_path="/__mock/clock") as mock,
        httpx.Client(base_url=mock.url, timeout=120) as http,
    ):
        started = time.perf_counter()
        counted = _count(http, PATTERN)
        first_ms = (time.perf_counter() - started) * 1000
        assert counted == _count(http, READ_EVERY_ENTRY), "the counts by key disagree with the entries"
        pattern_ms, every_entry_ms = _median_ms(http, PATTERN), _median_ms(http, READ_EVERY_ENTRY)
        return CountResult(name, journal, first_ms, pattern_ms, every_entry_ms, counted)


def _count(http: httpx.Client, matcher: Mapping[str, object]) -> int:
    response = http.post("/__mock/requests/count", json=matcher)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def _median_ms(http: httpx.Client, matcher: Mapping[str, object]) -> float:
    times = []
    for _ in range(_PROBES):
        started = time.perf_counter()
        _count(http, matcher)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def render_counts(results: list[CountResult]) -> str:
    def mark(ms: float) -> str:
        return f"{ms:.1f} ms {'✅' if ms <= TARGET_MS else '❌'}"

    rows = [
        f"| {r.store}, {ENTRIES:,} entries, {r.journal} | {mark(r.first_ms)} | {mark(r.pattern_ms)} "
        f"| {r.every_entry_ms:,.0f} ms "
        f"| {r.every_entry_ms / r.pattern_ms:,.0f}x | <= {TARGET_MS:.0f} ms |"
        for r in results
    ]
    return "\n".join(
        [
            "## Counting the journal (issue 22)",
            "",
            f"| journal | `POST /__mock/requests/count` `{PATTERN['path_pattern']}`: first | then (median) "
            "| the same reading every entry (`since: 0`) | ratio | target |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Run alone: `.venv/bin/python -m bench.counts` (bench/counts.py). Served with one worker; "
            "first: the server's first count (its worker reads the journal's keys for the first time), then "
            f"the median of {_PROBES} more over one kept-alive connection. A count reads the journal's "
            "counts by request key (`store.counts`); one with `since` or `body` still reads every entry, as "
            "every count did before. One count reads at most 5,000 distinct request keys (past it: a 400 "
            "asking to narrow it).",
            "",
        ]
    )


def main() -> int:
    print(render_counts(measure_counts()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
