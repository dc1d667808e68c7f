"""`apimart`: the client layer on the command line. Argument parsing and printing only.

```
apimart get ID [--view mj|unified] [--json]
apimart wait ID [--interval S] [--timeout S] [--json]
apimart imagine PROMPT [--speed fast] [--size 16:9] [--version 7] ... [--wait]
apimart upscale ID --index 2 | --custom-id ID [--wait]
apimart pan ID --direction left [--wait]
apimart modal ID [--prompt TEXT] [--mask-url URL] [--wait]
apimart balance | user-balance [--json]
apimart upload-image FILE [--json]             # prints the URL to send as an image input
```
One subcommand per submit operation of the operations table (`apimart_mj.OPERATIONS`), its arguments
made from the operation's request schema: `apimart <operation> --help` lists them.

The global options (`--api-key`, `--base-url`, `--max-retries`, `--header 'Name: value'`, `--json`,
`-v/--verbose`) go before or after the subcommand; `--api-key` / `--base-url` default to
`$APIMART_API_KEY` / `$APIMART_BASE_URL`. Results go to stdout; progress goes to stderr with the time
waited so far (a bar on a terminal; elsewhere a line per change, and one every 30 s without one), and
so does `--verbose`'s log of every request, retry and poll (the `apimart` logger at DEBUG, the API key
never shown). An error is one line on stderr, never a traceback; with `--json`, stdout also gets the
task (a failed or timed-out wait) or an error envelope `{"error": {"code", "message", "type"}}`, always
JSON. Output to a closed pipe (`apimart get ID | head -1`) ends the command quietly, as `git log | head`.

Exit status (`EXIT_CODES`): 0 success; 1 the task failed or was cancelled; 2 usage (bad arguments, no
key); 3 authentication or permission (401, 403); 4 not found (404); 5 timeout (the wait's or a
request's); 6 network or server error (no connection, 5xx, 429 after retries, a broken response); 7 the
API refused the request otherwise (400, 402, 422, another 4xx); 130 interrupted; 141 the output's
reader went away (a closed pipe: 128 + SIGPIPE, what a shell reports for `git log | head`).
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import importlib
import inspect
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn, TextIO, get_origin

import attrs
from apimart_mj_client import models

from apimart_mj import Kind, Operation, __version__, of_kind, submits
from apimart_mj._exits import EXIT_CODES, exit_code_for_status, quiet_on_closed_pipe

from ._client import Client
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    MIN_POLL_INTERVAL,
)
from ._errors import (
    APIConnectionError,
    APIError,
    ApimartError,
    APIStatusError,
    APITimeoutError,
    InvalidArgumentError,
    TaskFailedError,
    TaskTimeoutError,
)
from ._models import BalanceResponse, MidjourneyTask, SubmittedTask, TaskError, TaskResult
from ._requests import json_text, request_fields
from ._types import Task, WaitOptions

__all__ = ["EXIT_CODES", "exit_code_for_status", "main", "quiet_on_closed_pipe"]

_BAR_WIDTH = 30
_QUIET_LINE_EVERY = 30.0
"""Seconds after which a wait prints its progress line again although nothing changed."""


class _UsageError(Exception):
    """A bad command line (argparse's complaint, or no API key)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


def main(argv: Sequence[str] | None = None, *, client_options: Mapping[str, Any] | None = None) -> int:
    """Run the CLI; returns the exit status. `client_options` go to `Client` (tests pass a transport)."""
    return quiet_on_closed_pipe(
        lambda: _run(list(sys.argv[1:] if argv is None else argv), client_options or {})
    )


def _run(argv: list[str], client_options: Mapping[str, Any]) -> int:
    as_json = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        args.json = as_json = args.json or args.json_after
        args.clock = client_options.get("clock", time.monotonic)
        options: dict[str, Any] = {**_client_options(args), **client_options}
        with Client(**options) as client, _verbose(args.verbose or args.verbose_after, client.api_key):
            args.run(client, args)
    except _UsageError as exc:
        return _fail(EXIT_CODES["usage"], str(exc), "usage_error", as_json)
    except TaskFailedError as exc:
        _print_task(exc.task, as_json=as_json)
        return _fail(EXIT_CODES["task_failed"], f"apimart: {exc}", None, False)
    except TaskTimeoutError as exc:
        _print_task(exc.task, as_json=as_json)
        return _fail(EXIT_CODES["timeout"], f"apimart: {exc}", None, False)
    except ApimartError as exc:
        return _fail(_exit_code(exc), f"apimart: error: {exc}", exc, as_json)
    except KeyboardInterrupt:
        return _fail(EXIT_CODES["interrupted"], "apimart: interrupted", "interrupted", as_json)
    return EXIT_CODES["success"]


class _Redacted(logging.Formatter):
    """`apimart: <message>`, with the API key replaced wherever it appears."""

    def __init__(self, secret: str) -> None:
        super().__init__("apimart: %(message)s")
        self._secret = secret

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace(self._secret, "<API key>")


@contextlib.contextmanager
def _verbose(on: bool, api_key: str) -> Iterator[None]:
    """With `on`, the `apimart` logger's DEBUG records (each request, retry and poll) on stderr."""
    if not on:
        yield
        return
    logger = logging.getLogger("apimart")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacted(api_key))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    """Client arguments from the global options, wherever they were given (after the command wins)."""
    api_key = args.api_key_after or args.api_key
    if not api_key and not os.environ.get(ENV_API_KEY):
        raise _UsageError(f"apimart: error: no API key: pass --api-key KEY or set {ENV_API_KEY}")
    options: dict[str, Any] = {"api_key": api_key, "base_url": args.base_url_after or args.base_url}
    retries = args.max_retries_after if args.max_retries_after is not None else args.max_retries
    if retries is not None:
        options["max_retries"] = retries
    args.extra_headers = dict(_header(text) for text in [*args.header, *args.header_after]) or None
    return options


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise _UsageError(f"apimart: error: --header must be 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _exit_code(exc: ApimartError) -> int:
    if isinstance(exc, InvalidArgumentError):
        return EXIT_CODES["usage"]
    if isinstance(exc, APITimeoutError | TaskTimeoutError):
        return EXIT_CODES["timeout"]
    if isinstance(exc, APIStatusError):
        return exit_code_for_status(exc.status_code)
    return EXIT_CODES["network_or_server"]  # no connection, a broken or oversized response


def _fail(code: int, message: str, error: ApimartError | str | None, as_json: bool) -> int:
    """Say what went wrong: one line on stderr, and with `--json` the error envelope on stdout."""
    print(_printable(message), file=sys.stderr)
    if as_json and error is not None:
        _print_json(_envelope(error, message))
    return code


def _envelope(error: ApimartError | str, message: str) -> dict[str, Any]:
    """The API's error envelope when it sent one, else one in the same shape."""
    if isinstance(error, APIError) and error.envelope is not None:
        return error.envelope.to_dict()
    if isinstance(error, str):
        return {"error": {"code": 0, "message": message, "type": error}}
    kind = "invalid_request_error" if isinstance(error, InvalidArgumentError) else "api_error"
    if isinstance(error, APIConnectionError):
        kind = "timeout_error" if isinstance(error, APITimeoutError) else "connection_error"
    code = error.status_code if isinstance(error, APIError) and error.status_code is not None else 0
    return {"error": {"code": code, "message": str(error), "type": kind}}


def _print_json(value: Any) -> None:
    print(json_text(value, indent=2))


def _printable(text: str) -> str:
    """`text` as the terminal's encoding can write it (a task's prompt may hold a lone surrogate)."""
    encoding = sys.stdout.encoding or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding)


def _get(client: Client, args: argparse.Namespace) -> None:
    task: Task = client.get_task(args.task_id, view=args.view, extra_headers=args.extra_headers)
    _print_task(task, as_json=args.json)


def _wait(client: Client, args: argparse.Namespace) -> None:
    _print_task(client.wait_for_task(args.task_id, **_wait_options(args)), as_json=args.json)


def _balance_reader(operation: Operation) -> Callable[[Client, argparse.Namespace], None]:
    def run(client: Client, args: argparse.Namespace) -> None:
        balance: BalanceResponse = getattr(client, operation.name)(extra_headers=args.extra_headers)
        if args.json:
            _print_json(balance.to_dict())
            return
        remain = "unlimited" if balance.unlimited_quota else balance.remain_balance
        print(f"{'remain':<12}{remain}\n{'used':<12}{balance.used_balance}")

    return run


def _upload(client: Client, args: argparse.Namespace) -> None:
    upload = client.upload_image(
        args.file, filename=args.filename, content_type=args.content_type, extra_headers=args.extra_headers
    )
    if args.json:
        _print_json(upload.to_dict())
    else:
        print(upload.url)


def _submitter(operation: Operation) -> Callable[[Client, argparse.Namespace], None]:
    def run(client: Client, args: argparse.Namespace) -> None:
        fields = {name: getattr(args, name) for name in request_fields(operation)}
        submitted = client.submit(operation.name, extra_headers=args.extra_headers, **fields)
        _finish(client, submitted, args, return_on_modal=operation.name != "modal")

    return run


def _finish(
    client: Client, submitted: SubmittedTask, args: argparse.Namespace, *, return_on_modal: bool = True
) -> None:
    """Print the submit's answer, or with `--wait` the finished task."""
    if not args.wait:
        if args.json:
            _print_json(submitted.to_dict())
        else:
            print(f"{submitted.task_id} {submitted.status}")
        return
    print(f"submitted {submitted.task_id}", file=sys.stderr)
    task = client.wait_for_task(submitted.task_id, return_on_modal=return_on_modal, **_wait_options(args))
    _print_task(task, as_json=args.json)


def _wait_options(args: argparse.Namespace) -> WaitOptions:
    wait = WaitOptions(
        timeout=args.timeout, on_progress=_Progress(sys.stderr, args.clock), extra_headers=args.extra_headers
    )
    if args.interval is not None:
        wait["interval"] = args.interval
    return wait


def _print_task(task: Task, *, as_json: bool) -> None:
    """The task as `name  value` rows: each URL, prompt line and button on a row of its own."""
    if as_json:
        _print_json(task.to_dict())
        return
    rows: list[tuple[str, object]] = [("id", task.id), ("status", task.status)]
    if isinstance(task, MidjourneyTask):
        prompt = task.prompt if _given(task.prompt) else task.prompt_en
        description = [] if task.description == prompt else _lines(task.description)
        rows += [("action", task.action), ("progress", task.progress), ("fail_reason", task.fail_reason)]
        rows += [("prompt", line) for line in _lines(prompt)]
        rows += [("description", line) for line in description]
        rows += [("grid", task.grid_image_url)] + [("image", url) for url in _listed(task.image_urls)]
        videos = _listed(task.video_urls)
        if isinstance(task.video_url, str) and task.video_url not in videos:
            videos.insert(0, task.video_url)
        rows += [("video", url) for url in videos]
        rows += [("button", f"{b.label}  {b.custom_id}") for b in _listed(task.buttons)]
        rows += [("quota", task.quota)]
    else:
        error = task.error.message if isinstance(task.error, TaskError) else None
        result = task.result if isinstance(task.result, TaskResult) else None
        rows += [("progress", task.progress), ("error", error)]
        rows += [("image", url) for url in _media_urls(result.images if result else None)]
        rows += [("video", url) for url in _media_urls(result.videos if result else None)]
    for name, value in rows:
        if _given(value):
            print(_printable(f"{name:<12}{value}"))
    if str(task.status) == "MODAL":
        print(f"task {task.id} waits for input: apimart modal {task.id} [--prompt ...] [--mask-url ...]")


def _given(value: object) -> bool:
    """Whether a field holds a value to show (not absent, None or empty text)."""
    return isinstance(value, str | int | float) and value != ""


def _listed(value: Any) -> list[Any]:
    """A list field's items; none when it is absent."""
    return list(value) if isinstance(value, list) else []


def _lines(text: object) -> list[str]:
    return [line for line in text.splitlines() if line.strip()] if isinstance(text, str) else []


def _media_urls(media: Any) -> list[str]:
    """The URLs of a unified task's `result.images` or `result.videos` (each one URL or a list)."""
    urls: list[str] = []
    for item in _listed(media):
        urls += [item.url] if isinstance(item.url, str) else list(item.url)
    return urls


class _Progress:
    """Prints a wait's progress with the time waited so far: on a terminal a bar redrawn in place;
    elsewhere a line whenever progress or status changes, and again after `_QUIET_LINE_EVERY` seconds
    without one, so that a long wait never looks stuck."""

    def __init__(self, stream: TextIO, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._tty = stream.isatty()
        self._shown: tuple[int, str] | None = None
        self._shown_at = self._started

    def __call__(self, percent: int, status: str) -> None:
        now = self._clock()
        elapsed = now - self._started
        if self._tty:
            filled = _BAR_WIDTH * percent // 100
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            end = "\n" if percent == 100 or status in ("SUCCESS", "FAILURE", "MODAL") else ""
            self._stream.write(f"\r[{bar}] {percent:3d}% {status:<12}[{elapsed:.1f} s]{end}")
        elif (percent, status) != self._shown or now - self._shown_at >= _QUIET_LINE_EVERY:
            self._stream.write(f"{percent}% {status} [{elapsed:.1f} s]\n")
        else:
            return
        self._shown, self._shown_at = (percent, status), now
        self._stream.flush()


def _add_fields(sub: argparse.ArgumentParser, operation: Operation) -> None:
    """An argument per body field of the operation's request schema: the required ones positional (the
    parent `task_id` as `ID`), the others as `--flags` of their type (`--image-url` repeatable,
    `--tile/--no-tile`, choices for an enum, JSON for `--metadata`), each with its spec description."""
    helps = _field_help(operation)
    spelled = _spellings(operation)
    for name, hint in request_fields(operation).items():
        text = _in_cli_words(helps.get(name, ""), spelled)
        kind: dict[str, Any] = {"help": text.replace("%", "%%") or None}
        many = get_origin(hint) is list
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            kind["choices"] = [str(member.value) for member in hint]
        elif isinstance(hint, type) and attrs.has(hint):
            kind.update(type=_json_object, metavar="JSON")
        elif hint is bool:
            kind["action"] = argparse.BooleanOptionalAction
        elif hint in (int, float):
            kind["type"] = hint
        if spelled[name].startswith("--"):
            if many:
                kind.update(
                    action="append", metavar=spelled[name].removeprefix("--").upper().replace("-", "_")
                )
            sub.add_argument(spelled[name], dest=name, **kind)
        else:
            sub.add_argument(name, metavar=spelled[name], nargs="+" if many else None, **kind)


def _spellings(operation: Operation) -> dict[str, str]:
    """How the command line spells each body field of `operation` (`task_id`: `ID`, `prompt`: `PROMPT`,
    `custom_id`: `--custom-id`, `image_urls`: `--image-url`), under its name and its singular."""
    required = _required(operation)
    spelled: dict[str, str] = {}
    for name, hint in request_fields(operation).items():
        single = name.removesuffix("s") if get_origin(hint) is list else name
        if name in required:
            spelled[name] = "ID" if name == "task_id" else single.upper()
        else:
            spelled[name] = "--" + single.replace("_", "-")
        spelled.setdefault(single, spelled[name])
    return spelled


_FIELD_NAME = re.compile(r"`(?P<quoted>\w+)(?:: (?P<value>[^`]+))?`|\b(?P<bare>[a-z]+(?:_[a-z]+)+)\b")


def _in_cli_words(text: str, spelled: Mapping[str, str]) -> str:
    """`text` with the body fields it names spelled as on the command line: `custom_id` and
    `` `index` `` as `--custom-id` and `--index`, `` `animate_mode: auto` `` as `--animate-mode auto`."""

    def spell(found: re.Match[str]) -> str:
        flag = spelled.get(found["quoted"] or found["bare"])
        if flag is None:
            return found[0]
        return f"{flag} {found['value']}" if found["value"] else flag

    return _FIELD_NAME.sub(spell, text)


def _required(operation: Operation) -> list[str]:
    model = getattr(models, str(operation.request))
    return [f.name for f in attrs.fields(model) if f.default is attrs.NOTHING]


_ATTRIBUTE = re.compile(r"^(?P<indent> *)(?P<name>\w+) \([^)]*\):(?P<text>.*)$")


def _field_help(operation: Operation) -> dict[str, str]:
    """Each field's description, from the generated model's docstring (which comes from the spec):
    the entries of its `Attributes:` section, each continued on the lines indented deeper."""
    doc = inspect.cleandoc(getattr(models, str(operation.request)).__doc__ or "")
    helps: dict[str, str] = {}
    name, indent = None, None
    for line in doc.partition("Attributes:\n")[2].splitlines():
        found = _ATTRIBUTE.match(line)
        if found and indent in (None, found["indent"]):
            name, indent = found["name"], found["indent"]
            helps[name] = found["text"].strip()
        elif name and line.strip():
            helps[name] += " " + line.strip()
    return {key: text.split("Example:")[0].strip() for key, text in helps.items()}


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def _summary(operation: Operation) -> tuple[str, str]:
    """The operation's one-line help and its description: the spec's summary and description (the
    generated function's docstring), with the body fields it names spelled as on the command line."""
    doc = inspect.getdoc(importlib.import_module(operation.module).sync_detailed) or operation.name
    summary, _, rest = doc.partition("\n")
    details = re.split(r"\n(?:Args|Raises|Returns):", rest)[0].strip()
    spelled = _spellings(operation) if operation.request else {}
    return _in_cli_words(summary, spelled), _in_cli_words(f"{summary}.\n\n{details}".strip(), spelled)


def _add_globals(parser: argparse.ArgumentParser, suffix: str) -> None:
    """The options accepted before and after the subcommand; those after land in `<name>_after`."""
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--api-key", dest="api_key" + suffix, metavar="KEY", help=f"API key (default: ${ENV_API_KEY})"
    )
    group.add_argument(
        "--base-url",
        dest="base_url" + suffix,
        metavar="URL",
        help=f"API base URL (default: ${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--max-retries",
        dest="max_retries" + suffix,
        type=int,
        metavar="N",
        help=f"retries of a failed request, 0 for none (default: {DEFAULT_MAX_RETRIES})",
    )
    group.add_argument(
        "--header",
        dest="header" + suffix,
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an extra HTTP header for every request (repeatable)",
    )
    group.add_argument(
        "--json",
        dest="json" + suffix,
        action="store_true",
        help="print JSON: the answer, or the error envelope",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbose" + suffix,
        action="store_true",
        help="log each request, retry and poll decision on stderr (the API key never shown)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="apimart",
        description="APIMart Midjourney tasks from the shell.",
        epilog="exit status: 0 success, 1 task failed or cancelled, 2 usage, 3 authentication or"
        " permission, 4 not found, 5 timeout, 6 network or server error, 7 request refused (400, 402, 422),"
        " 130 interrupted, 141 output pipe closed",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_globals(parser, "")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="`apimart COMMAND --help` shows its options"
    )

    def command(
        name: str, run: Callable[[Client, argparse.Namespace], None], text: str, description: str = ""
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=text,
            description=description or text,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        _add_globals(sub, "_after")
        return sub

    def waiting(sub: argparse.ArgumentParser, *, flag: bool) -> None:
        if flag:
            sub.add_argument(
                "--wait", action="store_true", help="wait until the new task is done, then print it"
            )
        sub.add_argument(
            "--interval",
            type=float,
            metavar="SECONDS",
            help=f"seconds between polls (default: {DEFAULT_POLL_INTERVAL:g}; never below"
            f" {MIN_POLL_INTERVAL:g})",
        )
        sub.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_WAIT_TIMEOUT,
            metavar="SECONDS",
            help="seconds to wait at most (default: %(default)g)",
        )

    task_id = "the task's id (task_...)"
    get = command("get", _get, "Show a task")
    get.add_argument("task_id", metavar="ID", help=task_id)
    get.add_argument(
        "--view",
        choices=["mj", "unified"],
        default="mj",
        help="mj: GET /v1/midjourney/ID (buttons, MODAL); unified: GET /v1/tasks/ID (default: %(default)s)",
    )

    wait = command("wait", _wait, "Wait until a task is done (or needs the modal call)")
    wait.add_argument("task_id", metavar="ID", help=task_id)
    waiting(wait, flag=False)

    for operation in of_kind(Kind.ACCOUNT):
        command(operation.cli_name, _balance_reader(operation), *_summary(operation))
    for operation in of_kind(Kind.UPLOAD):
        upload = command(operation.cli_name, _upload, *_summary(operation))
        upload.add_argument("file", metavar="FILE", help="the image: JPEG, PNG, WebP or GIF, at most 20 MB")
        upload.add_argument(
            "--filename", metavar="NAME", help="the name to store it under (default: the file's name)"
        )
        upload.add_argument(
            "--content-type",
            metavar="TYPE",
            help="sent with the file (default: none; the service judges the bytes)",
        )
    for operation in submits():
        sub = command(operation.cli_name, _submitter(operation), *_summary(operation))
        _add_fields(sub, operation)
        waiting(sub, flag=True)
    return parser
