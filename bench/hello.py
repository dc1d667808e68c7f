"""The ceilings: the smallest apps that answer the bench's requests, served like the mock.

`app` is a raw WSGI callable and `rsgi_app` the same for granian's RSGI interface (what the mock is
served through): no state, no work, no framework, so the faster of their req/s is what Python can
serve on this machine at all (the ceiling). `flask_app` is the same in Flask, so the report can tell
how much of the gap to the ceiling is the framework's and how much is the mock's own work.

Like Prism, both answer the status a request asks for in its `Prefer: code=NNN` header (the header
Prism honours), so one request list with one set of expected statuses fits every server and every
response is checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse

from flask import Flask, Response, request

__all__ = ["app", "flask_app", "rsgi_app"]

_BODIES = {
    200: b'{"code":200,"data":{"id":"task_01KV52C0TEJSYZMCG0NCS4YWKK","status":"completed"}}',
    403: b'{"error":{"code":403,"message":"forbidden","type":"permission_error"}}',
    404: b'{"error":{"code":404,"message":"not found","type":"not_found_error"}}',
}
_REASONS = {200: "200 OK", 403: "403 Forbidden", 404: "404 Not Found"}


def _code(prefer: str) -> int:
    return int(prefer[5:]) if prefer.startswith("code=") and prefer[5:] in ("403", "404") else 200


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    code = _code(environ.get("HTTP_PREFER", ""))
    body = _BODIES[code]
    start_response(_REASONS[code], [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


async def rsgi_app(scope: Any, proto: Any) -> None:
    code = _code(scope.headers.get("prefer", ""))
    proto.response_bytes(code, [("Content-Type", "application/json")], _BODIES[code])


flask_app = Flask("bench_hello")


@flask_app.get("/v1/<path:rest>")
def _hello(rest: str) -> Response:
    code = _code(request.headers.get("Prefer", ""))
    return Response(_BODIES[code], status=code, mimetype="application/json")
