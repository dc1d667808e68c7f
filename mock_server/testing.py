"""Serve the mock for a test run exactly as `make mock` does, on a free loopback port.

```
from mock_server.testing import serve

with serve("--frozen", "--api-key", "sk-a") as mock:
    httpx.get(f"{mock.url}/v1/tasks/task_x", headers={"Authorization": "Bearer sk-a"})
```

The server runs `apimart-mock serve` (gunicorn, several workers over one SQLite store) in its own
process group, so stopping it also stops every worker even when the test fails or is interrupted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import httpx

__all__ = ["ServedMock", "free_port", "serve", "stop_group"]

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class ServedMock:
    """A running mock: its base URL and the server's process (for its pid and exit status)."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(*options: str, workers: int | None = None, threads: int | None = None) -> Iterator[ServedMock]:
    """Serve a fresh mock with `apimart-mock serve` options (`--frozen`, `--api-key K`, ...); workers and
    threads default to what `make mock` uses.

    Waits until the mock answers, yields it, then stops it: SIGTERM to the process group, SIGKILL if
    it lingers. Raises `RuntimeError` with the server's log when it does not start.
    """
    port = free_port()
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
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
            mock = ServedMock(f"http://127.0.0.1:{port}", process)
            _wait_until_ready(mock, log)
            yield mock
        finally:
            stop_group(process)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(mock: ServedMock, log: IO[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if mock.process.poll() is not None:
            raise RuntimeError(f"the mock exited with {mock.process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{mock.url}/openapi.json", timeout=1.0).status_code == 200:
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


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]
