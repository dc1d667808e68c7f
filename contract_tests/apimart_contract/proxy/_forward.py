"""The forwarding path: a WSGI app that sends each request on to the upstream unchanged (but for `Host`
and hop-by-hop headers) and streams the answer back as it comes, then hands a copy of the exchange on
(`handoff`: in `apimart-proxy`, a bounded queue to the judging process, which drops and counts what does
not fit, never the answer).

The proxy never makes a request of its own: every upstream request is one a client sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from ._cassette import Recorded

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
MAX_BODY = 64 << 20
_RECORDED_BODY = 8 << 20
"""An answer larger than this is streamed on but not handed off (nothing judges a download)."""


class Forwarder:
    """The proxy's WSGI app."""

    def __init__(
        self,
        upstream: str,
        handoff: Callable[[Recorded], None],
        report: Callable[[], dict[str, Any]],
        *,
        client: httpx.Client | None = None,
    ) -> None:
        self.upstream = httpx.URL(upstream)
        self.base = str(self.upstream).rstrip("/")
        self.handoff = handoff
        self.report = report
        # verify=True: TLS is checked as the client checks it (httpx's defaults); no retries, no redirects
        # followed: the client sees what the upstream said.
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(120.0, connect=10.0), follow_redirects=False
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO") == REPORT_PATH and method == "GET":
            return _json(start_response, 200, self.report())
        started = time.time()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return _json(
                start_response, 413, _error(413, f"request body over {MAX_BODY} bytes", "proxy_error")
            )
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (name, value) for name, value in _request_headers(environ) if name.lower() not in HOP_BY_HOP
        ]
        target = httpx.URL(self.base + (environ.get("RAW_URI") or environ.get("PATH_INFO") or "/"))
        request = self.client.build_request(method, target, headers=headers, content=body)
        try:
            answer = self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            message = f"apimart-proxy: upstream {self.upstream.host} unreachable ({type(error).__name__})"
            return _json(start_response, 502, _error(502, message, "upstream_error"))
        passed = [
            (k, v)
            for k, v in answer.headers.multi_items()
            if k.lower() not in HOP_BY_HOP - {"content-length"}
        ]
        start_response(f"{answer.status_code} {answer.reason_phrase}", passed)
        return self._stream(answer, started, method, str(target), headers, body)

    def _stream(
        self,
        answer: httpx.Response,
        started: float,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> Iterator[bytes]:
        chunks: list[bytes] = []
        size = 0
        complete = False
        try:
            for chunk in answer.iter_raw():
                size += len(chunk)
                if size <= _RECORDED_BODY:
                    chunks.append(chunk)
                yield chunk
            complete = True
        finally:
            answer.close()
            if complete and size <= _RECORDED_BODY:
                self.handoff(
                    Recorded(
                        started=started,
                        elapsed_ms=(time.time() - started) * 1000,
                        method=method,
                        url=url,
                        request_headers=headers,
                        request_body=body,
                        status=answer.status_code,
                        response_headers=list(answer.headers.multi_items()),
                        response_body=_decoded(answer, b"".join(chunks)),
                    )
                )


def _request_headers(environ: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            yield key[5:].replace("_", "-").title(), value
    if environ.get("CONTENT_TYPE"):
        yield "Content-Type", environ["CONTENT_TYPE"]


def _decoded(answer: httpx.Response, raw: bytes) -> bytes:
    try:
        return httpx.Response(answer.status_code, headers=answer.headers, content=raw).content
    except httpx.DecodingError:
        return raw


def _error(code: int, message: str, error_type: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": error_type}}


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    reason = {200: "OK", 413: "Payload Too Large", 502: "Bad Gateway"}[status]
    start_response(
        f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
