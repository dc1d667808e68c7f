"""Issue 27's peer: WireMock, the mock server most teams know, beside our mock on the bench's own load.

WireMock's standalone jar (npm package `wiremock`, pinned) runs on Debian's Java with the options its
help advises for load (`settings.WIREMOCK_OPTIONS`). It serves one stub per request class of the mix,
each made of our mock's own answer to that class's first request: the same status, bytes and headers
(but `Content-Length`, `Date` and `Server`, which each server writes itself). A stub tells its requests
apart as the other stateless servers do: by the `Prefer: code=<status>` header every request of the mix
carries, the view in the path, and for a task past retention its id (`stub_mappings`).

Both servers are loaded in the same rounds, the order alternating, after a warm-up long enough for the
JVM to compile the request path (`WIREMOCK_JIT_WARMUP_S`): first with the mix, then with one request
over and over, the poll of a finished task's Midjourney view. `python -m bench.wiremock` runs it alone
and prints the figures; `make bench` appends them to BENCHMARKS.md (`--no-wiremock` leaves it out).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .machine import load_average
from .mix import Probe, build_mix, write_lua
from .processes import free_port, serving, shown, terminate_on_sigterm
from .report import ServerRun
from .settings import (
    DURATION_S,
    HOST,
    MIX_SHARES,
    MIX_SIZE,
    ROOT,
    ROUNDS,
    RUN_DIR,
    SEED,
    TARGET_P99_VS_WIREMOCK,
    TARGET_POLL_VS_WIREMOCK,
    TARGET_VS_WIREMOCK,
    VENV_BIN,
    WIREMOCK_JIT_WARMUP_REQUESTS,
    WIREMOCK_JIT_WARMUP_S,
    WIREMOCK_OPTIONS,
    WIREMOCK_VERSION,
)
from .state import build_state
from .tools import ensure_java, ensure_wiremock, ensure_wrk, java_version
from .wrk import WrkResult, measured_load, run_wrk

__all__ = [
    "StubMismatch",
    "WireMockResult",
    "check_stubs",
    "main",
    "measure_wiremock",
    "render_wiremock",
    "stub_mappings",
]

MOCK, WIREMOCK = "mock", "wiremock"
_OWN_HEADERS = frozenset({"content-length", "date", "server", "connection", "transfer-encoding"})
"""Headers each server writes for itself; every other header of the mock's answer goes into the stub."""
_VIEWS = {"/v1/midjourney/": "midjourney", "/v1/tasks/": "tasks"}
_BY_ID = frozenset({"expired_404"})
"""Classes a stub can only tell from another by the task's id (a task past retention and one that never
existed both get 404)."""


class StubMismatch(RuntimeError):
    """WireMock did not answer a request of the mix as the mock did."""


@dataclass(frozen=True)
class WireMockResult:
    """Both servers on the mix and on the single poll, in the same rounds."""

    mix: dict[str, ServerRun]
    poll: dict[str, ServerRun]
    versions: dict[str, str]
    stubs: int
    warm_up: int
    """Requests WireMock answered before the measurement (the JIT warm-up)."""
    load_average: list[str]
    """The 1-minute load average before each measured round."""

    def ratios(self, runs: Mapping[str, ServerRun]) -> tuple[float, float, float]:
        """The mock's req/s, p99 (best rounds) and CPU per request (all rounds) over WireMock's."""
        mock, wiremock = runs[MOCK], runs[WIREMOCK]
        return (
            mock.result.rps / max(wiremock.result.rps, 1e-9),
            mock.result.p99_ms / max(wiremock.result.p99_ms, 1e-9),
            mock.cpu_us_per_request / max(wiremock.cpu_us_per_request, 1e-9),
        )


def stub_mappings(mock_url: str, pools: Mapping[str, Sequence[Probe]]) -> list[dict[str, Any]]:
    """One WireMock stub mapping per request class: the mock's answer to the class's first request,
    matched as `mix.lua` sends it (same `Prefer`; the class's views; for `_BY_ID` classes their ids)."""
    mappings = []
    with httpx.Client(base_url=mock_url, timeout=10.0) as http:
        for priority, klass in enumerate(sorted(pools, key=_first_tried), start=1):
            first = pools[klass][0]
            answer = http.get(first.path, headers=_headers(first))
            if answer.status_code != first.status:
                raise RuntimeError(f"{klass}: the mock answered {answer.status_code}, not {first.status}")
            mappings.append(_mapping(klass, pools[klass], answer, priority))
    return mappings


def _first_tried(klass: str) -> tuple[int, bool, str]:
    """WireMock tries stubs in priority order and serves the first that matches: the mix's most frequent
    classes first, a class told apart by its ids before the one that takes every other id."""
    return -MIX_SHARES.get(klass, 0), klass not in _BY_ID, klass


def check_stubs(url: str, pools: Mapping[str, Sequence[Probe]], mappings: Sequence[dict[str, Any]]) -> None:
    """Ask the server at `url` each class's first request and check that it answers as the class's stub
    says: the mock's status, bytes and headers (raises `StubMismatch` naming the first difference)."""
    with httpx.Client(base_url=url, timeout=10.0) as http:
        for mapping in mappings:
            first = pools[mapping["name"]][0]
            answer = http.get(first.path, headers=_headers(first))
            want = mapping["response"]
            headers = {name: answer.headers.get(name) for name in want["headers"]}
            for what, got, expected in (
                ("status", answer.status_code, want["status"]),
                ("body", answer.content, base64.b64decode(want["base64Body"])),
                ("headers", headers, want["headers"]),
            ):
                if got != expected:
                    raise StubMismatch(
                        f"{mapping['name']}: {first.path} answered {what} {got!r}, not {expected!r}"
                    )


def _headers(probe: Probe) -> dict[str, str]:
    """What `mix.lua` sends with every request."""
    return {
        "Authorization": f"Bearer {probe.token}",
        "Prefer": f"code={probe.status}",
        "Accept": "application/json",
    }


def _mapping(klass: str, pool: Sequence[Probe], answer: httpx.Response, priority: int) -> dict[str, Any]:
    views = sorted(
        {view for probe in pool for prefix, view in _VIEWS.items() if probe.path.startswith(prefix)}
    )
    ids = "[^/]+"
    if klass in _BY_ID:
        ids = "(" + "|".join(sorted({re.escape(probe.path.rpartition("/")[2]) for probe in pool})) + ")"
    return {
        "name": klass,
        "priority": priority,
        "request": {
            "method": "GET",
            "urlPathPattern": f"/v1/({'|'.join(views)})/{ids}",
            "headers": {"Prefer": {"equalTo": f"code={pool[0].status}"}},
        },
        "response": {
            "status": answer.status_code,
            "base64Body": base64.b64encode(answer.content).decode("ascii"),
            "headers": {name: value for name, value in answer.headers.items() if name not in _OWN_HEADERS},
        },
    }


def measure_wiremock(duration: int = DURATION_S, rounds: int = ROUNDS) -> WireMockResult:
    wrk, java, jar = ensure_wrk(), ensure_java(), ensure_wiremock()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    store, root = RUN_DIR / "wiremock-mock.sqlite", RUN_DIR / "wiremock"
    for stale in [*RUN_DIR.glob("wiremock-mock.sqlite*"), *root.glob("mappings/*.json")]:
        stale.unlink()
    ports = {MOCK: free_port(), WIREMOCK: free_port()}
    mock_command = [
        *(str(VENV_BIN / "apimart-mock"), "serve", "--host", HOST, "--port", str(ports[MOCK])),
        *("--store", str(store)),
    ]
    wiremock_command = [
        *(java, "-jar", jar, "--bind-address", HOST, "--port", str(ports[WIREMOCK])),
        *("--root-dir", str(root), *WIREMOCK_OPTIONS),
    ]
    log = RUN_DIR / "wiremock-mock.log"
    with serving(MOCK, mock_command, ports[MOCK], log, ready_path="/__mock/clock", cwd=ROOT) as mock:
        state = build_state(mock.url)
        pools = state.pools()
        mappings = stub_mappings(mock.url, pools)
        (root / "mappings").mkdir(parents=True, exist_ok=True)
        for n, mapping in enumerate(mappings):
            (root / "mappings" / f"{n:02d}-{mapping['name']}.json").write_text(json.dumps(mapping, indent=2))
        mix = write_lua(build_mix(pools, MIX_SHARES, MIX_SIZE, SEED), RUN_DIR / "wiremock-mix.lua")
        poll = write_lua([pools["mj_view_200"][0]], RUN_DIR / "wiremock-poll.lua")
        log = RUN_DIR / "wiremock.log"
        with serving(
            WIREMOCK, wiremock_command, ports[WIREMOCK], log, ready_path="/__admin/health", cwd=ROOT
        ) as wiremock:
            check_stubs(wiremock.url, pools, mappings)
            urls = {MOCK: mock.url, WIREMOCK: wiremock.url}
            groups = {MOCK: [mock.process.pid], WIREMOCK: [wiremock.process.pid]}
            warmed = _warm_up(wrk, wiremock.url, mix)
            loads: list[str] = []
            measured = {
                kind: _rounds(wrk, kind, urls, groups, requests, duration, rounds, loads)
                for kind, requests in (("mix", mix), ("poll", poll))
            }
    commands = {MOCK: mock_command, WIREMOCK: wiremock_command}
    labels = {
        MOCK: "our mock (`apimart-mock serve`: granian RSGI, defaults)",
        WIREMOCK: f"WireMock {WIREMOCK_VERSION} standalone (static stubs of the mock's answers)",
    }
    runs = {
        kind: {
            key: ServerRun(labels[key], shown(commands[key]), results[key], cpu[key])
            for key in (MOCK, WIREMOCK)
        }
        for kind, (results, cpu) in measured.items()
    }
    versions = {"wiremock": WIREMOCK_VERSION, "java": java_version(java)}
    return WireMockResult(runs["mix"], runs["poll"], versions, len(mappings), warmed, loads)


def _warm_up(wrk: str, url: str, requests: Path) -> int:
    """Load `url` with the mix in 5 s runs until the JIT warm-up's requests are answered or its time is
    up; returns how many were answered."""
    print(
        f"bench: WireMock JIT warm-up ({WIREMOCK_JIT_WARMUP_REQUESTS:,} requests of the mix) ...", flush=True
    )
    answered, deadline = 0, time.monotonic() + WIREMOCK_JIT_WARMUP_S
    while answered < WIREMOCK_JIT_WARMUP_REQUESTS and time.monotonic() < deadline:
        answered += run_wrk(wrk, url, requests, 5).requests
    return answered


def _rounds(
    wrk: str,
    kind: str,
    urls: Mapping[str, str],
    groups: Mapping[str, list[int]],
    requests: Path,
    duration: int,
    rounds: int,
    loads: list[str],
) -> tuple[dict[str, list[WrkResult]], dict[str, list[float]]]:
    results: dict[str, list[WrkResult]] = {MOCK: [], WIREMOCK: []}
    cpu: dict[str, list[float]] = {MOCK: [], WIREMOCK: []}
    for n in range(rounds):
        for key in (MOCK, WIREMOCK) if n % 2 == 0 else (WIREMOCK, MOCK):
            loads.append(load_average())
            result, spent = measured_load(
                f"{key}, {kind}, round {n + 1}", wrk, urls[key], requests, duration, groups[key]
            )
            results[key].append(result)
            cpu[key].append(spent)
    return results, cpu


def render_wiremock(result: WireMockResult) -> str:
    mix_rps, mix_p99, mix_cpu = result.ratios(result.mix)
    poll_rps, poll_p99, poll_cpu = result.ratios(result.poll)
    checks = [
        (
            "the mix: the mock's req/s over WireMock's",
            mix_rps,
            f">= {TARGET_VS_WIREMOCK:g}x",
            mix_rps >= TARGET_VS_WIREMOCK,
        ),
        (
            "the mix: the mock's p99 over WireMock's",
            mix_p99,
            f"<= {TARGET_P99_VS_WIREMOCK:g}x",
            mix_p99 <= TARGET_P99_VS_WIREMOCK,
        ),
        (
            "one poll: the mock's req/s over WireMock's",
            poll_rps,
            f">= {TARGET_POLL_VS_WIREMOCK:g}x",
            poll_rps >= TARGET_POLL_VS_WIREMOCK,
        ),
        ("one poll: the mock's p99 over WireMock's", poll_p99, "(shown)", None),
        ("the mix: the mock's CPU per request over WireMock's", mix_cpu, "(shown)", None),
        ("one poll: the mock's CPU per request over WireMock's", poll_cpu, "(shown)", None),
    ]
    lines = [
        "## WireMock beside the mock (issue 27)",
        "",
        f"`python -m bench.wiremock` (bench/wiremock.py): WireMock {result.versions['wiremock']} standalone"
        f" (npm `wiremock`) on {result.versions['java']} (Debian), {result.stubs} stubs, one per request"
        " class, each the mock's own answer (status, bytes, headers) to that class's first request;"
        f" {result.warm_up:,} requests of the mix to WireMock first (its JIT warm-up), then both servers"
        " loaded with the same wrk settings as above, rounds alternating, best round shown, errors over all"
        ' rounds. "One poll" is one request over and over: GET the Midjourney view of a finished task.'
        f" 1-minute load average before each round: {', '.join(result.load_average)}.",
        "",
        "| load | server | req/s | p50 ms | p99 ms | errors | µs CPU per request |",
        "|---|---|---:|---:|---:|---:|---:|",
        *(
            _row(kind, run)
            for kind, runs in (("the mix", result.mix), ("one poll", result.poll))
            for run in runs.values()
        ),
        "",
        "| ratio, same run | measured | target | verdict |",
        "|---|---:|---|---|",
        *(f"| {name} | {value:.2f}x | {target} | {_verdict(ok)} |" for name, value, target, ok in checks),
        "",
        *(f"- **{run.label}:** `{run.command}`" for run in result.mix.values()),
        "",
    ]
    return "\n".join(lines)


def _verdict(passed: bool | None) -> str:
    return "" if passed is None else "**PASS**" if passed else "**MISS**"


def _row(kind: str, run: ServerRun) -> str:
    best = run.result
    return (
        f"| {kind} | {run.label} | {best.rps:,.0f} | {best.p50_ms:.1f} | {best.p99_ms:.1f} |"
        f" {run.errors} / {run.requests:,} | {run.cpu_us_per_request:,.0f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wiremock", description=__doc__)
    parser.add_argument(
        "--duration", type=int, default=DURATION_S, help=f"seconds per round (default {DURATION_S})"
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds per load (default {ROUNDS})")
    args = parser.parse_args(argv)
    terminate_on_sigterm()
    print(render_wiremock(measure_wiremock(args.duration, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
