"""Start a server in its own process group, wait until it answers, and always stop it again.

A server that outlives the bench would hold its port and skew the next run, so `serving()` kills the
whole group (gunicorn's workers, Node's children) on exit, on error and on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from apimart_mock.testing import free_port, stop_group

from .settings import HOST, READY_TIMEOUT_S, ROOT

__all__ = [
    "Running",
    "ServerFailed",
    "free_port",
    "group_cpu_seconds",
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
