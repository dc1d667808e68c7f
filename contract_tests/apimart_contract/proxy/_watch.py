"""One proxy run: the loopback server, the forwarding app, the hand-off to the judging thread, the
recorder, and what is reported when it stops.

Every exchange is judged live (one line per violation as it happens, and `/__proxy/report`) and recorded
(into `--record DIR`, else a folder of the run's own, removed at the end). When the proxy stops, the
report is what `apimart-contract --cassettes` says of that recording: one judge, one report writer."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..spec import prepare
from ._cassette import Recorded, Recorder, Redactor
from ._forward import Forwarder, Handoff
from ._judging import Judgement

__all__ = ["Watch"]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log: the proxy's output is its violations."""


@dataclass
class Watch:
    server: BaseWSGIServer
    handoff: Handoff
    judgement: Judgement
    recorder: Recorder
    report_dir: Path
    keep: bool
    """Whether the recording is the user's (`--record`) or only the run's own."""

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @classmethod
    def start(cls, args: argparse.Namespace) -> Watch:
        judgement = Judgement(target=args.upstream, on_violation=_log)
        prepare(args.upstream)  # the validator built before the first answer, not while it waits
        folder = args.record or Path(tempfile.mkdtemp(prefix="apimart-proxy-"))
        redactor = Redactor(frozenset(args.redact))
        recorder = Recorder(
            folder, redactor, max_bytes=args.record_max_mb << 20, max_files=args.record_max_files
        )

        def consume(exchange: Recorded) -> None:
            recorder.write(exchange)
            judgement.add(exchange)

        handoff = Handoff(consume, size=args.queue)
        watch: Watch

        def report() -> dict[str, Any]:
            return watch.status()

        forwarder = Forwarder(args.upstream, handoff, report)
        server = make_server(args.host, args.port, forwarder, threaded=True, request_handler=_Quiet)
        watch = cls(server, handoff, judgement, recorder, args.report_dir, keep=args.record is not None)
        return watch

    def status(self) -> dict[str, Any]:
        recording = None
        if self.recorder is not None:
            recording = {
                "folder": str(self.recorder.folder),
                "failed": self.recorder.failed,
                "lost": self.recorder.lost,
            }
        return {
            **self.judgement.summary(),
            "pending": self.handoff.pending,
            "dropped": self.handoff.dropped,
            "judging_errors": self.handoff.failures,
            "recording": recording,
        }

    def finish(self) -> int:
        """Stop serving, judge what is queued, close the cassette, write the reports; the exit code."""
        from ..cli import main as judge_cassettes

        self.server.server_close()
        self.handoff.close()
        self.recorder.close()
        if self.handoff.dropped:
            print(f"apimart-proxy: {self.handoff.dropped} exchanges not judged (queue full)", file=sys.stderr)
        if self.recorder.failed:
            print(
                f"apimart-proxy: {self.recorder.failed}; {self.recorder.lost} not recorded", file=sys.stderr
            )
        try:
            if not any(self.recorder.folder.glob("*.har")):
                print("apimart-proxy: no exchange recorded: no report", file=sys.stderr)
                return 0
            return judge_cassettes(
                ["--cassettes", str(self.recorder.folder), "--report-dir", str(self.report_dir)]
            )
        finally:
            if not self.keep:
                shutil.rmtree(self.recorder.folder, ignore_errors=True)


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
