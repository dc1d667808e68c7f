"""Serve one `MockConfig` with granian: a Rust HTTP server in front of worker processes.

Every worker process builds its own app (`create_app(config)`) over the one store, so state is shared
exactly as before. granian's Rust side reads requests and writes responses; the app is served through
granian's RSGI interface (`http.rsgi.RsgiApp`). That is what keeps slow clients from stalling the mock:

- a client trickling its headers holds no Python thread at all, and is cut off after
  `HEADER_READ_TIMEOUT_MS` (granian's `http1_header_read_timeout`);
- a request body is read on the worker's event loop before any app code runs, and must arrive within
  `body_timeout` seconds (else 408), so a client trickling its body holds a coroutine, never a thread;
- polls are answered on the loop; the Flask app runs in a pool of at most `threads` threads per worker,
  at most `account_share` of them for one account at once, and while other accounts are active an
  account over them rests each turn `account_rest` times the CPU time its request took
  (`http.fairness.AccountShare`);
- a connection that sends and receives nothing for `IDLE_TIMEOUT_S` with no request in flight is
  closed, and so are the idlest past `max_connections` in a worker (`http.connections.ConnectionGuard`):
  granian alone holds such connections for ever and then stops accepting (bench/FINDINGS.md).

granian runs the loop on uvloop (a dependency of the `mock` extra) when it is installed: with asyncio's
own loop the same requests cost about a fifth more CPU (bench/FINDINGS.md).
"""

from __future__ import annotations

import errno
import resource
import socket
import sys
import time
from collections.abc import Callable
from functools import partial

from ..config import ACCOUNT_REST, ACCOUNT_SHARE, BODY_READ_TIMEOUT_S, MAX_CONNECTIONS, MockConfig
from ..http.app import create_app, prepared_store
from ..http.connections import ConnectionGuard
from ..http.fairness import AccountShare
from ..http.rsgi import RsgiApp
from ..store import shown_location

__all__ = [
    "BODY_READ_TIMEOUT_S",
    "HEADER_READ_TIMEOUT_MS",
    "IDLE_TIMEOUT_S",
    "MAX_CONNECTIONS",
    "PortTaken",
    "raise_file_limit",
    "serve",
]

HEADER_READ_TIMEOUT_MS = 5_000
"""A request's headers must arrive within this time; then granian closes the connection."""
RESPAWN_INTERVAL_S = 0.5
"""How soon granian starts a new worker in place of one that died."""
IDLE_TIMEOUT_S = 5.0
"""A connection without a request in flight that sends and receives nothing this long is closed."""
ACCOUNT_QUEUE = 256
"""Requests of one account that may wait in line in a worker; past them, 429 with `Retry-After: 1`."""
LISTEN_BACKLOG = 4096
"""Connections the kernel queues for the workers to accept (at most `net.core.somaxconn` on Linux)."""


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
    max_connections: int = MAX_CONNECTIONS,
    account_share: int = ACCOUNT_SHARE,
    account_rest: float = ACCOUNT_REST,
    access_log: bool = False,
) -> None:
    """Serve until SIGTERM/SIGINT. `threads` is the most app threads each worker runs at once;
    `body_timeout` how long a request's body may take to arrive; `max_connections` the connections a
    worker keeps (lowered to what the open-files limit allows); `account_share` the app requests of one
    account a worker runs at once (0: no share), `account_rest` how long, in CPU times of its request,
    the turn of an account over its share rests while other accounts are active (0: never).

    Raises `PortTaken` before starting anything when `host:port` cannot be bound, `StoreUnavailable` when
    the store cannot be opened (so that no worker starts only to fail the same way). Prints the
    `apimart-mock on http://...` line to stderr once the socket is bound.
    """
    _check_free(host, port)
    store = config.store
    if store is None:  # each worker would keep a private store of its own
        raise ValueError("serve() needs config.store: the store its workers share")
    prepared_store(config, store, time.time())  # set up here, then dropped: each worker opens its own
    files = raise_file_limit()
    if max_connections > files // 3:  # granian may hold twice as many, and a worker has files of its own
        max_connections = files // 3
        print(
            f"apimart-mock: at most {max_connections} connections a worker: {files} open files allowed",
            file=sys.stderr,
        )
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
        backlog=LISTEN_BACKLOG,
        # granian stops accepting past this many connections in a worker; the guard closes idle ones
        # from `max_connections` on, so this bound is never what a new client waits for.
        backpressure=2 * max_connections,
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
    server.on_startup(partial(_announce, f"apimart-mock on {url} (store {shown_location(store)})"))
    share = partial(AccountShare, account_share, ACCOUNT_QUEUE, account_rest) if account_share else None
    load = partial(_rsgi_app, config, port, threads, body_timeout, max_connections, share)
    server.serve(target_loader=load, wrap_loader=False)


def _rsgi_app(
    config: MockConfig,
    port: int,
    threads: int,
    body_timeout: float,
    max_connections: int,
    share: Callable[[], AccountShare] | None,
) -> RsgiApp:
    """What each worker process serves (built in the worker, after the fork), with its guard."""
    rsgi = RsgiApp(
        create_app(config),
        threads=threads,
        body_timeout=body_timeout,
        max_body_bytes=config.max_body_bytes,
        share=share() if share else None,
    )
    guard = ConnectionGuard(
        port, rsgi.in_flight.copy, idle_timeout=IDLE_TIMEOUT_S, max_connections=max_connections
    )
    guard.start()
    return rsgi


def raise_file_limit() -> int:
    """Raise this process's (and so its workers') soft limit of open files to the hard limit, since
    every connection is one; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):  # macOS refuses more than OPEN_MAX: keep what we have
            pass
    return soft


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
