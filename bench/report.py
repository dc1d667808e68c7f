"""Turn one run's measurements into the target verdicts, the printed table and BENCHMARKS.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .fixture import FixtureResult, fixture_checks, fixture_rows
from .hey import RateResult
from .inprocess import InProcessResult
from .machine import Machine
from .settings import (
    CONNECTIONS,
    FIXED_RATE_S,
    FIXED_RATE_SHARE,
    MIX_SHARES,
    MIX_SIZE,
    SLOW_CLIENTS,
    TARGET_CEILING_SHARE,
    TARGET_INPROCESS,
    TARGET_MAKE_TEST_S,
    TARGET_P99_VS_PRISM,
    TARGET_SLOW_P99_MS,
    TARGET_VS_PRISM,
    THREADS,
    WARMUP_S,
    WRK_TIMEOUT_S,
)
from .slow import SlowResult
from .walltime import MAKE_TEST, Timed
from .wrk import WrkResult

__all__ = ["Results", "ServerRun", "Verdict", "render_markdown", "render_table", "verdicts"]

MOCK, MOCK_WSGI, MOCK_GUNICORN, PRISM = "mock", "mock-wsgi", "mock-gunicorn", "prism"
MOCK_REDIS, MOCK_REPLICAS = "mock-redis", "mock-replicas"
HELLO_RSGI, HELLO_GRANIAN, HELLO, FLASK = "hello-rsgi", "hello-granian", "hello", "flask"
SERVERS = (
    MOCK,
    MOCK_WSGI,
    MOCK_GUNICORN,
    MOCK_REDIS,
    MOCK_REPLICAS,
    PRISM,
    HELLO_RSGI,
    HELLO_GRANIAN,
    HELLO,
    FLASK,
)
TARGET_REDIS_SHARE = 0.70
"""One Redis-backed replica serves at least this share of the SQLite mock's req/s (issue 14)."""
TARGET_REDIS_CPU = 1.6
"""...at most this many times the SQLite mock's CPU per request (issue 27; Redis's own CPU not counted)."""
CEILINGS = (HELLO_RSGI, HELLO_GRANIAN, HELLO)
"""The hello-world app under each server and interface measured; the fastest is the ceiling."""


@dataclass(frozen=True)
class ServerRun:
    """One server loaded by wrk in one or more rounds: what it is, the command that served it, results.

    `result` is the round with the most req/s (interference from other processes on a shared machine
    only ever lowers throughput, so the best round is the least disturbed); errors count every round.
    """

    label: str
    command: str
    rounds: list[WrkResult]
    cpu_seconds: list[float]
    """What the server's processes spent in each round (`processes.group_cpu_seconds`)."""

    @property
    def result(self) -> WrkResult:
        return max(self.rounds, key=lambda w: w.rps)

    @property
    def cpu_us_per_request(self) -> float:
        """CPU microseconds per answered request, over every round."""
        return sum(self.cpu_seconds) * 1e6 / max(self.requests, 1)

    @property
    def errors(self) -> int:
        return sum(w.errors for w in self.rounds)

    @property
    def requests(self) -> int:
        return sum(w.requests for w in self.rounds)

    def class_totals(self, name: str) -> tuple[int, int] | None:
        counts = [w.classes[name] for w in self.rounds if name in w.classes]
        return (sum(c.ok for c in counts), sum(c.wrong for c in counts)) if counts else None


@dataclass(frozen=True)
class Results:
    started: datetime
    seconds: float
    machine: Machine
    runs: dict[str, ServerRun]
    in_process: InProcessResult | None
    timed: list[Timed]
    audit: list[str]
    workers_seen: int
    workers_configured: int
    state_tasks: int
    state_accounts: int
    duration_s: int
    rounds: int
    load_average: list[str]
    fixed_rate: dict[str, RateResult]
    slow: dict[str, list[SlowResult]]

    fixture: FixtureResult | None = None

    def ceiling(self) -> ServerRun | None:
        """The fastest hello-world run: what Python can serve on this machine at all."""
        runs = [self.runs[k] for k in CEILINGS if k in self.runs]
        return max(runs, key=lambda run: run.result.rps) if runs else None


@dataclass(frozen=True)
class Verdict:
    name: str
    measured: str
    threshold: str
    passed: bool

    @property
    def mark(self) -> str:
        return "PASS" if self.passed else "FAIL"


def verdicts(r: Results) -> list[Verdict]:
    """The targets of issue 15, each judged on ratios measured in this one run."""
    out: list[Verdict] = []
    mock, prism, ceiling = r.runs.get(MOCK), r.runs.get(PRISM), r.ceiling()
    if mock and prism:
        ratio = _ratio(mock.result.rps, prism.result.rps)
        out.append(
            Verdict(
                f"served mock ≥ {TARGET_VS_PRISM:g}× Prism req/s",
                f"{ratio:.2f}×",
                f"≥ {TARGET_VS_PRISM:g}×",
                ratio >= TARGET_VS_PRISM,
            )
        )
        limit = TARGET_P99_VS_PRISM * prism.result.p99_ms
        out.append(
            Verdict(
                "served mock p99 ≤ half of Prism's",
                f"{mock.result.p99_ms:.1f} ms vs {prism.result.p99_ms:.1f} ms",
                f"≤ {limit:.1f} ms",
                mock.result.p99_ms <= limit,
            )
        )
    if mock and ceiling:
        share = _ratio(mock.result.rps, ceiling.result.rps)
        out.append(
            Verdict(
                f"served mock ≥ {TARGET_CEILING_SHARE:.0%} of the ceiling",
                f"{share:.0%} of {ceiling.label}",
                f"≥ {TARGET_CEILING_SHARE:.0%}",
                share >= TARGET_CEILING_SHARE,
            )
        )
    if mock:
        bad = mock.errors + len(r.audit)
        out.append(
            Verdict(
                "served mock state-correct under load",
                f"{mock.errors} wrong/failed of {mock.requests:,}; audit after load: {len(r.audit)} problems",
                "0",
                bad == 0 and mock.requests > 0,
            )
        )
    for key, name in ((MOCK_REDIS, "one replica"), (MOCK_REPLICAS, "two replicas behind haproxy")):
        run = r.runs.get(key)
        if mock and run:
            share = _ratio(run.result.rps, mock.result.rps)
            target = key == MOCK_REDIS
            out.append(
                Verdict(
                    f"Redis-backed mock, {name}: share of the SQLite mock's req/s, state-correct",
                    f"{share:.0%}, p99 {run.result.p99_ms:.1f} ms;"
                    f" {run.errors} wrong/failed of {run.requests:,}",
                    f"≥ {TARGET_REDIS_SHARE:.0%}, 0 wrong" if target else "(reported), 0 wrong",
                    (share >= TARGET_REDIS_SHARE or not target) and run.errors == 0 and run.requests > 0,
                )
            )
            if target:
                cpu = _ratio(run.cpu_us_per_request, mock.cpu_us_per_request)
                out.append(
                    Verdict(
                        f"Redis-backed mock, {name}: CPU per request against the SQLite mock's",
                        f"{cpu:.2f}× ({run.cpu_us_per_request:,.0f} µs vs {mock.cpu_us_per_request:,.0f} µs)",
                        f"≤ {TARGET_REDIS_CPU:g}×",
                        cpu <= TARGET_REDIS_CPU,
                    )
                )
    at_rate, prism_rate = r.fixed_rate.get(MOCK), r.fixed_rate.get(PRISM)
    if at_rate and prism_rate:
        limit = TARGET_P99_VS_PRISM * prism_rate.p99_ms
        out.append(
            Verdict(
                "served mock p99 at a fixed rate ≤ half of Prism's",
                f"{at_rate.p99_ms:.1f} ms vs {prism_rate.p99_ms:.1f} ms at {at_rate.rate:,.0f} req/s"
                f" ({at_rate.wrong} wrong)",
                f"≤ {limit:.1f} ms",
                at_rate.p99_ms <= limit and at_rate.wrong == 0,
            )
        )
    for probe in r.slow.get(MOCK, []):
        out.append(
            Verdict(
                f"served mock poll and /healthz p99 with {SLOW_CLIENTS} clients trickling {probe.kind}",
                f"{_ms(probe.p99_ms)} ({probe.unanswered} of {probe.polls} unanswered)",
                f"≤ {TARGET_SLOW_P99_MS:.0f} ms",
                probe.p99_ms <= TARGET_SLOW_P99_MS,
            )
        )
    if r.in_process:
        ip = r.in_process
        out.append(
            Verdict(
                "in-process ≥ 2,000 calls/s",
                f"{ip.per_second:,.0f} calls/s ({ip.wrong} wrong)",
                f"≥ {TARGET_INPROCESS:,.0f}",
                ip.per_second >= TARGET_INPROCESS and ip.wrong == 0,
            )
        )
    if r.fixture:
        out += [Verdict(*check) for check in fixture_checks(r.fixture)]
    for t in r.timed:
        if t.command == MAKE_TEST[1]:
            out.append(
                Verdict(
                    f"make test within {TARGET_MAKE_TEST_S / 60:g} minutes",
                    f"{t.seconds:.0f} s (exit {t.returncode}; .venv installed)",
                    f"≤ {TARGET_MAKE_TEST_S:.0f} s",
                    t.ok and t.seconds <= TARGET_MAKE_TEST_S,
                )
            )
    return out


def _ms(value: float) -> str:
    return "no answer" if value == float("inf") else f"{value:.1f} ms"


def render_table(r: Results, verdict_list: list[Verdict]) -> str:
    """The one table: servers under wrk, in-process calls, and the commands' wall times."""
    by_name = {v.name: v for v in verdict_list}
    prism = r.runs.get(PRISM)
    hello = r.ceiling()
    rows = [
        "| measured | req/s | p50 ms | p99 ms | errors | × Prism | share of ceiling | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    mock_targets = " · ".join(
        f"{name.removeprefix('served mock ')} **{v.mark}**"
        for name, v in by_name.items()
        if name.startswith("served mock")
    )
    ceiling_key = next((k for k, run in r.runs.items() if run is hello), None)
    for key, targets in (
        (MOCK, mock_targets),
        (MOCK_WSGI, "(candidate: granian's WSGI interface, as before the RSGI adapter)"),
        (MOCK_GUNICORN, "(candidate: the server before granian)"),
        (MOCK_REDIS, "(`--store redis://`: see the Redis targets)"),
        (MOCK_REPLICAS, "(two Redis-backed replicas behind haproxy)"),
        (PRISM, "(reference)"),
        (HELLO_RSGI, "(the ceiling)" if ceiling_key == HELLO_RSGI else "(a ceiling candidate)"),
        (HELLO_GRANIAN, "(the ceiling)" if ceiling_key == HELLO_GRANIAN else "(a ceiling candidate)"),
        (HELLO, "(the ceiling)" if ceiling_key == HELLO else "(a ceiling candidate)"),
        (FLASK, "(information: the framework's own ceiling)"),
    ):
        run = r.runs.get(key)
        if run is None:
            continue
        w = run.result
        vs_prism = f"{_ratio(w.rps, prism.result.rps):.2f}×" if prism else "—"
        of_ceiling = f"{_ratio(w.rps, hello.result.rps):.0%}" if hello else "—"
        rows.append(
            f"| {run.label} | {w.rps:,.0f} | {w.p50_ms:.1f} | {w.p99_ms:.1f} "
            f"| {run.errors} / {run.requests:,} | {vs_prism} | {of_ceiling} | {targets} |"
        )
    if r.in_process:
        ip = r.in_process
        v = by_name.get("in-process ≥ 2,000 calls/s")
        mark = f"≥ 2,000 calls/s **{v.mark}**" if v else ""
        rows.append(
            f"| in-process: generated client → mock via httpx.WSGITransport | {ip.per_second:,.0f} calls/s "
            f"| — | — | {ip.wrong} / {ip.calls:,} | — | — | {mark} |"
        )
    if r.fixture:
        rows += fixture_rows(r.fixture, {name: v.mark for name, v in by_name.items()})
    for key, at_rate in r.fixed_rate.items():
        rows.append(
            f"| {r.runs[key].label} at a fixed {at_rate.rate:,.0f} req/s (hey) | {at_rate.rps:,.0f}"
            f" | {at_rate.p50_ms:.1f} | {at_rate.p99_ms:.1f} | {at_rate.wrong} / {at_rate.requests:,}"
            " | — | — | — |"
        )
    for key, probes in r.slow.items():
        for probe in probes:
            p50 = probe.latencies_ms[len(probe.latencies_ms) // 2] if probe.latencies_ms else float("inf")
            rows.append(
                f"| {r.runs[key].label}: polls while {SLOW_CLIENTS} clients trickle {probe.kind} | —"
                f" | {_ms(p50).removesuffix(' ms')} | {_ms(probe.p99_ms).removesuffix(' ms')}"
                f" | {probe.unanswered} / {probe.polls} | — | — | — |"
            )
    for t in r.timed:
        status = "ok" if t.ok else f"**exit {t.returncode}**"
        rows.append(f"| {t.label}: wall time | {t.seconds:.1f} s | — | — | {status} | — | — | — |")
    return "\n".join(rows)


def cpu_table(r: Results) -> list[str]:
    """What each server spends per request: the CPU time of its own processes over its rounds, per
    request answered. Other load on the machine moves this less than req/s."""
    hello = r.ceiling()
    lines = [
        "## CPU per request",
        "",
        "CPU time (user + system, all threads) of each server's own processes over its measured rounds,"
        " divided by the requests it answered (`bench/processes.py: group_cpu_seconds`; for the replicas,"
        " haproxy and both replicas; Redis itself is not counted). Other load on the machine moves this"
        " less than req/s (by about 1.5× between runs here, where req/s moved 2-3×), so these ratios are"
        " the steadier comparison.",
        "",
        "| server | µs CPU per request | × the ceiling's |",
        "|---|---:|---:|",
    ]
    for run in r.runs.values():
        ratio = f"{_ratio(run.cpu_us_per_request, hello.cpu_us_per_request):.1f}×" if hello else "—"
        lines.append(f"| {run.label} | {run.cpu_us_per_request:,.0f} | {ratio} |")
    return [*lines, ""]


def render_markdown(r: Results, verdict_list: list[Verdict], table: str) -> str:
    m = r.machine
    passed = sum(v.passed for v in verdict_list)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python -m bench`, code in `bench/`); rerun it to refresh this",
        "file. Only the ratios within one run mean anything: wrk runs on the same cores as the servers.",
        "",
        f"- **Date:** {r.started:%Y-%m-%d %H:%M} UTC (the whole run took {r.seconds:.0f} s)",
        f"- **Machine:** {m.cores} cores, {m.cpu}, {m.memory_gib:.0f} GiB, {m.os}",
        f"- **Python** {m.python}; "
        + ", ".join(f"**{name}** {version}" for name, version in m.versions.items()),
        f"- **Load:** `wrk -t{THREADS} -c{CONNECTIONS} -d{r.duration_s}s --timeout={WRK_TIMEOUT_S}s"
        " -s bench/mix.lua <url> -- .bench/run/mix_data.lua` against each server in turn,"
        f" after a {WARMUP_S} s unmeasured warm-up; loopback only. {r.rounds} rounds, the order reversed"
        " each round; each row shows its best round (other processes only ever slow a server down),"
        " errors count every round. 1-minute load average before each measurement: "
        + ", ".join(r.load_average)
        + ".",
        f"- **State:** {r.state_tasks} tasks across {r.state_accounts} accounts, created through"
        " `POST /__mock/tasks` in every status (NOT_START, SUBMITTED, IN_PROGRESS, MODAL, SUCCESS,"
        " FAILURE) and at ages from seconds to 2 days, plus tasks 4+ days old (past retention).",
        f"- **Fixed rate:** `hey -z {FIXED_RATE_S}s -c {CONNECTIONS} -q <rate/{CONNECTIONS}>` polling one"
        f" live task (mj view) at {FIXED_RATE_SHARE:.0%} of Prism's best req/s, one rate for every server.",
        f"- **Slow clients:** {SLOW_CLIENTS} connections each sending one more header line (or one more byte"
        " of a submit's body) every 0.5 s, never finishing; meanwhile polls of one task alternating with"
        " `GET /healthz`, each on a new connection, 5 s timeout each (`bench/slow.py`).",
        f"- **Mix** ({MIX_SIZE} requests, shuffled, each wrk thread cycling from its own offset): "
        + ", ".join(f"{name} {share}%" for name, share in MIX_SHARES.items()),
        "",
        "## Results",
        "",
        table,
        "",
        f"**Targets: {passed} of {len(verdict_list)} pass.**",
        "",
        "| target | measured | threshold | verdict |",
        "|---|---|---|---|",
        *(f"| {v.name} | {v.measured} | {v.threshold} | **{v.mark}** |" for v in verdict_list),
        "",
        *cpu_table(r),
        "## Servers, exactly as run",
        "",
        *(f"- **{run.label}:** `{run.command}`" for run in r.runs.values()),
        f"- The served mock's responses came from {r.workers_seen} distinct worker processes"
        f" (`X-Mock-Worker`; {r.workers_configured} configured).",
        "",
        "## How the comparison is kept fair",
        "",
        "- One request list for every server: the same paths, tokens and headers, and for every",
        "  request the one status it must get (200 for a poll of an own task through either view; 404",
        "  for an id that never existed or a task past retention; 403 for another account's task).",
        "- Prism keeps no state, so it cannot know which task is whose. Every request therefore carries",
        "  `Prefer: code=<expected>`, the header Prism uses to pick a documented response; Prism answers",
        "  it from the spec's examples. The hello-world apps read the same header. Our mock ignores it",
        "  and must reach the status from its state. So Prism's and the ceilings' \"errors\" only show",
        "  whether they answered the asked-for status; the mock's show whether its state is right.",
        "- An error is a response whose status is not the expected one for its request, or a request",
        "  that got no response (connect/read/write error or timeout).",
        "- wrk runs one connection per thread: a connection alternates request and response, so the",
        "  script knows which request each response answers. wrk and the servers share the cores.",
        "- Prism runs as most people run it (`prism mock openapi.yaml`, one Node process). The ceiling",
        "  is a raw WSGI callable (no framework) under granian (the mock's settings) and under gunicorn",
        "  gthread 2×8, the faster of the two: what Python can serve here at all. The same hello-world",
        "  in Flask (the mock's framework) is shown for information: the gap between the two is the",
        "  framework's, not the mock's.",
        "- All servers stay up for the whole run (idle ones cost nothing); only one is loaded at a time.",
        "",
        "## Per request class",
        "",
        "| server | " + " | ".join(MIX_SHARES) + " |",
        "|---|" + "---:|" * len(MIX_SHARES),
    ]
    for run in r.runs.values():
        cells = []
        for name in MIX_SHARES:
            totals = run.class_totals(name)
            cells.append("—" if totals is None else f"{totals[0]:,} ok / {totals[1]} wrong")
        lines.append(f"| {run.label} | " + " | ".join(cells) + " |")
    samples = [(run.label, s) for run in r.runs.values() for w in run.rounds for s in w.samples]
    if samples or r.audit:
        lines += ["", "## Wrong answers seen", ""]
        lines += [f"- {label}: `{s}`" for label, s in samples]
        lines += [f"- audit after the load: {p}" for p in r.audit[:20]]
    lines += [
        "",
        "## Commands timed",
        "",
        *(f"- {t.label}: `{t.command}` — {t.seconds:.1f} s, exit {t.returncode}" for t in r.timed),
        "",
        "Where a target is missed, `bench/FINDINGS.md` records the profile and what limits it.",
        "",
    ]
    return "\n".join(lines)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def write(path: Path, text: str) -> None:
    path.write_text(text)
