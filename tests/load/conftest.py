"""The mock served as `make mock` serves it (`apimart-mock serve`), on a free loopback port, several workers.

Module-scoped and always stopped: the whole process group gets SIGTERM, then SIGKILL if it lingers, so
no gunicorn worker outlives the test run even when a test fails or is interrupted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

WORKERS = 3
"""Several worker processes: state must be shared through the store, not live in one process."""
THREADS = 4
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_command(port: int) -> list[str]:
    """`make mock`'s command (the console script beside this interpreter), with a port and workers."""
    script = Path(sys.executable).with_name("apimart-mock")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server.cli"]
    return [*head, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)]


@pytest.fixture(scope="module")
def served_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a freshly served mock; stopped (whole process group) when the module is done."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("served-load") / "mock.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*_serve_command(port), "--threads", str(THREADS)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=Path(__file__).parents[2],
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{url}/__mock/clock", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log_text = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"the mock did not start (exit {server.poll()}):\n{log_text}")
            time.sleep(0.05)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if server.poll() is not None:
            break
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            continue
