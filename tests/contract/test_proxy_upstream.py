"""The proxy's upstream connections over real loopback TCP, against a server that answers each path with
bytes written by hand: the shapes of HTTP/1.1 answers (a stated length, chunks, to the close, HEAD,
100 Continue, a large body), connections kept or dropped, and an upstream that breaks off or is not HTTP."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart_contract.proxy import _upstream
from apimart_contract.proxy._upstream import Upstream, UpstreamError

_LARGE = bytes(range(256)) * (3 << 12)  # 3 MiB: more than the upstream is read ahead of the client

ANSWERS: dict[str, bytes] = {
    "/length": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
    "/close": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nby",
    "/large": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(_LARGE) + _LARGE,
    "/head-with-body": b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody",
}
"""Answers sent whole, the connection then kept for the next request."""
CONTINUED = b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
"""`/continue`: an interim answer, then (a moment later, so it arrives on its own) the answer."""
ENDING: dict[str, bytes] = {
    "/to-the-close": b"HTTP/1.1 200 OK\r\n\r\nall of it",
    "/cut": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b",
    "/not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
    "/twice": ANSWERS["/length"] + b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops",
}
"""Answers after which the server closes the connection."""


class Scripted:
    """A server answering `ANSWERS` and `ENDING` by the request's path, counting its connections and
    the requests it read (their heads, as sent)."""

    def __init__(self) -> None:
        self.connections = 0
        self.heads: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.heads.append(head)
                path = head.split(b" ")[1].decode().partition("?")[0]
                if path == "/silent":
                    await asyncio.sleep(5)
                    return
                if path == "/continue":
                    writer.write(CONTINUED[0])
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    writer.write(CONTINUED[1])
                    continue
                writer.write(ANSWERS.get(path) or ENDING[path])
                await writer.drain()
                if path in ENDING:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def scripted(tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[Scripted, Upstream]]:
    """The server, and an upstream pool to it (over TLS to `localhost` when `tls` is the server's)."""
    script = Scripted()
    server = await asyncio.start_server(script.handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    upstream = Upstream(httpx.URL(f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"))
    try:
        yield script, upstream
    finally:
        upstream.close()
        server.close()


async def _get(upstream: Upstream, path: str, method: str = "GET") -> tuple[int, bytes]:
    answer = await upstream.send(method, path, [("accept", "*/*")], b"")
    try:
        return answer.status, await answer.read()
    finally:
        answer.close()


def run(test: Callable[[Scripted, Upstream], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with scripted() as (script, upstream):
            async with asyncio.timeout(30):
                return await test(script, upstream)

    return asyncio.run(main())


def test_each_shape_of_answer_reads_whole_on_one_kept_connection() -> None:
    async def test(script: Scripted, upstream: Upstream) -> None:
        assert await _get(upstream, "/length") == (200, b"hello")
        assert await _get(upstream, "/chunked") == (200, b"abcde")
        assert await _get(upstream, "/continue") == (201, b"ok")
        assert await _get(upstream, "/head", "HEAD") == (200, b"")
        assert await _get(upstream, "/large") == (200, _LARGE)
        assert await _get(upstream, "/length") == (200, b"hello")
        assert script.connections == 1

    run(test)


def test_the_request_is_sent_as_given_with_its_host() -> None:
    async def test(script: Scripted, upstream: Upstream) -> None:
        answer = await upstream.send("POST", "/length?a=1", [("content-type", "application/json")], b"{}")
        answer.close()
        head = script.heads[0].decode()
        assert head.startswith("POST /length?a=1 HTTP/1.1\r\n")
        assert f"host: {upstream.authority}\r\n" in head
        assert "content-type: application/json\r\n" in head and "content-length: 2\r\n" in head

    run(test)


def test_a_connection_the_upstream_closes_is_not_reused() -> None:
    async def test(script: Scripted, upstream: Upstream) -> None:
        assert await _get(upstream, "/close") == (200, b"by")
        assert await _get(upstream, "/to-the-close") == (200, b"all of it")
        assert await _get(upstream, "/length") == (200, b"hello")
        assert script.connections == 3

    run(test)


def test_what_an_upstream_sends_out_of_turn_is_no_part_of_the_answer() -> None:
    """A second answer to one request: the answer is the first, the connection dropped. A body sent
    with an answer to HEAD: not passed on, and the next answer on that connection is its own."""

    async def test(script: Scripted, upstream: Upstream) -> None:
        assert await _get(upstream, "/twice") == (200, b"hello")
        assert await _get(upstream, "/head-with-body", "HEAD") == (200, b"")
        assert await _get(upstream, "/length") == (200, b"hello")
        assert script.connections == 2

    run(test)


@pytest.mark.parametrize(("path", "reason"), [("/cut", "RemoteProtocolError"), ("/not-http", "HttpParser")])
def test_an_upstream_that_breaks_off_or_is_not_http_is_an_upstream_error(path: str, reason: str) -> None:
    """An upstream error naming why (the 502's message says it): the connection lost mid-answer, or what
    the parser could not read."""

    async def test(script: Scripted, upstream: Upstream) -> None:
        with pytest.raises(UpstreamError, match=reason):
            await _get(upstream, path)
        assert await _get(upstream, "/length") == (200, b"hello")  # the next request: a new connection

    run(test)


def test_a_header_that_would_split_the_request_is_never_sent() -> None:
    async def test(script: Scripted, upstream: Upstream) -> None:
        with pytest.raises(UpstreamError):
            await upstream.send("GET", "/length", [("x-note", "a\r\nx-injected: 1")], b"")
        assert script.heads == []

    run(test)


def test_a_silent_upstream_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_upstream, "READ_TIMEOUT_S", 0.2)

    async def test(script: Scripted, upstream: Upstream) -> None:
        with pytest.raises(UpstreamError, match="ReadTimeout"):
            await _get(upstream, "/silent")

    run(test)


def test_tls_is_verified_as_an_httpx_client_verifies_it(
    tls_certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate nobody trusts is refused (the client learns of it as a 502); one trusted through
    `SSL_CERT_FILE`, as httpx honours it, carries the exchange."""
    certificate, key = tls_certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(certificate, key)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    async def untrusted() -> None:
        async with scripted(server_side) as (script, upstream):
            with pytest.raises(UpstreamError, match="SSLCertVerificationError"):
                await _get(upstream, "/length")
            assert script.heads == []

    async def trusted() -> None:
        async with scripted(server_side) as (script, upstream):
            assert await _get(upstream, "/length") == (200, b"hello")
            assert await _get(upstream, "/chunked") == (200, b"abcde")
            assert script.connections == 1

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    asyncio.run(untrusted())
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    asyncio.run(trusted())
