"""One proxy run: the loopback server and its forwarding app in this process (`_server`: granian, one
worker on this process's event loop); the judge and the recorder in a process of their own (so judging
never holds the interpreter the answers need), fed through a pipe the loop writes to without waiting;
and what is reported when it stops.

Every exchange is judged live (one line per violation as it happens, and `/__proxy/report`) and recorded
(into `--record DIR`, else a folder of the run's own, removed at the end). When the proxy stops, the
report is what `apimart-contract --cassettes` says of that recording: one judge, one report writer."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import multiprocessing
import os
import pickle
import select
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ._cassette import Recorded
from ._forward import Forwarder
from ._server import Listener

__all__ = ["Judging", "Watch"]

_SHOWN = 200
"""Violations and notices the live report lists (the newest; the counts cover all)."""
_HEADER = 4
"""Each exchange on the pipe: its pickle's length (big-endian), then the pickle."""
_PIPE_BYTES = 1 << 20
"""The pipe's buffer asked for (Linux's default ceiling for an unprivileged process)."""
_HELD_BYTES = 64 << 20
"""At most this much waits in the proxy for room in the pipe."""
_BATCH_SECONDS = 0.05
"""The judge's pause after each batch, for the next to gather."""


@dataclass(frozen=True)
class _Settings:
    upstream: str
    folder: Path
    redact: frozenset[str]
    max_bytes: int
    max_files: int
    summary: Path


class Judging:
    """The hand-off to the judging process: an `_Outbox` on a pipe. The judge's summary comes back
    through a small JSON file it rewrites after each batch."""

    def __init__(self, settings: _Settings, size: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.summary_path = settings.summary
        reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_judge, args=(reader, settings), name="apimart-proxy-judge")
        self._process.start()
        reader.close()
        self._writer = writer  # owns the pipe's end the outbox writes to
        self.outbox = _Outbox(writer.fileno(), size)

    def __call__(self, exchange: Recorded) -> None:
        self.outbox.put(exchange)

    def summary(self) -> dict[str, Any]:
        try:
            found: dict[str, Any] = json.loads(self.summary_path.read_text())
        except (OSError, ValueError):
            found = {"judged": 0, "exchanges": 0, "violations": [], "notices": []}
        pending = self.outbox.sent - found["judged"]
        return {**found, "pending": pending, "dropped": self.outbox.dropped}

    def close(self, timeout: float = 60.0) -> None:
        """Once serving ended: let the judge finish what is handed off (at most `timeout` seconds), then
        stop it."""
        deadline = time.monotonic() + timeout
        self.outbox.drain(deadline)
        self._writer.close()  # the judge reads to the end, then stops
        self._process.join(max(0.0, deadline - time.monotonic()))
        if self._process.is_alive():
            self._process.terminate()


class _Outbox:
    """Exchanges on their way to the judge, each pickled and written by the event loop itself to a
    non-blocking pipe: no thread and no lock beside the answers. What the pipe cannot take yet waits here
    (at most `size` exchanges and `_HELD_BYTES`) and is written when the pipe has room; past that, an
    exchange is dropped and counted. The loop never waits for the judge."""

    def __init__(self, fd: int, size: int) -> None:
        os.set_blocking(fd, False)
        with contextlib.suppress(OSError, AttributeError):  # room for a burst, where Linux allows it
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self.fd = fd
        self.size = size
        self.sent = 0
        """Handed to the pipe (written, or waiting here to be)."""
        self.dropped = 0
        self._held: deque[memoryview] = deque()
        self._held_bytes = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken = False

    def put(self, exchange: Recorded) -> None:
        if self._broken or len(self._held) >= self.size:
            self.dropped += 1
            return
        payload = pickle.dumps(exchange, protocol=pickle.HIGHEST_PROTOCOL)
        frame = memoryview(len(payload).to_bytes(_HEADER, "big") + payload)
        if self._held_bytes + len(frame) > _HELD_BYTES:
            self.dropped += 1
            return
        self.sent += 1
        if self._held:  # behind others: in order
            self._hold(frame)
            return
        written = self._write(frame)
        if written < len(frame):
            self._hold(frame[written:])
            self._loop = asyncio.get_running_loop()
            self._loop.add_writer(self.fd, self._flush)

    def drain(self, deadline: float) -> None:
        """Write what is held, waiting for room until `deadline` (when the loop no longer runs)."""
        while self._held and not self._broken and (left := deadline - time.monotonic()) > 0:
            select.select([], [self.fd], [], left)
            self._flush()

    def _flush(self) -> None:
        while self._held and not self._broken:
            chunk = self._held[0]
            written = self._write(chunk)
            self._held_bytes -= written
            if written < len(chunk):
                self._held[0] = chunk[written:]
                return
            self._held.popleft()
        if self._broken:  # what is held cannot reach the judge (left `pending`)
            self._held.clear()
            self._held_bytes = 0
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_writer(self.fd)

    def _write(self, data: memoryview) -> int:
        """Bytes of `data` written: 0 when the pipe is full, all of them when the judge is gone."""
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            return 0
        except BrokenPipeError:  # the judge is gone: nothing more reaches it
            self._broken = True
            return len(data)

    def _hold(self, data: memoryview) -> None:
        self._held.append(data)
        self._held_bytes += len(data)


def _batches(reader: Connection) -> Iterator[list[Recorded]]:
    """The exchanges the proxy handed off, in order: each time, all that arrived since the last, at most
    one batch per `_BATCH_SECONDS` (so the judge wakes no more often than that beside the answers); ends
    when the proxy closes its end."""
    fd = reader.fileno()
    buffer = bytearray()
    while chunk := os.read(fd, _PIPE_BYTES):
        buffer += chunk
        start = 0
        batch: list[Recorded] = []
        while len(buffer) - start >= _HEADER:
            end = start + _HEADER + int.from_bytes(buffer[start : start + _HEADER], "big")
            if end > len(buffer):
                break
            batch.append(pickle.loads(buffer[start + _HEADER : end]))
            start = end
        del buffer[:start]
        yield batch
        time.sleep(_BATCH_SECONDS)


def _judge(reader: Connection, settings: _Settings) -> None:
    """The judging process: on a core only when nothing else wants it, record and judge each exchange in
    order, rewrite the summary after each batch."""
    _idle_priority()
    from ..spec import prepare
    from ._cassette import Recorder, Redactor
    from ._judging import Judgement

    prepare(settings.upstream)
    judgement = Judgement(target=settings.upstream, on_violation=_log)
    recorder = Recorder(
        settings.folder, Redactor(settings.redact), max_bytes=settings.max_bytes, max_files=settings.max_files
    )
    judged = failures = 0

    def write_summary() -> None:
        found = judgement.summary()
        found.update(
            judged=judged,
            judging_errors=failures,
            violations=found["violations"][-_SHOWN:],
            violation_count=len(found["violations"]),
            notices=found["notices"][-_SHOWN:],
            recording={"failed": recorder.failed, "lost": recorder.lost},
        )
        partial = settings.summary.with_suffix(".partial")
        partial.write_text(json.dumps(found))
        os.replace(partial, settings.summary)

    for batch in _batches(reader):
        for exchange in batch:
            try:
                recorder.write(exchange)
                judgement.add(exchange)
            except Exception:  # a bug in a check must not stop the judging of what follows
                failures += 1
            judged += 1
        write_summary()
    recorder.close()
    write_summary()


def _idle_priority() -> None:
    """This process runs only on a core nothing else wants (Linux's `SCHED_IDLE`; elsewhere the lowest
    nice): judging never takes a core from the answers; when it falls behind, the pipe and the outbox
    hold the backlog (and drop past their bounds)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


@dataclass
class Watch:
    server: Listener
    judging: Judging
    folder: Path
    report_dir: Path
    state: Path

    @property
    def url(self) -> str:
        return self.server.url

    @classmethod
    def start(cls, args: argparse.Namespace) -> Watch:
        """Listen first: an address that cannot be bound (`OSError`) starts no judge and leaves no
        folder behind."""
        watch: Watch

        def handoff(exchange: Recorded) -> None:
            watch.judging(exchange)

        def report() -> dict[str, Any]:
            return watch.judging.summary()

        server = Listener(args.host, args.port, Forwarder(args.upstream, handoff, report))
        state = Path(tempfile.mkdtemp(prefix="apimart-proxy-"))
        folder = args.record or state / "cassettes"
        settings = _Settings(
            args.upstream,
            folder,
            frozenset(args.redact),
            args.record_max_mb << 20,
            args.record_max_files,
            state / "summary.json",
        )
        watch = cls(server, Judging(settings, args.queue), folder, args.report_dir, state)
        return watch

    def stop(self) -> dict[str, Any]:
        """Once the server stopped: let the judge finish; its last summary."""
        self.judging.close()
        return self.judging.summary()

    def finish(self) -> int:
        """Stop, write the reports (the suite's verdict on the recording); the exit code."""
        from ..cli import main as judge_cassettes

        summary = self.stop()
        if summary["dropped"]:
            print(f"apimart-proxy: {summary['dropped']} exchanges not judged (queue full)", file=sys.stderr)
        recording = summary.get("recording") or {}
        if recording.get("failed"):
            print(f"apimart-proxy: {recording['failed']}; {recording['lost']} not recorded", file=sys.stderr)
        try:
            if not any(self.folder.glob("*.har")):
                print("apimart-proxy: no exchange recorded: no report", file=sys.stderr)
                return 0
            return judge_cassettes(["--cassettes", str(self.folder), "--report-dir", str(self.report_dir)])
        finally:
            shutil.rmtree(self.state, ignore_errors=True)  # the run's own recording, if it made one


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
