"""Deliberately broken servers: the real mock behind a WSGI wrapper that breaks one rule of the contract.

`test_self_check.py` runs the suite's own checks against each and asserts that the break is reported.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Broken", "button_of_another_job", "foreign_task_readable", "progress_backwards", "wrong_type"]

Environ = dict[str, Any]
Rewrite = Callable[[Environ, Any], Any]

_MJ_VIEW = re.compile(r"^/v1/midjourney/(?!generations)(?P<id>[^/]+)$")
_UNIFIED_VIEW = re.compile(r"^/v1/tasks/(?P<id>[^/]+)$")


class Broken:
    """WSGI middleware: `before` may change the request environ, `rewrite` the JSON body of a 200."""

    def __init__(
        self, app: Any, *, before: Callable[[Environ], None] | None = None, rewrite: Rewrite | None = None
    ):
        self.app = app
        self.before = before
        self.rewrite = rewrite

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.before is not None:
            self.before(environ)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        if self.rewrite is not None and captured["status"].startswith("200"):
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if payload is not None:
                body = json.dumps(self.rewrite(environ, payload)).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


def foreign_task_readable(first_key: str) -> dict[str, Any]:
    """Every read is answered as if the first account asked: another account can read its tasks."""

    def before(environ: Environ) -> None:
        if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].startswith("/v1/"):
            environ["HTTP_AUTHORIZATION"] = f"Bearer {first_key}"

    return {"before": before}


def progress_backwards() -> dict[str, Any]:
    """Every other read of a task's Midjourney view reports 20 points less progress than the last one."""
    reads: Counter[str] = Counter()

    def rewrite(environ: Environ, body: Any) -> Any:
        found = _MJ_VIEW.match(environ["PATH_INFO"])
        if found and isinstance(body.get("progress"), str):
            reads[found["id"]] += 1
            if reads[found["id"]] % 2 == 0:
                body["progress"] = f"{max(0, int(body['progress'].rstrip('%')) - 20)}%"
        return body

    return {"rewrite": rewrite}


def wrong_type() -> dict[str, Any]:
    """The unified view's `progress` is a string ("45") instead of an integer."""

    def rewrite(environ: Environ, body: Any) -> Any:
        if _UNIFIED_VIEW.match(environ["PATH_INFO"]) and "progress" in body.get("data", {}):
            body["data"]["progress"] = str(body["data"]["progress"])
        return body

    return {"rewrite": rewrite}


def button_of_another_job() -> dict[str, Any]:
    """The last button of a finished task names another Midjourney job."""

    def rewrite(environ: Environ, body: Any) -> Any:
        buttons = body.get("buttons") if _MJ_VIEW.match(environ["PATH_INFO"]) else None
        if buttons:
            last = buttons[-1]
            last["customId"] = re.sub(
                r"::[0-9a-f-]{36}", "::00000000-0000-4000-8000-0000000000ff", last["customId"]
            )
        return body

    return {"rewrite": rewrite}
