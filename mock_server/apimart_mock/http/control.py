"""The control API under /__mock/: clock, reset, direct task creation, faults, rate limit, journal.

JSON in and out, every call through the service. Reachable from loopback only unless the server allows
otherwise (checked by the request pipeline). A call with a key (`Authorization`) and optionally
`X-Mock-Scope` acts on that scope only, and only its owner's key may make it; a call with neither is
the global scope's, the mock owner's, behind `X-Mock-Admin-Token` when an admin token is configured.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any

from flask import Blueprint, Response, g, request

from ..backend.values import EXPIRED, TaskFilter
from ..domain.accounts import account_named
from ..domain.clock import ClockState, ScopedClock
from ..domain.errors import InvalidRequest, NotFound
from ..domain.journal import DEFAULT_PAGE, MAX_PAGE, RequestMatcher
from .bodies import MAX_SECONDS, direct_task_of, fault_of, matcher_of, number
from .browsers import refuse_cross_site
from .context import json_response, media_url, mock, scope
from .spec import DASHBOARD_PATH, control_spec_json
from .validation import check_task_id, read_json_object
from .views import balance_view, midjourney_view, unified_view

__all__ = ["blueprint"]

MAX_CLOCK = 1e10
"""The latest clock time a freeze may set (Unix seconds, year 2286): far enough, and still finite."""

blueprint = Blueprint("control", __name__, url_prefix="/__mock")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


@blueprint.before_request
def _changes_from_this_site_as_json() -> None:
    """A call that changes state comes from no other site's page and sends a JSON object (`{}` without
    fields), which a form or a `no-cors` fetch cannot: a web page cannot drive it (http/browsers.py)."""
    if request.method not in _READS:
        refuse_cross_site()
        g.control_body = read_json_object(request)


@blueprint.get("/")
def dashboard() -> Response:
    """The dashboard: one HTML page, no external assets, refreshed live from this API."""
    return Response(DASHBOARD_PATH.read_bytes(), mimetype="text/html")


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """This API's own OpenAPI document (the public API's is `/openapi.json`)."""
    return Response(control_spec_json(), mimetype="application/json")


# ---- clock ----
@blueprint.get("/clock")
def clock() -> Response:
    return _clock_response(mock().service.store.settings(scope()).scoped_clock)


@blueprint.post("/clock/advance")
def advance() -> Response:
    seconds = number(_json().get("seconds"), "seconds", minimum=0, maximum=MAX_SECONDS)
    return _set_clock(lambda clock, real: clock.advanced(seconds, real))


@blueprint.post("/clock/freeze")
def freeze() -> Response:
    body = _json()
    at = number(body["at"], "at", minimum=0, maximum=MAX_CLOCK) if "at" in body else None
    return _set_clock(lambda clock, real: clock.frozen_at(real, at))


@blueprint.post("/clock/resume")
def resume() -> Response:
    return _set_clock(lambda clock, real: clock.resumed(real))


@blueprint.post("/clock/speed")
def speed() -> Response:
    factor = number(_json().get("speed"), "speed", minimum=0.001, maximum=1e6)
    return _set_clock(lambda clock, real: clock.with_speed(factor, real))


def _set_clock(change: Callable[[ClockState, float], ClockState]) -> Response:
    state = mock()
    return _clock_response(state.service.change_clock(scope(), change, state.real_time()))


def _clock_response(clock: ScopedClock) -> Response:
    return json_response(clock.to_json(mock().real_time()))


# ---- state ----
@blueprint.post("/reset")
def reset() -> Response:
    state = mock()
    config = state.config
    start = ClockState.start(state.real_time(), speed=config.speed, frozen_at=config.frozen_at)
    state.service.reset(scope(), start, config.rate_limit)
    return json_response({"reset": True})


@blueprint.post("/tasks")
def create_task() -> Response:
    state = mock()
    real = state.real_time()
    task = state.service.create_directly(scope(), real, direct_task_of(_json()))
    return json_response(_summary(task, state.service.clocks(real)(task), media_url()), 201)


@blueprint.get("/tasks")
def list_tasks() -> Response:
    """A page of tasks (`limit`, `cursor`), of one `account` (token or id), in one `status`, of one
    `action`, matching `search` (id or prompt), children of `parent`; `charged` is what this page's
    tasks cost now."""
    limit, cursor = _page()
    args = request.args
    state = mock()
    real = state.real_time()
    newest = _newest_first()
    kept = TaskFilter(**{field.name: args.get(field.name) for field in fields(TaskFilter)})
    tasks, next_cursor = state.service.tasks(scope(), real, kept, limit=limit, cursor=cursor, newest=newest)
    now_of = state.service.clocks(real)
    charged = round(sum(task.at(now_of(task)).quota for task in tasks), 6)
    summaries = [_summary(task, now_of(task), media_url()) for task in tasks]
    return json_response({"tasks": summaries, "charged": charged, "next_cursor": next_cursor})


@blueprint.get("/tasks/<task_id>/<view>")
def task_view(task_id: str, view: str) -> Response:
    """One task's `midjourney` or `unified` view, whoever owns it (the dashboard links here)."""
    state = mock()
    real = state.real_time()
    task = state.service.task(check_task_id(task_id), real, scope())
    at = task.at(state.service.clocks(real)(task))
    if view == "midjourney":
        return json_response(midjourney_view(task, at, media_url(), state.config.shape))
    if view == "unified":
        return json_response(unified_view(task, at, media_url()))
    raise NotFound("views: midjourney, unified")


def _summary(task: Any, now: float, base: str) -> dict[str, Any]:
    """A task as the control API lists it at its clock time `now`: the MJ view, its account id and
    parent, and EXPIRED (with `expired`) once past retention."""
    state = mock()
    view = midjourney_view(task, task.at(now), base, state.config.shape)
    status = state.service.status_of(task, now)
    expired = {"status": status, "expired": True} if status == EXPIRED else {"expired": False}
    owner = {
        "account": task.account,
        "parent_id": task.parent_id,
        "button": task.button,
        "input_images": list(task.input_images),
        "job_hash": task.job_hash,
        "age": round(now - task.created_at, 3),
    }
    return {**owner, **view, **expired}


# ---- balances ----
@blueprint.get("/balance")
def get_balance() -> Response:
    """`?account=sk-...` (a token or an account id): that account's balance now, as `POST` answers it."""
    account = request.args.get("account")
    if not account:
        raise InvalidRequest("account is required")
    return _balance_answer(account_named(account))


@blueprint.post("/balance")
def set_balance() -> Response:
    """`{"account": "sk-...", "amount": 5}` sets that account's (token or id) starting balance;
    `"amount": null` puts it back to the server's `--balance`, `"unlimited": true` lifts its limit."""
    body = _json()
    account = body.get("account")
    if not isinstance(account, str) or not account:
        raise InvalidRequest("account is required")
    amount = body.get("amount")
    unlimited = body.get("unlimited", False)
    if not isinstance(unlimited, bool):
        raise InvalidRequest("unlimited must be true or false")
    if unlimited:
        amount = math.inf
    elif amount is not None:
        amount = number(amount, "amount", minimum=0, maximum=1e12)
    return _balance_answer(mock().service.set_balance(scope(), account, amount))


def _balance_answer(owner: str) -> Response:
    """The account's balance now, in this request's scope (the global control: the account's own scope)."""
    state = mock()
    home = scope() or owner
    balance = state.service.balance_of(home, owner, state.service.store.settings(home).now(state.real_time()))
    return json_response({"account": owner, **balance_view(balance)})


# ---- faults and rate limit ----
@blueprint.post("/faults")
def add_fault() -> Response:
    return json_response(mock().service.add_fault(scope(), fault_of(_json())).to_json(), 201)


@blueprint.get("/faults")
def list_faults() -> Response:
    return json_response({"faults": [fault.to_json() for fault in mock().service.store.faults(scope())]})


@blueprint.delete("/faults")
def clear_faults() -> Response:
    mock().service.store.clear_faults(scope())
    return json_response({"faults": []})


@blueprint.get("/rate-limit")
def rate_limit() -> Response:
    return json_response({"per_second": mock().service.rate_limit(scope())})


@blueprint.post("/rate-limit")
def set_rate_limit() -> Response:
    body = _json()
    limit = body.get("per_second")
    per_second = None if limit is None else number(limit, "per_second", minimum=1, maximum=1e6)
    mock().service.store.set_rate_limit(scope(), per_second)
    return json_response({"per_second": per_second})


# ---- journal ----
@blueprint.get("/requests")
def journal() -> Response:
    """A page of the journal (`limit`, `cursor`), oldest first, of the requests the query's matcher
    fields select; `dropped` counts the entries the cap has dropped."""
    limit, cursor = _page()
    fields = {k: v for k, v in request.args.items() if k not in ("limit", "cursor", "order")}
    matcher = _in_scope(matcher_of(fields))
    if _newest_first():  # the dashboard's recent requests: the newest page only (no cursor)
        page = mock().service.store.newest_requests(matcher, limit=limit)
    else:
        page = mock().service.store.journal(matcher, limit=limit, cursor=cursor)
    return json_response(
        {
            "requests": [asdict(entry) for entry in page.entries],
            "next_cursor": page.next_cursor,
            "dropped": page.dropped,
        }
    )


@blueprint.post("/requests/count")
def count_requests() -> Response:
    """How many journaled requests the JSON matcher selects (WireMock's request verification)."""
    matcher = _in_scope(matcher_of(_json()))
    return json_response({"count": mock().service.store.count_requests(matcher)})


@blueprint.delete("/requests")
def clear_journal() -> Response:
    mock().service.store.clear_journal(scope())
    return json_response({"requests": []})


def _in_scope(matcher: RequestMatcher) -> RequestMatcher:
    return mock().service.in_scope(scope(), matcher)


def _json() -> dict[str, Any]:
    body: dict[str, Any] = g.control_body
    return body


def _newest_first() -> bool:
    order = request.args.get("order", "oldest")
    if order not in ("oldest", "newest"):
        raise InvalidRequest("order must be oldest or newest")
    return order == "newest"


def _page() -> tuple[int, str | None]:
    """The `limit` (1 to MAX_PAGE, DEFAULT_PAGE when absent) and `cursor` of a listing."""
    text = request.args.get("limit")
    limit = DEFAULT_PAGE
    if text is not None:
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_PAGE}")
        limit = int(text)
    return limit, request.args.get("cursor")
