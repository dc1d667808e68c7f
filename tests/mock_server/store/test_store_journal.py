"""`JournalStore`, on both backends: entries kept in order and paged, the newest read back first, cleared
globally or per scope generation, bounded with the oldest dropped and counted, and counts (from the
counts by request key, `store.counts`) equal to counting the entries one by one, whatever the matcher,
also after the cap dropped some."""

from __future__ import annotations

import random

import pytest
from store_helpers import T0

from apimart_mock.domain.errors import InvalidRequest
from apimart_mock.domain.journal import JournalEntry, RequestMatcher
from apimart_mock.domain.patterns import PathPattern
from apimart_mock.domain.scopes import GLOBAL
from apimart_mock.store import JournalStore, Store, open_store
from apimart_mock.store.counts import MAX_READ_KEYS

EVERYTHING = RequestMatcher()
PATHS = [
    "/v1/midjourney/generations",
    "/v1/midjourney/generations/upscale",
    "/v1/tasks/task_1",
    "/v1/tasks/task_2",
    '/v1/tasks/task_\n,"x',
    "/v1/ta*sks/[a]",
    "/healthz",
]


def _entries(count: int, seed: int = 7) -> list[JournalEntry]:
    """`count` entries of mixed scopes, generations, methods, paths, accounts, statuses and bodies."""
    rng = random.Random(seed)
    return [
        JournalEntry(
            T0 + n,
            rng.choice(["GET", "POST"]),
            rng.choice(PATHS),
            rng.choice([None, "acct_a", "acct_b"]),
            rng.choice([200, 404, 0]),
            1,
            body=rng.choice(["", '{"prompt": "a cat"}', '{"prompt": "a dog"}']),
            scope=rng.choice([None, "s", "t"]),
            generation=rng.choice([0, 1]),
        )
        for n in range(count)
    ]


MATCHERS = [
    EVERYTHING,
    RequestMatcher(scope="s", generation=1),
    RequestMatcher(scope="s", generation=0, method="GET"),
    RequestMatcher(scope="t", generation=1, method="POST", path="/v1/midjourney/"),
    RequestMatcher(scope="s", generation=1, path="/v1/tasks/"),
    RequestMatcher(path="/v1/ta", account="acct_a"),
    RequestMatcher(method="GET", status=404),
    RequestMatcher(scope="s", generation=0, path_pattern=PathPattern(r"/v1/tasks/task_\d")),
    RequestMatcher(scope="t", generation=1, method="GET", path="/v1/", path_pattern=PathPattern(".*\n.*")),
    RequestMatcher(path_pattern=PathPattern(r"/v1/ta\*sks/\[a\]"), status=200),
    RequestMatcher(scope="s", generation=1, path="/v1/ta*s"),
    RequestMatcher(scope="t", generation=0, method="GET", path='/v1/tasks/task_\n,"'),
    RequestMatcher(since=T0 + 150, scope="t", generation=0),
    RequestMatcher(body={"prompt": "a cat"}, method="POST"),
]


def _all_pages(journal: JournalStore, matcher: RequestMatcher, limit: int) -> list[JournalEntry]:
    page = journal.journal(matcher, limit=limit)
    found = list(page.entries)
    while page.next_cursor is not None:
        page = journal.journal(matcher, limit=limit, cursor=page.next_cursor)
        found += page.entries
    return found


def test_entries_are_paged_in_order_and_read_back_newest_first(opened: JournalStore) -> None:
    entries = _entries(300)
    for entry in entries:
        opened.record(entry)
    assert _all_pages(opened, EVERYTHING, 7) == entries
    in_s = RequestMatcher(scope="s", generation=1)
    assert _all_pages(opened, in_s, 10) == [e for e in entries if in_s.matches(e)]
    assert opened.newest_requests(EVERYTHING, limit=5).entries == entries[:-6:-1]
    assert opened.journal(EVERYTHING, limit=10).dropped == 0


@pytest.mark.parametrize("matcher", MATCHERS, ids=range(len(MATCHERS)))
def test_a_count_equals_counting_the_entries(opened: JournalStore, matcher: RequestMatcher) -> None:
    entries = _entries(400)
    for entry in entries:
        opened.record(entry)
    assert opened.count_requests(matcher) == sum(1 for entry in entries if matcher.matches(entry))


def test_counts_follow_the_cap_dropping_the_oldest(store: str) -> None:
    small = open_store(store, journal_bytes=60_000)  # a few hundred entries kept
    entries = _entries(1500, seed=11)
    for entry in entries:
        small.record(entry)
    kept = _all_pages(small, EVERYTHING, 1000)
    assert 0 < len(kept) < len(entries) and kept == entries[len(entries) - len(kept) :]
    assert small.journal(EVERYTHING, limit=1).dropped == len(entries) - len(kept)
    for matcher in MATCHERS:
        assert small.count_requests(matcher) == sum(1 for entry in kept if matcher.matches(entry)), matcher


def test_a_clear_forgets_entries_and_their_counts(opened: Store) -> None:
    for entry in _entries(100):
        opened.record(entry)
    in_s = RequestMatcher(scope="s", generation=1)
    assert opened.count_requests(in_s) > 0
    opened.clear_journal("s")
    opened.clear_journal("s")  # a scope's clears: its next generations (no entry has 2), the entries stay
    assert opened.settings("s").scope.journal == 2
    assert opened.count_requests(EVERYTHING) == 100
    assert opened.count_requests(RequestMatcher(scope="s", generation=2)) == 0
    opened.clear_journal(GLOBAL)
    assert opened.count_requests(EVERYTHING) == 0 and opened.count_requests(in_s) == 0
    assert _all_pages(opened, EVERYTHING, 10) == []
    opened.record(_entries(1)[0])
    assert opened.count_requests(EVERYTHING) == 1


def test_a_count_reading_too_many_distinct_keys_asks_to_narrow_it(opened: JournalStore) -> None:
    for n in range(MAX_READ_KEYS + 1):
        opened.record(JournalEntry(T0, "GET", f"/v1/tasks/task_{n}", "acct_a", 404, 1, scope="s"))
    opened.record(JournalEntry(T0, "POST", "/v1/midjourney/generations", "acct_a", 200, 1, scope="s"))
    wide = RequestMatcher(scope="s", path_pattern=PathPattern("/v1/.*"))
    with pytest.raises(InvalidRequest, match="narrow it with path"):
        opened.count_requests(wide)
    assert opened.count_requests(RequestMatcher(scope="s")) == MAX_READ_KEYS + 2  # no key read
    narrowed = RequestMatcher(scope="s", method="POST", path_pattern=PathPattern("/v1/.*"))
    assert opened.count_requests(narrowed) == 1


def test_counts_taken_while_the_journal_grows_and_rotates(store: str) -> None:
    """A count between appends reads only what came since (a worker keeps what it read), also across the
    cap dropping the oldest entries meanwhile."""
    small = open_store(store, journal_bytes=60_000)
    entries = _entries(1500, seed=5)
    in_t = RequestMatcher(scope="t", generation=0, path_pattern=PathPattern("/v1/.*"))
    for start in range(0, len(entries), 100):
        for entry in entries[start : start + 100]:
            small.record(entry)
        kept = _all_pages(small, EVERYTHING, 1000)
        assert small.count_requests(EVERYTHING) == len(kept)
        assert small.count_requests(in_t) == sum(1 for entry in kept if in_t.matches(entry))
    assert small.journal(EVERYTHING, limit=1).dropped > 0
