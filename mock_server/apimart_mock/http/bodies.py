"""JSON bodies turned into the typed values the backend takes, each part checked once.

- Numbers (`number`): finite, in range, and never a bool. Unbounded numbers would overflow later (a
  clock advanced by 1e308 seconds cannot be written as JSON, a latency of 1e20 ms cannot be slept), so
  every number the control API takes has a ceiling here.
- A submit's body against the server's `Limits` (`check_submit`), before anything else looks at it (a
  body nested 500 deep must never reach code that recurses).
- The control API's bodies: a fault (`fault_of`), a task created directly (`direct_task_of`), a matcher
  of journaled requests (`matcher_of`, from JSON fields or query parameters).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..backend.values import DirectTask
from ..config import Limits
from ..domain.accounts import account_named
from ..domain.errors import InvalidRequest
from ..domain.faults import Drift, Fault, FaultKind
from ..domain.journal import RequestMatcher
from ..domain.patterns import PathPattern

__all__ = ["MAX_SECONDS", "check_submit", "depth_of", "direct_task_of", "fault_of", "matcher_of", "number"]

MAX_SECONDS = 10 * 365.25 * 24 * 3600
"""The longest span of clock time the control API takes at once (ten years)."""
_PATTERN_LIMIT = 500


def number(value: Any, name: str, *, minimum: float, maximum: float, integer: bool = False) -> float:
    """`value` as a number from `minimum` to `maximum` (an int when `integer`), else 400 naming `name`."""
    kind = "a whole number" if integer else "a number"
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())  # 2.0 is JSON's 2
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not whole):
        raise InvalidRequest(f"{name} must be {kind} from {minimum:g} to {maximum:g}")
    try:
        checked = float(value)
    except OverflowError:
        checked = math.inf
    if not (math.isfinite(checked) and minimum <= checked <= maximum):
        raise InvalidRequest(f"{name} must be {kind} from {minimum:g} to {maximum:g}")
    return checked


def check_submit(body: Mapping[str, Any], limits: Limits) -> None:
    """400 naming the first limit `body` passes."""
    metadata = body.get("metadata")
    if metadata is not None:
        if depth_of(metadata) > limits.metadata_depth:
            raise InvalidRequest(f"metadata must be nested at most {limits.metadata_depth} levels deep")
        if len(json.dumps(metadata, separators=(",", ":")).encode()) > limits.metadata_bytes:
            raise InvalidRequest(f"metadata must be at most {limits.metadata_bytes} bytes as JSON")
    prompt = body.get("prompt")
    if isinstance(prompt, str) and len(prompt) > limits.prompt_chars:
        raise InvalidRequest(f"prompt must be at most {limits.prompt_chars} characters")
    images = body.get("image_urls")
    if isinstance(images, list):
        if len(images) > limits.image_urls:
            raise InvalidRequest(f"image_urls must hold at most {limits.image_urls} items")
        if any(isinstance(url, str) and len(url) > limits.image_url_chars for url in images):
            raise InvalidRequest(f"each of image_urls must be at most {limits.image_url_chars} characters")


def depth_of(value: Any) -> int:
    """How deeply `value` nests objects and lists (a scalar: 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def fault_of(body: Mapping[str, Any]) -> Fault:
    """A fault from a control-API body, not stored yet (the store gives it its id); 400 naming what is
    wrong."""
    allowed = {"kind", "count", "fraction", "account", "path", "latency_ms", "retry_after", "drift"}
    if unknown := set(body) - allowed:
        raise InvalidRequest(f"unknown fault fields: {', '.join(sorted(unknown))}")
    try:
        kind = FaultKind(str(body.get("kind")))
        drift = Drift(body.get("drift", Drift.STATUS))
    except ValueError as exc:
        raise InvalidRequest(f"{exc}; kinds: {', '.join(FaultKind)}; drifts: {', '.join(Drift)}") from None
    count = body.get("count")
    return Fault(
        id=0,
        kind=kind,
        remaining=None
        if count is None
        else int(number(count, "count", minimum=1, maximum=1e9, integer=True)),
        fraction=_number_or(body, "fraction", 1.0, minimum=0, maximum=1, integer=False),
        account=_optional_text(body, "account"),
        path=_optional_text(body, "path"),
        latency_ms=int(_number_or(body, "latency_ms", 500, minimum=0, maximum=60_000)),
        retry_after=int(_number_or(body, "retry_after", 1, minimum=0, maximum=86_400)),
        drift=drift,
    )


def direct_task_of(body: Mapping[str, Any]) -> DirectTask:
    """A task to create directly, from a control-API body (`DirectTask`'s fields; `action` INPAINT for
    a MODAL task, IMAGINE otherwise, when absent); 400 naming what is wrong."""
    account = body.get("account")
    if not isinstance(account, str):
        raise InvalidRequest("account is required")
    status = body.get("status")
    status = "SUCCESS" if status is None else status
    action = body.get("action")
    action = ("INPAINT" if status == "MODAL" else "IMAGINE") if action is None else action
    task = DirectTask(account, status, action)  # its own checks first: they name the first wrong field
    age = _number_or(body, "age", 0, minimum=0, maximum=MAX_SECONDS, integer=False)
    prompt = body.get("prompt", task.prompt)
    if not isinstance(prompt, str):
        raise InvalidRequest("prompt must be a string")
    return replace(task, age=age, prompt=prompt, fail_reason=_optional_text(body, "fail_reason") or None)


def matcher_of(fields: Mapping[str, Any]) -> RequestMatcher:
    """A matcher from JSON fields or query parameters (strings); 400 naming the bad one. Its `account`
    may name the account by a token or by its id."""
    unknown = set(fields) - {"method", "path", "path_pattern", "account", "status", "since", "body"}
    if unknown:
        raise InvalidRequest(f"unknown matcher field: {', '.join(sorted(unknown))}"[:200])
    method = _text(fields, "method")
    pattern = _text(fields, "path_pattern")
    if pattern is not None and len(pattern) > _PATTERN_LIMIT:
        raise InvalidRequest(f"path_pattern must be at most {_PATTERN_LIMIT} characters")
    account = _text(fields, "account")
    body = fields.get("body", {})
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object of fields to match")
    return RequestMatcher(
        method=None if method is None else method.upper(),
        path=_text(fields, "path"),
        path_pattern=None if pattern is None else PathPattern(pattern),
        account=None if account is None else account_named(account),
        status=_matched_number(fields, "status", int, 999),
        since=_matched_number(fields, "since", float, 1e10),
        body=body,
    )


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{name} must be a non-empty string")
    return value


def _matched_number(
    fields: Mapping[str, Any], name: str, kind: type[int] | type[float], maximum: float
) -> Any:
    """A matcher's number: JSON's, or a query parameter's text."""
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
        raise InvalidRequest(f"{name} must be a {'whole ' if kind is int else ''}number")
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidRequest(f"{name} must be a number") from None
    if not 0 <= number <= maximum:  # NaN too
        raise InvalidRequest(f"{name} must be from 0 to {maximum:g}")
    return number


def _number_or(
    body: Mapping[str, Any], key: str, default: float, *, minimum: float, maximum: float, integer: bool = True
) -> float:
    value = body.get(key)
    return default if value is None else number(value, key, minimum=minimum, maximum=maximum, integer=integer)


def _optional_text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string")
    return value
