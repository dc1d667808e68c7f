"""`apimart-mock serve` as a person runs it: the port-taken error, the access log, and slow clients that
must not stall it (real HTTP on free loopback ports; every wait bounded)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
import redis

from apimart_mock.serve.server import HEADER_READ_TIMEOUT_MS
from apimart_mock.testing import free_port, probe_polls, serve, trickling_clients, until_closed

pytestmark = pytest.mark.http

KEY = "sk-slow"
SLOW_CLIENTS = 256
PROBES = 20
PROBE_TIMEOUT_S = 5.0


def _serve_on(port: int, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "apimart_mock.serve.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_taken_port_is_one_clear_line_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve_on(port)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"apimart-mock: cannot listen on 127.0.0.1:{port}: already in use"]
    assert "apimart-mock on" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("store", "line"),
    [
        (
            "redis://:hunter2@127.0.0.1:{closed}/0?prefix=team",
            "apimart-mock: cannot use Redis at redis://:***@127.0.0.1:{closed}/0: Error 111 connecting to"
            " 127.0.0.1:{closed}. Connection refused.",
        ),
        (
            "unix://{tmp}/absent.sock?password=hunter2",
            "apimart-mock: cannot use Redis at unix://{tmp}/absent.sock?password=***: Error 2 connecting to"
            " {tmp}/absent.sock. No such file or directory.",
        ),
        (
            "redis://localhost:port/0",
            "apimart-mock: not a Redis URL: redis://localhost:port/0: Port could not",
        ),
        (
            "{tmp}/absent/store.sqlite",
            "apimart-mock: cannot open the store {tmp}/absent/store.sqlite: [Errno 2] No such file or"
            " directory",
        ),
    ],
    ids=["redis-refused", "unix-socket-absent", "malformed-url", "sqlite-folder-absent"],
)
def test_a_store_it_cannot_use_is_one_clear_line_and_exit_1(store: str, line: str, tmp_path: Path) -> None:
    """Refused before any worker starts (each would fail the same way, tracebacks and all, until granian
    gave up), in one line naming the store, its password hidden."""
    closed = free_port()
    done = _serve_on(free_port(), "--store", store.format(closed=closed, tmp=tmp_path))
    assert done.returncode == 1
    (said,) = done.stderr.splitlines()
    assert said.startswith(line.format(closed=closed, tmp=tmp_path)), said
    assert "hunter2" not in done.stderr + done.stdout and "apimart-mock on" not in done.stderr


def test_a_port_another_mock_serves_is_refused_too() -> None:
    """granian binds with SO_REUSEPORT: without the check, two mocks would share one port's traffic."""
    with serve(workers=1) as mock:
        port = int(mock.url.rsplit(":", 1)[1])
        done = _serve_on(port)
        assert done.returncode == 1, done.stderr
        assert "already in use" in done.stderr
        assert httpx.get(f"{mock.url}/__mock/clock", timeout=5).status_code == 200


def test_access_log_names_each_request() -> None:
    with serve("--access-log", workers=1) as mock:
        assert (
            httpx.get(f"{mock.url}/v1/tasks/task_nothere", headers={"Authorization": "Bearer k"}).status_code
            == 404
        )
        deadline = time.monotonic() + 10
        while "/v1/tasks/task_nothere" not in mock.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        line = next(ln for ln in mock.output().splitlines() if "/v1/tasks/task_nothere" in ln)
    assert '"GET /v1/tasks/task_nothere HTTP/1.1" 404' in line


def test_without_access_log_requests_are_not_logged() -> None:
    with serve(workers=1) as mock:
        httpx.get(f"{mock.url}/v1/tasks/task_nothere", headers={"Authorization": "Bearer k"})
        time.sleep(0.5)  # the access log, were it on, is written right after the response
        assert "/v1/tasks/task_nothere" not in mock.output()


@pytest.fixture(scope="module")
def slow_target() -> tuple[str, str]:
    with serve("--api-key", KEY) as mock:
        submitted = httpx.post(
            f"{mock.url}/v1/midjourney/generations",
            json={"prompt": "a snail"},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        yield mock.url, submitted.json()["data"][0]["task_id"]


def test_clients_trickling_headers_neither_stall_it_nor_stay(slow_target: tuple[str, str]) -> None:
    url, task_id = slow_target
    with trickling_clients(url, SLOW_CLIENTS, "headers") as trickle:
        assert probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S) == [200] * PROBES
        deadline = time.monotonic() + HEADER_READ_TIMEOUT_MS / 1000 + 10
        while trickle.closed_by_server < SLOW_CLIENTS and time.monotonic() < deadline:
            time.sleep(0.1)
    assert trickle.closed_by_server >= SLOW_CLIENTS, "the server kept connections whose headers never ended"


def test_clients_trickling_bodies_do_not_stall_it(slow_target: tuple[str, str]) -> None:
    url, task_id = slow_target
    with trickling_clients(url, SLOW_CLIENTS, "bodies", token=KEY) as trickle:
        time.sleep(0.5)  # every body has started
        assert probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S) == [200] * PROBES
    assert trickle.opened == SLOW_CLIENTS


def _worker_pids(server: int) -> set[int]:
    """The server's worker processes: its children, from /proc (not sampled from answers, since the
    workers do not share connections evenly)."""
    children = set()
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                if entry.name.isdigit() and int(stat.read().rpartition(")")[2].split()[1]) == server:
                    children.add(int(entry.name))
        except OSError:  # not a process, or gone meanwhile
            continue
    return children


def test_a_worker_that_dies_is_replaced_and_the_mock_keeps_answering() -> None:
    with serve() as mock:
        answer = httpx.get(f"{mock.url}/healthz", timeout=PROBE_TIMEOUT_S)
        victim = int(answer.headers["X-Mock-Worker"])
        first = _worker_pids(mock.process.pid)
        assert victim in first and len(first) == 2, first
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 15
        now = first
        while (len(now) != 2 or victim in now) and time.monotonic() < deadline:
            time.sleep(0.1)
            now = _worker_pids(mock.process.pid)
        assert mock.process.poll() is None, mock.output()
        assert len(now) == 2 and victim not in now, (first, now, mock.output())
        for _ in range(10):  # and every fresh connection is answered, by whichever worker
            response = httpx.get(
                f"{mock.url}/healthz", headers={"Connection": "close"}, timeout=PROBE_TIMEOUT_S
            )
            assert response.status_code == 200


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closes() -> None:
    with serve("--api-key", KEY, "--body-timeout", "1") as mock:
        parts = httpx.URL(mock.url)
        with socket.create_connection((parts.host, parts.port), timeout=0.2) as sock:
            started = time.monotonic()
            sock.sendall(
                b"POST /v1/midjourney/generations HTTP/1.1\r\nHost: mock\r\nContent-Length: 100\r\n"
                b"Content-Type: application/json\r\nAuthorization: Bearer " + KEY.encode() + b"\r\n\r\n{"
            )
            for _ in range(10):  # a byte every 0.2 s: it would take 20 s to finish
                time.sleep(0.2)
                try:
                    sock.sendall(b" ")
                except OSError:  # closed: the answer is already there
                    break
            head, _, body = until_closed(sock, started + 8).partition(b"\r\n\r\n")
            elapsed = time.monotonic() - started
        assert head.startswith(b"HTTP/1.1 408"), head
        assert httpx.Response(408, content=body).json()["error"]["type"] == "request_timeout"
        assert elapsed < 5, "the connection stayed open after the 408"
        # The mock goes on serving: a whole body is read and answered as always.
        answer = httpx.post(
            f"{mock.url}/v1/midjourney/generations",
            json={"prompt": "a snail"},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert answer.status_code == 200


def test_a_redis_at_a_unix_socket_serves_with_its_database_and_prefix(
    make_redis_server: Callable[..., AbstractContextManager[str]], tmp_path: Path
) -> None:
    """`--store unix:///path/redis.sock?db=N&prefix=NAME` (docs/scaling.md): the mock keeps its state in
    that database, under that prefix, reached through the socket."""
    socket_path = tmp_path / "redis.sock"
    with make_redis_server("--unixsocket", str(socket_path), "--unixsocketperm", "700") as tcp_url:
        store = f"unix://{socket_path}?db=3&prefix=team-a"
        with serve("--frozen", "--store", store, "--api-key", KEY) as mock:
            headers = {"Authorization": f"Bearer {KEY}"}
            submitted = httpx.post(
                f"{mock.url}/v1/midjourney/generations", json={"prompt": "a lighthouse"}, headers=headers
            )
            assert submitted.status_code == 200, submitted.text
            task_id = submitted.json()["data"][0]["task_id"]
            assert httpx.get(f"{mock.url}/v1/tasks/{task_id}", headers=headers).status_code == 200
        held = redis.Redis.from_url(tcp_url.removesuffix("/0") + "/3")
        keys = {key.decode() for key in held.scan_iter()}
        assert keys and all(key.startswith("team-a:") for key in keys), keys
        assert not redis.Redis.from_url(tcp_url).dbsize()  # nothing in database 0
