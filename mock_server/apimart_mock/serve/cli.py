"""`apimart-mock`: `serve` (flags -> `MockConfig` -> granian worker processes sharing one store), and the
control subcommands of a running mock (`remote.py`: reset, clock, faults, tasks, requests, balance, health).

Only `serve` needs the [mock] extra: the control subcommands speak HTTP with httpx, as any client does."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apimart_mj import __version__
from apimart_mj._exits import quiet_on_closed_pipe
from apimart_mj._extras import require_extra

from ..config import (
    ACCOUNT_REST,
    ACCOUNT_SHARE,
    BODY_READ_TIMEOUT_S,
    DEFAULT_RETENTION,
    LOOPBACK_HOSTS,
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    Limits,
    MockConfig,
    ViewShape,
)
from ..domain.lifecycle import SCENARIO_HELP
from ..store import StoreUnavailable
from . import remote

__all__ = ["main"]

ADMIN_TOKEN_VARIABLE = "APIMART_MOCK_ADMIN_TOKEN"
_WILDCARDS = {"0.0.0.0", "::", ""}
_EPILOG = (
    "scenarios (request header X-Mock-Scenario on any submit; X-Mock-Fail-Reason sets the reason):\n"
    + "\n".join(f"  {scenario:<22} {text}" for scenario, text in SCENARIO_HELP.items())
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apimart-mock", description="Mock of the APIMart Midjourney task API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the mock with granian",
        description="Serve the mock with granian (worker processes sharing one store).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    add("--port", type=int, default=4010, help="port to bind (default 4010)")
    add("--workers", type=int, default=2, help="worker processes (default 2)")
    add(
        "--threads",
        type=int,
        default=256,
        help="threads per worker (default 256): the most app threads each worker starts on demand (polls"
        " and request bodies still arriving hold none)",
    )
    add(
        "--body-timeout",
        type=float,
        default=BODY_READ_TIMEOUT_S,
        help=f"seconds a request body may take to arrive, then 408 (default {BODY_READ_TIMEOUT_S:g})",
    )
    add(
        "--max-connections",
        type=_positive,
        default=MAX_CONNECTIONS,
        help=f"connections a worker keeps; past them the idlest are closed (default {MAX_CONNECTIONS})",
    )
    add(
        "--account-share",
        type=_whole,
        default=ACCOUNT_SHARE,
        help="requests of one account a worker runs at once, the others wait in line; 0: no limit"
        f" (default {ACCOUNT_SHARE})",
    )
    add(
        "--account-rest",
        type=_amount,
        default=ACCOUNT_REST,
        help="while other accounts are active, an account with requests waiting for its turns rests each"
        f" turn this many times the CPU time its request took; 0: no rest (default {ACCOUNT_REST:g})",
    )
    add("--access-log", action="store_true", help="log every request to stdout (default: off)")
    add(
        "--store",
        default=os.environ.get("APIMART_MOCK_STORE"),
        help="where all state lives: a SQLite file, or redis://HOST:PORT/DB[?prefix=NAME] that replicas share"
        " (env APIMART_MOCK_STORE; default: a temp SQLite file removed on exit)",
    )
    add("--shape", choices=[s.value for s in ViewShape], default="live", help="MJ view shape (default live)")
    add("--speed", type=float, default=1.0, help="clock speed factor: 10 = ten clock seconds per second")
    add("--frozen", action="store_true", help="start with the clock frozen (advance it via /__mock/clock)")
    add("--retention", type=float, default=DEFAULT_RETENTION, help="seconds a task is kept (default 3 days)")
    add("--api-key", action="append", default=[], help="allow only this bearer token (repeatable)")
    add(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_VARIABLE),
        help=f"require X-Mock-Admin-Token on /__mock/ (default: ${ADMIN_TOKEN_VARIABLE}, which, unlike"
        " this flag, does not show in `ps`)",
    )
    add(
        "--control-from-anywhere",
        action="store_true",
        help="serve /__mock/ to non-loopback clients too (needs an admin token)",
    )
    add(
        "--allowed-host",
        metavar="NAME",
        type=_allowed_host,
        action="append",
        default=[],
        help="answer requests for this host name too, any port (repeatable; default: the loopback names, the"
        " --host address and the --public-url host; any other Host header gets 403)",
    )
    add("--public-url", help="base URL of the image URLs handed out (default: the request's host)")
    add("--rate-limit", type=float, help="requests per second per account (default: no limit)")
    add("--seed", type=int, default=0, help="seed of ids and fault draws (default 0)")
    add(
        "--balance",
        type=_amount,
        help="every account's starting balance; a submit costing more than is left answers 402"
        " (default: unlimited)",
    )
    add("--journal", help="path prefix of the request journal's files (default: beside the store)")
    _add_limits(serve)
    add(
        "--reject-unknown-fields",
        action="store_true",
        help="answer 400 to a body field the spec does not name (default: ignore it, as the service does)",
    )
    remote.add_commands(commands)
    _add_fidelity(commands)
    return parser


_LIMIT_FLAGS = {
    "metadata_bytes": ("--max-metadata-bytes", "bytes of a submit's metadata as JSON"),
    "metadata_depth": ("--max-metadata-depth", "nesting levels of a submit's metadata"),
    "image_urls": ("--max-image-urls", "entries of image_urls"),
    "image_url_chars": ("--max-image-url-chars", "characters of one image URL or data URI"),
    "prompt_chars": ("--max-prompt-chars", "characters of a prompt"),
    "journal_bytes": ("--journal-max-bytes", "bytes of the request journal (the oldest entries go, counted)"),
    "journal_body_bytes": ("--journal-body-bytes", "bytes of each request body the journal keeps"),
}
"""The `Limits` fields as flags; a submit past one answers 400 (the body past --max-body-bytes 413)."""


def _add_limits(serve: argparse.ArgumentParser) -> None:
    limits = serve.add_argument_group("limits (a submit past one answers 400 in the error envelope)")
    defaults = Limits()
    for name, (flag, text) in _LIMIT_FLAGS.items():
        default = getattr(defaults, name)
        limits.add_argument(
            flag, dest=name, type=_positive, default=default, help=f"{text} (default {default})"
        )
    limits.add_argument(
        "--max-body-bytes",
        metavar="N",
        type=_positive,
        default=MAX_BODY_BYTES,
        help=f"bytes of a request body, 413 above (default {MAX_BODY_BYTES})",
    )


def _positive(text: str) -> int:
    return _whole(text, minimum=1)


def _whole(text: str, minimum: int = 0) -> int:
    if not text.isdigit() or int(text) < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
    return int(text)


def _amount(text: str) -> float:
    try:
        amount = float(text)
    except ValueError:
        amount = math.nan
    if not (math.isfinite(amount) and amount >= 0):
        raise argparse.ArgumentTypeError(f"expected an amount >= 0, got {text!r}")
    return amount


def _allowed_host(text: str) -> str:
    """A host name or address as `Host` names it, lower case (an IPv6 address without brackets)."""
    text = text.strip()
    try:
        parts = urlsplit(f"//[{text}]" if text.count(":") > 1 and "[" not in text else f"//{text}")
        name, port = parts.hostname, parts.port
    except ValueError:
        name = port = None
    if not name or port is not None or parts.path:
        raise argparse.ArgumentTypeError(f"expected a host name without port or path, got {text!r}")
    return name


def _add_fidelity(commands: Any) -> None:
    fidelity = commands.add_parser(
        "fidelity",
        help="replay recorded traffic against a fresh mock: where its answers differ in shape",
        description="Replay HAR cassettes (apimart-proxy --record DIR) against a fresh in-process mock, its"
        " clock moved to each recorded request's time, and list where its answers differ from the recorded"
        " ones in shape, with the option that closes each difference. Exit 0: no difference, 1: some.",
    )
    fidelity.add_argument("cassettes", metavar="DIR", help="folder of .har files (or one file)")
    fidelity.add_argument(
        "--shape", choices=[s.value for s in ViewShape], default="live", help="the mock's shape"
    )
    fidelity.add_argument("--seed", type=int, default=0, help="the mock's seed (default 0)")
    fidelity.add_argument("--json", action="store_true", help="print the report as JSON")


def _fidelity(args: argparse.Namespace) -> int:
    require_extra("apimart-mock fidelity", "mock")
    require_extra("apimart-mock fidelity", "contract")  # reads the cassettes
    from apimart_contract.proxy import CassetteError

    from .cassettes import read
    from .fidelity import measure

    try:
        exchanges = read(Path(args.cassettes))
    except CassetteError as error:
        print(f"apimart-mock fidelity: {error}", file=sys.stderr)
        return 2
    found = measure(exchanges, MockConfig(shape=ViewShape(args.shape), seed=args.seed))
    print(json.dumps(found.to_json(), indent=2) if args.json else found.markdown())
    return 1 if found.seen else 0


def _refusal(args: argparse.Namespace) -> str | None:
    """Why these options must not serve (one line), or None."""
    token = args.admin_token
    if token is not None and not token.strip():
        return f"the admin token is empty (--admin-token or ${ADMIN_TOKEN_VARIABLE}): set one, or unset it"
    if args.control_from_anywhere and token is None:
        return f"--control-from-anywhere needs an admin token (${ADMIN_TOKEN_VARIABLE} or --admin-token)"
    return None


def _served_hosts(args: argparse.Namespace) -> frozenset[str]:
    """The loopback names, the ones --allowed-host adds and the bound address unless a wildcard."""
    bound = {args.host.strip("[]").lower()} - _WILDCARDS
    return LOOPBACK_HOSTS | set(args.allowed_host) | bound


def main(argv: Sequence[str] | None = None) -> int:
    """Run `apimart-mock`; the exit status (141, quietly, when the output's reader has gone)."""
    return quiet_on_closed_pipe(lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "fidelity":
        return _fidelity(args)
    if args.command != "serve":
        return remote.run(args)
    require_extra("apimart-mock serve", "mock")
    from . import server

    refusal = _refusal(args)
    if refusal is not None:
        print(f"apimart-mock: {refusal}", file=sys.stderr)
        return 2
    folder = None if args.store else tempfile.mkdtemp(prefix="apimart-mock-")
    config = MockConfig(
        store=args.store or os.path.join(str(folder), "store.sqlite"),
        shape=ViewShape(args.shape),
        speed=args.speed,
        retention=args.retention,
        api_keys=frozenset(args.api_key),
        admin_token=args.admin_token,
        public_url=args.public_url,
        seed=args.seed,
        frozen_at=time.time() if args.frozen else None,
        rate_limit=args.rate_limit,
        control_from_anywhere=args.control_from_anywhere,
        reject_unknown_fields=args.reject_unknown_fields,
        balance=args.balance,
        journal=args.journal,
        max_body_bytes=args.max_body_bytes,
        limits=Limits(**{name: getattr(args, name) for name in _LIMIT_FLAGS}),
        allowed_hosts=_served_hosts(args),
    )
    try:
        server.serve(
            config,
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            body_timeout=args.body_timeout,
            max_connections=args.max_connections,
            account_share=args.account_share,
            account_rest=args.account_rest,
            access_log=args.access_log,
        )
    except (server.PortTaken, StoreUnavailable) as error:
        print(f"apimart-mock: {error}", file=sys.stderr)
        return 1
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
