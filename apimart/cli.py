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
`--api-key` / `--base-url` default to `$APIMART_API_KEY` / `$APIMART_BASE_URL`. Results go to stdout,
progress to stderr (a bar on a terminal, one line per change otherwise). An error is one line on stderr
and exit status 1 (2 for a usage error); never a traceback.
"""

from __future__ import annotations

import argparse
import enum
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO, get_origin

import attrs
from apimart_mj_client import models
from apimart_mj_client.models import BalanceResponse, MidjourneyTask, SubmittedTask, UnifiedTask

from apimart_mj import Kind, Operation, of_kind, submits

from ._client import Client
from ._constants import DEFAULT_WAIT_TIMEOUT
from ._errors import ApimartError
from ._requests import request_fields
from ._types import ProgressCallback, Task, WaitOptions

__all__ = ["main"]

_BAR_WIDTH = 30


def main(argv: Sequence[str] | None = None, *, client_options: Mapping[str, Any] | None = None) -> int:
    """Run the CLI; returns the exit status. `client_options` go to `Client` (tests pass a transport)."""
    args = _parser().parse_args(argv)
    try:
        options: dict[str, Any] = {
            "api_key": args.api_key,
            "base_url": args.base_url,
            **(client_options or {}),
        }
        if args.max_retries is not None:
            options["max_retries"] = args.max_retries
        with Client(**options) as client:
            args.run(client, args)
    except ApimartError as exc:
        print(f"apimart: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("apimart: interrupted", file=sys.stderr)
        return 130
    return 0


def _get(client: Client, args: argparse.Namespace) -> None:
    task: Task = client.get_task(args.task_id, view=args.view)
    _print_task(task, as_json=args.json)


def _wait(client: Client, args: argparse.Namespace) -> None:
    _print_task(client.wait_for_task(args.task_id, **_wait_options(args)), as_json=args.json)


def _balance_reader(operation: Operation) -> Callable[[Client, argparse.Namespace], None]:
    def run(client: Client, args: argparse.Namespace) -> None:
        balance: BalanceResponse = getattr(client, operation.name)()
        if args.json:
            print(json.dumps(balance.to_dict(), ensure_ascii=False, indent=2))
            return
        remain = "unlimited" if balance.unlimited_quota else balance.remain_balance
        print(f"{'remain':<12}{remain}\n{'used':<12}{balance.used_balance}")

    return run


def _upload(client: Client, args: argparse.Namespace) -> None:
    upload = client.upload_image(args.file, filename=args.filename, content_type=args.content_type)
    if args.json:
        print(json.dumps(upload.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(upload.url)


def _submitter(operation: Operation) -> Callable[[Client, argparse.Namespace], None]:
    def run(client: Client, args: argparse.Namespace) -> None:
        fields = {name: getattr(args, name) for name in request_fields(operation)}
        _finish(
            client, client.submit(operation.name, **fields), args, return_on_modal=operation.name != "modal"
        )

    return run


def _finish(
    client: Client, submitted: SubmittedTask, args: argparse.Namespace, *, return_on_modal: bool = True
) -> None:
    """Print the submit's answer, or with `--wait` the finished task."""
    if not args.wait:
        if args.json:
            print(json.dumps(submitted.to_dict(), ensure_ascii=False))
        else:
            print(f"{submitted.task_id} {submitted.status}")
        return
    print(f"submitted {submitted.task_id}", file=sys.stderr)
    task = client.wait_for_task(submitted.task_id, return_on_modal=return_on_modal, **_wait_options(args))
    _print_task(task, as_json=args.json)


def _wait_options(args: argparse.Namespace) -> WaitOptions:
    wait = WaitOptions(timeout=args.timeout, on_progress=_progress_printer(sys.stderr))
    if args.interval is not None:
        wait["interval"] = args.interval
    return wait


def _print_task(task: Task, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(task.to_dict(), ensure_ascii=False, indent=2))
        return
    rows: list[tuple[str, object]] = [("id", task.id), ("status", task.status)]
    if isinstance(task, MidjourneyTask):
        rows += [("action", task.action), ("progress", task.progress), ("fail_reason", task.fail_reason)]
        rows += [("grid", task.grid_image_url)] + [("image", url) for url in task.image_urls or []]
        rows += [("button", f"{b.label}  {b.custom_id}") for b in task.buttons or []]
    else:
        rows += [("progress", task.progress), ("error", task.error and task.error.message)]
        rows += [("image", url) for url in _unified_urls(task)]
    for name, value in rows:
        if isinstance(value, str | int | float) and value != "":
            print(f"{name:<12}{value}")
    if str(task.status) == "MODAL":
        print(f"task {task.id} waits for input: apimart modal {task.id} [--prompt ...] [--mask-url ...]")


def _unified_urls(task: UnifiedTask) -> list[str]:
    images = task.result.images if task.result else None
    urls: list[str] = []
    for image in images or []:
        urls += [image.url] if isinstance(image.url, str) else list(image.url)
    return urls


def _progress_printer(stream: TextIO) -> ProgressCallback:
    """A bar redrawn in place on a terminal; elsewhere one line whenever progress or status changes."""
    last: list[tuple[int, str]] = []
    tty = stream.isatty()

    def report(percent: int, status: str) -> None:
        if tty:
            filled = _BAR_WIDTH * percent // 100
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            end = "\n" if percent == 100 or status in ("SUCCESS", "FAILURE", "MODAL") else ""
            stream.write(f"\r[{bar}] {percent:3d}% {status:<12}{end}")
        elif [(percent, status)] != last:
            stream.write(f"{percent}% {status}\n")
        last[:] = [(percent, status)]
        stream.flush()

    return report


def _add_fields(sub: argparse.ArgumentParser, operation: Operation) -> None:
    """An argument per body field of the operation's request schema: the required ones positional (the
    parent `task_id` as `ID`), the others as `--flags` of their type (`--image-url` repeatable,
    `--tile/--no-tile`, choices for an enum, JSON for `--metadata`)."""
    helps = _field_help(operation)
    for name, hint in request_fields(operation).items():
        kind: dict[str, Any] = {"help": helps.get(name)}
        many = get_origin(hint) is list
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            kind["choices"] = [str(member.value) for member in hint]
        elif isinstance(hint, type) and attrs.has(hint):
            kind["type"] = _json_object
        elif hint is bool:
            kind["action"] = argparse.BooleanOptionalAction
        elif hint in (int, float):
            kind["type"] = hint
        if name in _required(operation):
            metavar = "ID" if name == "task_id" else name.upper()
            sub.add_argument(name, metavar=metavar, nargs="+" if many else None, **kind)
        else:
            single = name.removesuffix("s") if many else name
            if many:
                kind.update(action="append", metavar=single.upper())
            sub.add_argument("--" + single.replace("_", "-"), dest=name, **kind)


def _required(operation: Operation) -> list[str]:
    model = getattr(models, str(operation.request))
    return [f.name for f in attrs.fields(model) if f.default is attrs.NOTHING]


_ATTRIBUTE = re.compile(r"^ {8}(?P<name>\w+) \([^)]*\):(?P<text>.*)$")


def _field_help(operation: Operation) -> dict[str, str]:
    """Each field's description, from the generated model's docstring (which comes from the spec)."""
    helps: dict[str, str] = {}
    name = None
    for line in (getattr(models, str(operation.request)).__doc__ or "").splitlines():
        found = _ATTRIBUTE.match(line)
        if found:
            name = found["name"]
            helps[name] = found["text"].strip()
        elif name and line.startswith(" " * 12):
            helps[name] += " " + line.strip()
    return {key: text.split("Example:")[0].strip() or key for key, text in helps.items()}


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def _summary(operation: Operation) -> str:
    """The operation's one-line help: the first line of its client helper's docstring."""
    doc = " ".join((getattr(Client, operation.name).__doc__ or operation.name).split())
    return doc.split(". ")[0].removesuffix(".")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apimart", description="APIMart Midjourney tasks from the shell.")
    parser.add_argument("--api-key", help="API key (default: $APIMART_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $APIMART_BASE_URL or api.apimart.ai)")
    parser.add_argument("--max-retries", type=int, help="retries of a failed request (0: none)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, run: Callable[[Client, argparse.Namespace], None], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        sub.add_argument("--json", action="store_true", help="print the API's JSON")
        return sub

    def waiting(sub: argparse.ArgumentParser, *, flag: bool) -> None:
        if flag:
            sub.add_argument("--wait", action="store_true", help="wait until the new task is done")
        sub.add_argument("--interval", type=float, help="seconds between polls (default 3, minimum 1)")
        sub.add_argument(
            "--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT, help="seconds to wait at most"
        )

    get = command("get", _get, "show a task")
    get.add_argument("task_id", metavar="ID")
    get.add_argument("--view", choices=["mj", "unified"], default="mj", help="which endpoint (default mj)")

    wait = command("wait", _wait, "wait until a task is done (or needs the modal call)")
    wait.add_argument("task_id", metavar="ID")
    waiting(wait, flag=False)

    for operation in of_kind(Kind.ACCOUNT):
        command(operation.cli_name, _balance_reader(operation), _summary(operation))
    for operation in of_kind(Kind.UPLOAD):
        upload = command(operation.cli_name, _upload, _summary(operation))
        upload.add_argument("file", metavar="FILE", help="the image: JPEG, PNG, WebP or GIF, at most 20 MB")
        upload.add_argument("--filename", help="the name to store it under (default: the file's)")
        upload.add_argument("--content-type", help="sent with the file (the service judges the bytes)")
    for operation in submits():
        sub = command(operation.cli_name, _submitter(operation), _summary(operation))
        _add_fields(sub, operation)
        waiting(sub, flag=True)
    return parser
