"""What happens around every view: clock, auth, rate limit, faults, the journal and the worker header.

Before the view: read the settings row once (clock and which optional checks are on), authenticate
API requests, count them against the rate limit and draw an injected fault. After it: apply a fault
that alters the body, journal the request and name the worker process. A dropped connection is done
below Flask, by `DropConnection`, since it must not produce any response at all.
"""

from __future__ import annotations

import hmac
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, g, request

from apimart_mj import OPERATIONS

from ..config import Limits
from ..domain.accounts import authenticate
from ..domain.errors import BadGateway, Forbidden, RateLimited, ServerError, Unauthenticated
from ..domain.journal import RESPONSE_EXCERPT_BYTES
from ..faults import Fault, FaultKind, drifted
from ..store import JournalEntry
from .context import mock
from .validation import BODY_KEY

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DROP_KEY",
    "WORKER_HEADER",
    "DropConnection",
    "init_app",
    "journal_entry",
]

API_PREFIX = "/v1/"
API_PATHS = frozenset(
    route.path for op in OPERATIONS for route in op.routes if not route.path.startswith(API_PREFIX)
)
"""The API's paths outside `/v1/` (the legacy balance paths)."""
CONTROL_PREFIX = "/__mock/"
DASHBOARD_PATH = CONTROL_PREFIX
HEALTH_PATH = "/healthz"
"""Not journaled either: a load balancer's health checks (docs/scaling.md) are no one's API request."""
DROP_KEY = "apimart_mock.drop"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
WORKER_HEADER = "X-Mock-Worker"
_JOURNALED_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_MOCK_SCENARIO": "X-Mock-Scenario",
    "HTTP_X_MOCK_FAIL_REASON": "X-Mock-Fail-Reason",
    "HTTP_IDEMPOTENCY_KEY": "Idempotency-Key",
}
"""The request headers the journal keeps (besides Authorization, kept redacted), each cut at 256."""
_HEADER_CHARS = 256


def init_app(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.wsgi_app = DropConnection(app.wsgi_app)  # type: ignore[method-assign]


def _before() -> None:
    state = mock()
    settings = state.service.settings()
    g.now = settings.clock.now(state.real_time())
    g.account = None
    g.fault = None
    path = request.path
    if path.startswith(CONTROL_PREFIX):
        _guard_control()
        return
    if not (path.startswith(API_PREFIX) or path in API_PATHS):
        return
    g.account = authenticate(request.headers.get("Authorization"), state.config.api_keys)
    if settings.rate_limit is not None and state.service.over_rate_limit(
        g.account, g.now, settings.rate_limit
    ):
        raise RateLimited("Too many requests, please try again later", retry_after=1)
    if settings.faults_active:
        fault = state.service.draw_fault(path, g.account)
        if fault is not None:
            _inject(fault)


def _guard_control() -> None:
    config = mock().config
    if not config.control_from_anywhere and request.remote_addr not in _LOOPBACK:
        raise Forbidden("The control API answers loopback clients only")
    if request.path == DASHBOARD_PATH:  # static HTML holding no state: it asks for the token itself
        return
    if config.admin_token is not None and not hmac.compare_digest(
        request.headers.get("X-Mock-Admin-Token", "").encode(), config.admin_token.encode()
    ):
        raise Unauthenticated("X-Mock-Admin-Token is missing or wrong")


def _inject(fault: Fault) -> None:
    g.fault = fault
    match fault.kind:
        case FaultKind.LATENCY:
            time.sleep(fault.latency_ms / 1000)
        case FaultKind.SERVER_ERROR:
            raise ServerError("Internal server error, please try again later")
        case FaultKind.BAD_GATEWAY:
            raise BadGateway("Service rejected")
        case FaultKind.RATE_LIMIT:
            raise RateLimited("Too many requests, please try again later", fault.retry_after)
        case FaultKind.DROP:
            request.environ[DROP_KEY] = True


def _after(response: Response) -> Response:
    fault: Fault | None = g.get("fault")
    if fault is not None and fault.kind is FaultKind.TRUNCATE:
        data = response.get_data()
        response.set_data(data[: len(data) // 2])
    elif (
        fault is not None
        and fault.kind is FaultKind.DRIFT
        and response.is_json
        and response.status_code < 300
    ):
        response.set_data(json.dumps(drifted(json.loads(response.get_data()), fault.drift)))
    worker = os.getpid()
    if not request.path.startswith(CONTROL_PREFIX) and request.path != HEALTH_PATH and "now" in g:
        status = 0 if request.environ.get(DROP_KEY) else response.status_code
        state = mock()
        answer = _textual(response) if status else b""
        entry = journal_entry(request.environ, g.now, g.get("account"), status, state.config.limits, answer)
        state.service.record(entry)
    response.headers[WORKER_HEADER] = str(worker)
    return response


def _textual(response: Response) -> bytes:
    """The body of a JSON or text response (what the journal keeps an excerpt of); b"" for images,
    video and files sent as they are read."""
    if response.direct_passthrough or response.is_streamed:
        return b""
    if not (response.is_json or (response.mimetype or "").startswith("text/")):
        return b""
    return response.get_data()


def journal_entry(
    environ: dict[str, Any],
    now: float,
    account: str | None,
    status: int,
    limits: Limits,
    response: bytes = b"",
) -> JournalEntry:
    """The journal entry of one request, from its WSGI environ: the chosen headers (the bearer token
    replaced by `[redacted]`: the entry names the account by its id), the body's first bytes, and the
    first bytes of the `response` body."""
    headers = {
        name: environ[key][:_HEADER_CHARS] for key, name in _JOURNALED_HEADERS.items() if environ.get(key)
    }
    if environ.get("HTTP_AUTHORIZATION"):
        headers["Authorization"] = "[redacted]"
    body: bytes = environ.get(BODY_KEY, b"")
    length = str(environ.get("CONTENT_LENGTH") or "")
    return JournalEntry(
        now,
        environ["REQUEST_METHOD"],
        environ.get("PATH_INFO", ""),
        account,
        status,
        os.getpid(),
        query=environ.get("QUERY_STRING", "")[:_HEADER_CHARS],
        headers=headers,
        body=body[: limits.journal_body_bytes].decode(errors="replace"),
        body_bytes=len(body) or (int(length) if length.isdigit() else 0),
        response=response[:RESPONSE_EXCERPT_BYTES].decode(errors="replace"),
        response_bytes=len(response),
    )


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DropConnection:
    """WSGI middleware that closes the client's connection without a response when a fault says so.

    The response promises a body (`Content-Length`) whose first chunk raises `ConnectionResetError`:
    granian then closes the connection before writing anything, so the client sees the server
    disconnect without a response; in-process the caller gets the `ConnectionResetError` itself.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = self.app(environ, start_response)
        if not environ.get(DROP_KEY):
            return body
        close = getattr(body, "close", None)
        if close is not None:
            close()
        error = ConnectionResetError("connection dropped by an injected fault")
        # Replaces the status Flask set: a second call is allowed with exc_info, before anything is sent.
        start_response("200 OK", [("Content-Length", "1")], (type(error), error, None))
        return _dropped(error)


def _dropped(error: ConnectionResetError) -> Iterator[bytes]:
    raise error
    yield b""  # a generator: raises when the server reads the body, after the status line is held
