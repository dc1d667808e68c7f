"""The same polls at a fixed request rate (open-loop pacing with `hey -q`), so tails compare at equal load.

wrk (closed loop) measures each server at its own saturation, where p99 grows with the load absorbed;
here every server gets the same requests per second, well below what any of them can serve, and the
latency distribution shows how each behaves when it is not the bottleneck. hey paces each of its
workers with a ticker (`-q` per worker); it reports a status-code histogram, so every answer is checked.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .mix import Probe
from .settings import CONNECTIONS

__all__ = ["RateResult", "run_hey"]


@dataclass(frozen=True)
class RateResult:
    rate: float
    """The requests per second asked for."""
    rps: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    expected: int

    @property
    def wrong(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != self.expected)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def run_hey(hey: str, url: str, probe: Probe, rate: float, seconds: int) -> RateResult:
    """GET `probe` at `rate` requests per second in total for `seconds`."""
    per_worker = max(1, round(rate / CONNECTIONS))
    command = [
        hey,
        "-z",
        f"{seconds}s",
        "-c",
        str(CONNECTIONS),
        "-q",
        str(per_worker),
        "-t",
        "5",
        "-H",
        f"Authorization: Bearer {probe.token}",
        "-H",
        f"Prefer: code={probe.status}",
        url + probe.path,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%+ in ([\d.]+) secs", out)
    p99 = re.search(r"99%+ in ([\d.]+) secs", out)
    if done.returncode != 0 or not (rps and p50 and p99):
        raise RuntimeError(f"hey exited {done.returncode}: {(done.stderr or out).strip()[-500:]}")
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    return RateResult(
        rate=per_worker * CONNECTIONS,
        rps=float(rps.group(1)),
        p50_ms=float(p50.group(1)) * 1000,
        p99_ms=float(p99.group(1)) * 1000,
        statuses=statuses,
        expected=probe.status,
    )
