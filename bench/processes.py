"""Start a server in its own process group, wait until it answers, and always stop it again.

A server that outlives the bench would hold its port and skew the next run, so `serving()` kills the
whole group (gunicorn's workers, Node's children) on exit, on error and on Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from apimart_mock.testing import free_port, stop_group

from .settings import HOST, READY_TIMEOUT_S, ROOT, VENV_BIN

__all__ = [
    "Running",
    "ServerFailed",
    "free_port",
    "granian_command",
    "group_cpu_seconds",
    "mock_serve_defaults",
    "serving",
    "shown",
    "stop_group",
    "terminate_on_sigterm",
]

_TICK = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(groups: Sequence[int]) -> float:
    """CPU time (user + system, every thread) used so far by the live processes of these process groups.

    Each server runs in a group of its own (`serving`), so the difference over a wrk run is what that
    server spent on it: a cost per request that other load on the machine changes less than req/s.
    """
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # exited meanwhile
            continue
        if int(fields[2]) in groups:  # pgrp; utime and stime follow at 11 and 12 (proc(5))
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


class ServerFailed(RuntimeError):
    """A server exited or never answered; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Running:
    """A server that answers on `url`."""

    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def serving(
    name: str,
    command: Sequence[str],
    port: int,
    log: Path,
    *,
    ready_path: str = "/",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[Running]:
    """Run `command` (which must listen on HOST:`port`) until the block ends."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=None if env is None else dict(env),
            cwd=cwd,
        )
        try:
            url = f"http://{HOST}:{port}"
            _wait_ready(name, process, url + ready_path, log)
            yield Running(name, url, port, process, log)
        finally:
            stop_group(process)


def _wait_ready(name: str, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `url` until any HTTP answer arrives (bounded by READY_TIMEOUT_S)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"{name} exited with {process.returncode}:\n{_tail(log)}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise ServerFailed(f"{name} did not answer {url} within {READY_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def shown(command: Sequence[str]) -> str:
    """A command as a reader would type it in the repo (paths relative to it)."""
    root = str(ROOT) + "/"
    return " ".join(part.replace(root, "") for part in command)


def terminate_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so `serving()` blocks stop their servers on `kill` too."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def granian_command(app: str, port: int, workers: int, threads: int | None) -> list[str]:
    """granian with the workers `apimart-mock serve` runs: WSGI with `threads` blocking threads per
    worker (its settings before the RSGI adapter), or RSGI when `threads` is None."""
    interface = (
        ["--interface", "rsgi"]
        if threads is None
        else ["--interface", "wsgi", "--blocking-threads", str(threads)]
    )
    return [
        str(VENV_BIN / "granian"),
        *interface,
        "--workers",
        str(workers),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "error",
        app,
    ]


def mock_serve_defaults() -> tuple[int, int]:
    """Workers and threads `apimart-mock serve` uses by default (what `make mock` runs), from its --help.

    The ceiling must run under the same server configuration; reading the help keeps the two in step
    without importing the CLI's private parts.
    """
    done = subprocess.run(
        [str(VENV_BIN / "apimart-mock"), "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    text = " ".join(done.stdout.split())
    workers = re.search(r"--workers \S+ worker processes \(default (\d+)\)", text)
    threads = re.search(r"--threads \S+ threads per worker \(default (\d+)\)", text)
    if not (workers and threads):
        raise ServerFailed(
            f"cannot read the default workers/threads from `apimart-mock serve --help`:\n{text[:800]}"
        )
    return int(workers.group(1)), int(threads.group(1))
