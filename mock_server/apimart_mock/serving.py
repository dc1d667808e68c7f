"""Serve one `MockConfig` with granian: a Rust HTTP server in front of worker processes.

Every worker process builds its own app (`create_app(config)`) over the one store, so state is shared
exactly as before. granian's Rust side reads requests and writes responses; the app is served through
granian's RSGI interface (`http.rsgi.RsgiApp`). That is what keeps slow clients from stalling the mock:

- a client trickling its headers holds no Python thread at all, and is cut off after
  `HEADER_READ_TIMEOUT_MS` (granian's `http1_header_read_timeout`);
- a request body is read on the worker's event loop before any app code runs, and must arrive within
  `body_timeout` seconds (else 408), so a client trickling its body holds a coroutine, never a thread;
- polls are answered on the loop; the Flask app runs in a pool of at most `threads` threads per worker.

granian runs the loop on uvloop (a dependency of the `mock` extra) when it is installed: with asyncio's
own loop the same requests cost about a fifth more CPU (bench/FINDINGS.md).
"""

from __future__ import annotations

import errno
import socket
import sys
from functools import partial

from .config import BODY_READ_TIMEOUT_S, MockConfig
from .http.app import create_app
from .http.rsgi import RsgiApp

__all__ = ["BODY_READ_TIMEOUT_S", "HEADER_READ_TIMEOUT_MS", "PortTaken", "serve"]

HEADER_READ_TIMEOUT_MS = 5_000
"""A request's headers must arrive within this time; then granian closes the connection."""
RESPAWN_INTERVAL_S = 0.5
"""How soon granian starts a new worker in place of one that died."""


class PortTaken(RuntimeError):
    """The address is in use (or cannot be bound): nothing was started."""


def serve(
    config: MockConfig,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    body_timeout: float = BODY_READ_TIMEOUT_S,
    access_log: bool = False,
) -> None:
    """Serve until SIGTERM/SIGINT. `threads` is the most app threads each worker runs at once;
    `body_timeout` how long a request's body may take to arrive.

    Raises `PortTaken` before starting anything when `host:port` cannot be bound. Prints the
    `apimart-mock on http://...` line to stderr once the socket is bound.
    """
    _check_free(host, port)
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    server = Server(
        "apimart_mock.http.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        log_level=LogLevels.error,
        log_access=access_log,
        workers_kill_timeout=5,
        # A worker that dies (killed, or a panic in granian's Rust side) is replaced; without this,
        # granian stops the whole server, and every client of a shared mock with it.
        respawn_failed_workers=True,
        respawn_interval=RESPAWN_INTERVAL_S,
    )
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    server.on_startup(partial(_announce, f"apimart-mock on {url} (store {config.store})"))
    server.serve(target_loader=partial(_rsgi_app, config, threads, body_timeout), wrap_loader=False)


def _rsgi_app(config: MockConfig, threads: int, body_timeout: float) -> RsgiApp:
    """What each worker process serves (built in the worker, after the fork)."""
    app = create_app(config)
    return RsgiApp(app, threads=threads, body_timeout=body_timeout, max_body_bytes=config.max_body_bytes)


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _check_free(host: str, port: int) -> None:
    """Bind `host:port` once without SO_REUSEPORT: granian binds with it, so two servers on one port
    would both start and share the traffic; this refuses a port anything already listens on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            reason = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            raise PortTaken(f"cannot listen on {host}:{port}: {reason}") from None
