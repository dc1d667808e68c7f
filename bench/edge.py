"""Issue 22's figures: `apimart-mock serve` under idle and slow connections, and under one noisy account.

- **Edge.** Polls of one task, each on a fresh connection, first on a quiet mock, then while
  `IDLE_CONNECTIONS` connections that never send a byte and `SLOW_HEADER_CLIENTS` trickling their
  headers are held (each one the server closes is opened again). Target: p99 <= 250 ms.
- **Fairness.** Another account's polls, quiet, then while one account submits tasks for `FLOOD_S`
  seconds, `FLOOD_CONCURRENCY` at a time (hey), `FLOOD_ROUNDS` times in turn (so that the quiet and
  the flooded polls meet the same noise of a shared machine): with the default account share (turns
  and rests), with its turns alone (`--account-rest 0`) and with none (`--account-share 0`), side by
  side. Target: the flood's p99 within 2x of the quiet p99, with the default share.

Polls are raw HTTP/1.1 on a socket (`Connection: close`, the answer read to the end), so the prober's own
CPU stays small next to the server's. An unanswered poll (or one with a wrong status) counts as slower
than any answer. `python -m bench.edge` runs it alone and prints the figures; `make bench` appends them
to BENCHMARKS.md.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from apimart_mock.testing import trickling_clients, until_closed

from .processes import Running, free_port, serving
from .settings import HOST, ROOT, RUN_DIR, VENV_BIN
from .slow import SlowResult
from .tools import ensure_hey

__all__ = ["EdgeResult", "main", "measure_edge", "render_edge"]

IDLE_CONNECTIONS = 1_500
SLOW_HEADER_CLIENTS = 1_000
FLOOD_CONCURRENCY = 64
FLOOD_S = 5
"""Each flood goes on this long (the issue's 4,000 submits took a few seconds)."""
FLOOD_ROUNDS = 3
"""Quiet polls and a flood, in turn, this many times: together enough polls for a p99."""
POLL_EVERY_S = 0.02
"""Polls start this far apart (or right after the one before, when that took longer)."""
QUIET_S = 6.0
"""Quiet polls on their own (the edge), or in all the fairness rounds together."""
HELD_S = 15.0
"""How long the polls go on while the idle and slow connections are held: longer than the idle timeout,
so the server closes them (and they are opened again) meanwhile."""
POLL_TIMEOUT_S = 5.0
TARGET_EDGE_P99_MS = 250.0
TARGET_FAIR_RATIO = 2.0
_POLLER, _FLOODER = "sk-bench-poller", "sk-bench-flooder"


@dataclass(frozen=True)
class Fairness:
    label: str
    quiet: SlowResult
    flood: SlowResult
    flood_seconds: float
    """All the rounds' floods together."""
    flood_statuses: dict[int, int]

    @property
    def ratio(self) -> float:
        return self.flood.p99_ms / self.quiet.p99_ms


@dataclass(frozen=True)
class EdgeResult:
    quiet: SlowResult
    held: SlowResult
    closed_idle: int
    closed_slow: int
    fairness: list[Fairness]


def measure_edge() -> EdgeResult:
    hey = ensure_hey()
    with _mock("edge") as mock:
        poll = _poller(mock.url)
        quiet = _polls("quiet", poll, _for(QUIET_S))
        with (
            trickling_clients(mock.url, IDLE_CONNECTIONS, "idle") as idle,
            trickling_clients(mock.url, SLOW_HEADER_CLIENTS, "headers") as slow,
        ):
            time.sleep(1.0)  # every connection is open
            held = _polls("idle + slow headers", poll, _for(HELD_S))
            closed = idle.closed_by_server, slow.closed_by_server
        print(f"bench: edge: quiet {_line(quiet)}; held {_line(held)}", flush=True)
    fairness = [_fairness(hey, label, options) for label, options in _SHARES]
    return EdgeResult(quiet, held, *closed, fairness)


_SHARES = [
    ("the default share (turns and rests)", ()),
    ("turns, no rests (`--account-rest 0`)", ("--account-rest", "0")),
    ("no share (`--account-share 0`)", ("--account-share", "0")),
]


def _fairness(hey: str, label: str, options: tuple[str, ...]) -> Fairness:
    with _mock("fairness", *options) as mock:
        poll = _poller(mock.url)
        _polls("warm-up", poll, _for(1.0))
        quiet: list[SlowResult] = []
        loud: list[SlowResult] = []
        seconds = 0.0
        statuses: Counter[int] = Counter()
        for _ in range(FLOOD_ROUNDS):
            quiet.append(_polls("quiet", poll, _for(QUIET_S / FLOOD_ROUNDS)))
            with _flood(hey, mock.url) as flood:
                loud.append(_polls("flood", poll, lambda: flood.process.poll() is None))
            seconds += flood.seconds
            statuses.update(flood.statuses())
        result = Fairness(label, _together(quiet), _together(loud), seconds, dict(statuses))
        print(
            f"bench: fairness, {label}: quiet {_line(result.quiet)}; flood {_line(result.flood)};"
            f" {statuses.total():,} submits in {seconds:.1f} s, {dict(statuses)}",
            flush=True,
        )
        return result


def _together(results: list[SlowResult]) -> SlowResult:
    latencies = sorted(ms for result in results for ms in result.latencies_ms)
    return SlowResult(results[0].kind, latencies, sum(result.unanswered for result in results))


@contextmanager
def _mock(name: str, *options: str) -> Iterator[Running]:
    port = free_port()
    command = [str(VENV_BIN / "apimart-mock"), "serve", "--host", HOST, "--port", str(port), *options]
    with serving(name, command, port, RUN_DIR / f"edge-{name}.log", ready_path="/healthz", cwd=ROOT) as mock:
        yield mock


def _poller(url: str) -> Callable[[], float | None]:
    """One poll of a fresh task on a fresh connection: its time in ms, None when unanswered or not 200."""
    answer = httpx.post(
        f"{url}/v1/midjourney/generations",
        json={"prompt": "a lighthouse"},
        headers={"Authorization": f"Bearer {_POLLER}"},
        timeout=30,
    )
    task = answer.json()["data"][0]["task_id"]
    address = (HOST, int(url.rsplit(":", 1)[1]))
    request = (
        f"GET /v1/tasks/{task} HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\n"
        f"Authorization: Bearer {_POLLER}\r\nConnection: close\r\n\r\n"
    ).encode()

    def poll() -> float | None:
        started = time.perf_counter()
        try:
            with socket.create_connection(address, timeout=POLL_TIMEOUT_S) as sock:
                sock.sendall(request)
                data = until_closed(sock, time.monotonic() + POLL_TIMEOUT_S)
        except OSError:
            return None
        return (time.perf_counter() - started) * 1000 if data.startswith(b"HTTP/1.1 200 ") else None

    return poll


def _for(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() < deadline


def _polls(kind: str, poll: Callable[[], float | None], going: Callable[[], bool]) -> SlowResult:
    """A poll every POLL_EVERY_S while `going()`."""
    latencies: list[float] = []
    unanswered = 0
    start = time.monotonic()
    while going():
        ms = poll()
        if ms is None:
            unanswered += 1
        else:
            latencies.append(ms)
        start = max(start + POLL_EVERY_S, time.monotonic())
        time.sleep(max(0.0, start - time.monotonic()))
    return SlowResult(kind, sorted(latencies), unanswered)


@dataclass
class _Flood:
    process: subprocess.Popen[str]
    started: float
    seconds: float = 0.0

    def statuses(self) -> dict[int, int]:
        out = self.process.stdout.read() if self.process.stdout else ""
        return _status_counts(out)


@contextmanager
def _flood(hey: str, url: str) -> Iterator[_Flood]:
    """One account submitting tasks, FLOOD_CONCURRENCY at a time, for FLOOD_S seconds."""
    command = [
        hey,
        "-z",
        f"{FLOOD_S}s",
        "-c",
        str(FLOOD_CONCURRENCY),
        "-t",
        "30",
        "-m",
        "POST",
        "-T",
        "application/json",
        "-H",
        f"Authorization: Bearer {_FLOODER}",
        "-d",
        json.dumps({"prompt": "a flood of lighthouses"}),
        f"{url}/v1/midjourney/generations",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    flood = _Flood(process, time.monotonic())
    try:
        time.sleep(0.2)  # the flood is under way
        yield flood
        process.wait(timeout=FLOOD_S + 60)
        flood.seconds = time.monotonic() - flood.started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _status_counts(out: str) -> dict[int, int]:
    """hey's status code distribution: `[200]\t3998 responses` lines."""
    counts: dict[int, int] = {}
    for line in out.splitlines():
        text = line.strip()
        if text.startswith("[") and "responses" in text:
            code, _, rest = text[1:].partition("]")
            counts[int(code)] = int(rest.split()[0])
    return counts


def _p50(result: SlowResult) -> float:
    ranked = result.latencies_ms + [float("inf")] * result.unanswered
    return ranked[len(ranked) // 2] if ranked else float("inf")


def _line(result: SlowResult) -> str:
    return (
        f"p50 {_p50(result):.1f} / p99 {result.p99_ms:.1f} ms over {result.polls} polls"
        f" ({result.unanswered} unanswered)"
    )


def render_edge(result: EdgeResult) -> str:
    edge_ok = result.held.p99_ms <= TARGET_EDGE_P99_MS
    share = result.fairness[0]
    fair_ok = share.ratio <= TARGET_FAIR_RATIO
    lines = [
        "## The edge and fairness (issue 22)",
        "",
        "`python -m bench.edge` (bench/edge.py): `apimart-mock serve` with its defaults; every poll on a",
        "fresh connection, one after another.",
        "",
        "| polls of one task | p50 ms | p99 ms | polls | unanswered |",
        "|---|---:|---:|---:|---:|",
        _row("quiet", result.quiet),
        _row(f"{IDLE_CONNECTIONS:,} idle and {SLOW_HEADER_CLIENTS:,} slow-header clients held", result.held),
        "",
        f"The server closed {result.closed_idle:,} idle and {result.closed_slow:,} slow-header connections"
        " meanwhile (each reopened at once).",
        "",
        f"| another account's polls while one submits {FLOOD_CONCURRENCY} at a time"
        f" ({FLOOD_ROUNDS} floods of {FLOOD_S} s between quiet spells)"
        " | quiet p50 / p99 ms | flood p50 / p99 ms | p99 flood / quiet | floods took | flood's answers |",
        "|---|---:|---:|---:|---:|---|",
        *(
            f"| {f.label} | {_p50(f.quiet):.1f} / {f.quiet.p99_ms:.1f} | {_p50(f.flood):.1f} /"
            f" {f.flood.p99_ms:.1f} | {f.ratio:.2f}x | {f.flood_seconds:.1f} s |"
            f" {', '.join(f'{n:,} x {code}' for code, n in sorted(f.flood_statuses.items()))} |"
            for f in result.fairness
        ),
        "",
        f"- {'PASS' if edge_ok else 'MISS'}  polls under idle and slow-header connections:"
        f" p99 {result.held.p99_ms:.1f} ms (target <= {TARGET_EDGE_P99_MS:g} ms)",
        f"- {'PASS' if fair_ok else 'MISS'}  another account's p99 while one floods, with the default share:"
        f" {share.ratio:.2f}x the quiet p99 (target <= {TARGET_FAIR_RATIO:g}x)",
        "",
    ]
    return "\n".join(lines)


def _row(label: str, result: SlowResult) -> str:
    return f"| {label} | {_p50(result):.1f} | {result.p99_ms:.1f} | {result.polls} | {result.unanswered} |"


def main() -> int:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    print(render_edge(measure_edge()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
