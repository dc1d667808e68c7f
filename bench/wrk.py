"""Run wrk with `mix.lua` against one server and read back what the script counted.

wrk's own error counts (connect/read/write/timeout) and the script's status checks are both kept:
a request that never got an answer is an error just like one that got the wrong status.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .processes import group_cpu_seconds
from .settings import CONNECTIONS, THREADS, WARMUP_S, WRK_TIMEOUT_S

__all__ = ["ClassCount", "WrkFailed", "WrkResult", "measured_load", "run_wrk"]

MIX_LUA = Path(__file__).with_name("mix.lua")
_MARK = "BENCH_JSON "


class WrkFailed(RuntimeError):
    """wrk exited with an error or printed no result line."""


@dataclass(frozen=True)
class ClassCount:
    sent: int
    ok: int
    wrong: int


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured. Latencies in milliseconds."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    wrong_status: int
    socket_errors: int
    classes: dict[str, ClassCount] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Responses with a status other than the expected one, plus requests that got no response."""
        return self.wrong_status + self.socket_errors


def run_wrk(wrk: str, url: str, mix_file: Path, seconds: int) -> WrkResult:
    """Load `url` for `seconds` with the request list in `mix_file`."""
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT_S}s",
        "-s",
        str(MIX_LUA),
        url,
        "--",
        str(mix_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(_MARK)), None)
    if done.returncode != 0 or line is None:
        raise WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
    data = json.loads(line[len(_MARK) :])
    classes = {name: ClassCount(**count) for name, count in data["classes"].items()}
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        wrong_status=sum(c.wrong for c in classes.values()) + int(data["unmatched"]),
        socket_errors=sum(int(data[k]) for k in ("connect", "read", "write", "timeout")),
        classes=classes,
        samples=list(data["samples"]),
    )


def measured_load(
    name: str, wrk: str, url: str, mix_file: Path, seconds: int, groups: list[int]
) -> tuple[WrkResult, float]:
    """One measured wrk run after a warm-up, and the CPU seconds the server's processes spent in it."""
    print(f"bench: loading {name} ({WARMUP_S} s warm-up, then {seconds} s) ...", flush=True)
    run_wrk(wrk, url, mix_file, WARMUP_S)
    before = group_cpu_seconds(groups)
    result = run_wrk(wrk, url, mix_file, seconds)
    spent = group_cpu_seconds(groups) - before
    print(
        f"bench:   {result.rps:,.0f} req/s, p99 {result.p99_ms:.1f} ms, {result.errors} errors,"
        f" {spent * 1e6 / max(result.requests, 1):,.0f} µs CPU per request",
        flush=True,
    )
    return result, spent
