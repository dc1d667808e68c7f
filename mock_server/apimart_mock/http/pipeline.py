"""What happens around every view: clock, auth, rate limit, faults, the journal and the worker header.

Before the view: authenticate API requests and find their scope (`X-Mock-Scope`, else the account's
own), or guard a control call (the global scope's need the admin token when one is set; a scope's,
its owner's key); read the scope's settings once (clock and which optional checks are on), count API
requests against the rate limits and draw an injected fault. After it: apply a fault
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

from ..backend.service import MockService
from ..config import Limits
from ..domain.accounts import authenticate
from ..domain.errors import BadGateway, Forbidden, RateLimited, ServerError, Unauthenticated
from ..domain.faults import Fault, FaultKind, drifted
from ..domain.journal import RESPONSE_EXCERPT_BYTES
from ..domain.scopes import GLOBAL
from ..store import JournalEntry, Settings
from .context import mock
from .validation import BODY_KEY

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DROP_KEY",
    "POLLS",
    "SCOPE_HEADER",
    "WORKER_HEADER",
    "DropConnection",
    "altered",
    "guard",
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
SCOPE_HEADER = "X-Mock-Scope"
POLLS = "polls"
"""The blueprint of the two task GETs: each answers its poll whole (`http/polls.py`), the pipeline's
part included, so the pipeline leaves it alone."""
_JOURNALED_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_MOCK_SCENARIO": "X-Mock-Scenario",
    "HTTP_X_MOCK_FAIL_REASON": "X-Mock-Fail-Reason",
    "HTTP_IDEMPOTENCY_KEY": "Idempotency-Key",
    "HTTP_X_MOCK_SCOPE": SCOPE_HEADER,
}
"""The request headers the journal keeps (besides Authorization, kept redacted), each cut at 256."""
_HEADER_CHARS = 256


def init_app(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.wsgi_app = DropConnection(app.wsgi_app)  # type: ignore[method-assign]


def _before() -> None:
    state = mock()
    g.account = None
    g.scope = GLOBAL
    g.fault = None
    if request.blueprint == POLLS:  # a poll answers itself, whole (http/polls.py)
        return
    path = request.path
    api = path.startswith(API_PREFIX) or path in API_PATHS
    try:
        if path.startswith(CONTROL_PREFIX):
            _guard_control()
        elif api:
            g.account = authenticate(request.headers.get("Authorization"), state.config.api_keys)
            g.scope = state.service.scope(g.account, request.headers.get(SCOPE_HEADER))
    finally:  # a refused request is journaled too: at its scope's time, or the global time
        settings = state.service.store.settings(g.scope)
        g.now = settings.now(state.real_time())
        g.generation = settings.scope.journal
    if api:
        g.fault = guard(state.service, settings, (g.scope, g.account, g.now), request.environ)


def guard(
    service: MockService, settings: Settings, caller: tuple[str, str, float], environ: dict[str, Any]
) -> Fault | None:
    """What an API request meets before its view, when the settings switch it on: its count against
    the rate limits (429 past one), then an injected fault: its error, its latency, or a dropped
    connection (`DROP_KEY`). `caller` is the request's scope, account and clock time. Returns the fault
    drawn, whose change to the body (`altered`) comes after the view."""
    if not settings.checked:
        return None
    scope, account, now = caller
    if service.over_rate_limit(settings, scope, account, now):
        raise RateLimited("Too many requests, please try again later", retry_after=1)
    if not (settings.faults_active or settings.scope.faults_active):
        return None
    fault = service.draw_fault(scope, environ.get("PATH_INFO", ""), account)
    if fault is not None:
        _inject(fault, environ)
    return fault


def _inject(fault: Fault, environ: dict[str, Any]) -> None:
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
            environ[DROP_KEY] = True


def altered(fault: Fault | None, data: bytes, status: int, is_json: bool) -> bytes | None:
    """The body a fault makes of `data` (truncated, or a JSON success drifted); None: unchanged."""
    if fault is not None and fault.kind is FaultKind.TRUNCATE:
        return data[: len(data) // 2]
    if fault is not None and fault.kind is FaultKind.DRIFT and is_json and status < 300:
        return json.dumps(drifted(json.loads(data), fault.drift)).encode()
    return None


def _guard_control() -> None:
    """Loopback only (unless allowed otherwise). Without a key and a scope, the call is the global
    scope's (the mock owner's): the admin token is needed when one is set. With a key (`Authorization`)
    and optionally `X-Mock-Scope`, it acts on that scope, which must be the key's."""
    state = mock()
    config = state.config
    if not config.control_from_anywhere and request.remote_addr not in _LOOPBACK:
        raise Forbidden("The control API answers loopback clients only")
    if request.path == DASHBOARD_PATH:  # static HTML holding no state: it asks for the token itself
        return
    name = request.headers.get(SCOPE_HEADER)
    authorization = request.headers.get("Authorization")
    if name is not None or authorization is not None:
        g.account = authenticate(authorization, config.api_keys)
        g.scope = state.service.controlled_scope(g.account, name)
        return
    if config.admin_token is not None and not hmac.compare_digest(
        request.headers.get("X-Mock-Admin-Token", "").encode(), config.admin_token.encode()
    ):
        raise Unauthenticated("X-Mock-Admin-Token is missing or wrong")


def _after(response: Response) -> Response:
    fault: Fault | None = g.get("fault")
    if fault is not None:
        data = altered(fault, response.get_data(), response.status_code, response.is_json)
        if data is not None:
            response.set_data(data)
    worker = os.getpid()
    if not request.path.startswith(CONTROL_PREFIX) and request.path != HEALTH_PATH and "now" in g:
        status = 0 if request.environ.get(DROP_KEY) else response.status_code
        state = mock()
        scope = (g.scope or None, g.generation)
        answer = _textual(response) if status else b""
        entry = journal_entry(
            request.environ, g.now, g.get("account"), scope, status, state.config.limits, answer
        )
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
    scope: tuple[str | None, int],
    status: int,
    limits: Limits,
    response: bytes = b"",
) -> JournalEntry:
    """The journal entry of one request, from its WSGI environ: the chosen headers (the bearer token
    replaced by `[redacted]`: the entry names the account by its id), the body's first bytes, and the
    first bytes of the `response` body; `scope` is the request's scope (None: no API request) and its
    journal generation."""
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
        scope=scope[0],
        generation=scope[1],
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
