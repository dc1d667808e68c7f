"""The stores' conformance suite: one test module per role (`apimart_mock.store`: controls, tasks, the
ledger, uploads, the journal), each test run against both backends, a fresh SQLite file and a namespace
of its own in a real redis-server (the root conftest's `store` fixture)."""

from __future__ import annotations

import pytest
from store_helpers import JOURNAL_BYTES, T0

from apimart_mock.domain.clock import ClockState
from apimart_mock.store import Store, open_store


@pytest.fixture
def opened(store: str) -> Store:
    """A fresh store of either backend, its clock frozen at T0."""
    fresh = open_store(store, journal_bytes=JOURNAL_BYTES)
    fresh.initialize(ClockState.start(T0, frozen_at=T0), None)
    return fresh
