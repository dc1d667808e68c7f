"""Send one request and read its whole answer within a deadline and a size cap: the client's only I/O.

httpx's timeouts bound each network operation, not a request: a server that sends its headers and
then one byte a second never trips a 3 s read timeout, and a body (or a small gzip body that expands)
is read whole into memory whatever its size. Here, one attempt:

- has a deadline for everything (connect, sending, headers, body): every phase's timeout is cut to the
  time left, the body is read chunk by chunk with the deadline checked between chunks and, on a real
  socket, a watchdog shuts the socket down when the deadline passes, so a blocked read ends then;
  the async attempt runs under `anyio.fail_after` (asyncio or trio);
- reads at most `max_bytes` of body after decoding (a gzip bomb stops at the cap, having inflated at
  most one network chunk beyond it) and raises `ResponseTooLargeError` past it;
- is logged at DEBUG on the `apimart` logger: method, path, status (or the error) and seconds taken.

A deadline that passes before the response's headers is an `httpx.ReadTimeout`, retried like any
other; once the headers are in it is `DeadlineExceeded` (also an `httpx.TimeoutException`), which is
not retried: the server is answering, too slowly, and asking again would take as long.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx

from ._errors import ResponseTooLargeError

__all__ = ["DeadlineExceeded", "read_async", "read_sync", "timeouts_within"]

logger = logging.getLogger("apimart")


class DeadlineExceeded(httpx.TimeoutException):
    """The response started within the deadline but its body did not arrive in full before it."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__("the response did not arrive in full before the request's deadline", request=request)


def timeouts_within(timeout: httpx.Timeout, seconds: float) -> dict[str, float | None]:
    """httpx's per-phase timeouts, none longer than `seconds`."""
    phases = timeout.as_dict()
    return {name: seconds if value is None else min(value, seconds) for name, value in phases.items()}


def read_sync(
    http: httpx.Client, request: httpx.Request, seconds: float | None, max_bytes: int
) -> httpx.Response:
    """Send `request` and read the answer in at most `seconds` (None: no deadline)."""
    with _logged(request) as done:
        return done(_read_sync(http, request, seconds, max_bytes))


async def read_async(
    http: httpx.AsyncClient, request: httpx.Request, seconds: float | None, max_bytes: int
) -> httpx.Response:
    """See `read_sync`."""
    with _logged(request) as done:
        return done(await _read_async(http, request, seconds, max_bytes))


@contextlib.contextmanager
def _logged(request: httpx.Request) -> Iterator[Callable[[httpx.Response], httpx.Response]]:
    """Log the attempt's outcome: `GET /v1/balance: 200 in 0.012 s`, or the error it raised."""
    started = time.monotonic()
    what = f"{request.method} {request.url.path}"

    def done(response: httpx.Response) -> httpx.Response:
        logger.debug("%s: %d in %.3f s", what, response.status_code, time.monotonic() - started)
        return response

    try:
        yield done
    except Exception as exc:
        logger.debug("%s: %s after %.3f s", what, type(exc).__name__, time.monotonic() - started)
        raise


def _read_sync(
    http: httpx.Client, request: httpx.Request, seconds: float | None, max_bytes: int
) -> httpx.Response:
    if seconds is None:
        return _read(http.send(request, stream=True), request, max_bytes, None)
    deadline = time.monotonic() + seconds
    watchdog = _Watchdog(deadline)
    request.extensions = {**request.extensions, "timeout": timeouts_within(_timeout_of(request), seconds)}
    request.extensions["trace"] = watchdog.trace
    response: httpx.Response | None = None
    try:
        response = http.send(request, stream=True)
        watchdog.watch(response.extensions.get("network_stream"))
        return _read(response, request, max_bytes, deadline)
    except httpx.TransportError:
        if not watchdog.fired:
            raise
        if response is None:
            raise httpx.ReadTimeout("no response before the request's deadline", request=request) from None
        raise DeadlineExceeded(request) from None
    finally:
        watchdog.cancel()


async def _read_async(
    http: httpx.AsyncClient, request: httpx.Request, seconds: float | None, max_bytes: int
) -> httpx.Response:
    if seconds is None:
        return await _aread(await http.send(request, stream=True), request, max_bytes)
    request.extensions = {**request.extensions, "timeout": timeouts_within(_timeout_of(request), seconds)}
    response: httpx.Response | None = None
    try:
        with anyio.fail_after(seconds):
            response = await http.send(request, stream=True)
            return await _aread(response, request, max_bytes)
    except TimeoutError:
        if response is None:
            raise httpx.ReadTimeout("no response before the request's deadline", request=request) from None
        raise DeadlineExceeded(request) from None


def _timeout_of(request: httpx.Request) -> httpx.Timeout:
    phases = request.extensions.get("timeout") or {}
    return httpx.Timeout(**{name: phases.get(name) for name in ("connect", "read", "write", "pool")})


def _read(
    response: httpx.Response, request: httpx.Request, max_bytes: int, deadline: float | None
) -> httpx.Response:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLargeError(max_bytes, response=response)
            chunks.append(chunk)
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded(request)
    finally:
        response.close()
    return _complete(response, request, chunks)


async def _aread(response: httpx.Response, request: httpx.Request, max_bytes: int) -> httpx.Response:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLargeError(max_bytes, response=response)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return _complete(response, request, chunks)


def _complete(response: httpx.Response, request: httpx.Request, chunks: list[bytes]) -> httpx.Response:
    """The answer with its decoded body in memory (so without the encoding headers it no longer has)."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=request,
        extensions={"http_version": response.extensions.get("http_version", b"HTTP/1.1")},
    )


class _Watchdog:
    """Shuts down the attempt's socket when its deadline passes, which ends a read blocked on it.

    The socket is learnt from httpcore's trace of a new connection, or from the response of a reused
    one (so a reused connection is watched from its headers on; before that, its cut read timeout holds).
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._done = False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            self.watch(info.get("return_value"))

    def watch(self, stream: Any) -> None:
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if self._timer is not None or self._done:
                return
            self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._fire, (sock,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, sock: socket.socket) -> None:
        with self._lock:
            if self._done:  # the attempt ended first: the connection may be back in the pool
                return
            self.fired = True
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()
