"""A running mock's control API from the shell: `apimart-mock reset | clock | faults | tasks | requests |
balance | health`.

Each subcommand is one documented control call (`/__mock/openapi.json`), sent with httpx alone, so these
work on a client-only install (only `serve` needs the [mock] extra). The mock is `--url` (default
`$APIMART_MOCK_URL`, else http://127.0.0.1:4010); the admin token comes from `$APIMART_MOCK_ADMIN_TOKEN`
only (a token on a command line ends up in shell histories), sent as `X-Mock-Admin-Token`. With
`--scope NAME` (or `$APIMART_MOCK_SCOPE`) every command acts on that team's scope instead, as its key
(`$APIMART_API_KEY`, sent as `Authorization`; the scope's owner) and no token (docs/mock-server.md,
*Scopes*).

Output: a short plain text by default; with `--json`, the control API's own JSON answer, unchanged (its
schemas are documented, so scripts can rely on them). Exit codes are the `apimart` CLI's: 0 done, 2 usage,
3 refused credentials (401, 403), 4 not found, 5 timeout, 6 no connection or a server error, 7 any other
refusal (400, 413, 422, ...). An error is one line on stderr (with `--json`, the error envelope on stdout).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apimart_mj._exits import EXIT_CODES, exit_code_for_status
from apimart_mj._extras import require_extra

__all__ = ["ADMIN_TOKEN_VARIABLE", "URL_VARIABLE", "add_commands", "run"]

URL_VARIABLE = "APIMART_MOCK_URL"
SCOPE_VARIABLE = "APIMART_MOCK_SCOPE"
KEY_VARIABLE = "APIMART_API_KEY"
DEFAULT_URL = "http://127.0.0.1:4010"
ADMIN_TOKEN_VARIABLE = "APIMART_MOCK_ADMIN_TOKEN"
DEFAULT_TIMEOUT = 10.0
STATUSES = ("NOT_START", "SUBMITTED", "IN_PROGRESS", "MODAL", "SUCCESS", "FAILURE")
FAULT_KINDS = ("latency", "500", "502", "429", "drop", "truncate", "drift")


@dataclass(frozen=True)
class Call:
    """One control API request."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    label: str | None = None
    """Printed before the answer's lines (`task_recorded -> `), when one command makes several calls."""


Show = Callable[[Any], list[str]]
"""The plain-text lines of an answer."""


def add_commands(commands: Any) -> None:
    """Add the control subcommands to `apimart-mock`'s subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get(URL_VARIABLE, DEFAULT_URL),
        help=f"the running mock (default ${URL_VARIABLE}, else {DEFAULT_URL})",
    )
    common.add_argument(
        "--scope",
        default=os.environ.get(SCOPE_VARIABLE) or None,
        metavar="NAME",
        help=f"act on this team scope, as its key ${KEY_VARIABLE} (default ${SCOPE_VARIABLE}; none: the"
        " owner's global control)",
    )
    common.add_argument("--json", action="store_true", help="print the control API's JSON answer as it is")
    common.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per request (default {DEFAULT_TIMEOUT:g})",
    )

    def group(name: str, text: str) -> Any:
        parser = commands.add_parser(name, help=text, description=text)
        return parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def command(
        sub: Any, name: str, text: str, call: Callable[[argparse.Namespace], Call | list[Call]], show: Show
    ) -> Any:
        """One control call, as `apimart-mock NAME` (`sub`: the top level) or `apimart-mock GROUP NAME`."""
        parser = sub.add_parser(name, parents=[common], help=text, description=text)
        parser.set_defaults(call=call, show=show)
        return parser

    command(
        commands,
        "reset",
        "forget every task, fault, counter and journal entry",
        lambda a: Call("POST", "reset", body={}),
        _done,
    )
    command(
        commands,
        "health",
        "is the mock up, and its store writable (GET /healthz)",
        lambda a: Call("GET", "/healthz"),
        _health,
    )

    clock = group("clock", "show, freeze, resume or advance the mock's clock")
    command(
        clock,
        "show",
        "the clock's time, whether it is frozen, its speed",
        lambda a: Call("GET", "clock"),
        _clock,
    )
    freeze = command(clock, "freeze", "stop the clock (at its time now, or --at)", _freeze, _clock)
    freeze.add_argument("--at", type=float, metavar="UNIX_S", help="freeze at this time (default: now)")
    command(
        clock,
        "resume",
        "let a frozen clock run again",
        lambda a: Call("POST", "clock/resume", body={}),
        _clock,
    )
    advance = command(clock, "advance", "move the clock forward", _advance, _clock)
    advance.add_argument("seconds", type=float, metavar="SECONDS", help="how far")

    faults = group("faults", "list, add or clear injected faults")
    command(
        faults, "list", "the active faults, with their counters", lambda a: Call("GET", "faults"), _faults
    )
    add = command(faults, "add", "inject a fault", _add_fault, _fault)
    add.add_argument("kind", choices=FAULT_KINDS, help="what goes wrong")
    add.add_argument(
        "--count", type=int, help="how many requests it hits, then it is gone (default: until cleared)"
    )
    add.add_argument("--fraction", type=float, help="share of matching requests hit, 0 to 1 (default 1)")
    add.add_argument("--account", help="only this account's requests (a bearer token or an account id)")
    add.add_argument("--path", help="only requests whose path starts with this")
    add.add_argument("--latency-ms", type=int, help="with kind latency: the delay (default: the server's)")
    add.add_argument("--retry-after", type=int, help="with kind 429: the Retry-After seconds")
    add.add_argument("--drift", choices=("status", "action", "field"), help="with kind drift: what drifts")
    command(faults, "clear", "remove every fault", lambda a: Call("DELETE", "faults", body={}), _faults)

    tasks = group("tasks", "list, show or create tasks")
    listing = command(tasks, "list", "tasks in creation order, one page", _list_tasks, _tasks)
    listing.add_argument("--status", choices=STATUSES, help="only tasks in this status")
    listing.add_argument("--account", help="only this account's tasks (a bearer token or an account id)")
    _add_page(listing)
    show = command(tasks, "show", "one task's view", _show_task, _json_lines)
    show.add_argument("task_id", metavar="TASK_ID", help="the task's id")
    show.add_argument(
        "--view", choices=("midjourney", "unified"), default="midjourney", help="(default midjourney)"
    )
    create = command(tasks, "create", "create a task directly, in a chosen status", _create_task, _task)
    create.add_argument("--account", required=True, help="its owner: a bearer token or an account id")
    create.add_argument("--status", choices=STATUSES, help="its status now (default: a fresh NOT_START)")
    create.add_argument("--action", help="IMAGINE by default (INPAINT for MODAL)")
    create.add_argument("--age", type=float, metavar="SECONDS", help="how old it is (default 0)")
    create.add_argument("--prompt", help="its prompt")
    create.add_argument("--fail-reason", help="with --status FAILURE: the reason")
    seed = command(
        tasks,
        "seed",
        "create the tasks recorded cassettes show (apimart-proxy --record), each as last read, in --scope",
        _seed_tasks,
        _task,
    )
    seed.add_argument("cassettes", metavar="DIR", help="folder of .har files (or one file)")

    requests = group("requests", "list or count the journaled requests")
    journal = command(requests, "list", "a page of the journal, oldest first", _list_requests, _requests)
    _add_matcher(journal)
    _add_page(journal)
    count = command(requests, "count", "how many journaled requests match", _count_requests, _count)
    _add_matcher(count)

    balance = group("balance", "show or set an account's balance")
    shown = command(balance, "show", "an account's balance now", _show_balance, _balance)
    shown.add_argument("account", metavar="ACCOUNT", help="a bearer token or an account id")
    setting = command(balance, "set", "an account's starting balance from now on", _set_balance, _balance)
    setting.add_argument("account", metavar="ACCOUNT", help="a bearer token or an account id")
    setting.add_argument(
        "amount", metavar="AMOUNT", help="a number >= 0, `unlimited`, or `default` (the server's --balance)"
    )


def _add_page(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="entries per page, 1 to 1000 (default 100)")
    parser.add_argument("--cursor", help="the next_cursor of the previous page")
    parser.add_argument("--order", choices=("oldest", "newest"), help="(default oldest)")


def _add_matcher(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", help="only this HTTP method")
    parser.add_argument("--path", help="only paths starting with this")
    parser.add_argument("--path-pattern", help="only paths this pattern matches whole")
    parser.add_argument("--account", help="only this account (a bearer token or an account id)")
    parser.add_argument("--status", type=int, help="only answers with this status (0: dropped)")
    parser.add_argument(
        "--since", type=float, metavar="UNIX_S", help="only requests at or after this clock time"
    )


def _fields(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options among `names` that were given, by their control API name."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _freeze(args: argparse.Namespace) -> Call:
    return Call("POST", "clock/freeze", body=_fields(args, "at"))


def _advance(args: argparse.Namespace) -> Call:
    return Call("POST", "clock/advance", body={"seconds": args.seconds})


def _add_fault(args: argparse.Namespace) -> Call:
    names = ("kind", "count", "fraction", "account", "path", "latency_ms", "retry_after", "drift")
    return Call("POST", "faults", body=_fields(args, *names))


def _list_tasks(args: argparse.Namespace) -> Call:
    return Call("GET", "tasks", params=_fields(args, "status", "account", "limit", "cursor", "order"))


def _show_task(args: argparse.Namespace) -> Call:
    return Call("GET", f"tasks/{args.task_id}/{args.view}")


def _create_task(args: argparse.Namespace) -> Call:
    return Call(
        "POST", "tasks", body=_fields(args, "account", "status", "action", "age", "prompt", "fail_reason")
    )


def _seed_tasks(args: argparse.Namespace) -> list[Call]:
    """One create-task call per recorded task, owned by the scope's key: seeded tasks go into a scope of
    their own, so a team's other tasks never mix with them."""
    require_extra("apimart-mock tasks seed", "contract")  # reads the cassettes
    from apimart_contract.proxy import CassetteError

    from .cassettes import read, seeds

    if not args.scope:
        raise _Usage("tasks seed puts the tasks in a scope of their own: give --scope NAME")
    try:
        recorded = seeds(read(Path(args.cassettes)))
    except CassetteError as error:
        raise _Usage(str(error)) from None
    owner = os.environ.get(KEY_VARIABLE, "")
    return [
        Call("POST", "tasks", body={**fields, "account": owner}, label=task)
        for task, fields in recorded.items()
    ]


_MATCHER = ("method", "path", "path_pattern", "account", "status", "since")


def _list_requests(args: argparse.Namespace) -> Call:
    return Call("GET", "requests", params=_fields(args, *_MATCHER, "limit", "cursor", "order"))


def _count_requests(args: argparse.Namespace) -> Call:
    return Call("POST", "requests/count", body=_fields(args, *_MATCHER))


def _show_balance(args: argparse.Namespace) -> Call:
    return Call("GET", "balance", params={"account": args.account})


def _set_balance(args: argparse.Namespace) -> Call:
    body: dict[str, Any] = {"account": args.account}
    if args.amount == "unlimited":
        body["unlimited"] = True
    elif args.amount == "default":
        body["amount"] = None
    else:
        try:
            body["amount"] = float(args.amount)
        except ValueError:
            raise _Usage(f"AMOUNT must be a number, `unlimited` or `default`, got {args.amount!r}") from None
    return Call("POST", "balance", body=body)


class _Usage(Exception):
    """A bad command line that argparse could not see."""


# ---- plain output ----
def _time(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _done(answer: Any) -> list[str]:
    return ["reset: every task, fault, counter and journal entry is gone"]


def _health(answer: Any) -> list[str]:
    return [f"health: {answer.get('status', answer)}"]


def _clock(answer: Any) -> list[str]:
    state = "frozen" if answer["frozen"] else f"running at {answer['speed']:g}x"
    return [f"clock: {_time(answer['now'])} ({answer['now']:.3f}), {state}"]


def _fault(fault: Any) -> list[str]:
    scope = ", ".join(f"{k} {fault[k]}" for k in ("account", "path") if fault.get(k))
    left = "until cleared" if fault["remaining"] is None else f"{fault['remaining']} left"
    where = f", {scope}" if scope else ""
    return [
        f"fault {fault['id']}: {fault['kind']}, {left}, hit {fault['hits']} of {fault['seen']} seen{where}"
    ]


def _faults(answer: Any) -> list[str]:
    return [line for fault in answer["faults"] for line in _fault(fault)] or ["no faults"]


def _task(task: Any) -> list[str]:
    parent = f" <- {task['parent_id']}" if task.get("parent_id") else ""
    status, progress, action = task["status"], task["progress"], task["action"]
    return [f"{task['id']}  {status:<11} {progress:>4}  {action:<14} {task['account']}{parent}"]


def _tasks(answer: Any) -> list[str]:
    lines = [line for task in answer["tasks"] for line in _task(task)] or ["no tasks"]
    return lines + ([f"more: --cursor {answer['next_cursor']}"] if answer.get("next_cursor") else [])


def _requests(answer: Any) -> list[str]:
    lines = [
        f"{_time(e['at'])}  {e['method']:<6} {e['status']:>3}  {e['path']}  {e['account'] or '-'}"
        for e in answer["requests"]
    ] or ["no requests"]
    if answer.get("dropped"):
        lines.append(f"dropped by the journal's cap: {answer['dropped']}")
    return lines + ([f"more: --cursor {answer['next_cursor']}"] if answer.get("next_cursor") else [])


def _count(answer: Any) -> list[str]:
    return [str(answer["count"])]


def _balance(answer: Any) -> list[str]:
    if answer.get("unlimited_quota"):
        return [f"{answer['account']}: unlimited (used {answer['used_balance']:g})"]
    return [f"{answer['account']}: {answer['remain_balance']:g} left (used {answer['used_balance']:g})"]


def _json_lines(answer: Any) -> list[str]:
    return json.dumps(answer, indent=2, ensure_ascii=False).splitlines()


# ---- sending ----
def run(args: argparse.Namespace) -> int:
    """Send the subcommand's call (or calls, stopping at the first refused), print the answers; the exit
    status."""
    try:
        made: Call | list[Call] = args.call(args)
    except _Usage as exc:
        return _fail(EXIT_CODES["usage"], f"apimart-mock: error: {exc}", "usage_error", args.json)
    base = args.url.rstrip("/")
    headers = {"Accept": "application/json"}
    if args.scope:
        key = os.environ.get(KEY_VARIABLE)
        if not key:
            message = f"apimart-mock: error: --scope acts as the scope's key: set {KEY_VARIABLE}"
            return _fail(EXIT_CODES["usage"], message, "usage_error", args.json)
        headers.update({"Authorization": f"Bearer {key}", "X-Mock-Scope": args.scope})
    elif token := os.environ.get(ADMIN_TOKEN_VARIABLE):
        headers["X-Mock-Admin-Token"] = token
    for call in made if isinstance(made, list) else [made]:
        code = _send(args, base, call, headers)
        if code != EXIT_CODES["success"]:
            return code
    return EXIT_CODES["success"]


def _send(args: argparse.Namespace, base: str, call: Call, headers: dict[str, str]) -> int:
    import httpx  # here, not at the top: `apimart-mock serve` sends no call, and httpx costs it 0.1 s of CPU

    url = base + call.path if call.path.startswith("/") else f"{base}/__mock/{call.path}"
    try:
        response = httpx.request(
            call.method, url, params=call.params, json=call.body, headers=headers, timeout=args.timeout
        )
    except httpx.TimeoutException:
        return _fail(
            EXIT_CODES["timeout"],
            f"apimart-mock: no answer from {base} within {args.timeout:g} s",
            "timeout_error",
            args.json,
        )
    except httpx.HTTPError as exc:
        message = f"apimart-mock: cannot reach {base}: {type(exc).__name__}"
        return _fail(EXIT_CODES["network_or_server"], message, "connection_error", args.json)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.is_success and answer is not None:
        for line in _json_lines(answer) if args.json else args.show(answer):
            print(f"{call.label} -> {line}" if call.label and not args.json else line)
        return EXIT_CODES["success"]
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        envelope, message = answer, str(error.get("message"))
    else:  # not the mock's envelope (a proxy's page, say): one in its shape
        message = response.text[:200] or response.reason_phrase
        envelope = {"error": {"code": response.status_code, "message": message, "type": "api_error"}}
    print(f"apimart-mock: error: {response.status_code} {message}", file=sys.stderr)
    if args.json:
        print(json.dumps(envelope, indent=2, ensure_ascii=False))
    return exit_code_for_status(response.status_code)


def _fail(code: int, message: str, kind: str, as_json: bool) -> int:
    print(message, file=sys.stderr)
    if as_json:
        print(json.dumps({"error": {"code": 0, "message": message, "type": kind}}, indent=2))
    return code
