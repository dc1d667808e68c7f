"""Serve the mock for a test run exactly as `make mock` does, on a free loopback port.

```
from apimart_mock.testing import serve

with serve("--frozen", "--api-key", "sk-a") as mock:
    httpx.get(f"{mock.url}/v1/tasks/task_x", headers={"Authorization": "Bearer sk-a"})
```

The server runs `apimart-mock serve` (granian, several workers over one SQLite store) in its own
process group, so stopping it also stops every worker even when the test fails or is interrupted.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, Literal
from urllib.parse import urlsplit

import httpx

from ..serve.server import raise_file_limit

__all__ = [
    "ServedMock",
    "Trickle",
    "free_port",
    "probe_polls",
    "serve",
    "stop_group",
    "trickling_clients",
    "until_closed",
]

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class ServedMock:
    """A running mock: its base URL, the server's process (for its pid and exit status) and its log."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return _tail(self.log, limit=None)


@contextmanager
def serve(*options: str, workers: int | None = None, threads: int | None = None) -> Iterator[ServedMock]:
    """Serve a fresh mock with `apimart-mock serve` options (`--frozen`, `--api-key K`, ...); workers and
    threads default to what `make mock` uses.

    Waits until the mock answers, yields it, then stops it: SIGTERM to the process group, SIGKILL if
    it lingers. Raises `RuntimeError` with the server's log when it does not start.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "apimart_mock.serve.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    command += options
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            mock = ServedMock(f"http://127.0.0.1:{port}", process, log)
            _wait_until_ready(mock, log)
            yield mock
        finally:
            stop_group(process)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(mock: ServedMock, log: IO[bytes]) -> None:
    """Probe until the mock answers, with one client for all probes (a client of its own per probe
    would build an SSL context each time: 30 ms of CPU, most of what waiting cost)."""
    deadline = time.monotonic() + _START_TIMEOUT
    with httpx.Client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if mock.process.poll() is not None:
                raise RuntimeError(f"the mock exited with {mock.process.returncode}:\n{_tail(log)}")
            try:
                if http.get(f"{mock.url}/openapi.json").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"the mock did not answer within {_START_TIMEOUT:g} s:\n{_tail(log)}")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with `start_new_session=True` and all its children: SIGTERM to the group,
    SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            continue


def _tail(log: IO[bytes], limit: int | None = 2000) -> str:
    log.seek(0)
    text = log.read().decode(errors="replace")
    log.seek(0, os.SEEK_END)
    return text if limit is None else text[-limit:]


@dataclass
class Trickle:
    """What `trickling_clients` did: connections opened, and how many of them the server closed."""

    opened: int = 0
    closed_by_server: int = 0


_TRICKLE_HEAD = {
    "idle": b"",
    "headers": b"GET /v1/tasks/task_trickle HTTP/1.1\r\nHost: %s\r\n",
    "bodies": b"POST /v1/midjourney/generations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
    b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
}
_TRICKLE_STEP = {"idle": b"", "headers": b"X-Trickle: 1\r\n", "bodies": b" "}


@contextmanager
def trickling_clients(
    url: str,
    count: int,
    kind: Literal["idle", "headers", "bodies"],
    *,
    token: str = "trickle",
    interval: float = 0.5,
) -> Iterator[Trickle]:
    """Slow clients for the block's duration: `count` connections that each send a request's start,
    then one more header line (or one more body byte of a submit as `token`) every `interval` seconds,
    never finishing; `idle` ones never send a byte.

    Every `interval`, a connection the server has closed (or answered: nothing but a refusal can come
    before the request's end) is counted and opened again, so the pressure stays at `count`; one that
    cannot be opened (the server's queue is full) is tried again then. Everything runs on one
    background thread and is closed when the block ends. Raises this process's soft limit of open files
    to the hard one (`serving.raise_file_limit`).
    """
    raise_file_limit()
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    head = _TRICKLE_HEAD[kind].replace(b"%s", parts.netloc.encode(), 1).replace(b"%s", token.encode())
    stats = Trickle()
    stop = threading.Event()

    def connect() -> socket.socket | None:
        try:
            sock = socket.create_connection(address, timeout=interval)
            sock.sendall(head)
        except OSError:
            return None
        stats.opened += 1
        return sock

    sockets: list[socket.socket | None] = [None] * count

    def fill() -> None:
        """Open a connection in each empty place, until one cannot be opened (then: next round)."""
        for n, sock in enumerate(sockets):
            if sock is None:
                sockets[n] = sock = connect()
                if sock is None:
                    return

    def run() -> None:
        while not stop.wait(interval):
            poller = select.poll()
            for sock in sockets:
                if sock is not None:
                    poller.register(sock, select.POLLIN)
            readable = {fd for fd, _ in poller.poll(0)}
            for n, sock in enumerate(sockets):
                if sock is not None and sock.fileno() in readable:
                    stats.closed_by_server += 1
                    sock.close()
                    sockets[n] = None
                elif sock is not None:
                    with suppress(OSError):  # closed meanwhile: counted at the next round
                        sock.sendall(_TRICKLE_STEP[kind])
            fill()

    fill()
    thread = threading.Thread(target=run, name="trickling-clients", daemon=True)
    thread.start()
    try:
        yield stats
    finally:
        stop.set()
        thread.join(timeout=30)
        for sock in sockets:
            if sock is not None:
                sock.close()


def probe_polls(
    url: str,
    task_id: str,
    *,
    token: str,
    count: int = 20,
    timeout: float = 5.0,
    params: dict[str, str] | None = None,
) -> list[int]:
    """The statuses of `count` polls of `task_id` as `token` (with query `params`), each on a new
    connection and each bounded by `timeout` seconds (a poll that gets no answer in time raises
    `httpx.TimeoutException`)."""
    with httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"}) as http:
        return [
            http.get(f"{url}/v1/tasks/{task_id}", params=params, headers={"Connection": "close"}).status_code
            for _ in range(count)
        ]


def until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends on `sock` until it closes the connection, or until `deadline` (a
    `time.monotonic()` reading) has passed; `sock` needs a timeout (its reads wait at most that long)."""
    received = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        received += chunk
    return received
