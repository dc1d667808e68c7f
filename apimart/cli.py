"""`apimart`: the client layer on the command line. Argument parsing and printing only.

```
apimart get ID [--view mj|unified] [--json]
apimart wait ID [--interval S] [--timeout S] [--json]
apimart imagine PROMPT [--speed fast] [--option size=16:9 ...] [--wait]
apimart action ID upscale --index 2 | --custom-id ID | --direction left | --zoom-ratio 1.5 [--wait]
apimart modal ID [--prompt TEXT] [--mask-url URL] [--wait]
```
`--api-key` / `--base-url` default to `$APIMART_API_KEY` / `$APIMART_BASE_URL`. Results go to stdout,
progress to stderr (a bar on a terminal, one line per change otherwise). An error is one line on stderr
and exit status 1 (2 for a usage error); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO, get_args

from apimart_mj_client.models import ImagineRequest, MidjourneyTask, SubmittedTask, UnifiedTask

from ._client import Client
from ._constants import DEFAULT_WAIT_TIMEOUT
from ._errors import ApimartError
from ._types import Action, ProgressCallback, Task, WaitOptions

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


def _imagine(client: Client, args: argparse.Namespace) -> None:
    _finish(client, client.imagine(args.prompt, speed=args.speed, **dict(args.option)), args)


def _action(client: Client, args: argparse.Namespace) -> None:
    submitted = client.act(
        args.action,
        args.task_id,
        index=args.index,
        button=args.custom_id,
        direction=args.direction,
        zoom_ratio=args.zoom_ratio,
        speed=args.speed,
    )
    _finish(client, submitted, args)


def _modal(client: Client, args: argparse.Namespace) -> None:
    submitted = client.modal(args.task_id, prompt=args.prompt, mask_url=args.mask_url, speed=args.speed)
    _finish(client, submitted, args, return_on_modal=False)


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


_OWN_FLAGS = frozenset({"prompt", "speed", "metadata"})
_TEXT_FIELDS = frozenset(
    name
    for name, hint in ImagineRequest.__annotations__.items()
    if set(str(hint).split(" | ")) <= {"str", "Unset"}
)
"""Imagine fields typed `str` in the spec (`version`, `size`, `quality`, ...): their value is kept as text."""


def _option(text: str) -> tuple[str, Any]:
    """`--option key=value`: text for a string field (`version=7`), else the value as JSON when it parses
    (`seed=42`, `tile=true`), else text."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    if key in _OWN_FLAGS:
        raise argparse.ArgumentTypeError(f"{key} has its own argument; not an --option")
    if key in _TEXT_FIELDS:
        return key, raw
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


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

    imagine = command("imagine", _imagine, "submit an imagine")
    imagine.add_argument("prompt", metavar="PROMPT")
    imagine.add_argument("--speed", choices=["relax", "fast", "turbo"])
    imagine.add_argument(
        "--option",
        type=_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a structured field, e.g. size=16:9, version=7, seed=42 (repeatable)",
    )
    waiting(imagine, flag=True)

    action = command("action", _action, "submit a follow-up action on a finished task")
    action.add_argument("task_id", metavar="ID")
    followups = [name for name in get_args(Action) if name != "modal"]
    action.add_argument("action", choices=followups, metavar="ACTION", help=", ".join(followups))
    action.add_argument("--index", type=int, help="image of the grid, 1-4")
    action.add_argument("--custom-id", help="a button's customId (wins over --index)")
    action.add_argument("--direction", choices=["left", "right", "up", "down"], help="for pan")
    action.add_argument("--zoom-ratio", type=float, help="for zoom: < 2 gives 1.5x, else 2x")
    action.add_argument("--speed", choices=["relax", "fast", "turbo"])
    waiting(action, flag=True)

    modal = command("modal", _modal, "give a MODAL (inpaint) task its prompt and mask")
    modal.add_argument("task_id", metavar="ID")
    modal.add_argument("--prompt", help="empty reuses the parent's prompt")
    modal.add_argument("--mask-url", help="PNG mask: a URL or data:image/png;base64,...")
    modal.add_argument("--speed", choices=["relax", "fast", "turbo"])
    waiting(modal, flag=True)
    return parser
