"""The two task GETs without Flask: WSGI middleware that hands a poll to `polls.answer_poll` first.

Under load, Flask's own per-request work (request context, routing, hooks, Response objects) costs
more than the mock's (measured: a Flask hello-world serves ~55% of what a bare WSGI app does under
the same server settings). So a `GET` of `/v1/tasks/{id}` or `/v1/midjourney/{id}` from an allowed
`Host` is answered here, by the one function that answers every poll, without waiting
(`may_wait=False`); every other request, and a poll that function leaves (a rate limit or faults
switched on, an unexpected error), goes on to Flask unchanged, whose views call the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from ..domain.journal import JournalEntry
from .browsers import allowed_hosts, host_allowed
from .context import EXTENSION, MockState, media_base
from .polls import Answer, answer_poll, poll_path

__all__ = ["Answer", "FastTaskGets"]

_HOST_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_HOST_CACHE_SIZE = 64


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

    def answer(
        self, environ: dict[str, Any], record: Callable[[JournalEntry], None] | None = None
    ) -> Answer | None:
        """The whole answer to a poll, or None for anything the Flask app must answer. Never blocks:
        one store read, one journal append (or its entry to `record`: `answer_poll`), no lock (so the
        RSGI adapter runs it on its event loop)."""
        poll = poll_path(environ.get("PATH_INFO", ""))
        if (
            poll is None
            or environ.get("REQUEST_METHOD") != "GET"
            or not host_allowed(environ, self._allowed_hosts)  # Flask answers the 403
        ):
            return None
        return answer_poll(self.state, environ, poll, self._media_url(environ), may_wait=False, record=record)

    def _media_url(self, environ: dict[str, Any]) -> str:
        """context.media_url() without a request context: Werkzeug's own host_url, cached per host."""
        key = tuple(environ.get(k) for k in _HOST_KEYS)
        base = self._hosts.get(key)
        if base is None:
            base = media_base(self.state.config.public_url, self.app.request_class(environ).host_url)
            if len(self._hosts) < _HOST_CACHE_SIZE:
                self._hosts[key] = base
        return base
