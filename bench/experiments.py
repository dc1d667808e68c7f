"""What-if variants of the served mock, to measure what a proposed fix would buy (bench/FINDINGS.md).

`python -m bench.experiments` serves each variant under the mock's own gunicorn settings, builds the
same state, loads it with the same wrk script and mix, and prints req/s and p99 beside the two
hello-world ceilings, all in one run. The variants patch the mock only inside their own worker
processes (nothing in `mock_server/` changes):

- `baseline`: the mock as `apimart-mock serve` builds it (`create_app` over one shared SQLite file);
- `no_journal`: the same, with the per-request journal INSERT switched off;
- `fast_path`: the same, with the two task GETs answered by a small WSGI function in front of Flask
  (same domain code, same store, same views and error envelope; anything else, and every request
  while faults or a rate limit are on, still goes through Flask).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from http import HTTPStatus
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse

from flask import Flask

from mock_server.config import MockConfig
from mock_server.domain.accounts import authenticate
from mock_server.domain.errors import MockError
from mock_server.http.app import create_app
from mock_server.http.context import EXTENSION, MockState
from mock_server.http.views import midjourney_view, unified_view
from mock_server.store import JournalEntry, SqliteStore

__all__ = [
    "baseline",
    "fast_path",
    "fast_path_append",
    "fast_path_no_journal",
    "journal_append",
    "journal_per_worker",
    "main",
    "no_journal",
]

_STORE_ENV = "BENCH_EXPERIMENT_STORE"
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VIEWS = {"/v1/tasks/": "unified", "/v1/midjourney/": "mj"}

_VARIANTS = [
    "baseline",
    "no_journal",
    "journal_per_worker",
    "journal_append",
    "fast_path",
    "fast_path_append",
    "fast_path_no_journal",
    "hello:app",
    "hello:flask_app",
]


def _app() -> Flask:
    return create_app(MockConfig(store=os.environ[_STORE_ENV]))


def baseline() -> Flask:
    return _app()


def no_journal() -> Flask:
    SqliteStore.record = lambda self, entry: None  # type: ignore[method-assign]
    return _app()


def journal_per_worker() -> Flask:
    """Each worker process appends to its own journal file: no write lock shared across processes."""
    local = threading.local()

    def record(self: SqliteStore, entry: JournalEntry) -> None:
        db = getattr(local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.path}.journal-{os.getpid()}", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(
                "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL,"
                " method TEXT, path TEXT, account TEXT, status INTEGER, worker INTEGER)"
            )
            local.db = db
        db.execute(
            "INSERT INTO journal (at, method, path, account, status, worker) VALUES (?, ?, ?, ?, ?, ?)",
            (entry.at, entry.method, entry.path, entry.account, entry.status, entry.worker),
        )

    SqliteStore.record = record  # type: ignore[method-assign]
    return _app()


def _append_journal() -> None:
    """The journal as one append-only JSON-lines file beside the store: one `write()` per request on
    an O_APPEND descriptor, no lock, no busy wait; the kernel orders appends from every process."""
    fds: dict[str, int] = {}

    def record(self: SqliteStore, entry: JournalEntry) -> None:
        fd = fds.get(self.path)
        if fd is None:
            fd = fds[self.path] = os.open(
                f"{self.path}.journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
        os.write(fd, (json.dumps(dataclasses.astuple(entry)) + "\n").encode())

    SqliteStore.record = record  # type: ignore[method-assign]


def journal_append() -> Flask:
    _append_journal()
    return _app()


def fast_path_append() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    _append_journal()
    return FastTaskGets(_app())


def fast_path() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    return FastTaskGets(_app())


def fast_path_no_journal() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    SqliteStore.record = lambda self, entry: None  # type: ignore[method-assign]
    return FastTaskGets(_app())


class FastTaskGets:
    """GET /v1/tasks/{id} and GET /v1/midjourney/{id} without Flask's request machinery."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.state: MockState = app.extensions[EXTENSION]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        view = next((v for prefix, v in _VIEWS.items() if path.startswith(prefix)), None)
        task_id = path[path.rfind("/") + 1 :]
        state = self.state
        if (
            view is None
            or environ["REQUEST_METHOD"] != "GET"
            or environ.get("QUERY_STRING")
            or path.count("/") != 3
            or task_id == "generations"
            or _TASK_ID.fullmatch(task_id) is None
        ):
            return self.app(environ, start_response)
        settings = state.store.settings()
        if settings.rate_limit is not None or settings.faults_active:
            return self.app(environ, start_response)
        now = settings.clock.now(state.real_time())
        account: str | None = None
        try:
            account = authenticate(environ.get("HTTP_AUTHORIZATION"), state.config.api_keys)
            task = state.service.get(account, task_id, now)
            public = state.config.public_url
            base = (
                public.rstrip("/") + "/"
                if public
                else f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}/"
            ) + "images/"
            at = task.at(now)
            body = (
                unified_view(task, at, base)
                if view == "unified"
                else midjourney_view(task, at, base, state.config.shape)
            )
            status = 200
        except MockError as error:
            status = error.status
            body = {"error": {"code": status, "message": error.message, "type": error.error_type}}
        data = json.dumps(body).encode()
        pid = os.getpid()
        state.store.record(JournalEntry(now, "GET", path, account, status, pid))
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                ("X-Mock-Worker", str(pid)),
            ],
        )
        return [data]


def main(argv: list[str] | None = None) -> int:
    """Serve every variant and both ceilings at once, load them in alternating rounds, print a table.

    Usage: `python -m bench.experiments [SECONDS] [ROUNDS] [variant,variant,...]`.
    """
    from .mix import build_mix, write_lua
    from .processes import free_port, serving, terminate_on_sigterm
    from .run import gunicorn_command, mock_serve_defaults
    from .settings import DURATION_S, MIX_SHARES, MIX_SIZE, ROOT, ROUNDS, RUN_DIR, SEED, WARMUP_S
    from .state import build_state
    from .tools import ensure_wrk
    from .wrk import WrkResult, run_wrk

    args = sys.argv[1:] if argv is None else argv
    seconds = int(args[0]) if args else DURATION_S
    rounds = int(args[1]) if len(args) > 1 else ROUNDS
    variants = args[2].split(",") if len(args) > 2 else _VARIANTS
    terminate_on_sigterm()
    wrk = ensure_wrk()
    workers, threads = mock_serve_defaults()
    results: dict[str, list[WrkResult]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="bench-exp-") as folder, ExitStack() as stack:
        targets: list[tuple[str, str, Path]] = []
        hello_mix: Path | None = None
        for n, variant in enumerate(variants):
            port = free_port()
            hello = ":" in variant
            app = f"bench.{variant}" if hello else f"bench.experiments:{variant}()"
            env = {**os.environ, _STORE_ENV: str(Path(folder) / f"{n}.sqlite")}
            command = gunicorn_command(app, port, workers, threads)
            log = RUN_DIR / f"exp-{n}.log"
            ready = "/v1/x" if hello else "/__mock/clock"
            server = stack.enter_context(
                serving(variant, command, port, log, env=env, cwd=ROOT, ready_path=ready)
            )
            mix_file = RUN_DIR / f"mix_exp_{n}.lua"
            if not hello:  # each variant has its own store, so its own task ids and its own mix
                write_lua(build_mix(build_state(server.url).pools(), MIX_SHARES, MIX_SIZE, SEED), mix_file)
                hello_mix = mix_file
            targets.append((variant, server.url, mix_file))
        targets = [(v, url, mix if mix.exists() else hello_mix or mix) for v, url, mix in targets]
        for r in range(rounds):
            for variant, url, mix_file in targets if r % 2 == 0 else targets[::-1]:
                run_wrk(wrk, url, mix_file, WARMUP_S)
                result = run_wrk(wrk, url, mix_file, seconds)
                results[variant].append(result)
                line = f"round {r + 1} {variant:22s} {result.rps:8,.0f} req/s  p99 {result.p99_ms:6.1f} ms"
                print(f"{line}  errors {result.errors}", flush=True)
    best = {v: max(rs, key=lambda w: w.rps) for v, rs in results.items()}
    ceiling = best["hello:app"].rps if "hello:app" in best else 0.0
    print("\n| variant | req/s (best round) | p99 ms | errors (all rounds) | share of the WSGI ceiling |")
    print("|---|---:|---:|---:|---:|")
    for v, w in best.items():
        share = f"{w.rps / ceiling:.0%}" if ceiling else "—"
        print(f"| {v} | {w.rps:,.0f} | {w.p99_ms:.1f} | {sum(x.errors for x in results[v])} | {share} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
