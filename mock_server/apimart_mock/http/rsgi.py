"""The mock under granian's RSGI interface: request bodies are read on the event loop, within a deadline.

Under WSGI the app's own thread reads the body, blocking and beyond interruption: a client that trickles
its body, or stops sending it, holds that thread until it disconnects. `RsgiApp` reads the body first,
on the worker's event loop, where a waiting client costs nothing but a coroutine: at most
`body_timeout` seconds (then 408 in the API's error envelope, and the connection closes) and at most
one byte more than `max_body_bytes` (Flask then answers 413, as before). Then it answers:

- a poll the fast path can answer (`FastTaskGets.answer`: a store read, no lock) right on the loop,
  with no thread hand-off. The polls that arrive in one turn of the loop are answered together at its
  end: read together (over the Redis store one round trip for all of them, journal included, when the
  worker polled their tasks before; the loop waits for it: cheap on loopback, felt with a distant
  Redis), the journal entries the store left appended together, and only then their answers sent: a
  request's journal entry is written before its answer leaves, with one write per file for them all
  (each system call on the loop hands the GIL to granian's thread, which wants it for every request);
- everything else by the unchanged Flask app, on a complete in-memory body, in a bounded thread pool
  (`threads`), since a route may wait on the store's write lock or an injected latency; with a `share`,
  in its account's turn (`fairness.AccountShare`: 429 when too many of its requests wait already;
  every request with a token tells the share its account is active).

`in_flight` tells the worker's `connections.ConnectionGuard` which connections have a request being
answered, so that it never closes those as idle.

The WSGI environ is built as granian's WSGI interface builds it, so the app cannot tell the two apart;
a `drop` fault still closes the connection without a status line (`connections.shut_client`).
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from flask import Flask

from ..domain.journal import JournalEntry
from .connections import address, shut_client
from .fairness import AccountShare, cpu_timed
from .fast import Answer, FastTaskGets
from .pipeline import DROP_KEY
from .views import error_body

__all__ = ["RsgiApp"]

_BASE_ENVIRON = {
    "GATEWAY_INTERFACE": "CGI/1.1",
    "SCRIPT_NAME": "",
    "SERVER_SOFTWARE": "Granian",
    "wsgi.errors": sys.stderr,
    "wsgi.input_terminated": True,
    "wsgi.multiprocess": False,
    "wsgi.multithread": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}
_CLOSE = [("Content-Type", "application/json"), ("Connection", "close")]
_RETRY = [("Content-Type", "application/json"), ("Retry-After", "1")]
_OWN_KEYS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


class _Headers(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def items(self) -> list[tuple[str, str]]: ...


class _Scope(Protocol):
    """What this module reads of granian's `RSGIScope`."""

    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> _Headers: ...


class _Protocol(Protocol):
    """What this module uses of granian's `RSGIHTTPProtocol`."""

    def __aiter__(self) -> Any: ...
    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...
    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None: ...


class RsgiApp:
    """The Flask mock app (with its `FastTaskGets` in front) as an RSGI application."""

    def __init__(
        self,
        app: Flask,
        *,
        threads: int,
        body_timeout: float,
        max_body_bytes: int,
        share: AccountShare | None = None,
    ) -> None:
        fast = app.wsgi_app
        assert isinstance(fast, FastTaskGets)
        self.app = app
        self.fast = fast
        self.body_timeout = body_timeout
        self.max_body_bytes = max_body_bytes
        self.share = share
        self.in_flight: Counter[str] = Counter()
        """The `scope.client` of every request being answered (what `ConnectionGuard` must not shut),
        counted: an HTTP/2 connection carries several at once."""
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="apimart-mock")
        self._turn: list[tuple[_Protocol, dict[str, Any], asyncio.Future[bool]]] = []
        """This turn's requests without a body: each a poll the turn's end may answer (`_answer_turn`)."""

    async def __call__(self, scope: _Scope, proto: _Protocol) -> None:
        if getattr(scope, "proto", "http") != "http":  # websockets: nothing here speaks them
            return
        client = scope.client
        self.in_flight[client] += 1
        try:
            await self._answer(scope, proto)
        finally:
            self.in_flight[client] -= 1
            if not self.in_flight[client]:
                del self.in_flight[client]

    async def _answer(self, scope: _Scope, proto: _Protocol) -> None:
        body = b""
        if _has_body(scope.headers):
            try:
                async with asyncio.timeout(self.body_timeout):
                    body = await self._read(proto)
            except TimeoutError:
                message = f"the request body did not arrive within {self.body_timeout:g} s"
                _refuse(proto, 408, "request_timeout", message)
                return
            except Exception:  # granian's own error: the body broke off or was malformed
                _refuse(proto, 400, "invalid_request_error", "the request body could not be read")
                return
        if self.share is not None and (account := scope.headers.get("authorization")):
            self.share.seen(account)
        environ = _environ(scope, body)
        if not body and await self._polled(proto, environ):
            return
        answer = await self._in_turn(environ, scope.headers.get("authorization"))
        if environ.get(DROP_KEY):
            port = int(address(scope.server)[1])
            await asyncio.get_running_loop().run_in_executor(self._pool, shut_client, scope.client, port)
            proto.response_empty(200, [])  # to a socket already shut: nothing reaches the client
            return
        status, headers, data = answer
        proto.response_bytes(status, headers, data)

    def _polled(self, proto: _Protocol, environ: dict[str, Any]) -> asyncio.Future[bool]:
        """True once the fast path answered this request at the end of this turn of the loop, with the
        others of the turn (`_answer_turn`); False when it is not a poll the fast path answers."""
        loop = asyncio.get_running_loop()
        if not self._turn:
            loop.call_soon(self._answer_turn)
        answered = loop.create_future()
        self._turn.append((proto, environ, answered))
        return answered

    def _answer_turn(self) -> None:
        """Answer this turn's polls at once: read together, their journal entries the store left appended
        at once, then their answers sent."""
        turn, self._turn = self._turn, []
        entries: list[JournalEntry] = []
        try:
            answers = self.fast.answer([environ for _, environ, _ in turn], entries.append)
            self.fast.state.service.record(*entries)
        except Exception as error:  # not answered, or not journaled: no answer goes out (each request fails)
            for _, _, answered in turn:
                if not answered.done():
                    answered.set_exception(error)
            return
        for (proto, _, answered), answer in zip(turn, answers, strict=True):
            if answered.done():  # its request was cancelled
                continue
            if answer is not None:
                proto.response_bytes(*answer)
            answered.set_result(answer is not None)

    async def _in_turn(self, environ: dict[str, Any], account: str | None) -> Answer:
        """The Flask app's answer, from the thread pool, in the turn of the account (the Authorization
        header) when there is a share: 429 when too many of its requests wait already."""
        loop = asyncio.get_running_loop()
        if self.share is None or not account:
            return await loop.run_in_executor(self._pool, self._call, environ)
        if not await self.share.enter(account):
            message = "too many requests of this account at once, please retry"
            return 429, _RETRY, _error(429, "rate_limit_error", message)
        cost = 0.0
        try:
            answer, cost = await loop.run_in_executor(self._pool, cpu_timed, self._call, environ)
            return answer
        finally:
            self.share.leave(account, cost)

    async def _read(self, proto: _Protocol) -> bytes:
        """The body, or its first `max_body_bytes + 1` bytes (Flask answers 413 to those)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in proto:
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes:
                break
        return b"".join(chunks)

    def _call(self, environ: dict[str, Any]) -> Answer:
        """Run the WSGI app to the end of its body (in a pool thread)."""
        started: list[Any] = []
        written: list[bytes] = []  # what the app gave the legacy write() callable, if anything

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [int(status.split(" ", 1)[0]), headers]
            return written.append

        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            data = b"".join([*written, *result])
        except ConnectionResetError:  # a drop fault's body (pipeline.DropConnection)
            data = b""
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0], started[1], data


def _refuse(proto: _Protocol, status: int, error_type: str, message: str) -> None:
    """Answer in the API's error envelope without running the app, and close the connection."""
    proto.response_bytes(status, _CLOSE, _error(status, error_type, message))


def _error(status: int, error_type: str, message: str) -> bytes:
    return json.dumps(error_body(status, error_type, message)).encode()


def _has_body(headers: _Headers) -> bool:
    length = headers.get("content-length")
    return bool(length and length.strip() != "0") or "chunked" in (headers.get("transfer-encoding") or "")


def _environ(scope: _Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ granian's WSGI interface would have built for this request."""
    server, server_port = address(scope.server)
    client, client_port = address(scope.client)
    path = scope.path
    environ = {
        **_BASE_ENVIRON,
        "REQUEST_METHOD": scope.method,
        "PATH_INFO": path if path.isascii() else path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server,
        "SERVER_PORT": server_port,
        "REMOTE_ADDR": client,
        "REMOTE_PORT": client_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in scope.headers.items():
        key = _OWN_KEYS.get(name) or "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
