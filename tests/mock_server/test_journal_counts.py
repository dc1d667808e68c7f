"""A count over a large journal, over real HTTP on either store: as the entries counted one by one say,
and answered within a bound whatever the journal holds (issue 22: it read every entry, 2.4 s for 100k;
the counts by request key, `store.counts`, make it follow the distinct requests instead)."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from apimart_mock.domain.accounts import account_id
from apimart_mock.domain.journal import JournalEntry, RequestMatcher
from apimart_mock.domain.patterns import PathPattern
from apimart_mock.store import open_store
from apimart_mock.testing import serve

pytestmark = [pytest.mark.http, pytest.mark.slow]

ENTRIES = 100_000
JOURNAL_BYTES = 256 * 1024 * 1024
WARM_BOUND_S = 0.5
"""A count, once its worker has read the journal's counts: reading every entry took longer than this."""
FIRST_BOUND_S = 10.0
MATCHERS: list[dict[str, object]] = [
    {"path": "/v1/"},  # every entry written, none of the requests the server journals itself
    {"path_pattern": "/v1/tasks/task_[0-9]{3}"},
    {"path_pattern": "/v1/tasks/task_1.*", "method": "GET", "status": 404},
    {"path_pattern": "/v1/midjourney/generations(/.*)?", "account": "sk-b"},
    {"path": "/v1/tasks/", "status": 200},
]


def _journal(rng: random.Random) -> list[JournalEntry]:
    """Polls of 40 tasks, submits and 404s by three accounts, in the global scope's view."""
    entries = []
    for n in range(ENTRIES):
        if rng.random() < 0.1:
            method, path = (
                "POST",
                rng.choice(["/v1/midjourney/generations", "/v1/midjourney/generations/blend"]),
            )
        else:
            method, path = "GET", f"/v1/tasks/task_{rng.randrange(40) * 37:03d}"
        status = rng.choice([200, 200, 200, 404])
        account = account_id(rng.choice(["sk-a", "sk-b", "sk-c"]))
        entries.append(JournalEntry(float(n), method, path, account, status, 1, scope=account))
    return entries


def test_a_count_over_a_large_journal_is_right_and_quick(store: str) -> None:
    entries = _journal(random.Random(22))
    journal = open_store(store, journal_bytes=JOURNAL_BYTES)
    for start in range(0, ENTRIES, 1000):  # over Redis, one round trip per batch
        journal.record_all(entries[start : start + 1000])
    command = ("--frozen", "--store", store, "--journal-max-bytes", str(JOURNAL_BYTES))
    with serve(*command, workers=1, threads=2) as mock, httpx.Client(base_url=mock.url, timeout=60) as http:
        for fields in MATCHERS:
            pattern = fields.get("path_pattern")
            matcher = RequestMatcher(
                method=fields.get("method"),  # type: ignore[arg-type]
                path=fields.get("path"),  # type: ignore[arg-type]
                path_pattern=None if pattern is None else PathPattern(str(pattern)),
                account=None if "account" not in fields else account_id(str(fields["account"])),
                status=fields.get("status"),  # type: ignore[arg-type]
            )
            expected = sum(1 for entry in entries if matcher.matches(entry))
            for bound in (FIRST_BOUND_S, WARM_BOUND_S, WARM_BOUND_S):
                started = time.monotonic()
                answer = http.post("/__mock/requests/count", json=fields)
                took = time.monotonic() - started
                assert answer.status_code == 200, answer.text
                assert answer.json() == {"count": expected}, fields
                assert took < bound, (fields, took)
