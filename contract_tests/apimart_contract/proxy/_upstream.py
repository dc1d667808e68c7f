"""The proxy's connections to the upstream: HTTP/1.1 over asyncio protocols, answers parsed by httptools
(llhttp, the parser Node.js and uvicorn use), kept alive and reused, TLS verified with httpx's default
context (what an httpx client checks).

CPU a request, sequential polls of the served mock (bench/FINDINGS.md): httpx's own async client about
750 us, most of it in anyio's cancel scopes; h11 over asyncio streams 114-137 us; this 39-60 us. What it
does not do, as httpx by default does not either: HTTP/2, redirects, retries. Unlike httpx it ignores
`HTTP(S)_PROXY` in the environment.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import cast

import httptools
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
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
_PAUSE_BYTES = 1 << 20
"""A streamed answer's body waiting to be passed on: past this, the upstream is not read further until
the client took some."""


class UpstreamError(Exception):
    """The upstream could not be reached, or broke off, or answered what is not HTTP."""


class _Connection(asyncio.Protocol):
    """One connection to the upstream, carrying one exchange at a time: what has arrived of the answer
    (status, headers, body chunks) and a waiter woken when more has."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self.closed = False
        self._parser: httptools.HttpResponseParser | None = None
        self._head = False
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self.complete = False
        self.reusable = False
        self._error: str | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._headed = False

    # the exchange, from `Upstream.send` and `Answer`

    def start(self, request: bytes, head: bool) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head = head
        self.status, self.headers, self._headed = 0, [], False
        self.complete = self.reusable = False
        assert self.transport is not None
        self.transport.write(request)

    async def headed(self) -> None:
        """Wait for the answer's status and headers."""
        while not self._headed:
            await self._wait()

    async def chunk(self) -> bytes | None:
        """The body's next chunk, or None at its end."""
        while not self.body:
            if self.complete:
                return None
            await self._wait()
        data = self.body.popleft()
        self._buffered -= len(data)
        if self._paused and self._buffered < _PAUSE_BYTES // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def _wait(self) -> None:
        if self._error is not None:
            raise UpstreamError(self._error)
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                await self._waiter
        except TimeoutError as error:
            raise UpstreamError("ReadTimeout") from error
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # asyncio's protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is one, not a subclass

    def data_received(self, data: bytes) -> None:
        if self._parser is None or self.complete:  # nothing asked: an upstream talking out of turn
            self._fail("RemoteProtocolError")
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(type(error).__name__)
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._headed and not self.complete and self._until_close():
            self.complete = True  # an answer of no stated length ends where the connection does
        elif not self.complete and self._error is None:  # else the parser's reason stands
            self._error = type(exc).__name__ if exc else "RemoteProtocolError"
        self._wake()

    # httptools' callbacks

    def on_message_begin(self) -> None:
        if self._headed:  # a second answer to one request: stop parsing, drop the connection
            raise httptools.HttpParserError("an answer nobody asked for")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:  # 100 Continue and its like: the answer follows
            self.headers = []
            return
        self.status, self._headed = status, True
        if self._head:  # no body follows, whatever its headers say
            self._end()

    def on_body(self, data: bytes) -> None:
        if self.complete:  # a body after an answer to HEAD: not part of it
            return
        self.body.append(data)
        self._buffered += len(data)
        if self._buffered > _PAUSE_BYTES and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._headed and not self.complete:
            self._end()

    def _end(self) -> None:
        assert self._parser is not None
        self.complete = True
        self.reusable = self._parser.should_keep_alive()

    def _until_close(self) -> bool:
        names = {name for name, _ in self.headers}
        return "content-length" not in names and "transfer-encoding" not in names

    def _fail(self, reason: str) -> None:
        self._error = reason
        self.close()


class Answer:
    """An upstream's answer, its body still to be read (`chunks`), then `close()` (always)."""

    def __init__(self, upstream: Upstream, connection: _Connection) -> None:
        self.status = connection.status
        self.headers = connection.headers
        self._upstream = upstream
        self._connection: _Connection | None = connection

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it comes; raises `UpstreamError` when the upstream breaks off."""
        connection = self._connection
        assert connection is not None, "the body was read already"
        while (data := await connection.chunk()) is not None:
            yield data
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
        request = _request(method, target, [("host", self.authority), *headers], body)
        await self._slots.acquire()
        connection: _Connection | None = None
        try:
            connection = self._idle_connection() or await self._connect()
            connection.start(request, method == "HEAD")
            await connection.headed()
        except BaseException as error:
            if connection is not None:
                connection.close()
            self._slots.release()
            if isinstance(error, (OSError, TimeoutError)):
                raise UpstreamError(type(error).__name__) from error
            raise
        return Answer(self, connection)

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < IDLE_EXPIRY_S and not connection.closed:
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            _, connection = await loop.create_connection(
                _Connection,
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self.tls else None,
            )
        return connection

    def _release(self, connection: _Connection) -> None:
        """Keep a connection whose exchange ended cleanly for the next request."""
        self._slots.release()
        if connection.reusable and not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def _request(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """The request as sent: its line, its headers (a `Content-Length` where it has a body) and its body.
    Raises `UpstreamError` for what cannot be sent as HTTP/1.1 (a line break in a header, say)."""
    if body or method in _BODY_METHODS:
        headers = [*headers, ("content-length", str(len(body)))]
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers)]
    head = "\r\n".join(lines)
    if head.count("\r") != len(lines) - 1 or head.count("\n") != len(lines) - 1:  # a line break in a value
        raise UpstreamError("LocalProtocolError")
    try:
        return head.encode("latin-1") + b"\r\n\r\n" + body
    except UnicodeEncodeError as error:
        raise UpstreamError("LocalProtocolError") from error
