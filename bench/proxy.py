"""What `apimart-proxy` adds to a request (issue 26): the same poll at a fixed 200 requests per second,
straight to the served mock and through the proxy in front of it (judging and recording on), in rounds
whose order alternates. Target: p99 added <= 5 ms; nothing dropped from judging.

Run alone: `.venv/bin/python -m bench.proxy`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from apimart_mock.testing import free_port, serve, stop_group

from .hey import RateResult, run_hey
from .mix import Probe
from .tools import ensure_hey

__all__ = ["ProxyResult", "measure_proxy", "render_proxy"]

RATE = 200.0
SECONDS = 10
ROUNDS = 3
TARGET_MS = 5.0
KEY = "sk-bench-proxy"


@dataclass(frozen=True)
class ProxyResult:
    direct: list[RateResult]
    proxied: list[RateResult]
    judged: int
    dropped: int

    @property
    def direct_p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.direct)

    @property
    def proxied_p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.proxied)

    @property
    def added_p99(self) -> float:
        return self.proxied_p99 - self.direct_p99


def measure_proxy() -> ProxyResult:
    hey = ensure_hey()
    bin_dir = Path(sys.executable).parent
    with serve("--frozen") as mock, tempfile.TemporaryDirectory() as folder:
        task = httpx.post(f"{mock.url}/__mock/tasks", json={"account": KEY, "status": "SUCCESS"}).json()
        probe = Probe("poll", f"/v1/midjourney/{task['id']}", KEY, 200)
        port = free_port()
        command = [str(bin_dir / "apimart-proxy"), "--upstream", mock.url, "--port", str(port)]
        command += ["--record", f"{folder}/cassettes", "--report-dir", f"{folder}/reports"]
        proxy = subprocess.Popen(command, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url)
            direct, proxied = [], []
            print(f"bench: proxy: {ROUNDS} rounds of {SECONDS} s at {RATE:g} req/s, direct and proxied ...")
            for round_ in range(ROUNDS):
                order = [(mock.url, direct), (url, proxied)]
                for base, results in order if round_ % 2 == 0 else order[::-1]:
                    results.append(run_hey(hey, base, probe, RATE, SECONDS))
            status = _settled(url)
        finally:
            stop_group(proxy)
    return ProxyResult(direct, proxied, status["exchanges"], status["dropped"])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/__proxy/report", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("apimart-proxy did not start within 30 s")


def _settled(url: str) -> dict[str, int]:
    """The proxy's counters once its judging caught up (bounded: 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        status: dict[str, int] = httpx.get(f"{url}/__proxy/report", timeout=10).json()
        if status["pending"] == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def render_proxy(result: ProxyResult) -> str:
    mark = "✅" if result.added_p99 <= TARGET_MS and result.dropped == 0 else "❌"
    rows = [
        f"| straight to the mock | {statistics.median(r.p50_ms for r in result.direct):.2f} ms "
        f"| {result.direct_p99:.2f} ms | {sum(r.wrong for r in result.direct)} |",
        f"| through `apimart-proxy` | {statistics.median(r.p50_ms for r in result.proxied):.2f} ms "
        f"| {result.proxied_p99:.2f} ms | {sum(r.wrong for r in result.proxied)} |",
    ]
    return "\n".join(
        [
            "## What the proxy adds (issue 26)",
            "",
            f"One finished task's MJ view polled at {RATE:g} req/s for {SECONDS} s (`hey -q`), {ROUNDS} "
            "rounds alternating; medians of the rounds. The proxy judges and records every exchange.",
            "",
            "| path | p50 | p99 | wrong answers |",
            "|---|---|---|---|",
            *rows,
            "",
            f"p99 added: **{result.added_p99:.2f} ms** (target <= {TARGET_MS:g} ms) {mark}; exchanges judged "
            f"{result.judged:,}, dropped from judging {result.dropped}.",
            "",
            "Run alone: `.venv/bin/python -m bench.proxy` (bench/proxy.py).",
            "",
        ]
    )


def main() -> int:
    print(render_proxy(measure_proxy()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
