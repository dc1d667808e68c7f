"""A worker's client connections, as the kernel sees them: who is at the other end, how long each has
been idle, and how to end one.

granian owns the connections, and RSGI has no call to end one, or to learn how idle it is. But they are
this process's sockets, so `/dev/fd` lists them (on Linux and macOS alike), and a socket shut down here
is shut for granian too. Two things use that:

- `shut_client` ends one request's connection without a byte of response (a `drop` fault);
- `ConnectionGuard` closes what granian 2.8.7 would hold for ever (bench/FINDINGS.md, issue 22): its
  header deadline (`http1_header_read_timeout`) starts at a request's first byte, so a connection that
  sends nothing, before its first request or between two, is never closed; and its bound on a worker's
  connections (`backpressure`) stops the worker accepting, so the excess waits in the kernel's queue,
  unanswered, and so does every new client behind it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import struct
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["SWEEP_INTERVAL_S", "ConnectionGuard", "address", "shut_client"]

SWEEP_INTERVAL_S = 0.5
"""How often `ConnectionGuard` looks at the worker's connections."""
_TCP_INFO = getattr(socket, "TCP_INFO", None)  # Linux only
_LAST_DATA = struct.Struct("=I4xI")
"""`tcpi_last_data_sent` and `tcpi_last_data_recv` (ms ago) in Linux's `struct tcp_info`, at byte 44."""
_LAST_DATA_OFFSET = 44


def address(text: str) -> tuple[str, str]:
    """`host:port` or `[v6]:port` (granian's `scope.client`) as WSGI has them (an IPv4 address mapped into
    IPv6 as IPv4)."""
    host, _, port = text.rpartition(":")
    return _host(host), port


@lru_cache(maxsize=256)
def _host(text: str) -> str:
    host = text.removeprefix("[").removesuffix("]")
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return host


def shut_client(client: str, server_port: int) -> None:
    """Shut the connection from `client` (granian's `scope.client`) down both ways: the client sees the
    server disconnect, and granian's next write on it goes nowhere."""
    wanted = address(client)
    for sock, peer in _connections(server_port):
        if peer == wanted:
            with suppress(OSError):  # gone meanwhile
                sock.shutdown(socket.SHUT_RDWR)  # the dup shares the connection: it ends for granian too
            return


def _connections(server_port: int) -> Iterator[tuple[socket.SocketType, tuple[str, str]]]:
    """This process's TCP connections to `server_port`: a duplicate of each socket (closed once the
    caller moves on) and its peer as `address` spells it.

    A guard's sweep runs this over thousands of descriptors, so each costs as few system calls as can
    be: its type, a duplicate of a socket as the C socket type (no Python wrapper, no probing of family
    and type), its own address (which tells IPv4 from IPv6 by its shape, and a TCP connection from a
    Unix socket) and its peer.
    """
    for name in os.listdir("/dev/fd"):
        try:
            # Never a duplicate of anything but a socket: closing one of a file would drop every POSIX
            # lock this process holds on it (SQLite's, and then the store is corrupted).
            if not stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                continue
            sock = socket.SocketType(socket.AF_INET, socket.SOCK_STREAM, 0, os.dup(int(name)))
        except OSError:  # closed meanwhile (the listing's own descriptor, for one)
            continue
        try:
            own = sock.getsockname()
            if not isinstance(own, tuple) or own[1] != server_port:
                continue
            peer = sock.getpeername()
        except OSError:  # not connected (a listener), or gone meanwhile
            continue
        else:
            yield sock, (_host(peer[0]), str(peer[1]))
        finally:
            sock.close()


@dataclass(frozen=True)
class _Idle:
    peer: tuple[str, str]
    ms: int
    """Since the connection last sent or received a byte (or was opened)."""


class ConnectionGuard:
    """Bounds a worker's connections, every `SWEEP_INTERVAL_S` on a thread of its own:

    - a connection that has neither sent nor received a byte for `idle_timeout` seconds, and has no
      request in flight, is shut (before its first request, between two, or while a client does not
      read its answer);
    - past `max_connections`, the ones idle longest (never one with a request in flight) are shut, so
      that granian, allowed more, never stops accepting new clients.

    `in_flight` gives the `scope.client` of every request the app is answering. The idle times are the
    kernel's (`TCP_INFO`): on systems without it (macOS) the guard does nothing.
    """

    def __init__(
        self,
        server_port: int,
        in_flight: Callable[[], Collection[str]],
        *,
        idle_timeout: float,
        max_connections: int,
    ) -> None:
        self.server_port = server_port
        self.in_flight = in_flight
        self.idle_ms = int(idle_timeout * 1000)
        self.max_connections = max_connections

    @staticmethod
    def available() -> bool:
        return _TCP_INFO is not None

    def start(self) -> None:
        if self.available():
            threading.Thread(target=self._run, name="apimart-mock-guard", daemon=True).start()

    def _run(self) -> None:
        stop = threading.Event()  # never set: the thread ends with the worker
        while not stop.wait(SWEEP_INTERVAL_S):
            with suppress(OSError):  # out of descriptors itself, say: the next sweep tries again
                self.sweep()

    def sweep(self) -> int:
        """Shut what the rules above say; returns how many connections were shut."""
        idle = sorted(self._idle(), key=lambda c: c.ms, reverse=True)
        busy = {address(client) for client in self.in_flight()}
        held = len(idle)
        idle = [c for c in idle if c.peer not in busy]
        excess = held - self.max_connections
        doomed = {c.peer: c.ms for n, c in enumerate(idle) if n < excess or c.ms >= self.idle_ms}
        if not doomed:
            return 0
        shut = 0
        for sock, peer in _connections(self.server_port):
            # still as idle as it was (a byte since, of a request just sent, say, and it stays)
            if peer in doomed and _idle_ms(sock) >= doomed[peer]:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    shut += 1
        return shut

    def _idle(self) -> Iterator[_Idle]:
        for sock, peer in _connections(self.server_port):
            ms = _idle_ms(sock)
            if ms >= 0:
                yield _Idle(peer, ms)


def _idle_ms(sock: socket.SocketType) -> int:
    """Milliseconds since `sock` last sent or received a byte (or was opened); -1 when unknown."""
    assert _TCP_INFO is not None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _LAST_DATA_OFFSET + _LAST_DATA.size)
    except OSError:
        return -1
    sent, received = _LAST_DATA.unpack_from(info, _LAST_DATA_OFFSET)
    return int(min(sent, received))
