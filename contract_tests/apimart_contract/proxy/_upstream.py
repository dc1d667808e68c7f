"""The proxy's connections to the upstream: HTTP/1.1 (h11, an httpx dependency) over asyncio streams,
kept alive and reused, TLS verified with httpx's default context (what an httpx client checks).

httpx's own async client costs about 750 us of CPU a request, most of it in anyio's cancel scopes;
this costs about 160 (bench/FINDINGS.md). What it does not do, as httpx by default does not either:
HTTP/2, redirects, retries. Unlike httpx it ignores `HTTP(S)_PROXY` in the environment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import h11
import httpx

__all__ = ["Answer", "Upstream", "UpstreamError"]

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
"""How long the upstream may stay silent while an answer is awaited (httpx's `Timeout(120, connect=10)`
before)."""
MAX_CONNECTIONS = 100
"""Upstream connections at once (httpx's default); more requests wait for one."""
IDLE_EXPIRY_S = 4.0
"""An idle connection older than this is closed, not reused: servers close theirs after a few seconds
(the mock after 5), and a request sent on one they just closed fails."""
_READ = 65536
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


class UpstreamError(Exception):
    """The upstream could not be reached, or broke off, or answered what is not HTTP."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


@dataclass
class Answer:
    """An upstream's answer, its body still to be read (`chunks`), then `close()` (always)."""

    status: int
    headers: list[tuple[str, str]]
    _upstream: Upstream
    _connection: _Connection | None

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it comes; raises `UpstreamError` when the upstream breaks off."""
        connection = self._connection
        assert connection is not None, "the body was read already"
        while True:
            event = await _next_event(connection)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
        self._connection = None
        self._upstream._release(connection)

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def close(self) -> None:
        """Drop the connection if its answer was not read to the end (it cannot carry another)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            self._upstream._slots.release()


class Upstream:
    """Keep-alive connections to one origin (`http://` or `https://` `host[:port]`)."""

    def __init__(self, origin: httpx.URL) -> None:
        self.host = origin.host
        self.tls = origin.scheme == "https"
        self.port = origin.port or (443 if self.tls else 80)
        self.authority = origin.netloc.decode("ascii")
        self._ssl = httpx.create_ssl_context() if self.tls else None
        if self._ssl is not None:
            self._ssl.set_alpn_protocols(["http/1.1"])
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """Send one request (`target`: its path and query) and wait for the answer's status and headers.
        Raises `UpstreamError`."""
        headers = [("host", self.authority), *headers]
        if body or method in _BODY_METHODS:
            headers.append(("content-length", str(len(body))))
        await self._slots.acquire()
        connection: _Connection | None = None
        try:
            connection = self._idle_connection() or await self._connect()
            request = h11.Request(method=method, target=target, headers=headers)
            connection.writer.write(connection.http.send(request))
            if body:
                connection.writer.write(connection.http.send(h11.Data(data=body)))
            connection.writer.write(connection.http.send(h11.EndOfMessage()))
            await connection.writer.drain()
            event = await _next_event(connection)
            while isinstance(event, h11.InformationalResponse):  # 100 Continue: the answer follows
                event = await _next_event(connection)
            if not isinstance(event, h11.Response):
                raise UpstreamError("RemoteProtocolError")
        except BaseException as error:
            if connection is not None:
                connection.close()
            self._slots.release()
            if isinstance(error, (OSError, TimeoutError, h11.ProtocolError, UnicodeError)):
                raise UpstreamError(type(error).__name__) from error
            raise
        decoded = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers]
        return Answer(event.status_code, decoded, self, connection)

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < IDLE_EXPIRY_S and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=self._ssl, server_hostname=self.host if self.tls else None
            )
        return _Connection(reader, writer)

    def _release(self, connection: _Connection) -> None:
        """Keep a connection whose exchange ended cleanly for the next request."""
        self._slots.release()
        http = connection.http
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


async def _next_event(connection: _Connection) -> h11.Event | type[h11.NEED_DATA | h11.PAUSED]:
    """The next HTTP event from the upstream; raises `UpstreamError` when it breaks off."""
    http = connection.http
    try:
        while (event := http.next_event()) is h11.NEED_DATA:
            async with asyncio.timeout(READ_TIMEOUT_S):
                http.receive_data(await connection.reader.read(_READ))
    except (OSError, TimeoutError, h11.ProtocolError) as error:
        raise UpstreamError(type(error).__name__) from error
    return event
