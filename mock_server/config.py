"""Server options: what `apimart-mock serve` flags and `create_app(config)` set. Immutable per server.

Mutable state (clock, faults, rate limit, tasks, journal) lives in the store instead, so that every
worker process shares it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_RETENTION", "MockConfig", "ViewShape"]

DEFAULT_RETENTION = 3 * 24 * 3600.0
MAX_BODY_BYTES = 10 * 17_000_000 + 1_000_000
"""The spec allows ten reference images of up to 17 MB (base64) each in one imagine body."""


class ViewShape(StrEnum):
    """How the MJ view looks: as live responses were observed, or as the docs show it."""

    LIVE = "live"
    DOCS = "docs"


@dataclass(frozen=True)
class MockConfig:
    """Options of one mock server.

    `store` is the SQLite file shared by all workers (a private temp file when None). `api_keys`, when
    not empty, is the allow-list of tokens. `public_url` is the base of the image URLs handed out (the
    request's own host when None). `frozen_at` starts the clock frozen at that clock time. Request bodies
    may carry fields the spec does not name (ignored, as the service does) unless
    `reject_unknown_fields`. `balance` is every account's starting balance (None: unlimited, the
    balance endpoints then say `remain_balance: -1` while `used_balance` still counts).
    """

    store: str | None = None
    shape: ViewShape = ViewShape.LIVE
    speed: float = 1.0
    retention: float = DEFAULT_RETENTION
    api_keys: frozenset[str] = frozenset()
    admin_token: str | None = None
    public_url: str | None = None
    seed: int = 0
    frozen_at: float | None = None
    rate_limit: float | None = None
    control_from_anywhere: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    reject_unknown_fields: bool = False
    balance: float | None = None
