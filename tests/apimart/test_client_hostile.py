"""The client against a deliberately hostile server, over real loopback HTTP: whatever it sends, only
an `ApimartError` comes out, within the time and memory the client was given.

The server is a raw socket server in a thread (each connection in its own thread), answering by path:
a body of 200,000 nested `[`; headers then one byte a second; an endless body; a gzip bomb (1 MiB on
the wire, 1 GiB inflated). Every wait is bounded: a handler stops when the client goes away, or after
`_HANDLER_LIMIT` seconds.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from client_helpers import TASK_ID

import apimart

_HANDLER_LIMIT = 30.0
_NESTED = b"[" * 200_000


def _gzip_bomb(inflated_mib: int) -> bytes:
    """A valid gzip body of `inflated_mib` MiB of zeros, a thousandth of that on the wire: one MiB
    compressed once and repeated (a full flush makes every block decode on its own)."""
    block_source = bytes(1 << 20)
    head = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = head.compress(block_source) + head.flush(zlib.Z_FULL_FLUSH)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(block_source) + raw.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated_mib):
        crc = zlib.crc32(block_source, crc)
    size = (inflated_mib << 20) & 0xFFFFFFFF
    trailer = b"\x03\x00" + crc.to_bytes(4, "little") + size.to_bytes(4, "little")
    return first + block * (inflated_mib - 1) + trailer


class _Hostile(socketserver.BaseRequestHandler):
    bomb = b""

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(_HANDLER_LIMIT)
        head = b""
        while b"\r\n\r\n" not in head:
            data = sock.recv(65536)
            if not data:
                return
            head += data
        head, _, body = head.partition(b"\r\n\r\n")
        length = next(
            (int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")), 0
        )
        while len(body) < length:  # read the request's body, so that closing does not reset
            data = sock.recv(65536)
            if not data:
                return
            body += data
        path = head.split(b" ", 2)[1].decode()
        started = time.monotonic()
        try:
            if "nested" in path:
                self._send(sock, 200, _NESTED)
            elif "drip" in path:
                sock.sendall(self._head(200, 40))
                for _ in range(40):
                    if time.monotonic() - started > _HANDLER_LIMIT:
                        return
                    sock.sendall(b" ")
                    time.sleep(1)
            elif "endless" in path:
                sock.sendall(self._head(200, 1 << 30))
                chunk = b"0" * 65536
                while time.monotonic() - started < _HANDLER_LIMIT:
                    sock.sendall(chunk)
            elif "gzip" in path:
                self._send(sock, 200, self.bomb, b"Content-Encoding: gzip\r\n")
        except OSError:  # the client went away: what it should do
            return

    @staticmethod
    def _head(status: int, length: int, extra: bytes = b"") -> bytes:
        return (
            f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n".encode()
            + extra
            + b"\r\n"
        )

    def _send(self, sock: socket.socket, status: int, body: bytes, extra: bytes = b"") -> None:
        sock.sendall(self._head(status, len(body), extra) + body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    _Hostile.bomb = _gzip_bomb(1024)
    server = _Server(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _client(base: str, mode: str, **options: Any) -> apimart.Client:
    return apimart.Client(api_key="sk-test", base_url=f"{base}/{mode}", **options)


def test_a_deeply_nested_body_is_a_validation_error(hostile: str) -> None:
    with _client(hostile, "nested") as client:
        with pytest.raises(apimart.ResponseValidationError, match="nested too deeply"):
            client.get_task(TASK_ID)
        with pytest.raises(apimart.ResponseValidationError, match="nested too deeply"):
            client.imagine("a cat")


@pytest.mark.anyio
async def test_a_deeply_nested_body_async(hostile: str) -> None:
    async with apimart.AsyncClient(api_key="sk-test", base_url=hostile + "/nested") as client:
        with pytest.raises(apimart.ResponseValidationError):
            await client.get_task(TASK_ID)


def test_a_dripping_body_is_cut_at_the_deadline(hostile: str) -> None:
    with _client(hostile, "drip", timeout=3) as client:
        start = time.monotonic()
        with pytest.raises(apimart.APITimeoutError):
            client.get_task(TASK_ID)  # retries on: a response too slow to finish is not sent again
        assert time.monotonic() - start < 4.5


@pytest.mark.anyio
async def test_a_dripping_body_is_cut_at_the_deadline_async(hostile: str) -> None:
    async with apimart.AsyncClient(api_key="sk-test", base_url=hostile + "/drip", timeout=2) as client:
        start = time.monotonic()
        with pytest.raises(apimart.APITimeoutError):
            await client.get_task(TASK_ID)
        assert time.monotonic() - start < 3.5


def test_wait_for_task_overshoots_by_at_most_one_interval(hostile: str) -> None:
    with _client(hostile, "drip", timeout=10) as client:
        start = time.monotonic()
        with pytest.raises(apimart.APITimeoutError):
            client.wait_for_task(TASK_ID, timeout=2, interval=1)
        assert time.monotonic() - start < 2 + 1 + 1.0


def test_an_endless_body_stops_at_the_cap(hostile: str) -> None:
    with _client(hostile, "endless", timeout=20) as client:
        start = time.monotonic()
        with pytest.raises(apimart.ResponseTooLargeError) as raised:
            client.get_task(TASK_ID)
        assert raised.value.limit == apimart.DEFAULT_MAX_RESPONSE_BYTES and raised.value.body is None
        assert time.monotonic() - start < 10
    small = _client(hostile, "endless", max_response_bytes=100_000)
    with small, pytest.raises(apimart.ResponseTooLargeError, match="max_response_bytes=100000"):
        small.get_task(TASK_ID)


def test_a_gzip_bomb_stops_at_the_cap_without_inflating(hostile: str) -> None:
    tracemalloc.start()
    try:
        client = _client(hostile, "gzip", timeout=20)
        with client, pytest.raises(apimart.ResponseTooLargeError):
            client.get_task(TASK_ID)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024 * 1024  # a 1 GiB inflation held at the 4 MiB cap (plus one chunk's)


@pytest.mark.anyio
async def test_a_gzip_bomb_async(hostile: str) -> None:
    async with apimart.AsyncClient(api_key="sk-test", base_url=hostile + "/gzip") as client:
        with pytest.raises(apimart.ResponseTooLargeError):
            await client.get_task(TASK_ID)
