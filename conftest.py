"""Hypothesis profiles for every test folder, chosen by `HYPOTHESIS_PROFILE=dev|ci|nightly|live`: defined
by the contract suite's plugin (`contract_tests.profiles`); `dev` when none is named. The services some
tests need (a real `redis-server`, haproxy), and `store`: every test that takes it runs once per store.

A service missing from the machine skips its tests, naming the Debian package to install, unless
`APIMART_REQUIRE_SERVICES=1` (set by `.ci/run`): then it fails them, so CI never skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from mock_server.testing import free_port

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

pytest_plugins = ["pytester"]  # tests/plugin runs pytest inside pytest


def _require(binary: str, package: str) -> str:
    """The path of `binary`; without it, skip (or fail, in CI) naming the Debian package that has it."""
    path = shutil.which(binary) or (f"/usr/sbin/{binary}" if os.path.exists(f"/usr/sbin/{binary}") else None)
    if path is None:
        reason = f"{binary} not found: install it with `apt-get install {package}`"
        if os.environ.get("APIMART_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " (APIMART_REQUIRE_SERVICES=1: CI never skips)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server of this test session's own on a free loopback port (no persistence)."""
    with redis_server() as url:
        yield url


@pytest.fixture
def make_redis_server() -> Callable[..., AbstractContextManager[str]]:
    """Start a redis-server of a test's own (`with make_redis_server("--maxmemory", "1mb") as url:`)."""
    _require("redis-server", "redis-server")
    return redis_server


@contextmanager
def redis_server(*options: str) -> Iterator[str]:
    binary = _require("redis-server", "redis-server")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="apimart-redis-")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", folder, *options]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"redis-server exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"redis-server did not listen on {port} within {timeout} s")


@pytest.fixture(scope="session")
def haproxy_binary() -> str:
    return _require("haproxy", "haproxy")


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's mock keeps its state: a SQLite file, or a namespace of its own in the session Redis."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    redis_url: str = request.getfixturevalue("redis_url")
    return f"{redis_url}?prefix=test-{uuid.uuid4().hex}"
