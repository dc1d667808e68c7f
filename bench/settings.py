"""Every knob of the bench in one place, so BENCHMARKS.md can name them and a rerun uses the same."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository (the bench is run from a checkout, never installed)."""
WORK = ROOT / ".bench"
"""Everything the bench installs or writes besides BENCHMARKS.md (ignored by git)."""
RUN_DIR = WORK / "run"
"""Logs of the servers and the request list of the last run."""
VENV_BIN = ROOT / ".venv" / "bin"
SPEC = ROOT / "openapi.yaml"
REPORT = ROOT / "BENCHMARKS.md"
FINDINGS = ROOT / "bench" / "FINDINGS.md"

PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_VERSION = "5.16.0"
PRISM_PREFIX = WORK / "prism"
PRISM_BIN = PRISM_PREFIX / "node_modules" / ".bin" / "prism"

WIREMOCK_PACKAGE = "wiremock"
WIREMOCK_VERSION = "3.13.2"
"""The npm package ships WireMock's standalone jar; it runs on Debian's Java (`default-jre-headless`)."""
WIREMOCK_PREFIX = WORK / "wiremock"
WIREMOCK_JAR = (
    WIREMOCK_PREFIX / "node_modules" / "wiremock" / "build" / f"wiremock-standalone-{WIREMOCK_VERSION}.jar"
)
WIREMOCK_OPTIONS = (
    "--no-request-journal",
    "--disable-request-logging",
    "--disable-banner",
    "--async-response-enabled",
    "true",
    "--async-response-threads",
    "32",
)
"""As WireMock's help advises for load: no request journal (it grows with every request) and no request
logging ("useful when performance testing"); asynchronous responses on, which served it best here of
the thread options its users' load recipes name (`--container-threads 64` too, or alone, was slower)."""
WIREMOCK_JIT_WARMUP_REQUESTS = 200_000
WIREMOCK_JIT_WARMUP_S = 120
"""Load before any measurement until WireMock has answered this many requests of the mix (or this many
seconds have passed), so that the JVM has compiled the request path (Java's JIT): counted in requests,
as a busy machine slows how many a time allows."""

GUNICORN_WORKERS = 2
GUNICORN_THREADS = 8
"""gunicorn gthread as `apimart-mock serve` ran it before granian (the candidate it was measured against)."""

HOST = "127.0.0.1"
"""Loopback only: nothing the bench starts or loads listens anywhere else."""

CONNECTIONS = 16
THREADS = 16
"""One connection per wrk thread: a connection alternates request and response, so each thread knows
which request a response answers and can check its status (wrk tells a script nothing about the
connection a response came on)."""
DURATION_S = 10
WARMUP_S = 2
ROUNDS = 2
"""Each server is loaded this often, the order reversed every round; the best round counts. Other
processes on a shared 2-core machine only ever slow a server down, and alternating the order keeps a
change in background load from favouring whichever server ran first."""
"""Each server gets a short unmeasured run first (Node's JIT, gunicorn's lazy imports)."""
WRK_TIMEOUT_S = 5

READY_TIMEOUT_S = 60.0
"""How long a server may take to answer its first request (Prism needs a few seconds)."""

MIX_SIZE = 2000
"""Length of the request list each wrk thread cycles through (from its own offset)."""
MIX_SHARES = {
    "mj_view_200": 40,
    "unified_view_200": 40,
    "unknown_404": 5,
    "expired_404": 5,
    "other_account_403": 10,
}
"""Request classes in percent: mostly polls of live tasks through both views, some 404s and 403s."""

STATE_ACCOUNTS = 6
STATE_TASKS_PER_ACCOUNT = 60
"""360 live tasks plus some past retention: the "hundreds of tasks across accounts" of issue 7."""
SEED = 7

INPROCESS_SECONDS = 3.0
INPROCESS_MAX_CALLS = 50_000
COMMAND_TIMEOUT_S = 600.0

FIXED_RATE_SHARE = 0.5
"""The fixed-rate run asks every server for this share of Prism's best req/s: a load all can carry."""
FIXED_RATE_S = 10

SLOW_CLIENTS = 256
"""Connections trickling headers (or bodies) during the slow-client probe."""
SLOW_PROBES = 200
SLOW_PROBE_BUDGET_S = 20.0

TARGET_VS_PRISM = 10.0
TARGET_P99_VS_PRISM = 0.5
TARGET_CEILING_SHARE = 0.40
TARGET_SLOW_P99_MS = 100.0
TARGET_INPROCESS = 2000.0
TARGET_MAKE_TEST_S = 180.0
TARGET_VS_WIREMOCK = 1.5
TARGET_P99_VS_WIREMOCK = 0.5
TARGET_POLL_VS_WIREMOCK = 2.0
"""Issue 27: the mock's req/s over WireMock's on the mix (and on one poll), its p99 over WireMock's."""
