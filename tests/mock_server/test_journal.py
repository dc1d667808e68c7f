"""The file journal on its own: bounded, every entry counted once (kept or dropped), pages and the
newest-first read agreeing across segment and chunk boundaries."""

from __future__ import annotations

import itertools
from pathlib import Path

from apimart_mock.domain.journal import JournalEntry, RequestMatcher
from apimart_mock.store.journal import FileJournal

EVERYTHING = RequestMatcher()


def _entry(n: int) -> JournalEntry:
    return JournalEntry(
        float(n), "POST", f"/v1/x/{n}", "acct_a", 200, 1, body="b" * (n % 300), body_bytes=n % 300
    )


def _all_pages(journal: FileJournal, limit: int) -> list[JournalEntry]:
    page = journal.page(EVERYTHING, limit, None)
    found = list(page.entries)
    while page.next_cursor is not None:
        page = journal.page(EVERYTHING, limit, page.next_cursor)
        found += page.entries
    return found


def test_pages_and_the_newest_first_read_agree(tmp_path: Path) -> None:
    journal = FileJournal(str(tmp_path / "j"), 64 * 1024 * 1024)
    entries = [_entry(n) for n in range(3000)]  # ~500 KB: many 64 KB read chunks
    for entry in entries:
        journal.record(entry)
    assert _all_pages(journal, 7) == entries
    assert journal.newest(EVERYTHING, 5000).entries == entries[::-1]
    assert journal.count(RequestMatcher(since=2990.0)) == 10


def test_the_cap_holds_and_drops_the_oldest_counted(tmp_path: Path) -> None:
    cap = 40_000
    journal = FileJournal(str(tmp_path / "j"), cap)
    sent = [_entry(n) for n in range(2000)]
    for entry in sent:
        journal.record(entry)
    assert sum(p.stat().st_size for p in tmp_path.glob("j.[0-9]*")) <= cap
    kept = _all_pages(journal, 100)
    assert kept == sent[len(sent) - len(kept) :]  # the newest, in order
    assert journal.dropped() + len(kept) == len(sent)
    assert journal.newest(EVERYTHING, 3).entries == sent[:-4:-1]
    journal.clear()
    assert _all_pages(journal, 100) == [] and journal.dropped() == 0
    journal.record(sent[0])
    assert _all_pages(journal, 100) == [sent[0]]


def test_another_worker_counts_from_the_counts_written_down(tmp_path: Path) -> None:
    """A count that read many key lines writes its counts down; another process's first count starts from
    them and reads only the lines appended since, and counts the same as the entries say."""
    first = FileJournal(str(tmp_path / "j"), 64 * 1024 * 1024)
    entries = [_entry(n) for n in range(14_000)]  # more key lines than a count reads before writing down
    for entry in entries[:13_900]:
        first.record(entry)
    assert first.count(EVERYTHING) == 13_900
    assert (tmp_path / "j.1.counted").exists()
    for entry in entries[13_900:]:
        first.record(entry)
    other = FileJournal(str(tmp_path / "j"), 64 * 1024 * 1024)  # as a worker that never counted
    assert other.count(EVERYTHING) == len(entries)
    first.clear()
    assert other.count(EVERYTHING) == 0 and not list(tmp_path.glob("j.*.counted"))


def test_entries_appended_together_split_where_one_by_one_would(tmp_path: Path) -> None:
    """`record_all` (one write per file for a batch) leaves the same segments, the same dropped count
    and the same pages as `record` of each entry in turn, across rotations in the middle of a batch."""
    cap = 40_000
    one_by_one = FileJournal(str(tmp_path / "one"), cap)
    together = FileJournal(str(tmp_path / "all"), cap)
    sent = [_entry(n) for n in range(2000)]
    for entry in sent:
        one_by_one.record(entry)
    start = 0
    for size in itertools.cycle((1, 7, 60, 3)):  # batches of several segments' worth, and single entries
        together.record_all(sent[start : start + size])
        start += size
        if start >= len(sent):
            break
    for segment in tmp_path.glob("one.[0-9]*"):
        twin = tmp_path / segment.name.replace("one", "all", 1)
        assert twin.read_bytes() == segment.read_bytes(), segment.name
    assert sorted(p.name[3:] for p in tmp_path.glob("all.*")) == sorted(
        p.name[3:] for p in tmp_path.glob("one.*")
    )
    assert together.dropped() == one_by_one.dropped() > 0
    assert _all_pages(together, 100) == _all_pages(one_by_one, 100)
