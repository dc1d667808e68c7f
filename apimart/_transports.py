"""In-process transports: the client talking to a WSGI app (the mock) with no socket, blocking or async.

`httpx.WSGITransport` is blocking only (an `httpx.AsyncClient` cannot use it: it has no
`handle_async_request`), and a connection the app drops escapes from it as a bare `ConnectionResetError`.
Both transports here call the app in the calling thread, read its whole answer, and turn a dropped
connection into the `httpx.RemoteProtocolError` a socket would have given, so the client's retry and
error rules apply unchanged. The async one never blocks on I/O: the app does none (it is called inline,
so it works under any event loop anyio supports, asyncio and trio alike).

```
app = apimart_mock.create_app()
transport = AsyncWSGITransport(app)
client = apimart.AsyncClient(api_key="sk-test", base_url="http://localhost", transport=transport)
```
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any

import httpx

__all__ = ["AsyncWSGITransport", "WSGITransport"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WSGITransport(httpx.BaseTransport):
    """Send each request to the WSGI `app` in this thread; `remote_addr` is the client address it sees."""

    def __init__(self, app: WSGIApp, *, remote_addr: str = "127.0.0.1") -> None:
        self.app = app
        self.remote_addr = remote_addr

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _call(self.app, request, request.read(), self.remote_addr)


class AsyncWSGITransport(httpx.AsyncBaseTransport):
    """The async twin of `WSGITransport`, for `httpx.AsyncClient` and `apimart.AsyncClient`."""

    def __init__(self, app: WSGIApp, *, remote_addr: str = "127.0.0.1") -> None:
        self.app = app
        self.remote_addr = remote_addr

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _call(self.app, request, await request.aread(), self.remote_addr)


def _call(app: WSGIApp, request: httpx.Request, body: bytes, remote_addr: str) -> httpx.Response:
    url = request.url
    environ: dict[str, Any] = {
        **_ENVIRON,
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "REQUEST_METHOD": request.method,
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query.decode("ascii"),
        "SERVER_NAME": url.host,
        "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
        "REMOTE_ADDR": remote_addr,
    }
    for raw_key, raw_value in request.headers.raw:
        key = _ENVIRON_KEYS.get(raw_key)
        if key is None:
            key = _environ_key(raw_key)
        environ[key] = raw_value.decode("latin-1")
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return _ignore

    try:
        result = app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except ConnectionResetError as exc:  # the mock's `drop` fault, in-process
        raise httpx.RemoteProtocolError(f"server disconnected: {exc}", request=request) from exc
    status, headers = started
    return httpx.Response(int(status[:3]), headers=headers, stream=httpx.ByteStream(content), request=request)


_ENVIRON = {
    "wsgi.version": (1, 0),
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "SCRIPT_NAME": "",
    "SERVER_PROTOCOL": "HTTP/1.1",
}
_ENVIRON_KEYS: dict[bytes, str] = {}
"""Header names seen so far and their WSGI keys (`Content-Type` -> `CONTENT_TYPE`, others `HTTP_...`)."""


def _environ_key(raw: bytes) -> str:
    key = raw.decode("latin-1").upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    if len(_ENVIRON_KEYS) < 256:
        _ENVIRON_KEYS[raw] = key
    return key


def _ignore(_data: bytes) -> None:
    """The `write` callable of `start_response`: nothing the mock writes goes through it."""
