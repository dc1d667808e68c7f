"""The schema check keeps its verdict per answer (`spec._kept_verdict`): an answer that repeats byte for
byte (a finished task polled again, the proxy's commonest exchange) is validated once, and anything the
verdict depends on (status, bytes, content type, the declared `Retry-After`) is judged anew."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from apimart_contract import spec
from apimart_contract.violations import ContractViolation

BASE = "http://127.0.0.1:9"
TASK = "task_01HZZZZZZZZZZZZZZZZZZZZZZZ"
ERROR = {"error": {"code": 429, "message": "Too many requests", "type": "rate_limit_error"}}


def _answer(status: int, body: object, **headers: str) -> httpx.Response:
    request = httpx.Request("GET", f"{BASE}/v1/tasks/{TASK}")
    data = json.dumps(body).encode()
    return httpx.Response(
        status, content=data, headers={"content-type": "application/json", **headers}, request=request
    )


def _judge(response: httpx.Response) -> None:
    spec.check_response(response, target="test", reproducer="")


def test_an_answer_repeated_is_validated_once() -> None:
    spec._kept_verdict.cache_clear()
    answer = _answer(429, ERROR, **{"retry-after": "5"})
    _judge(answer)
    _judge(_answer(429, ERROR, **{"retry-after": "5"}))
    assert spec._kept_verdict.cache_info().hits == 1
    assert spec._kept_verdict.cache_info().misses == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"headers": {}},  # the declared header, required on a 429, left out
        {"body": {"error": {"code": 429, "message": "x"}}},  # the envelope without its type
        {"headers": {"retry-after": "5", "content-type": "text/plain"}},
        {"status": 200},  # a task's answer is not an error envelope
    ],
    ids=["retry-after", "body", "content-type", "status"],
)
def test_what_the_verdict_depends_on_is_judged_anew(changed: dict[str, Any]) -> None:
    spec._kept_verdict.cache_clear()
    _judge(_answer(429, ERROR, **{"retry-after": "5"}))  # conforms, and is kept
    status, body = changed.get("status", 429), changed.get("body", ERROR)
    with pytest.raises(ContractViolation):
        _judge(_answer(status, body, **changed.get("headers", {"retry-after": "5"})))
