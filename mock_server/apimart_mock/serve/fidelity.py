"""The mock's fidelity, measured: `apimart-mock fidelity DIR` replays recorded traffic (the HAR cassettes
of `apimart-proxy --record`) against a fresh in-process mock, its clock moved to each recorded request's
time (or, for a recorded mock whose client drove its clock, by the recorded control calls), and lists
where the mock's answers differ from the recorded ones in shape:

- `status`: another HTTP status for the same request;
- `missing` / `extra`: a field the recording has and the mock's answer lacks, or the other way round;
- `type`: the same field of another JSON type;
- `enum`: another value of a field whose values are named (`status`, `action`, ...);
- `buttons`: other customId families on the same task;
- `timing`: a status that lasted otherwise (seconds, recorded vs mock).

Values that naturally differ (ids, hashes, URLs, times, prompts) are compared by kind only: a string is
a string. Each difference is counted once per operation and field, with how often it was seen, the
decision of docs/decisions.md it belongs to where one does, and the option that closes it, found by
replaying again under each candidate option (`--shape`) and seeing the difference go.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from apimart_mj import CustomId, InvalidCustomId

from ..config import MockConfig, ViewShape

__all__ = ["CANDIDATES", "Difference", "Fidelity", "measure"]

CANDIDATES: dict[str, dict[str, Any]] = {
    f"--shape {shape}": {"shape": ViewShape(shape)} for shape in ViewShape
}
"""Options that change what the mock answers, as `apimart-mock serve` names them -> MockConfig fields."""

_ENUMS = frozenset({"status", "action", "type", "code", "mode", "state"})
"""Fields whose values are named (compared by value, not by kind)."""
_TASK_ID = re.compile(r"task_[0-9A-Za-z]+")
_JOB_HASH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ROWS = (
    (
        "MJ view `prompt` vs `prompt_en`; `created_at` / `finished_at`",
        re.compile(r"^\$\.(prompt|prompt_en|created_at|finished_at)$"),
    ),
    ("`buttons` on an upscaled task", re.compile(r"^\$\.buttons")),
    ("`result.images[].url`: string or array?", re.compile(r"^\$\.data\.result\.images\[\]\.url")),
    ("`fail_reason` on non-failed tasks", re.compile(r"^\$\.fail_reason$")),
    ("`quota`", re.compile(r"^\$\.quota$")),
    ("error envelope", re.compile(r"^\$\.error")),
)
"""Fields -> the row of the Shapes table of docs/decisions.md that decides them."""
_TIMING_SLACK = 2.0
"""Seconds within which a status's duration counts as the same (polls are seconds apart)."""


@dataclass(frozen=True, order=True)
class Difference:
    kind: str
    operation: str
    field: str
    recorded: str
    mock: str

    @property
    def decision(self) -> str | None:
        """The row of docs/decisions.md's Shapes table this difference belongs to, if any."""
        return next((row for row, fields in _ROWS if fields.search(self.field)), None)


@dataclass
class Fidelity:
    """What one replay found: each difference with how often it was seen, and what closes it."""

    exchanges: int = 0
    tasks: int = 0
    seen: Counter[Difference] = field(default_factory=Counter)
    closes: dict[Difference, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "exchanges": self.exchanges,
            "tasks": self.tasks,
            "differences": [
                {
                    **vars(difference),
                    "count": count,
                    "decision": difference.decision,
                    "closed_by": self.closes.get(difference),
                }
                for difference, count in sorted(self.seen.items())
            ],
        }

    def markdown(self) -> str:
        lines = [f"# Mock fidelity: {self.exchanges} exchanges of {self.tasks} tasks replayed", ""]
        if not self.seen:
            return "\n".join([*lines, "No difference in shape: the mock answered as recorded.", ""])
        lines += [
            "| kind | operation | field | recorded | mock | seen | decision | closed by |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for difference, count in sorted(self.seen.items()):
            cells = (
                *vars(difference).values(),
                count,
                difference.decision or "",
                self.closes.get(difference, ""),
            )
            lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
        return "\n".join([*lines, ""])


def measure(exchanges: list[Any], config: MockConfig | None = None) -> Fidelity:
    """Replay `exchanges` (`apimart_contract.proxy` `Recorded`s, in order) against a fresh mock with
    `config`, then again under each candidate option to find what closes each difference."""
    base = config or MockConfig()
    found = _replay(exchanges, base)
    for option, fields in CANDIDATES.items():
        if all(getattr(base, name) == value for name, value in fields.items()):
            continue
        other = _replay(exchanges, replace(base, **fields))
        for difference in found.seen:
            if difference not in other.seen and difference not in found.closes:
                found.closes[difference] = option
    return found


def _replay(exchanges: list[Any], config: MockConfig) -> Fidelity:
    from ..http.app import create_app

    if not exchanges:
        return Fidelity()
    start = exchanges[0].started
    app = create_app(replace(config, frozen_at=start, api_keys=frozenset(), admin_token=None))
    client = app.test_client()
    ids = _Ids()
    found = Fidelity(exchanges=len(exchanges))
    # A recording of a mock whose clock its client drove (the control calls are in it) replays on that
    # clock alone; any other (the live API's) on the recorded times.
    driven = any("/__mock/clock/" in exchange.url for exchange in exchanges)
    flows: dict[str, tuple[list[tuple[float, str]], list[tuple[float, str]]]] = {}
    now = start
    for exchange in exchanges:
        if exchange.started > now and not driven:
            client.post("/__mock/clock/advance", json={"seconds": exchange.started - now})
            now = exchange.started
        path = ids.to_mock(exchange.url.split("://", 1)[-1].partition("/")[2])
        body = ids.to_mock(exchange.request_body.decode(errors="replace"))
        headers = {"Authorization": f"Bearer sk-fidelity-{exchange.account or 'anonymous'}"}
        if exchange.request_body:
            headers["Content-Type"] = _header(exchange.request_headers, "content-type") or "application/json"
        answer = client.open("/" + path, method=exchange.method, data=body.encode(), headers=headers)
        operation = _operation(exchange.method, "/" + path.partition("?")[0])
        recorded, mocked = _json(exchange.response_body), answer.get_json(silent=True)
        ids.learn(recorded, mocked)
        if answer.status_code != exchange.status:
            found.seen[
                Difference("status", operation, "(status)", str(exchange.status), str(answer.status_code))
            ] += 1
            continue
        found.seen.update(_differences(operation, recorded, mocked))
        _flow(flows, operation, exchange, recorded, mocked)
    found.tasks = len(flows)
    for recorded_flow, mock_flow in flows.values():
        found.seen.update(_timing(recorded_flow, mock_flow))
    return found


class _Ids:
    """Recorded task ids and job hashes -> the mock's, learned from answers seen side by side."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}

    def learn(self, recorded: Any, mocked: Any) -> None:
        for theirs, ours in zip(_identifiers(recorded), _identifiers(mocked), strict=False):
            self.mapping.setdefault(theirs, ours)

    def to_mock(self, text: str) -> str:
        return _JOB_HASH.sub(
            lambda m: self.mapping.get(m[0], m[0]), _TASK_ID.sub(lambda m: self.mapping.get(m[0], m[0]), text)
        )


def _identifiers(body: Any) -> list[str]:
    """Task ids and job hashes in the order they appear in an answer (each once)."""
    text = json.dumps(body) if body is not None else ""
    found = [m[0] for m in re.finditer(f"{_TASK_ID.pattern}|{_JOB_HASH.pattern}", text)]
    return list(dict.fromkeys(found))


def _differences(operation: str, recorded: Any, mocked: Any) -> Iterator[Difference]:
    theirs, ours = dict(_shape(recorded)), dict(_shape(mocked))
    for path in sorted(theirs.keys() | ours.keys()):
        if path not in ours:
            yield Difference("missing", operation, path, theirs[path], "")
        elif path not in theirs:
            yield Difference("extra", operation, path, "", ours[path])
        elif theirs[path] != ours[path]:
            kind = "enum" if theirs[path].startswith("=") or ours[path].startswith("=") else "type"
            yield Difference(kind, operation, path, theirs[path], ours[path])
    families = (_families(recorded), _families(mocked))
    if families[0] != families[1]:
        yield Difference("buttons", operation, "$.buttons[].customId", families[0], families[1])


def _shape(value: Any, path: str = "$") -> Iterable[tuple[str, str]]:
    """Each field's path (list items as `[]`) and its kind, or `=value` for a named value."""
    if isinstance(value, dict):
        yield path, "object"
        for key, item in value.items():
            yield from _shape(item, f"{path}.{key}")
    elif isinstance(value, list):
        yield path, "array"
        for item in value:
            yield from _shape(item, f"{path}[]")
    elif path.rsplit(".", 1)[-1] in _ENUMS and isinstance(value, str | int) and not isinstance(value, bool):
        yield path, f"={value}"
    else:
        yield path, {str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value), "null")


def _families(body: Any) -> str:
    buttons = body.get("buttons") if isinstance(body, dict) else None
    names = set()
    for button in buttons if isinstance(buttons, list) else []:
        custom_id = button.get("customId") if isinstance(button, dict) else None
        try:
            parsed = CustomId.parse(str(custom_id))
            names.add(f"{parsed.family}:{parsed.operation}" if parsed.operation else str(parsed.family))
        except InvalidCustomId:
            names.add("unknown")
    return ", ".join(sorted(names))


def _flow(
    flows: dict[str, tuple[list[tuple[float, str]], list[tuple[float, str]]]],
    operation: str,
    exchange: Any,
    recorded: Any,
    mocked: Any,
) -> None:
    """The statuses each task was read in, with when (MJ view only)."""
    if (
        operation != "GET /v1/midjourney/{task_id}"
        or not isinstance(recorded, dict)
        or not isinstance(mocked, dict)
    ):
        return
    task = exchange.url.rsplit("/", 1)[-1]
    ours = flows.setdefault(task, ([], []))
    ours[0].append((exchange.started, str(recorded.get("status"))))
    ours[1].append((exchange.started, str(mocked.get("status"))))


def _timing(recorded: list[tuple[float, str]], mocked: list[tuple[float, str]]) -> Iterator[Difference]:
    theirs, ours = _durations(recorded), _durations(mocked)
    for status in sorted(theirs.keys() | ours.keys()):
        a, b = theirs.get(status, 0.0), ours.get(status, 0.0)
        if abs(a - b) > _TIMING_SLACK:
            yield Difference(
                "timing", "GET /v1/midjourney/{task_id}", f"$.status={status}", f"{a:.0f} s", f"{b:.0f} s"
            )


def _durations(reads: list[tuple[float, str]]) -> dict[str, float]:
    """How long each status was seen: from its first read to the first read of the next status."""
    found: dict[str, float] = {}
    for (at, status), (later, _) in pairwise(reads):
        found[status] = found.get(status, 0.0) + (later - at)
    return found


def _operation(method: str, path: str) -> str:
    generic = _TASK_ID.sub("{task_id}", path)
    return f"{method} {generic}"


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
