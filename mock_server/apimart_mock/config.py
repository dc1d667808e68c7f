"""Server options: what `apimart-mock serve` flags and `create_app(config)` set. Immutable per server.

Mutable state (clock, faults, rate limit, tasks, journal) lives in the store instead, so that every
worker process shares it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ACCOUNT_REST",
    "ACCOUNT_SHARE",
    "BODY_READ_TIMEOUT_S",
    "DEFAULT_RETENTION",
    "LOOPBACK_HOSTS",
    "MAX_CONNECTIONS",
    "Limits",
    "MockConfig",
    "ViewShape",
]

DEFAULT_RETENTION = 3 * 24 * 3600.0
BODY_READ_TIMEOUT_S = 10.0
"""A request's body must arrive within this time (from the end of its headers); then 408."""
MAX_CONNECTIONS = 4096
"""The connections a worker keeps; past them, the ones idle longest are closed (`ConnectionGuard`)."""
ACCOUNT_SHARE = 2
"""Requests of one account (bearer token) a worker runs at once; its others wait in line (0: no limit)."""
ACCOUNT_REST = 29.0
"""While other accounts are active, an account with requests waiting for its turns rests each turn this
many times the CPU time its request took before it passes on (a thirtieth of the turn's time busy at most;
0: no rest)."""
MAX_BODY_BYTES = 10 * 17_000_000 + 1_000_000
"""The spec allows ten reference images of up to 17 MB (base64) each in one imagine body."""
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""The host names a mock answers by default (with any port): a browser reaches it by these only."""


@dataclass(frozen=True)
class Limits:
    """What one request may store or cost, and how much of it the journal keeps (`--help` lists each;
    the spec's own limits on prompts and images are the ceilings: these may only lower them)."""

    metadata_bytes: int = 16 * 1024
    """`metadata` as compact JSON, at most (400 above)."""
    metadata_depth: int = 16
    """Nesting of `metadata` (an object or a list in it is one level deeper), at most (400 above)."""
    image_urls: int = 10
    """Entries of `image_urls`, at most (400 above; the spec allows 10)."""
    image_url_chars: int = 17_000_000
    """Characters of one image URL or data URI, at most (400 above; the spec allows 17,000,000)."""
    prompt_chars: int = 8192
    """Characters of a prompt, at most (400 above; the spec allows 8192)."""
    journal_bytes: int = 64 * 1024 * 1024
    """The request journal, at most about this many bytes: the oldest entries go first, counted."""
    journal_body_bytes: int = 2048
    """Bytes of each request body the journal keeps."""


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
    balance endpoints then say `remain_balance: -1` while `used_balance` still counts). `journal` is
    where the request journal's files go (beside the store when None); `limits` bound what one request
    may store or cost. `allowed_hosts` are the host names (any port; IPv6 without brackets) the server
    answers in the `Host` header, the public URL's host too: a web page that rebinds its own name to
    the mock's address gets 403 (an in-process client sending another host adds it here).
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
    journal: str | None = None
    limits: Limits = Limits()
    allowed_hosts: frozenset[str] = LOOPBACK_HOSTS

    def __post_init__(self) -> None:
        if self.admin_token is not None and not self.admin_token.strip():
            # An empty token would silently mean "no admin auth": say so where the config is made.
            raise ValueError("admin_token is empty: set a token, or None for no admin token")
