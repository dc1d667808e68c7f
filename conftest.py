"""Hypothesis profiles for every test folder, chosen by `HYPOTHESIS_PROFILE=dev|ci|nightly|live`: defined
by the contract suite (`apimart_contract.profiles`); `dev` when none is named. The services some
tests need (a real `redis-server`, haproxy), and `store`: every test that takes it runs once per store.

A service missing from the machine skips its tests, naming the Debian package to install, unless
`APIMART_REQUIRE_SERVICES=1` (set by `.ci/run`): then it fails them, so CI never skips.

`project_wheel` and `make_venv`: the project built into a wheel once per run, and clean
virtualenvs outside the repository that install it as a user would (tests/test_install.py, the consumer
project in tests/test_consumer_project.py).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from uv import find_uv_bin

from apimart_contract.profiles import register_profiles
from apimart_mock.testing import free_port

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent

# tests/plugin runs pytest inside pytest; the contract suite's plugin is never registered by installing the
# package (it must not act in other projects' runs), so this repository's own runs load it here.
pytest_plugins = ["pytester", "apimart_contract.plugin"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` first, in their order: on `make test`'s processes the longest start while the
    many short ones fill the others, instead of one of them ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for `localhost` and its key (PEM files), made by the `openssl` command."""
    folder = tmp_path_factory.mktemp("tls")
    certificate, key = folder / "localhost.pem", folder / "localhost.key"
    subprocess.run(
        [_require("openssl", "openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return certificate, key


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


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as a release is: the build backend (setuptools, isolated) makes the sdist,
    then the wheel from the sdist in a folder of its own (never from a stale build/). Built once per run:
    under xdist the test processes share one in the run's temporary root (a build costs 2 s of CPU). The
    sdist step writes *.egg-info next to the sources: one build at a time."""
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # the root every worker's basetemp is made in, new for each run
    out = shared / "project-wheel"
    (ROOT / "build").mkdir(exist_ok=True)
    with open(ROOT / "build" / ".sdist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not any(out.glob("*.whl")):
            built = subprocess.run(
                [find_uv_bin(), "build", "--quiet", "--out-dir", str(out), str(ROOT)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="session")
def make_venv(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`make_venv("the.whl[contract]", "pytest")`: a clean virtualenv (this Python, none of this environment's
    packages) with those requirements and their dependencies resolved from the index as for a user; its
    python. uv installs them (from its cache once `make install` has run: seconds, not a minute), compiled
    as pip compiles them, so that no timed test pays for compiling them on its first run."""

    def make(*requirements: str) -> Path:
        venv = tmp_path_factory.mktemp("venv") / "venv"
        uv, python = find_uv_bin(), str(venv / "bin" / "python")
        for command in (
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, *requirements],
        ):
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
        return venv / "bin" / "python"

    return make


ClosedPipeRun = Callable[..., tuple[int, str]]


@pytest.fixture(scope="session")
def closed_pipe_run() -> ClosedPipeRun:
    """`closed_pipe_run("apimart", [...], env, stderr_too=False)`: this virtualenv's console script with
    stdout (and with `stderr_too` stderr, as `2>&1 | head` does) on a pipe whose reader has gone before
    the command writes a byte: every write fails with EPIPE, no race. Its exit status and stderr."""

    def run(
        script: str, argv: list[str], env: dict[str, str], *, stderr_too: bool = False
    ) -> tuple[int, str]:
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            done = subprocess.run(
                [str(Path(sys.executable).with_name(script)), *argv],
                stdout=write_end,
                stderr=write_end if stderr_too else subprocess.PIPE,
                env=env,
                timeout=60,
                check=False,
            )
        finally:
            os.close(write_end)
        return done.returncode, (done.stderr or b"").decode()

    return run
