"""The Redis-backed mock in `make bench` (issue 14): one replica, and two behind haproxy, beside the
SQLite one, on the same request list.

The request list names the tasks of the SQLite mock's state, so the Redis store gets an exact copy of
that state (every task record, the clock) through the stores' own interface before it is served.
Redis runs as `redis-server` from Debian's package (installed like wrk when missing), no persistence.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from apimart_mock.domain.scopes import GLOBAL
from apimart_mock.store import task_cursor
from apimart_mock.store.redis import RedisStore
from apimart_mock.store.sqlite import SqliteStore

from .settings import HOST, ROOT

__all__ = ["HAPROXY_CONFIG", "copy_state", "haproxy_env", "redis_server"]

HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
_START_TIMEOUT_S = 20.0


@contextmanager
def redis_server(binary: str, port: int, log: Path, pin: Sequence[str] = ()) -> Iterator[str]:
    """A redis-server on HOST:`port` until the block ends, in a process group of its own (whose CPU
    `group_cpu_seconds` reads), run through `pin` (e.g. `taskset -c 0`) when given; yields its URL."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*pin, binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + _START_TIMEOUT_S
            while True:
                try:
                    socket.create_connection((HOST, port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not start; see {log}") from None
                    time.sleep(0.05)
            yield f"redis://{HOST}:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def copy_state(sqlite_path: Path, redis_url: str) -> int:
    """Copy every task and the clock of the SQLite store into the (empty) Redis store; returns the count."""
    source = SqliteStore(str(sqlite_path), journal_bytes=1 << 20)
    target = RedisStore(redis_url, journal_bytes=64 << 20)
    settings = source.settings(GLOBAL)
    target.reset(GLOBAL, settings.clock, settings.rate_limit)
    copied, after = 0, None
    while page := source.tasks(None, after=after, limit=500):
        for task in page:
            target.add_task(task)
        copied += len(page)
        after = task_cursor(page[-1])
    return copied


def haproxy_env(env: dict[str, str], port: int, replicas: list[int]) -> dict[str, str]:
    """The environment deploy/haproxy.cfg reads: where to listen, and each replica's address."""
    return (
        env
        | {"APIMART_LB_BIND": f"{HOST}:{port}"}
        | {f"APIMART_REPLICA_{n}": f"{HOST}:{replica}" for n, replica in enumerate(replicas, 1)}
    )
