"""The bench's one run: install tools, start the servers, load them one at a time, time the rest, report.

Fairness: every server gets the same request list, wrk settings and warm-up; only one is loaded at a
time, in rounds whose order alternates (so a change in the machine's background load does not favour
whichever ran first). All servers stay up until the end and are always stopped, also on error or
Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime

import httpx

from .counts import measure_counts, render_counts
from .dashboard import measure_dashboard, render_dashboard
from .edge import measure_edge, render_edge
from .fixture import measure_fixture
from .hardening import measure_hardening, render_hardening
from .hey import RateResult, run_hey
from .inprocess import InProcessResult, measure_in_process
from .machine import describe_machine, load_average
from .mix import build_mix, write_lua
from .onepoll import measure_onepoll, render_onepoll
from .processes import (
    ServerFailed,
    free_port,
    granian_command,
    mock_serve_defaults,
    serving,
    shown,
    terminate_on_sigterm,
)
from .proxy import measure_proxy, render_proxy
from .report import (
    FLASK,
    HELLO,
    HELLO_GRANIAN,
    HELLO_RSGI,
    MOCK,
    MOCK_GUNICORN,
    MOCK_REDIS,
    MOCK_REPLICAS,
    MOCK_WSGI,
    PRISM,
    SERVERS,
    Results,
    ServerRun,
    render_markdown,
    render_table,
    verdicts,
    write,
)
from .scaleout import measure_scaleout, render_scaleout
from .settings import (
    DURATION_S,
    FIXED_RATE_S,
    FIXED_RATE_SHARE,
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    HOST,
    MIX_SHARES,
    MIX_SIZE,
    REPORT,
    ROOT,
    ROUNDS,
    RUN_DIR,
    SEED,
    SLOW_CLIENTS,
    SPEC,
    VENV_BIN,
    WARMUP_S,
)
from .slow import SlowResult, probe_under_slow_clients
from .state import audit_state, build_state
from .stores import HAPROXY_CONFIG, copy_state, haproxy_env, redis_server
from .tools import (
    ToolMissing,
    ensure_haproxy,
    ensure_hey,
    ensure_java,
    ensure_prism,
    ensure_redis_server,
    ensure_wiremock,
    ensure_wrk,
    package_version,
    prism_version,
    wrk_version,
)
from .walltime import CHECK_GENERATED, CONTRACT, MAKE_TEST, Timed, time_command
from .wiremock import StubMismatch, measure_wiremock, render_wiremock
from .wrk import WrkFailed, WrkResult, measured_load

REDIS, REPLICA_2 = "redis", "mock-replica-2"
"""Processes the bench starts but does not load by themselves: Redis, and the second replica."""

__all__ = ["gunicorn_command", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    terminate_on_sigterm()
    try:
        return _run(args)
    except (ToolMissing, ServerFailed, WrkFailed, StubMismatch) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started is stopped", file=sys.stderr)
        return 130


_SECTIONS = (
    ("hardening", "issue 13's figures"),
    ("edge", "issue 22's edge and fairness figures"),
    ("dashboard", "issue 25's figures"),
    ("wiremock", "issue 27's WireMock figures"),
    ("scaleout", "issue 27's scale-out figures"),
    ("proxy", "issue 26's proxy figures"),
    ("onepoll", "issue 24's before/after figures"),
    ("counts", "issue 22's count figures"),
)
"""The report's optional sections: each has its module and a `--no-SECTION` switch."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--duration", type=int, default=DURATION_S, help=f"seconds per server (default {DURATION_S})"
    )
    parser.add_argument(
        "--no-commands", action="store_true", help="skip timing make contract / check-generated / test"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table only; leave BENCHMARKS.md alone"
    )
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help=f"rounds per server, order alternating (default {ROUNDS})"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    for section, what in _SECTIONS:
        parser.add_argument(f"--no-{section}", action="store_true", help=f"skip {what} (bench/{section}.py)")
    return parser


def _run(args: argparse.Namespace) -> int:
    started, t0 = datetime.now(UTC), time.perf_counter()
    wrk, hey, prism = ensure_wrk(), ensure_hey(), ensure_prism()
    redis_binary, haproxy = ensure_redis_server(), ensure_haproxy()
    if not args.no_wiremock:  # installed before anything is measured, so that a failed install fails first
        ensure_java()
        ensure_wiremock()
    workers, threads = mock_serve_defaults()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    mix_file = RUN_DIR / "mix_data.lua"
    store = RUN_DIR / "mock-store.sqlite"
    for stale in RUN_DIR.glob("mock-store.sqlite*"):
        stale.unlink()
    ports = {key: free_port() for key in (*SERVERS, REDIS, REPLICA_2)}
    redis_url = f"redis://{HOST}:{ports[REDIS]}/0?prefix=bench"
    serve_mock = [str(VENV_BIN / "apimart-mock"), "serve", "--host", HOST]
    servers: list[tuple[str, str, list[str], str, dict[str, str] | None]] = [
        (
            MOCK,
            f"our mock (`apimart-mock serve`: granian RSGI, {workers} workers)",
            [
                str(VENV_BIN / "apimart-mock"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(ports[MOCK]),
                "--store",
                str(store),
            ],
            "/__mock/clock",
            None,
        ),
        (
            MOCK_WSGI,
            f"our mock under granian WSGI, {workers} workers × {threads} threads (before the RSGI adapter)",
            granian_command("bench.wsgi_mock:app", ports[MOCK_WSGI], workers, threads),
            "/__mock/clock",
            {**os.environ, "BENCH_MOCK_STORE": str(store)},
        ),
        (
            MOCK_GUNICORN,
            f"our mock under gunicorn gthread {GUNICORN_WORKERS}×{GUNICORN_THREADS} (before granian)",
            gunicorn_command("bench.wsgi_mock:app", ports[MOCK_GUNICORN]),
            "/__mock/clock",
            {**os.environ, "BENCH_MOCK_STORE": str(store)},
        ),
        (
            MOCK_REDIS,
            f"our mock over Redis (`--store redis://`, one replica: granian, {workers} workers)",
            [*serve_mock, "--port", str(ports[MOCK_REDIS]), "--store", redis_url],
            "/__mock/clock",
            None,
        ),
        (
            MOCK_REPLICAS,
            "two Redis-backed replicas behind haproxy (deploy/haproxy.cfg)",
            [haproxy, "-db", "-f", str(HAPROXY_CONFIG)],
            "/healthz",
            haproxy_env(dict(os.environ), ports[MOCK_REPLICAS], [ports[MOCK_REDIS], ports[REPLICA_2]]),
        ),
        (
            PRISM,
            f"Prism {prism_version()} (`prism mock`, static examples)",
            [prism, "mock", str(SPEC), "-h", HOST, "-p", str(ports[PRISM])],
            "/",
            None,
        ),
        (
            HELLO_RSGI,
            f"hello-world RSGI (granian, {workers} workers, as the mock)",
            granian_command("bench.hello:rsgi_app", ports[HELLO_RSGI], workers, None),
            "/",
            None,
        ),
        (
            HELLO_GRANIAN,
            f"hello-world WSGI (granian, {workers} workers × {threads} threads)",
            granian_command("bench.hello:app", ports[HELLO_GRANIAN], workers, threads),
            "/",
            None,
        ),
        (
            HELLO,
            f"hello-world WSGI (gunicorn gthread {GUNICORN_WORKERS}×{GUNICORN_THREADS})",
            gunicorn_command("bench.hello:app", ports[HELLO]),
            "/",
            None,
        ),
        (
            FLASK,
            f"hello-world Flask (granian WSGI, {workers} workers × {threads} threads)",
            granian_command("bench.hello:flask_app", ports[FLASK], workers, threads),
            "/",
            None,
        ),
    ]
    rounds: dict[str, list[WrkResult]] = {key: [] for key, *_ in servers}
    cpu: dict[str, list[float]] = {key: [] for key, *_ in servers}
    fixed_rate: dict[str, RateResult] = {}
    slow: dict[str, list[SlowResult]] = {}
    loads: list[str] = []
    with ExitStack() as stack:
        stack.enter_context(redis_server(redis_binary, ports[REDIS], RUN_DIR / "redis.log"))
        urls: dict[str, str] = {}
        groups: dict[str, list[int]] = {}  # the process groups whose CPU a server's load counts
        for key, label, command, ready, env in servers:
            if key == MOCK_REDIS:
                print(f"bench: copied {copy_state(store, redis_url)} tasks into Redis", flush=True)
            if key == MOCK_REPLICAS:  # the second replica (the first is MOCK_REDIS), not loaded alone
                second = [*serve_mock, "--port", str(ports[REPLICA_2]), "--store", redis_url]
                log = RUN_DIR / f"{REPLICA_2}.log"
                replica = stack.enter_context(serving(REPLICA_2, second, ports[REPLICA_2], log, cwd=ROOT))
            print(f"bench: starting {label}", flush=True)
            log = RUN_DIR / f"{key}.log"
            running = stack.enter_context(
                serving(key, command, ports[key], log, ready_path=ready, env=env, cwd=ROOT)
            )
            urls[key] = running.url
            groups[key] = [running.process.pid]
            if key == MOCK_REPLICAS:  # haproxy and both replicas (Redis is never counted)
                groups[key] += [*groups[MOCK_REDIS], replica.process.pid]
            if key == MOCK:
                state = build_state(urls[MOCK])  # before the second server opens the same store
        write_lua(build_mix(state.pools(), MIX_SHARES, MIX_SIZE, SEED), mix_file)
        workers_seen = _workers_seen(urls[MOCK])
        for n in range(args.rounds):
            order = servers if n % 2 == 0 else servers[::-1]  # alternate, so drift hits everyone alike
            for key, label, *_ in order:
                loads.append(load_average())
                name = f"{label}, round {n + 1}"
                result, spent = measured_load(name, wrk, urls[key], mix_file, args.duration, groups[key])
                rounds[key].append(result)
                cpu[key].append(spent)
        poll = state.pools()["mj_view_200"][0]
        rate = FIXED_RATE_SHARE * max(w.rps for w in rounds[PRISM])
        for key in (MOCK, MOCK_WSGI, MOCK_GUNICORN, PRISM):
            print(f"bench: {key} at a fixed {rate:,.0f} req/s (hey) ...", flush=True)
            run_hey(hey, urls[key], poll, rate, WARMUP_S)
            fixed_rate[key] = run_hey(hey, urls[key], poll, rate, FIXED_RATE_S)
        for key in (MOCK, MOCK_WSGI, MOCK_GUNICORN):
            slow[key] = []
            for kind in ("headers", "bodies"):
                print(f"bench: {key}, polls while {SLOW_CLIENTS} clients trickle {kind} ...", flush=True)
                slow[key].append(probe_under_slow_clients(urls[key], poll, kind))
        audit = audit_state(urls[MOCK], state) + audit_state(urls[MOCK_REPLICAS], state)
    runs = {
        key: ServerRun(label, shown(command), rounds[key], cpu[key]) for key, label, command, *_ in servers
    }

    print("bench: in-process calls (generated client -> WSGITransport) ...", flush=True)
    in_process: InProcessResult | None = max(
        (measure_in_process() for _ in range(args.rounds)), key=lambda r: r.per_second
    )
    print("bench: the apimart_mock fixture's flow and the in-process transports ...", flush=True)
    fixture = measure_fixture()
    timed: list[Timed] = []
    if not args.no_commands:
        for label, shell in (CONTRACT, CHECK_GENERATED, MAKE_TEST):
            print(f"bench: timing {label} ...", flush=True)
            timed.append(time_command(label, shell))

    hardening = None if args.no_hardening else measure_hardening(args.duration, args.rounds)
    edge = None if args.no_edge else measure_edge()
    dashboard = None if args.no_dashboard else measure_dashboard()
    wiremock = None if args.no_wiremock else measure_wiremock(args.duration, args.rounds)
    scaleout = None if args.no_scaleout else measure_scaleout(args.duration, args.rounds)
    proxy = None if args.no_proxy else measure_proxy()
    onepoll = None if args.no_onepoll else measure_onepoll()
    counts = None if args.no_counts else measure_counts()
    machine = describe_machine(
        {"prism": prism_version(), "wrk": wrk_version(wrk), "hey": "Debian 0.1.4"}
        | {name: package_version(name) for name in ("granian", "gunicorn")}
        | ({} if wiremock is None else wiremock.versions)
    )
    results = Results(
        started=started,
        seconds=time.perf_counter() - t0,
        machine=machine,
        runs=runs,
        in_process=in_process,
        timed=timed,
        audit=audit,
        workers_seen=workers_seen,
        workers_configured=workers,
        state_tasks=state.task_count,
        state_accounts=len(state.live),
        duration_s=args.duration,
        rounds=args.rounds,
        load_average=loads,
        fixture=fixture,
        fixed_rate=fixed_rate,
        slow=slow,
    )
    verdict_list = verdicts(results)
    table = render_table(results, verdict_list)
    print()
    print(table)
    print()
    for v in verdict_list:
        print(f"  {v.mark}  {v.name}: {v.measured} (target {v.threshold})")
    if not args.no_write:
        extra = "" if hardening is None else "\n" + render_hardening(hardening)
        extra += "" if edge is None else "\n" + render_edge(edge)
        extra += "" if dashboard is None else "\n" + render_dashboard(dashboard)
        extra += "" if wiremock is None else "\n" + render_wiremock(wiremock)
        extra += "" if scaleout is None else "\n" + render_scaleout(scaleout)
        extra += "" if proxy is None else "\n" + render_proxy(proxy)
        extra += "" if onepoll is None else "\n" + render_onepoll(onepoll)
        extra += "" if counts is None else "\n" + render_counts(counts)
        write(REPORT, render_markdown(results, verdict_list, table) + extra)
        print(f"\nbench: wrote {REPORT.relative_to(ROOT)}")
    missed = [v for v in verdict_list if not v.passed]
    return 1 if args.strict and missed else 0


def gunicorn_command(app: str, port: int) -> list[str]:
    """gunicorn gthread with the settings `apimart-mock serve` used before granian (2 workers × 8 threads)."""
    return [
        str(VENV_BIN / "gunicorn"),
        "--worker-class",
        "gthread",
        "--workers",
        str(GUNICORN_WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        app,
    ]


def _workers_seen(url: str, probes: int = 40) -> int:
    """How many worker processes answer (`X-Mock-Worker`), over `probes` fresh connections."""
    pids = set()
    for _ in range(probes):
        pid = httpx.get(url + "/__mock/clock", timeout=5.0).headers.get("X-Mock-Worker")
        if pid:
            pids.add(pid)
    return len(pids)
