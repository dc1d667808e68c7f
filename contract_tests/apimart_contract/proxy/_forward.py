"""The forwarding path: an RSGI app that sends each request on to the upstream unchanged (but for `Host`
and hop-by-hop headers) and passes the answer back (a small one of known length in one piece, any other
streamed as it comes), then hands a copy of the exchange on
(`handoff`: in `apimart-proxy`, a bounded queue to the judging process, which drops and counts what does
not fit, never the answer).

The proxy never makes a request of its own: every upstream request is one a client sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
from granian._granian import RSGIProtocolClosed

from ._cassette import Recorded
from ._upstream import Answer, Upstream, UpstreamError

__all__ = ["HOP_BY_HOP", "REPORT_PATH", "Forwarder"]

REPORT_PATH = "/__proxy/report"
"""Served by the proxy itself (never forwarded): the violations so far, as JSON."""
HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    )
)
"""Request headers not forwarded (`Host` and `Content-Length` are set anew for the upstream); in answers,
the same less `content-length`, which is passed on."""
_PATH_SAFE = "/!$&'()*+,;=:@"
"""What a path keeps unencoded (RFC 3986 pchar): granian hands over the path percent-decoded, so it is
encoded again; a `%2F` within a segment, or an encoded character that needs no encoding, reaches the
upstream as its character."""
_NOT_PASSED = HOP_BY_HOP - {"content-length"}
MAX_BODY = 64 << 20
_ONE_PIECE = 256 << 10
"""An answer of known length up to this is read whole, then sent in one piece; larger ones stream."""
_RECORDED_BODY = 8 << 20
"""An answer larger than this is streamed on but not handed off (nothing judges a download)."""


class Forwarder:
    """The proxy's RSGI app (served by `_server.Listener`): requests are forwarded from the event loop,
    over a pool of upstream connections kept alive."""

    def __init__(
        self,
        upstream: str,
        handoff: Callable[[Recorded], None],
        report: Callable[[], dict[str, Any]],
    ) -> None:
        url = httpx.URL(upstream)
        self.upstream = Upstream(url)
        self.origin = str(url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        self.prefix = url.path.rstrip("/")
        self.handoff = handoff
        self.report = report

    async def __call__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # websockets: nothing here speaks them
            return
        method = scope.method
        if scope.path == REPORT_PATH and method == "GET":
            return _json(proto, 200, self.report())
        started = time.time()
        body = await _body(proto, scope.headers)
        if body is None:
            return _json(proto, 413, _error(413, f"request body over {MAX_BODY} bytes", "proxy_error"))
        headers = [(name, value) for name, value in scope.headers.items() if name not in HOP_BY_HOP]
        target = self.prefix + quote(scope.path, safe=_PATH_SAFE)
        if scope.query_string:
            target += "?" + scope.query_string
        try:
            answer = await self.upstream.send(method, target, headers, body)
        except UpstreamError as error:
            return _json(proto, 502, self._unreachable(error))
        try:
            answered = await self._pass_on(answer, proto)
        finally:
            answer.close()
        if answered is not None:
            self.handoff(
                Recorded(
                    started=started,
                    elapsed_ms=(time.time() - started) * 1000,
                    method=method,
                    url=self.origin + target,
                    request_headers=headers,
                    request_body=body,
                    status=answer.status,
                    response_headers=answer.headers,
                    response_body=_decoded(answer, answered),
                )
            )

    async def _pass_on(self, answer: Answer, proto: Any) -> bytes | None:
        """Send the answer on: in one piece when it is small and its length known, else streamed as it
        comes. Its body when it came whole and small enough to hand off, else None."""
        headers = [(k, v) for k, v in answer.headers if k not in _NOT_PASSED]
        length = answer.header("content-length") or ""
        if length.isdigit() and int(length) <= _ONE_PIECE:
            try:
                data = await answer.read()
            except UpstreamError as error:  # nothing sent yet: the client learns why
                _json(proto, 502, self._unreachable(error))
                return None
            proto.response_bytes(answer.status, headers, data)
            return data
        stream = proto.response_stream(answer.status, headers)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in answer.chunks():
                size += len(chunk)
                if size <= _RECORDED_BODY:
                    chunks.append(chunk)
                await stream.send_bytes(chunk)
        except (UpstreamError, RSGIProtocolClosed):  # the upstream broke off, or the client left
            return None
        return b"".join(chunks) if size <= _RECORDED_BODY else None

    async def aclose(self) -> None:
        """Close the upstream connections (when serving ends)."""
        self.upstream.close()

    def _unreachable(self, error: UpstreamError) -> dict[str, Any]:
        message = f"apimart-proxy: upstream {self.upstream.host} unreachable ({error})"
        return _error(502, message, "upstream_error")


async def _body(proto: Any, headers: Any) -> bytes | None:
    """The request's body; None when it is over `MAX_BODY` (then not read further)."""
    length = headers.get("content-length")
    if length is not None and int(length) > MAX_BODY:
        return None
    if not length and "chunked" not in (headers.get("transfer-encoding") or ""):
        return b""
    chunks: list[bytes] = []
    size = 0
    async for chunk in proto:
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _decoded(answer: Answer, raw: bytes) -> bytes:
    """The body as sent, without its content encoding (gzip, say), as the checks read it."""
    if answer.header("content-encoding") is None:
        return raw
    try:
        return httpx.Response(answer.status, headers=answer.headers, content=raw).content
    except httpx.DecodingError:
        return raw


def _error(code: int, message: str, error_type: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": error_type}}


def _json(proto: Any, status: int, body: dict[str, Any]) -> None:
    proto.response_bytes(status, [("content-type", "application/json")], json.dumps(body).encode())
