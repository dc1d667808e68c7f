"""The two task GETs without Flask: WSGI middleware that hands a poll to `polls.answer_polls` first.

Under load, Flask's own per-request work (request context, routing, hooks, Response objects) costs
more than the mock's (measured: a Flask hello-world serves ~55% of what a bare WSGI app does under
the same server settings). So a `GET` of `/v1/tasks/{id}` or `/v1/midjourney/{id}` from an allowed
`Host` is answered here, by the one function that answers every poll, without waiting
(`may_wait=False`); every other request, and a poll that function leaves (a rate limit or faults
switched on, an unexpected error), goes on to Flask unchanged, whose views call the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from ..domain.journal import JournalEntry
from .browsers import allowed_hosts, host_allowed
from .context import EXTENSION, MockState, media_base
from .polls import Answer, Asked, answer_polls, poll_path

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
        (answer,) = self.answer([environ])
        if answer is None:
            return self.flask_wsgi(environ, start_response)
        status, headers, data = answer
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)  # Werkzeug's status line
        return [data]

    def answer(
        self, environs: Sequence[dict[str, Any]], record: Callable[[JournalEntry], None] | None = None
    ) -> list[Answer | None]:
        """The whole answer to each request that is a poll, in order; None for anything the Flask app must
        answer. Never blocks: the polls read together (one round trip over Redis), one journal append
        each (or their entries to `record`: `answer_polls`), no lock (so the RSGI adapter runs it on its
        event loop, for the polls of one turn at once)."""
        asked: list[Asked] = []
        which: list[int] = []
        for index, environ in enumerate(environs):
            poll = poll_path(environ.get("PATH_INFO", ""))
            if (
                poll is not None
                and environ.get("REQUEST_METHOD") == "GET"
                and host_allowed(environ, self._allowed_hosts)  # else Flask answers the 403
            ):
                asked.append((environ, poll, self._media_url(environ)))
                which.append(index)
        answers: list[Answer | None] = [None] * len(environs)
        for index, answer in zip(
            which, answer_polls(self.state, asked, may_wait=False, record=record), strict=True
        ):
            answers[index] = answer
        return answers

    def _media_url(self, environ: dict[str, Any]) -> str:
        """context.media_url() without a request context: Werkzeug's own host_url, cached per host."""
        key = tuple(environ.get(k) for k in _HOST_KEYS)
        base = self._hosts.get(key)
        if base is None:
            base = media_base(self.state.config.public_url, self.app.request_class(environ).host_url)
            if len(self._hosts) < _HOST_CACHE_SIZE:
                self._hosts[key] = base
        return base
