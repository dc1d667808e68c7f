"""`FileJournal`: the request journal as numbered JSON-lines segment files, bounded in bytes.

One `write()` per request (or per batch of requests: `record_all`, which the RSGI loop uses for the polls
of one turn) on an O_APPEND descriptor, which the kernel orders across processes without any lock
(SQLite's write lock on every request cost whole milliseconds under load). The journal lives
in segments `<path>.<n>`: a writer appends to the newest one; when it passes half the cap, the writer
that notices starts segment n+1 and deletes n-1 (under an flock, rare), counting the entries it drops.
So the journal holds at most about `max_bytes`, the newest entries kept. A writer checks per append
that no newer segment exists (one `stat`), so after a rotation or a clear every process moves on.

Beside each segment, `<path>.<n>.keys` holds one request key per entry (`store.counts`), written right
after the entry, and goes with its segment; a count reads those short lines alone (counted by
`collections.Counter`, matched once per distinct key), never the entries. Both files count against the
cap. A worker keeps what it counted and reads only the lines appended since; past `_SUMMARY_AFTER` new
bytes it writes its counts down in `<path>.<n>.counted`, so another worker's first count starts there.

A cursor is `<segment>:<offset>`: where the next page starts. A page reads only from there on, so the
first page costs the same after 500k requests as after ten.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from ..domain.errors import InvalidRequest
from ..domain.journal import JournalEntry, JournalPage, RequestMatcher
from .counts import count_by_keys, indexed, request_key

__all__ = ["FileJournal"]

_CHUNK = 64 * 1024
_SUMMARY_AFTER = 512 * 1024
"""Bytes of key lines (about 6,000 entries) one count reads before it writes down the counts so far in
`<path>.<n>.counted`, so that another process's first count starts from there."""


class FileJournal:
    """The journal at `path` (segments `<path>.<n>` with their keys `<path>.<n>.keys`, plus `<path>.lock` and
    `<path>.dropped`)."""

    def __init__(self, path: str, max_bytes: int) -> None:
        self.path = path
        self.segment_bytes = max(max_bytes // 2, 1)
        self._open: tuple[int, int, int, int] | None = None
        """(pid, segment, its fd, its keys' fd): a forked worker opens its own."""
        self._lock = threading.Lock()
        self._counted: dict[int, tuple[int, int, Counter[str]]] = {}
        """Per segment, the counts by key read so far from its keys file: (its inode, bytes read, counts).
        A count reads only what was appended since (`_counting` held)."""
        self._counting = threading.Lock()

    # ---- writing ----
    def record(self, entry: JournalEntry) -> None:
        """Append one entry (raises OSError when the disk is full: the caller decides what that means)."""
        self.record_all((entry,))

    def record_all(self, entries: Sequence[JournalEntry]) -> None:
        """Append `entries` in their order, with one write per file for as many as fit in the segment
        (each write is a system call, which also hands the GIL to any thread waiting for it)."""
        lines = [(entry.to_text().encode() + b"\n", request_key(entry).encode() + b"\n") for entry in entries]
        with self._lock:
            opened = self._open
            if opened is None or opened[0] != os.getpid():
                segment, fd, keys = self._switch(self._newest())
            else:
                segment, fd, keys = opened[1:]
            size = os.fstat(fd)
            if size.st_nlink == 0 or os.path.exists(self._file(segment + 1)):  # cleared, or rotated
                segment, fd, keys = self._switch(self._newest())
                size = os.fstat(fd)
            used = size.st_size + os.fstat(keys).st_size
            start = 0
            for end, (line, key) in enumerate(lines):
                if used + len(line) + len(key) > self.segment_bytes:
                    _append(fd, keys, lines[start:end])
                    segment, fd, keys = self._rotate(segment)
                    used, start = os.fstat(fd).st_size + os.fstat(keys).st_size, end
                used += len(line) + len(key)
            _append(fd, keys, lines[start:])

    def _newest(self) -> int:
        segments = self._segments()
        return segments[-1] if segments else self._create_first()

    def _switch(self, segment: int) -> tuple[int, int, int]:
        opened = self._open
        if opened is not None and opened[0] == os.getpid():
            os.close(opened[2])
            os.close(opened[3])
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        fd = os.open(self._file(segment), flags, 0o600)
        keys = os.open(self._keys(segment), flags, 0o600)
        self._open = (os.getpid(), segment, fd, keys)
        return segment, fd, keys

    def _create_first(self) -> int:
        with self._exclusive():
            segments = self._segments()
            if segments:
                return segments[-1]
            os.close(os.open(self._file(1), os.O_WRONLY | os.O_CREAT, 0o600))
            return 1

    def _rotate(self, full: int) -> tuple[int, int, int]:
        """Start the segment after `full` (unless another process just did) and drop the one before it."""
        with self._exclusive():
            segments = self._segments()
            if segments[-1] == full:
                os.close(os.open(self._file(full + 1), os.O_WRONLY | os.O_CREAT, 0o600))
                segments.append(full + 1)
            dropped = 0
            for old in segments[:-2]:
                dropped += _count_lines(self._file(old))
                self._unlink(old)
            if dropped:
                self._add_dropped(dropped)
        return self._switch(segments[-1])

    def clear(self) -> None:
        """Forget every entry and the dropped count; writers move on to a new, empty segment."""
        with self._exclusive():
            segments = self._segments()
            newest = (segments[-1] if segments else 0) + 1
            os.close(os.open(self._file(newest), os.O_WRONLY | os.O_CREAT, 0o600))
            for old in segments:
                self._unlink(old)
            with suppress(FileNotFoundError):  # no file is a count of 0, and writes nothing on a full disk
                os.unlink(self.path + ".dropped")

    # ---- reading ----
    def page(self, matcher: RequestMatcher, limit: int, cursor: str | None) -> JournalPage:
        """Up to `limit` matching entries from `cursor` on (oldest first)."""
        entries: list[JournalEntry] = []
        next_cursor: str | None = None
        for position, entry in self._entries(cursor):
            if matcher.matches(entry):
                if len(entries) == limit:
                    next_cursor = position
                    break
                entries.append(entry)
        return JournalPage(entries, next_cursor, self.dropped())

    def newest(self, matcher: RequestMatcher, limit: int) -> JournalPage:
        """The `limit` newest matching entries, newest first (read from the end: as cheap at 500k)."""
        found: list[JournalEntry] = []
        for entry in self._backwards():
            if len(found) == limit:
                break
            if matcher.matches(entry):
                found.append(entry)
        return JournalPage(found, None, self.dropped())

    def count(self, matcher: RequestMatcher) -> int:
        """How many entries match: from the keys files (`store.counts`) unless the matcher needs the
        entries themselves (`since`, `body`)."""
        if not indexed(matcher):
            return sum(1 for _, entry in self._entries(None) if matcher.matches(entry))
        counts: Counter[str] = Counter()
        with self._counting:
            segments = self._segments()
            self._counted = {segment: kept for segment, kept in self._counted.items() if segment in segments}
            for segment in segments:
                counted = self._key_counts(segment)
                if counted is None:  # written before keys were kept (or dropped meanwhile): its entries
                    counted = Counter(request_key(entry) for entry in self._segment_entries(segment))
                counts.update(counted)
        return count_by_keys(matcher, counts)

    def _key_counts(self, segment: int) -> Counter[str] | None:
        """The counts by key of the segment's keys file (None: it has none), reading only the lines
        appended since this process last read it."""
        try:
            file = open(self._keys(segment), "rb")  # noqa: SIM115 (closed by the `with` below)
        except FileNotFoundError:
            return None
        with file:
            inode = os.fstat(file.fileno()).st_ino
            known, offset, counts = self._counted.get(segment) or self._summary(segment)
            if known != inode:  # a new file under the number (after a clear): read it anew
                offset, counts = 0, Counter()
            file.seek(offset)
            data = file.read()
        complete = data.rfind(b"\n") + 1  # a line still being written waits for the next count
        counts.update(data[:complete].decode().split("\n")[:-1])
        self._counted[segment] = (inode, offset + complete, counts)
        if complete >= _SUMMARY_AFTER:
            self._write_summary(segment, inode, offset + complete, counts)
        return counts

    def _summary(self, segment: int) -> tuple[int, int, Counter[str]]:
        """What a count of any process last wrote down of the segment's keys: (the keys file's inode,
        the bytes it covers, their counts); nothing read yet when there is none."""
        try:
            with open(self._summary_file(segment), encoding="utf-8") as file:
                inode, offset, counts = json.load(file)
            return int(inode), int(offset), Counter(counts)
        except (FileNotFoundError, ValueError):  # none yet, or (a full disk) cut short: read the keys
            return 0, 0, Counter()

    def _write_summary(self, segment: int, inode: int, offset: int, counts: Counter[str]) -> None:
        """Write down the counts so far for every process's first count (replaced whole, never half)."""
        temporary = f"{self._summary_file(segment)}.{os.getpid()}-{threading.get_ident()}.tmp"  # no segment
        with suppress(OSError):  # a full disk: the next count reads the keys again
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, json.dumps([inode, offset, counts]).encode())
            finally:
                os.close(fd)
            os.replace(temporary, self._summary_file(segment))

    def dropped(self) -> int:
        try:
            with open(self.path + ".dropped") as file:
                return int(file.read() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _segment_entries(self, segment: int) -> Iterator[JournalEntry]:
        cursor = f"{segment}:0"
        for position, entry in self._entries(cursor):
            if not position.startswith(f"{segment}:"):
                return
            yield entry

    def _entries(self, cursor: str | None) -> Iterator[tuple[str, JournalEntry]]:
        """Every entry from `cursor` on, each with its own position (a cursor starting at it)."""
        start_segment, start_offset = _parse_cursor(cursor)
        for segment in self._segments():
            if segment < start_segment:
                continue
            offset = start_offset if segment == start_segment else 0
            try:
                file = open(self._file(segment), "rb")  # noqa: SIM115 (closed by the `with` below)
            except FileNotFoundError:  # dropped meanwhile: its entries are gone
                continue
            with file:
                file.seek(offset)
                rest = b""
                while chunk := file.read(_CHUNK):
                    lines = (rest + chunk).split(b"\n")
                    rest = lines.pop()
                    for line in lines:
                        position = f"{segment}:{offset}"
                        offset += len(line) + 1
                        if line:
                            yield position, JournalEntry.from_row(json.loads(line))

    def _backwards(self) -> Iterator[JournalEntry]:
        for segment in reversed(self._segments()):
            try:
                file = open(self._file(segment), "rb")  # noqa: SIM115 (closed by the `with` below)
            except FileNotFoundError:
                continue
            with file:
                end = file.seek(0, os.SEEK_END)
                rest = b""
                while end > 0:
                    start = max(0, end - _CHUNK)
                    file.seek(start)
                    lines = (file.read(end - start) + rest).split(b"\n")
                    rest = lines.pop(0) if start > 0 else b""
                    end = start
                    for line in reversed(lines):
                        if line:
                            yield JournalEntry.from_row(json.loads(line))

    # ---- files ----
    def _file(self, segment: int) -> str:
        return f"{self.path}.{segment}"

    def _keys(self, segment: int) -> str:
        return f"{self.path}.{segment}.keys"

    def _summary_file(self, segment: int) -> str:
        return f"{self.path}.{segment}.counted"

    def _unlink(self, segment: int) -> None:
        os.unlink(self._file(segment))
        for path in (self._keys(segment), self._summary_file(segment)):
            with suppress(FileNotFoundError):  # a segment written before keys were kept has neither
                os.unlink(path)

    def _segments(self) -> list[int]:
        found = []
        for name in glob.glob(glob.escape(self.path) + ".*"):
            suffix = name.rsplit(".", 1)[1]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        fd = os.open(self.path + ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _add_dropped(self, count: int) -> None:
        self._write_dropped(self.dropped() + count)

    def _write_dropped(self, count: int) -> None:
        fd = os.open(self.path + ".dropped", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, str(count).encode())
        finally:
            os.close(fd)


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    if cursor is None:
        return 0, 0
    segment, _, offset = cursor.partition(":")
    if not (segment.isdigit() and offset.isdigit() and len(cursor) < 40):
        raise InvalidRequest("cursor is not one this server handed out")
    return int(segment), int(offset)


def _append(fd: int, keys: int, lines: Sequence[tuple[bytes, bytes]]) -> None:
    """Write entries' lines to the segment `fd`, then their keys to `keys`."""
    if lines:
        os.write(fd, b"".join(line for line, _ in lines))
        os.write(keys, b"".join(key for _, key in lines))


def _count_lines(path: str) -> int:
    with open(path, "rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(_CHUNK), b""))
