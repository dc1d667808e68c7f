"""One proxy run: the loopback server and its forwarding app in this process (`_server`: granian, one
worker on this process's event loop); the judge and the recorder in a process of their own (so judging
never holds the interpreter the answers need), fed by a bounded queue; and what is reported when it
stops.

Every exchange is judged live (one line per violation as it happens, and `/__proxy/report`) and recorded
(into `--record DIR`, else a folder of the run's own, removed at the end). When the proxy stops, the
report is what `apimart-contract --cassettes` says of that recording: one judge, one report writer."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._cassette import Recorded
from ._forward import Forwarder
from ._server import Listener

__all__ = ["Judging", "Watch"]

_SHOWN = 200
"""Violations and notices the live report lists (the newest; the counts cover all)."""


@dataclass(frozen=True)
class _Settings:
    upstream: str
    folder: Path
    redact: frozenset[str]
    max_bytes: int
    max_files: int
    summary: Path


class Judging:
    """The hand-off: a bounded queue to the judging process. What does not fit is dropped and counted;
    the judge's summary comes back through a small JSON file it rewrites whenever it has caught up."""

    def __init__(self, settings: _Settings, size: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.summary_path = settings.summary
        self.received = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._queue: multiprocessing.Queue[Recorded | None] = context.Queue(size)
        self._process = context.Process(
            target=_judge, args=(self._queue, settings), name="apimart-proxy-judge"
        )
        self._process.start()

    def __call__(self, exchange: Recorded) -> None:
        try:
            self._queue.put_nowait(exchange)
        except queue.Full:
            with self._lock:
                self.dropped += 1
            return
        with self._lock:
            self.received += 1

    def summary(self) -> dict[str, Any]:
        try:
            found: dict[str, Any] = json.loads(self.summary_path.read_text())
        except (OSError, ValueError):
            found = {"judged": 0, "exchanges": 0, "violations": [], "notices": []}
        return {**found, "pending": self.received - found["judged"], "dropped": self.dropped}

    def close(self, timeout: float = 60.0) -> None:
        """Let the judge finish what is queued (at most `timeout` seconds), then stop it."""
        self._queue.put(None, timeout=timeout)
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()


def _judge(exchanges: multiprocessing.Queue[Recorded | None], settings: _Settings) -> None:
    """The judging process: record and judge each exchange in order, rewrite the summary when caught up
    (or every 0.2 s while busy)."""
    from ..spec import prepare
    from ._cassette import Recorder, Redactor
    from ._judging import Judgement

    prepare(settings.upstream)
    judgement = Judgement(target=settings.upstream, on_violation=_log)
    recorder = Recorder(
        settings.folder, Redactor(settings.redact), max_bytes=settings.max_bytes, max_files=settings.max_files
    )
    judged = failures = 0
    written = 0.0

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

    while (exchange := exchanges.get()) is not None:
        try:
            recorder.write(exchange)
            judgement.add(exchange)
        except Exception:  # a bug in a check must not stop the judging of what follows
            failures += 1
        judged += 1
        if exchanges.empty() or time.monotonic() - written > 0.2:
            write_summary()
            written = time.monotonic()
    recorder.close()
    write_summary()


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
        judging = Judging(settings, args.queue)
        watch: Watch

        def report() -> dict[str, Any]:
            return watch.judging.summary()

        try:
            server = Listener(args.host, args.port, Forwarder(args.upstream, judging, report))
        except OSError:
            judging.close()
            raise
        watch = cls(server, judging, folder, args.report_dir, state)
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
