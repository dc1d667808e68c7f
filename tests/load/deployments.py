"""Deployments of the mock as `make mock` serves it (`apimart-mock serve`), on free ports, several workers:
over its SQLite store, over Redis, and as two Redis-backed replicas behind haproxy (deploy/haproxy.cfg,
the configuration docs/scaling.md gives)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from apimart_mock.testing import ServedMock, free_port, serve, stop_group

WORKERS = 3
"""Several worker processes: state must be shared through the store, not live in one process."""
THREADS = 4
HAPROXY_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"
_LB_START_TIMEOUT = 20.0


@dataclass(frozen=True)
class Deployment:
    """What the load tests talk to (`url`), and the mock processes behind it."""

    url: str
    replicas: tuple[ServedMock, ...]
    balancer: subprocess.Popen[bytes] | None = None


@contextmanager
def deploy(request: pytest.FixtureRequest, kind: str, *, request_timeout: str = "") -> Iterator[Deployment]:
    """`kind`: "sqlite" (one mock, its own SQLite file), "redis" (one mock over the session's Redis) or
    "two-replicas" (two mocks over one Redis namespace, behind haproxy; `request_timeout` is its
    APIMART_LB_REQUEST_TIMEOUT, e.g. "2s", when given)."""
    with ExitStack() as stack:
        if kind == "sqlite":
            mock = stack.enter_context(serve(workers=WORKERS, threads=THREADS))
            yield Deployment(mock.url, (mock,))
            return
        options = ("--store", f"{request.getfixturevalue('redis_url')}?prefix=load-{uuid.uuid4().hex}")
        if kind == "redis":
            mock = stack.enter_context(serve(*options, workers=WORKERS, threads=THREADS))
            yield Deployment(mock.url, (mock,))
            return
        binary = request.getfixturevalue("haproxy_binary")
        url = f"http://127.0.0.1:{free_port()}"  # image URLs name the balancer, whichever replica answers
        options += ("--public-url", url)
        replicas = tuple(stack.enter_context(serve(*options, workers=WORKERS, threads=THREADS)) for _ in "12")
        balancer = stack.enter_context(haproxy(binary, url, replicas, request_timeout))
        yield Deployment(url, replicas, balancer)


@contextmanager
def haproxy(
    binary: str, url: str, replicas: tuple[ServedMock, ...], request_timeout: str = ""
) -> Iterator[subprocess.Popen[bytes]]:
    """haproxy with deploy/haproxy.cfg at `url` in front of `replicas`; waits until requests through it
    reach every replica."""
    env = os.environ | {"APIMART_LB_BIND": url.removeprefix("http://")}
    env |= {"APIMART_LB_REQUEST_TIMEOUT": request_timeout} if request_timeout else {}
    env |= {f"APIMART_REPLICA_{n}": mock.url.removeprefix("http://") for n, mock in enumerate(replicas, 1)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [binary, "-db", "-f", str(HAPROXY_CONFIG)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_balanced(url, process, replicas, log)
            yield process
        finally:
            stop_group(process)


def _wait_until_balanced(
    url: str, process: subprocess.Popen[bytes], replicas: tuple[ServedMock, ...], log: IO[bytes]
) -> None:
    deadline = time.monotonic() + _LB_START_TIMEOUT
    seen: set[int] = set()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"haproxy exited with {process.returncode}: {log.read().decode()[-2000:]}")
        try:
            response = httpx.get(f"{url}/openapi.json", timeout=1.0)
            if response.status_code == 200:
                seen.add(replica_of(response.headers["X-Mock-Worker"], replicas))
                if len(seen) == len(replicas):
                    return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"haproxy did not reach all {len(replicas)} replicas within {_LB_START_TIMEOUT:g} s")


def replica_of(worker: str, replicas: tuple[ServedMock, ...]) -> int:
    """Which of `replicas` the worker process `worker` (an `X-Mock-Worker` pid) belongs to (its index)."""
    for index, mock in enumerate(replicas):
        if int(worker) in _descendants(mock.process.pid) | {mock.process.pid}:
            return index
    raise LookupError(f"worker {worker} belongs to no replica")


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found
