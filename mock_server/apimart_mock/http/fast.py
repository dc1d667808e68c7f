"""The two task GETs without Flask: the path every poller hits, answered by one WSGI function.

Under load, Flask's own per-request work (request context, routing, hooks, Response objects) costs
more than the mock's (measured: a Flask hello-world serves ~55% of what a bare WSGI app does under
the same server settings). `GET /v1/tasks/{id}` and `GET /v1/midjourney/{id}` are answered here
with the same domain code, store, views, error envelope, journal entry and `X-Mock-Worker` header as
the Flask route; every other request, and every case the fast path does not cover exactly (a query
string, an id the spec forbids, a `Host` not allowed, HEAD, faults or a rate limit switched on, an
unexpected error), goes on to Flask unchanged, so behaviour stays defined in one place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from ..config import ViewShape
from ..domain.accounts import authenticate
from ..domain.errors import MockError
from ..domain.scopes import scope_named
from ..domain.task import Task, TaskState
from .browsers import allowed_hosts, host_allowed
from .context import EXTENSION, MockState, media_base
from .pipeline import SCOPE_HEADER, WORKER_HEADER, journal_entry
from .validation import TASK_ID
from .views import error_body, midjourney_view, unified_view

__all__ = ["Answer", "FastTaskGets"]

Answer = tuple[int, list[tuple[str, str]], bytes]
"""A whole response: status code, headers, body."""

_ROUTES = {"/v1/tasks/": "unified", "/v1/midjourney/": "mj"}
_HOST_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_HOST_CACHE_SIZE = 64
_SCOPE_KEY = "HTTP_" + SCOPE_HEADER.upper().replace("-", "_")


RENDERED = 1024
"""How many rendered bodies each process keeps. A view is a pure function of the task, its state at
that moment, the media base URL and the view shape, so a poll of a finished task (or of one between two
progress steps) is answered with the bytes rendered for the poll before."""


@lru_cache(maxsize=RENDERED)
def _rendered(view: str, task: Task, at: TaskState, media: str, shape: ViewShape) -> bytes:
    body = unified_view(task, at, media) if view == "unified" else midjourney_view(task, at, media, shape)
    return json.dumps(body).encode()


class FastTaskGets:
    """WSGI middleware in front of the Flask app (installed as `app.wsgi_app`)."""

    def __init__(self, app: Flask, flask_wsgi: WSGIApplication) -> None:
        self.app = app
        self.flask_wsgi = flask_wsgi
        self.state: MockState = app.extensions[EXTENSION]
        self._hosts: dict[tuple[Any, ...], str] = {}
        self._allowed_hosts = allowed_hosts(self.state.config)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ)
        if answer is None:
            return self.flask_wsgi(environ, start_response)
        status, headers, data = answer
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)  # Werkzeug's status line
        return [data]

    def answer(self, environ: dict[str, Any]) -> Answer | None:
        """The whole answer to a poll, or None for anything the Flask app must answer. Never blocks:
        one store read, one journal append, no lock (so the RSGI adapter runs it on its event loop)."""
        path: str = environ.get("PATH_INFO", "")
        view = _ROUTES.get(path[: path.rfind("/") + 1])
        task_id = path[path.rfind("/") + 1 :]
        if (
            view is None
            or environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or task_id == "generations"
            or TASK_ID.fullmatch(task_id) is None  # Flask answers the 400
            or not host_allowed(environ, self._allowed_hosts)  # and the 403
        ):
            return None
        state = self.state
        try:
            account = authenticate(environ.get("HTTP_AUTHORIZATION"), state.config.api_keys)
            scope = scope_named(environ.get(_SCOPE_KEY), account)
        except MockError:  # Flask answers it (and journals it at the right time)
            return None
        settings, stored = state.service.poll(scope, task_id)
        if settings.checked:
            return None
        now = settings.now(state.real_time())
        try:
            task = state.service.owned(account, scope, task_id, stored, now)
            at = task.at(now)
            data = _rendered(view, task, at, self._media_url(environ), state.config.shape)
            status = 200
        except MockError as error:
            status = error.status
            data = json.dumps(error_body(status, error.error_type, error.message)).encode()
        except Exception:  # nothing is written before this point: let Flask answer (its 500 envelope)
            return None
        entry = journal_entry(
            environ, now, account, (scope, settings.scope.journal), status, state.config.limits, data
        )
        state.service.record(entry)
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            (WORKER_HEADER, str(os.getpid())),
        ]
        return status, headers, data

    def _media_url(self, environ: dict[str, Any]) -> str:
        """context.media_url() without a request context: Werkzeug's own host_url, cached per host."""
        key = tuple(environ.get(k) for k in _HOST_KEYS)
        base = self._hosts.get(key)
        if base is None:
            base = media_base(self.state.config.public_url, self.app.request_class(environ).host_url)
            if len(self._hosts) < _HOST_CACHE_SIZE:
                self._hosts[key] = base
        return base
