"""`apimart-proxy`: watch real traffic. A loopback proxy in front of the API (or any upstream) that
forwards every request unchanged, judges each exchange with the contract suite's checks off the answer's
path, logs each violation on one line as it happens, serves them at `/__proxy/report`, optionally
records redacted HAR cassettes, and writes the suite's report.md / report.json / junit.xml when it stops
(Ctrl-C or SIGTERM). Exit code: 0 when nothing was violated, 1 when something was, 2 when it could not
run. See docs/proxy.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from apimart_mj import __version__
from apimart_mj._extras import require_extra

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apimart-proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--upstream", required=True, metavar="URL", help="where to forward, e.g. https://api.apimart.ai"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: loopback only)"
    )
    parser.add_argument(
        "--port", type=int, default=4020, help="port to listen on (default 4020; 0: any free port)"
    )
    parser.add_argument(
        "--record", metavar="DIR", type=Path, help="write redacted HAR 1.2 cassettes into DIR"
    )
    parser.add_argument(
        "--redact",
        metavar="FIELD",
        action="append",
        default=[],
        help="also redact this JSON field (repeatable)",
    )
    parser.add_argument(
        "--record-max-mb",
        type=int,
        default=64,
        metavar="MB",
        help="start a new cassette past this size (default 64)",
    )
    parser.add_argument(
        "--record-max-files",
        type=int,
        default=16,
        metavar="N",
        help="keep the newest N cassettes (default 16)",
    )
    parser.add_argument(
        "--report-dir", default="reports", type=Path, metavar="DIR", help="where the reports go"
    )
    parser.add_argument(
        "--queue",
        type=int,
        default=4096,
        metavar="N",
        help="exchanges held in the proxy while the judge's pipe is full, before some are dropped "
        "(default 4096)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    require_extra("apimart-proxy", "contract")
    from ._watch import Watch

    try:
        watch = Watch.start(args)
    except OSError as error:
        print(f"apimart-proxy: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    print(
        f"apimart-proxy: {watch.url} -> {args.upstream} (report: {watch.url}/__proxy/report)", file=sys.stderr
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        watch.server.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watch.server.serve_forever()
    return watch.finish()


if __name__ == "__main__":
    raise SystemExit(main())
