"""Issue 27's scale-out figures: N Redis-backed replicas, each pinned to a CPU set of its own, Redis on
another, so that what one replica serves and what Redis spends per request can be read apart.

Redis gets the first core, each replica (`apimart-mock serve --store redis://... --workers 1`) one of the
next, under `taskset`; the load generator (one wrk per replica, the bench's mix, all at once) runs on
the cores left over, or beside Redis when none is (its CPU is not Redis's: each process's CPU time is
read from /proc). N goes through 1, 2, 4 as far as the cores allow (`place`); the rounds alternate the
order of N and each figure is the median of the rounds. Besides req/s per replica, each point reports
the CPU per request of the replicas and of Redis (utime + stime before and after, `group_cpu_seconds`),
and Redis's share of the two. Redis's memory per task (`INFO memory` before and after creating
`MEMORY_TASKS` tasks) and those figures give the sizing of `size_for`: how many replicas and how much
Redis a number of polling tasks needs (docs/scaling.md).

`python -m bench.scaleout` runs it alone and prints the figures; `make bench` appends them to
BENCHMARKS.md (`--no-scaleout` leaves them out).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis

from .machine import load_average
from .mix import build_mix, write_lua
from .processes import ServerFailed, free_port, group_cpu_seconds, serving, terminate_on_sigterm
from .settings import DURATION_S, HOST, MIX_SHARES, MIX_SIZE, RUN_DIR, SEED, VENV_BIN, WARMUP_S
from .state import build_state
from .stores import redis_server
from .tools import ToolMissing, ensure_redis_server, ensure_wrk
from .wrk import WrkFailed, WrkResult, run_wrk

__all__ = [
    "CURVE",
    "Placement",
    "Point",
    "ScaleOutResult",
    "Sizing",
    "cores_needed",
    "curve",
    "main",
    "measure_scaleout",
    "place",
    "redis_share",
    "render_scaleout",
    "size_for",
]

CURVE = (1, 2, 4)
"""The replica counts of a full scaling curve."""
LOAD_CORES = 1
"""Cores the load generator needs to itself for a clean curve (wrk spends a small part of what the
replicas spend per request; one core drives four replicas here)."""
ROUNDS = 3
MEMORY_TASKS = 5_000
"""Tasks created (finished grids, the largest record a poll reads) to measure Redis's memory per task."""
HEADROOM = 0.5
"""Plan replicas and Redis at this share of what they served flat out: polls come in bursts, and a
closed loop at saturation is not a latency anyone wants."""
POLL_INTERVALS_S = (3.0, 5.0)
"""The poll interval docs/client.md recommends (3-5 s): sized at both ends."""
SIZED_TASKS = (10_000, 100_000)
_PREFIX = "scaleout"


@dataclass(frozen=True)
class Placement:
    """Which cores Redis, each replica and the load generator run on."""

    redis: tuple[int, ...]
    replicas: tuple[tuple[int, ...], ...]
    load: tuple[int, ...]

    @property
    def load_shares_redis(self) -> bool:
        return self.load == self.redis


def place(cores: Sequence[int], replicas: int) -> Placement:
    """Redis on the first core, one core per replica after it, the load generator on the rest (beside
    Redis when nothing is left)."""
    if not 1 <= replicas <= len(cores) - 1:
        raise ValueError(f"{replicas} replicas and Redis need {replicas + 1} cores; there are {len(cores)}")
    rest = tuple(cores[1 + replicas :])
    return Placement((cores[0],), tuple((core,) for core in cores[1 : 1 + replicas]), rest or (cores[0],))


def curve(cores: Sequence[int]) -> list[int]:
    """The points of `CURVE` these cores can place."""
    return [n for n in CURVE if n + 1 <= len(cores)]


def cores_needed(replicas: int) -> int:
    """Cores for `replicas` replicas with nothing shared: Redis, one per replica, the load generator."""
    return 1 + replicas + LOAD_CORES


def redis_share(redis_cpu_s: float, replicas_cpu_s: float) -> float:
    """Redis's share of the CPU the serving side (Redis and the replicas) spent."""
    total = redis_cpu_s + replicas_cpu_s
    return redis_cpu_s / total if total else 0.0


@dataclass(frozen=True)
class Round:
    """One measured run of N replicas loaded together."""

    loads: list[WrkResult]
    replicas_cpu_s: float
    redis_cpu_s: float
    load_average: str

    @property
    def requests(self) -> int:
        return sum(w.requests for w in self.loads)

    @property
    def rps(self) -> float:
        return sum(w.rps for w in self.loads)

    @property
    def replica_busy(self) -> float:
        """The share of the time a replica kept its core busy, on average (the rest it waited its turn)."""
        seconds = max(w.seconds for w in self.loads)
        return self.replicas_cpu_s / (seconds * len(self.loads)) if seconds else 0.0


@dataclass(frozen=True)
class Point:
    """N replicas over one Redis: the rounds measured."""

    replicas: int
    placement: Placement
    rounds: list[Round]

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.rounds)

    @property
    def rps_per_replica(self) -> float:
        return self.rps / self.replicas

    @property
    def p99_ms(self) -> float:
        """The median over rounds of the slowest replica's p99."""
        return statistics.median(max(w.p99_ms for w in r.loads) for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(w.errors for r in self.rounds for w in r.loads)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.rounds)

    @property
    def replica_us(self) -> float:
        return statistics.median(r.replicas_cpu_s * 1e6 / max(r.requests, 1) for r in self.rounds)

    @property
    def redis_us(self) -> float:
        return statistics.median(r.redis_cpu_s * 1e6 / max(r.requests, 1) for r in self.rounds)

    @property
    def redis_share(self) -> float:
        return statistics.median(redis_share(r.redis_cpu_s, r.replicas_cpu_s) for r in self.rounds)

    @property
    def replica_busy(self) -> float:
        return statistics.median(r.replica_busy for r in self.rounds)


@dataclass(frozen=True)
class Sizing:
    """What `tasks` tasks polled every `interval_s` seconds need, from one measured point."""

    tasks: int
    interval_s: float
    polls_per_s: float
    replicas: int
    """Replicas of one core each, from the CPU a request costs a replica (a core of its own to spend)."""
    replicas_at_measured_rps: int
    """The same from the req/s one replica served here: as many more as the machine's other load took."""
    redis_cores: float
    redis_mib: float


def size_for(
    tasks: int,
    interval_s: float,
    *,
    replica_us: float,
    rps_per_replica: float,
    redis_us: float,
    bytes_per_task: float,
    journal_bytes: int,
) -> Sizing:
    """polls/s = tasks / interval; replicas = polls/s x replica CPU per request / HEADROOM (a replica
    given all of its core), and, from the req/s a replica served, polls/s / (req/s x HEADROOM), both
    rounded up; Redis cores = polls/s x Redis CPU per request / HEADROOM; Redis memory = tasks x bytes
    per task plus the journal at its cap."""
    polls = tasks / interval_s
    return Sizing(
        tasks,
        interval_s,
        polls,
        math.ceil(polls * replica_us / 1e6 / HEADROOM),
        math.ceil(polls / (rps_per_replica * HEADROOM)),
        polls * redis_us / 1e6 / HEADROOM,
        (tasks * bytes_per_task + journal_bytes) / 2**20,
    )


@dataclass(frozen=True)
class ScaleOutResult:
    cores: list[int]
    pinned: bool
    points: list[Point]
    bytes_per_task: float
    journal_bytes: int
    duration_s: int

    def sizings(self) -> list[Sizing]:
        """From the point with the most replicas measured (the one the least shared with others)."""
        if not self.points:
            return []
        point = self.points[-1]
        return [
            size_for(
                tasks,
                interval,
                replica_us=point.replica_us,
                rps_per_replica=point.rps_per_replica,
                redis_us=point.redis_us,
                bytes_per_task=self.bytes_per_task,
                journal_bytes=self.journal_bytes,
            )
            for tasks in SIZED_TASKS
            for interval in POLL_INTERVALS_S
        ]


def measure_scaleout(duration: int = DURATION_S, rounds: int = ROUNDS) -> ScaleOutResult:
    from apimart_mock.config import Limits

    wrk, redis_binary = ensure_wrk(), ensure_redis_server()
    cores = sorted(os.sched_getaffinity(0))
    taskset = shutil.which("taskset")
    if taskset is None:
        print("bench: scale-out: taskset is not installed (util-linux): replicas and Redis run unpinned")
    counts = curve(cores)
    if not counts:
        print(f"bench: scale-out: {len(cores)} core(s): Redis and a replica need 2; nothing measured")
        return ScaleOutResult(cores, taskset is not None, [], 0.0, Limits().journal_bytes, duration)
    widest = place(cores, counts[-1])

    def pinned(on: tuple[int, ...], command: list[str]) -> list[str]:
        return command if taskset is None else [taskset, "-c", ",".join(map(str, on)), *command]

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    own_cores = os.sched_getaffinity(0)
    with ExitStack() as stack:
        stack.callback(os.sched_setaffinity, 0, own_cores)
        redis_port = free_port()
        url = stack.enter_context(
            redis_server(redis_binary, redis_port, RUN_DIR / "scaleout-redis.log", pinned(widest.redis, []))
        )
        client = stack.enter_context(redis.Redis.from_url(url))
        redis_group = [int(client.info("server")["process_id"])]
        bytes_per_task = _bytes_per_task(client, f"{url}?prefix={_PREFIX}-memory")
        store = f"{url}?prefix={_PREFIX}"
        replicas = []
        for n, on in enumerate(widest.replicas, 1):
            port = free_port()
            command = [str(VENV_BIN / "apimart-mock"), "serve", "--host", HOST, "--port", str(port)]
            command += ["--store", store, "--workers", str(len(on))]
            log = RUN_DIR / f"scaleout-replica-{n}.log"
            print(f"bench: scale-out: replica {n} on core(s) {on}", flush=True)
            replica = serving(f"replica {n}", pinned(on, command), port, log, ready_path="/__mock/clock")
            replicas.append(stack.enter_context(replica))
        state = build_state(replicas[0].url)
        mix = write_lua(build_mix(state.pools(), MIX_SHARES, MIX_SIZE, SEED), RUN_DIR / "scaleout-mix.lua")
        measured: dict[int, list[Round]] = {n: [] for n in counts}
        for k in range(rounds):
            for n in counts if k % 2 == 0 else counts[::-1]:
                placement = place(cores, n)
                if taskset is not None:  # wrk runs where this process runs: pinned by inheritance
                    os.sched_setaffinity(0, placement.load)
                urls = [r.url for r in replicas[:n]]
                groups = [r.process.pid for r in replicas[:n]]
                print(f"bench: scale-out: {n} replica(s), round {k + 1} ...", flush=True)
                measured[n].append(_round(wrk, urls, mix, duration, groups, redis_group))
    points = [Point(n, place(cores, n), measured[n]) for n in counts]
    journal_bytes = Limits().journal_bytes
    return ScaleOutResult(cores, taskset is not None, points, bytes_per_task, journal_bytes, duration)


def _round(
    wrk: str, urls: list[str], mix: Path, duration: int, groups: list[int], redis_group: list[int]
) -> Round:
    """Every replica loaded at once by a wrk of its own (after a warm-up), and the CPU each side spent."""
    load = load_average()
    with ThreadPoolExecutor(len(urls)) as pool:
        list(pool.map(lambda url: run_wrk(wrk, url, mix, WARMUP_S), urls))
        replicas_before, redis_before = group_cpu_seconds(groups), group_cpu_seconds(redis_group)
        loads = list(pool.map(lambda url: run_wrk(wrk, url, mix, duration), urls))
    spent = Round(
        loads,
        group_cpu_seconds(groups) - replicas_before,
        group_cpu_seconds(redis_group) - redis_before,
        load,
    )
    print(
        f"bench:   {spent.rps:,.0f} req/s, {sum(w.errors for w in loads)} errors,"
        f" Redis {redis_share(spent.redis_cpu_s, spent.replicas_cpu_s):.0%} of the CPU (load average {load})",
        flush=True,
    )
    return spent


def _bytes_per_task(client: redis.Redis, store_url: str) -> float:
    """Redis's `used_memory` grown by creating `MEMORY_TASKS` finished grids (the service's own create,
    straight into the store), per task."""
    from apimart_mock.backend.service import MockService
    from apimart_mock.backend.values import DirectTask
    from apimart_mock.domain.clock import ClockState
    from apimart_mock.domain.scopes import GLOBAL
    from apimart_mock.store import open_store

    store = open_store(store_url, journal_bytes=1 << 20)
    now = time.time()
    store.initialize(ClockState.start(now), None)
    service = MockService(store, seed=SEED, retention=3 * 86400.0)
    before = int(client.info("memory")["used_memory"])
    print(f"bench: scale-out: creating {MEMORY_TASKS:,} tasks to weigh them in Redis ...", flush=True)
    for n in range(MEMORY_TASKS):
        prompt = f"a lighthouse at dusk, number {n}"
        service.create_directly(GLOBAL, now, DirectTask(f"sk-scale-{n % 50}", age=600.0, prompt=prompt))
    return (int(client.info("memory")["used_memory"]) - before) / MEMORY_TASKS


def render_scaleout(result: ScaleOutResult) -> str:
    rows = [
        f"| {p.replicas} | {_cores(p.placement)} | {p.rps:,.0f} | **{p.rps_per_replica:,.0f}** "
        f"| {p.p99_ms:.1f} | {p.errors} / {p.requests:,} | {p.replica_us:,.0f} | {p.replica_busy:.0%} "
        f"| {p.redis_us:,.0f} "
        f"| **{p.redis_share:.0%}** | {', '.join(r.load_average for r in p.rounds)} |"
        for p in result.points
    ]
    missing = [n for n in CURVE if n not in {p.replicas for p in result.points}]
    needs = (
        f"The points with {', '.join(map(str, missing))} replicas need {cores_needed(missing[-1])} cores"
        f" (Redis 1, one per replica, the load generator {LOAD_CORES}); this machine has {len(result.cores)}"
        f" (cores {', '.join(map(str, result.cores))}), so they are not measured here."
        if missing
        else f"A full curve ({', '.join(map(str, CURVE))} replicas) fits these {len(result.cores)} cores."
    )
    pinning = (
        "Each process pinned with `taskset -c`."
        if result.pinned
        else "**Not pinned: `taskset` is not installed** (util-linux); every process shares every core."
    )
    sizing = [
        f"| {s.tasks:,} | {s.interval_s:g} s | {s.polls_per_s:,.0f} | {s.replicas}"
        f" | {s.replicas_at_measured_rps} | {s.redis_cores:.2f}"
        f"{' (more than one Redis can give)' if s.redis_cores > 1 else ''} | {s.redis_mib:,.0f} MiB |"
        for s in result.sizings()
    ]
    return "\n".join(
        [
            "## Scale-out over Redis (issue 27)",
            "",
            "| replicas | cores (Redis · replicas · wrk) | req/s, all | req/s per replica | p99 ms "
            "| errors | replica µs CPU / request | its core busy | Redis µs CPU / request "
            "| Redis share of the CPU | load average per round |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            f"{needs} {pinning} Each replica is `apimart-mock serve --store redis://... --workers 1` on one"
            " core, loaded by a wrk of its own (the mix of the table above, no balancer: a balancer runs on"
            f" machines of its own), {result.duration_s} s after a {WARMUP_S} s warm-up; medians of"
            f" {max((len(p.rounds) for p in result.points), default=0)} rounds, the order of N alternating."
            " CPU is each process's utime + stime from /proc over the measured seconds; the Redis share is"
            " Redis's part of what Redis and the replicas spent. Pinning keeps the bench's processes apart,"
            " not the machine's other load: where a replica's core was busy less than all the time, it"
            " waited its turn (for its core, or for Redis's) and served that much less than a core of its"
            " own gives.",
            "",
            f"Redis memory per task: **{result.bytes_per_task:,.0f} bytes** (`INFO memory` used_memory"
            f" before and after creating {MEMORY_TASKS:,} finished grids); the journal adds at most"
            f" `--journal-bytes` ({result.journal_bytes / 2**20:.0f} MiB by default).",
            "",
            f"Sized from the widest point measured, at {HEADROOM:.0%} of it (`bench/scaleout.py: size_for`;"
            " the arithmetic is in docs/scaling.md):",
            "",
            "| polling tasks | interval | polls/s | replicas (1 core each), from CPU per request "
            "| from req/s per replica here | Redis cores | Redis memory |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            *sizing,
            "",
            "Run alone: `.venv/bin/python -m bench.scaleout` (bench/scaleout.py).",
            "",
        ]
    )


def _cores(placement: Placement) -> str:
    replicas = ",".join(str(core) for on in placement.replicas for core in on)
    load = ",".join(map(str, placement.load)) + (" (with Redis)" if placement.load_shares_redis else "")
    return f"{placement.redis[0]} · {replicas} · {load}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__)
    parser.add_argument("--duration", type=int, default=DURATION_S, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds per point (default {ROUNDS})")
    args = parser.parse_args(argv)
    terminate_on_sigterm()
    try:
        print(render_scaleout(measure_scaleout(args.duration, args.rounds)))
    except (ToolMissing, ServerFailed, WrkFailed) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
