"""Issue 13's figures: what bounding the mock cost, and what it holds at scale.

- Served throughput of this checkout against the commit before the limits (`BEFORE`), side by side:
  both served from the same venv, loaded in alternating rounds with the same wrk mix.
- Journal bytes per request (on disk, over the entries the journal holds).
- `GET /__mock/tasks` first page with 100k tasks in the store (target <= 50 ms).
- `GET /__mock/requests` first page after a soak of 500k requests (target <= 50 ms), and the
  workers' RSS after that soak.

`python -m bench.hardening` runs it alone and prints the figures; `make bench` appends them to
BENCHMARKS.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .mix import build_mix, write_lua
from .processes import Running, free_port, serving
from .settings import HOST, MIX_SHARES, MIX_SIZE, ROOT, RUN_DIR, SEED, WORK
from .state import build_state
from .tools import ensure_wrk
from .wrk import run_wrk

__all__ = ["HardeningResult", "main", "measure_hardening", "render_hardening"]

BEFORE = "297b832"
"""The commit before issue 13's limits (the base of its branch)."""
TASKS_AT_SCALE = 100_000
SOAK_REQUESTS = 500_000
SOAK_LIMIT_S = int(os.environ.get("BENCH_SOAK_LIMIT_S", "300"))
"""The soak stops at SOAK_REQUESTS or after this long, whichever comes first (the figure says which)."""
TARGET_PAGE_MS = 50.0
TARGET_THROUGHPUT_SHARE = 0.90
_PROBES = 20


@dataclass(frozen=True)
class HardeningResult:
    rps_before: float
    rps_now: float
    journal_bytes_per_request: float
    tasks_page_ms: float
    tasks_in_store: int
    requests_page_ms: float
    soak_requests: int
    worker_rss_mb: list[float]


def measure_hardening(duration_s: int = 10, rounds: int = 2) -> HardeningResult:
    wrk = ensure_wrk()
    before = _checkout(BEFORE)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    best: dict[str, float] = {"before": 0.0, "now": 0.0}
    journal_per_request = 0.0
    for n in range(rounds):
        for name in ("before", "now") if n % 2 == 0 else ("now", "before"):
            store = RUN_DIR / f"hardening-{name}.sqlite"
            _remove(store)
            with _mock(name, before if name == "before" else ROOT, store) as mock:
                mix = RUN_DIR / f"hardening-{name}.lua"
                write_lua(build_mix(build_state(mock.url).pools(), MIX_SHARES, MIX_SIZE, SEED), mix)
                run_wrk(wrk, mock.url, mix, 2)
                result = run_wrk(wrk, mock.url, mix, duration_s)
                print(f"bench: hardening {name} round {n + 1}: {result.rps:,.0f} req/s", flush=True)
                best[name] = max(best[name], result.rps)
                if name == "now":
                    journal_per_request = _journal_bytes_per_entry(mock.url, store)
    tasks_ms, tasks = _tasks_page_at_scale()
    requests_ms, soaked, rss = _requests_page_after_soak(wrk)
    return HardeningResult(
        best["before"], best["now"], journal_per_request, tasks_ms, tasks, requests_ms, soaked, rss
    )


def _checkout(commit: str) -> Path:
    """The files of `commit` under .bench/ (exported once, `git archive`: no worktree to clean up)."""
    path = WORK / f"before-{commit}"
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(path)], input=archive.stdout, check=True)
    return path


def _mock(name: str, checkout: Path, store: Path) -> AbstractContextManager[Running]:
    """`apimart-mock serve` of `checkout` (its own packages first on the path), the default settings. Before
    issue 21 the package was the top-level `mock_server`; since, it is `apimart_mock` inside that folder."""
    port = free_port()
    nested = (checkout / "mock_server" / "apimart_mock").is_dir()
    module = "apimart_mock.serve.cli" if nested else "mock_server.cli"
    command = [sys.executable, "-m", module, "serve", "--host", HOST, "--port", str(port)]
    log = RUN_DIR / f"hardening-{name}.log"
    path = [checkout / "mock_server", checkout] if nested else [checkout]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    return serving(
        name, [*command, "--store", str(store)], port, log, ready_path="/__mock/clock", env=env, cwd=checkout
    )


def _journal_bytes_per_entry(url: str, store: Path) -> float:
    entries = httpx.post(f"{url}/__mock/requests/count", json={}, timeout=60).json()["count"]
    size = sum(
        p.stat().st_size for p in store.parent.glob(store.name + ".journal.*") if p.suffix[1:].isdigit()
    )
    return size / entries if entries else 0.0


def _page_ms(url: str) -> float:
    """The median time of `_PROBES` GETs of `url` over one kept-alive connection."""
    times = []
    with httpx.Client(timeout=60) as http:
        http.get(url)
        for _ in range(_PROBES):
            started = time.perf_counter()
            assert http.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _tasks_page_at_scale() -> tuple[float, int]:
    """100k tasks written straight into a store (the service's own create), then served."""
    from apimart_mock.backend import DirectTask, MockService
    from apimart_mock.config import Limits
    from apimart_mock.domain.clock import ClockState
    from apimart_mock.domain.scopes import GLOBAL
    from apimart_mock.store import open_store

    store_path = RUN_DIR / "hardening-tasks.sqlite"
    _remove(store_path)
    store = open_store(str(store_path), journal_bytes=Limits().journal_bytes)
    now = time.time()
    store.initialize(ClockState.start(now), None)
    service = MockService(store, seed=SEED, retention=3 * 86400.0)
    for n in range(TASKS_AT_SCALE):
        service.create_directly(GLOBAL, now, DirectTask(f"sk-scale-{n % 50}", age=n % 86400))
    with _mock("tasks", ROOT, store_path) as mock:
        return _page_ms(f"{mock.url}/__mock/tasks"), TASKS_AT_SCALE


def _requests_page_after_soak(wrk: str) -> tuple[float, int, list[float]]:
    store = RUN_DIR / "hardening-soak.sqlite"
    _remove(store)
    with _mock("soak", ROOT, store) as mock:
        mix = RUN_DIR / "hardening-soak.lua"
        write_lua(build_mix(build_state(mock.url).pools(), MIX_SHARES, MIX_SIZE, SEED), mix)
        sent, deadline = 0, time.monotonic() + SOAK_LIMIT_S
        while sent < SOAK_REQUESTS and time.monotonic() < deadline:
            sent += run_wrk(wrk, mock.url, mix, 20).requests
        print(f"bench: hardening soak: {sent:,} requests", flush=True)
        return _page_ms(f"{mock.url}/__mock/requests"), sent, _worker_rss(mock)


def _worker_rss(mock: Running) -> list[float]:
    """RSS in MB of each process of the server's group but the arbiter."""
    sizes = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == mock.process.pid:
            continue
        try:
            if os.getpgid(int(pid)) != mock.process.pid:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sorted(sizes)


def _remove(store: Path) -> None:
    for path in store.parent.glob(store.name + "*"):
        path.unlink()


def render_hardening(result: HardeningResult) -> str:
    share = result.rps_now / result.rps_before if result.rps_before else 0.0
    rss = ", ".join(f"{mb:.0f}" for mb in result.worker_rss_mb) or "?"

    def mark(ok: bool) -> str:
        return "✅" if ok else "❌"

    return "\n".join(
        [
            "## Bounded and safe (issue 13)",
            "",
            "| figure | measured | target |",
            "|---|---|---|",
            f"| served throughput, now / before the limits ({BEFORE}) | {result.rps_now:,.0f} / "
            f"{result.rps_before:,.0f} req/s = {share:.2f} {mark(share >= TARGET_THROUGHPUT_SHARE)} | >= "
            f"{TARGET_THROUGHPUT_SHARE:.2f} |",
            f"| journal bytes per request (the wrk mix of GETs) | {result.journal_bytes_per_request:.0f} | |",
            f"| `GET /__mock/tasks` first page, {result.tasks_in_store:,} tasks | "
            f"{result.tasks_page_ms:.1f} ms {mark(result.tasks_page_ms <= TARGET_PAGE_MS)} | "
            f"<= {TARGET_PAGE_MS:.0f} ms |",
            f"| `GET /__mock/requests` first page after {result.soak_requests:,} requests | "
            f"{result.requests_page_ms:.1f} ms {mark(result.requests_page_ms <= TARGET_PAGE_MS)} | <= "
            f"{TARGET_PAGE_MS:.0f} ms |",
            f"| worker RSS after that soak (MB) | {rss} | |",
            "",
            "Run alone: `.venv/bin/python -m bench.hardening` (bench/hardening.py). Median of "
            f"{_PROBES} GETs per page figure; throughput the best of alternating rounds.",
            "",
        ]
    )


def main() -> int:
    print(render_hardening(measure_hardening()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
