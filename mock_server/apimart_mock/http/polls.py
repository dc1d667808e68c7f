"""A poll (`GET /v1/tasks/{id}`, `GET /v1/midjourney/{id}`), answered by one function from its WSGI
environ to its bytes: authentication, scope, the rate limit and faults, the task id and its owner,
the view, the error envelope, the journal entry and the headers.

Every server calls it: the Flask views (`http/tasks.py`), the WSGI middleware in front of Flask
(`http/fast.py`) and the RSGI loop (`http/rsgi.py`, through the middleware), each a thin adapter. The
request pipeline (`http/pipeline.py`) leaves a poll alone and lends it its parts (`guard`, `altered`,
`journal_entry`), so each rule is written once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any

from werkzeug.wrappers import Request

from ..config import ViewShape
from ..domain.accounts import authenticate
from ..domain.errors import MockError, RateLimited
from ..domain.scopes import GLOBAL, scope_named
from ..domain.task import Task, TaskState
from ..store import JournalEntry, Poll, Settings
from .context import MockState
from .errors import unexpected
from .pipeline import DROP_KEY, SCOPE_HEADER, WORKER_HEADER, altered, guard, journal_entry
from .validation import TASK_ID, check_language, check_task_id
from .views import error_body, midjourney_view, unified_view

__all__ = ["Answer", "Asked", "answer_polls", "poll_path"]

Answer = tuple[int, list[tuple[str, str]], bytes]
"""A whole response: status code, headers, body."""

_VIEWS = {"/v1/tasks/": "unified", "/v1/midjourney/": "mj"}
"""The path of each view of a task, up to its id."""
_SCOPE_KEY = "HTTP_" + SCOPE_HEADER.upper().replace("-", "_")

RENDERED = 1024
"""How many rendered bodies each process keeps. A view is a pure function of the task, its state at
that moment, the media base URL and the view shape, so a poll of a finished task (or of one between two
progress steps) is answered with the bytes rendered for the poll before."""


def poll_path(path: str) -> tuple[str, str] | None:
    """The view and the task id of a poll's path; None for any other path (`generations` is the imagine
    route: a GET there is a 405; an empty or nested id matches no route: 404)."""
    cut = path.rfind("/") + 1
    view = _VIEWS.get(path[:cut])
    task_id = path[cut:]
    return None if view is None or not task_id or task_id == "generations" else (view, task_id)


Asked = tuple[dict[str, Any], tuple[str, str], str]
"""A poll to answer: its WSGI environ, its view and task id (`poll_path`), the base URL of the media it
hands out."""


def answer_polls(
    state: MockState,
    asked: Sequence[Asked],
    *,
    may_wait: bool,
    record: Callable[[JournalEntry], None] | None = None,
) -> list[Answer | None]:
    """The whole answer to each poll of `asked`, in order, read from the store together (over Redis the
    polls of tasks read before are checked and journaled in one round trip: `TaskStore.polls`).

    Without `may_wait` (the RSGI event loop) it never waits: one store read and one journal append a
    poll, at most. A poll's answer is then None, nothing written for it, when it may have to wait (a rate
    limit or faults switched on: a count to write, a latency to sleep) or something unexpected went wrong;
    the caller asks again where waiting is fine. With `may_wait` every poll is answered.

    A journal entry the store did not append goes to `record` when given (a caller that journals several
    answers at once, and sends none before), else to the journal at once.
    """
    return state.service.polls([_read_by(state, *poll, may_wait) for poll in asked], record)


def _read_by(
    state: MockState, environ: dict[str, Any], poll: tuple[str, str], media: str, may_wait: bool
) -> Poll[Answer | None]:
    """What the store reads for this poll, and what answers it from that (`_answer`)."""
    account: str | None = None
    scope = GLOBAL
    refusal: MockError | None = None
    try:
        account = authenticate(environ.get("HTTP_AUTHORIZATION"), state.config.api_keys)
        scope = scope_named(environ.get(_SCOPE_KEY), account)
    except MockError as error:  # a refused poll is journaled too: at its scope's time, or the global time
        refusal = error
    looked_up = poll[1] if account is not None and TASK_ID.fullmatch(poll[1]) else None  # else never read
    return (
        scope,
        looked_up,
        partial(_answer, state, environ, poll, media, may_wait, (account, scope, refusal)),
    )


def _answer(
    state: MockState,
    environ: dict[str, Any],
    poll: tuple[str, str],
    media: str,
    may_wait: bool,
    caller: tuple[str | None, str, MockError | None],
    settings: Settings,
    stored: Task | None,
) -> tuple[Answer | None, JournalEntry | None]:
    """A poll's answer and journal entry from what it read (None, None: it must wait);
    `caller` is the poll's account, scope and why it was refused (None: it was not)."""
    view, task_id = poll
    service = state.service
    account, scope, refusal = caller
    valid = TASK_ID.fullmatch(task_id) is not None
    now = settings.now(state.real_time())
    fault = None
    retry_after: int | None = None
    try:
        if refusal is not None:
            raise refusal
        assert account is not None  # not refused: authenticated
        if _SCOPE_KEY in environ:  # a named scope no one used yet becomes the account's
            service.claim(scope, account, settings)
        if settings.checked:
            if not may_wait:
                return None, None
            fault = guard(service, settings, (scope, account, now), environ)
        if view == "unified" and environ.get("QUERY_STRING"):
            check_language(Request(environ).args.getlist("language"))
        if not valid:
            check_task_id(task_id)
        task = service.owned(account, scope, task_id, stored, now)
        status, data = 200, _rendered(view, task, task.at(now), media, state.config.shape)
    except MockError as error:
        status, data = error.status, _error(error)
        if isinstance(error, RateLimited):
            retry_after = error.retry_after
    except Exception as error:
        if not may_wait:
            return None, None
        answered = unexpected(service, error)
        status, data = answered.status, _error(answered)
    dropped = False
    if fault is not None:
        data = altered(fault, data, status, is_json=True) or data
        dropped = bool(environ.get(DROP_KEY))  # the connection closes without an answer (pipeline.py)
    entry = journal_entry(
        environ,
        now,
        account,
        (scope or None, settings.scope.journal),
        0 if dropped else status,
        state.config.limits,
        b"" if dropped else data,
    )
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        (WORKER_HEADER, str(os.getpid())),
    ]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    return (status, headers, data), entry


@lru_cache(maxsize=RENDERED)
def _rendered(view: str, task: Task, at: TaskState, media: str, shape: ViewShape) -> bytes:
    body = unified_view(task, at, media) if view == "unified" else midjourney_view(task, at, media, shape)
    return json.dumps(body).encode()


def _error(error: MockError) -> bytes:
    return json.dumps(error_body(error.status, error.error_type, error.message)).encode()
