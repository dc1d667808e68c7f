"""Per-app state (`app.extensions`) and small helpers every blueprint uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request

from ..backend.service import MockService
from ..config import MockConfig
from .validation import BodyValidators

__all__ = [
    "EXTENSION",
    "MockState",
    "account",
    "json_response",
    "media_base",
    "media_url",
    "mock",
    "now",
    "scope",
]

EXTENSION = "apimart_mock"


@dataclass(frozen=True)
class MockState:
    """Everything one mock app holds; the mutable part lives in the service's store."""

    config: MockConfig
    service: MockService
    validators: BodyValidators
    real_time: Callable[[], float]


def mock() -> MockState:
    state: MockState = current_app.extensions[EXTENSION]
    return state


def now() -> float:
    """The clock time of this request in its scope (read once, before the view runs)."""
    value: float = g.now
    return value


def account() -> str:
    """The account the Authorization header named (set by the request pipeline)."""
    value: str = g.account
    return value


def scope() -> str:
    """The scope this request is in (set by the request pipeline; `GLOBAL` for the owner's control)."""
    value: str = g.scope
    return value


def media_url() -> str:
    """Where the media this request hands out are served: the public URL or this server's own."""
    return media_base(mock().config.public_url, request.host_url)


def media_base(public_url: str | None, host_url: str) -> str:
    """The media base URL for a server reached at `host_url` (`http://host:port/`) unless one is
    configured; ends with `/`."""
    return public_url.rstrip("/") + "/" if public_url else host_url


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
