"""Errors: 401, 403, 404, 400 and 429 envelopes decode into the client layer's typed errors.

Twice: for every error body the spec allows (served through respx), and for the errors the target
really gives when provoked (a bad key, another account's task, an id that never existed, an action the
task cannot take, and, on the white-box mock, a rate limit).
"""

from __future__ import annotations

from typing import Any

import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

import apimart

from ..checks import check_error, check_forbidden
from ..probe import Probe
from ..registry import AUTO_MATCHING, BAD_KEY_ACCEPTED, FOREIGN_TASK_READABLE, TASK_NOT_FOUND
from ..strategies import spec_body
from ..targets import Target

BASE_URL = "https://api.apimart.ai"
TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
ERRORS: dict[int, type[apimart.APIStatusError]] = {
    400: apimart.BadRequestError,
    401: apimart.AuthenticationError,
    403: apimart.PermissionDeniedError,
    404: apimart.NotFoundError,
    429: apimart.RateLimitError,
}
LAYER = apimart.Client(api_key="sk-test", base_url=BASE_URL, max_retries=0)


@given(st.sampled_from(sorted(ERRORS)), spec_body("ErrorResponse"), st.integers(0, 3600))
def test_every_spec_error_envelope_decodes_into_its_typed_error(
    status: int, body: dict[str, Any], retry_after: int
) -> None:
    headers = {"Retry-After": str(retry_after)} if status == 429 else {}
    with respx.mock(base_url=BASE_URL) as router:
        router.route().respond(status, json=body, headers=headers)
        with pytest.raises(ERRORS[status]) as caught:
            LAYER.get_task(TASK_ID)
    error = caught.value
    assert error.status_code == status
    assert error.envelope is not None and error.envelope.to_dict() == body
    if status == 429:
        assert isinstance(error, apimart.RateLimitError) and error.retry_after == retry_after


def test_bad_key_is_an_authentication_error(target: Target) -> None:
    target.require_checked_keys(BAD_KEY_ACCEPTED)
    probe = Probe(target)
    bad = {"Authorization": "Bearer sk-contract-not-a-key"}
    for path in ("/v1/tasks/task_contract_any", "/v1/midjourney/task_contract_any"):
        exchange = probe.request("GET", path, headers=bad)
        check_error(probe, exchange, 401, "authentication_error", BAD_KEY_ACCEPTED)


def test_unknown_task_is_not_found(target: Target) -> None:
    probe = Probe(target)
    for exchange in (probe.mj("task_contract_never_existed"), probe.unified("task_contract_never_existed")):
        check_error(probe, exchange, 404, "not_found_error", TASK_NOT_FOUND)


def test_other_accounts_task_is_permission_denied(target: Target, finished: list[dict[str, Any]]) -> None:
    target.require_accounts(2)
    probe = Probe(target)
    task = finished[0]
    for exchange in (probe.mj(task["id"], account=1), probe.unified(task["id"], account=1)):
        check_forbidden(probe, exchange, task, FOREIGN_TASK_READABLE)


def test_impossible_action_is_a_bad_request(target: Target, finished: list[dict[str, Any]]) -> None:
    """Zoom by ratio on a grid: 400 `This action requires an upscaled task.`; nothing is created."""
    grids = [task for task in finished if task.get("action") != "UPSCALE"]
    if not grids:
        pytest.skip(f"{target.name}: no finished grid task (set APIMART_TASK_IDS to include one)")
    target.require_spend()  # refused, it costs nothing; but it is a submit, reserved like any other
    probe = Probe(target)
    spent = target.budget.spent
    exchange = probe.submit("/v1/midjourney/generations/zoom", {"task_id": grids[0]["id"], "zoom_ratio": 2})
    check_error(probe, exchange, 400, "invalid_request_error", AUTO_MATCHING)
    assert target.budget.spent == spent


def test_rate_limit_is_a_rate_limit_error(target: Target) -> None:
    target.require_white_box("provoking a 429 without hammering the service")
    target.control("POST", "/__mock/rate-limit", {"per_second": 1})
    client = target.client(0)
    answers: list[apimart.APIStatusError] = []
    try:
        for _ in range(3):  # the clock is frozen: one window, so the second request is over the limit
            try:
                client.get_task("task_contract_never_existed")
            except apimart.APIStatusError as exc:
                answers.append(exc)
    finally:
        target.control("POST", "/__mock/rate-limit", {"per_second": None})
    limited = [e for e in answers if isinstance(e, apimart.RateLimitError)]
    assert limited, [e.status_code for e in answers]
    assert limited[0].error_type == "rate_limit_error" and limited[0].retry_after is not None
