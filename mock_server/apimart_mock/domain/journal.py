"""The request journal's records and the matcher that selects them (listing, counting, the dashboard).

A `JournalEntry` is one request the mock answered, as it is kept: credentials already redacted and
the body cut at the server's cap. A `RequestMatcher` is what a test asks about it (WireMock's request
verification): every field it sets must hold, the unset ones match anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .patterns import PathPattern

__all__ = ["JournalEntry", "JournalPage", "RequestMatcher"]

RESPONSE_EXCERPT_BYTES = 512
"""Bytes of each response body the journal keeps (a JSON or text answer's first bytes)."""
MAX_PAGE = 1000
"""The most entries (journal or tasks) one page holds."""
DEFAULT_PAGE = 100


_COMPACT = json.JSONEncoder(separators=(",", ":")).encode
"""`json.dumps(..., separators=(",", ":"))` without building an encoder per call."""


@dataclass(frozen=True)
class JournalEntry:
    """One request: clock time (its scope's), method, path, query string, account id, status (0:
    dropped), worker pid, the chosen headers (credentials redacted), the body's first bytes as text, its
    full size, the scope it was in (None: no API request, e.g. an image), which of that scope's journals
    (a scope's reset or journal clear starts its next one), and the response body's first
    `RESPONSE_EXCERPT_BYTES` (JSON or text answers only) and its size."""

    at: float
    method: str
    path: str
    account: str | None
    status: int
    worker: int
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    body_bytes: int = 0
    scope: str | None = None
    generation: int = 0
    response: str = ""
    response_bytes: int = 0

    def to_row(self) -> list[Any]:
        """The compact form a store keeps (a JSON array, the fields in order)."""
        return [
            self.at,
            self.method,
            self.path,
            self.account,
            self.status,
            self.worker,
            self.query,
            dict(self.headers),
            self.body,
            self.body_bytes,
            self.scope,
            self.generation,
            self.response,
            self.response_bytes,
        ]

    def to_text(self) -> str:
        """`to_row` as compact JSON text: what both stores write."""
        return _COMPACT(self.to_row())

    @classmethod
    def from_row(cls, row: list[Any]) -> JournalEntry:
        return cls(*row)  # a row written before the response fields were journaled lacks them

    def body_json(self) -> Any:
        """The body as JSON, or None when it is not JSON (or was cut at the cap)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class JournalPage:
    """One page of the journal: its entries in the order they were recorded, the cursor of the next
    page (None: this is the last), and how many entries the cap dropped so far (oldest first)."""

    entries: list[JournalEntry]
    next_cursor: str | None
    dropped: int


@dataclass(frozen=True)
class RequestMatcher:
    """Which requests to select. `path` is a prefix, `path_pattern` a regular expression the whole
    path must match (matched in linear time: `patterns`), `since` a clock time (inclusive), `body`
    top-level fields the JSON body has with these exact values. `scope` and `generation` are not the
    caller's to choose: a scope's journal is that scope's requests since its last reset (the control API
    sets them; `scope` None: every request, the global view)."""

    method: str | None = None
    path: str | None = None
    path_pattern: PathPattern | None = None
    account: str | None = None
    status: int | None = None
    since: float | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    scope: str | None = None
    generation: int = 0

    def matches(self, entry: JournalEntry) -> bool:
        if self.scope is not None and (entry.scope, entry.generation) != (self.scope, self.generation):
            return False
        if self.method is not None and entry.method != self.method:
            return False
        if self.path is not None and not entry.path.startswith(self.path):
            return False
        if self.path_pattern is not None and not self.path_pattern.fullmatch(entry.path):
            return False
        if self.account is not None and entry.account != self.account:
            return False
        if self.status is not None and entry.status != self.status:
            return False
        if self.since is not None and entry.at < self.since:
            return False
        if self.body:
            sent = entry.body_json()
            return isinstance(sent, dict) and all(
                name in sent and sent[name] == value for name, value in self.body.items()
            )
        return True
