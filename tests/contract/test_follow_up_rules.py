"""The rules noticed while measuring: a task given by id says its version only in its prompt; the links
phase accepts a 400 to a follow-up only for a reason the reference gives; an extra field in another
account's error envelope is no leak."""

from __future__ import annotations

import httpx
import pytest

from apimart_contract import oracle
from apimart_contract.properties import test_errors
from apimart_contract.properties.test_conformance import SCHEMA, _judge_refusal
from apimart_contract.runner import finished_tasks
from apimart_contract.targets import InProcessMock
from apimart_contract.violations import ContractViolation

from .broken import request_id_on_errors
from .test_self_check import broken_target


@pytest.mark.parametrize(
    ("prompt", "version"),
    [
        ("a castle --v 8.1", "8.1"),
        ("a castle --ar 16:9 --version 6.1 --stylize 100", "6.1"),
        ("a castle --v 7 --v 8.2", "8.2"),  # the last flag wins
        ("a castle --v8", None),  # no flag without its space
        ("a castle", None),
        (None, None),
    ],
)
def test_a_given_tasks_version_is_read_from_its_prompt(prompt: str | None, version: str | None) -> None:
    assert oracle.version_of_prompt(prompt) == version


def _refused(path: str, message: str, body: dict[str, object]) -> None:
    case = SCHEMA[path]["POST"].Case(body=body)
    request = httpx.Request("POST", f"http://127.0.0.1:4010{path}")
    response = httpx.Response(400, json={"error": {"message": message, "type": "invalid_request_error"}})
    response.request = request
    target = InProcessMock()
    try:
        _judge_refusal(case, response, target)
    finally:
        target.close()


@pytest.mark.parametrize(
    ("path", "message", "body"),
    [
        (
            "/v1/midjourney/generations/upscale",
            "task task_1 is not in SUCCESS state",
            {"task_id": "t", "index": 1},
        ),
        ("/v1/midjourney/generations/zoom", "This action requires an upscaled task.", {"task_id": "t"}),
        (
            "/v1/midjourney/generations/pan",
            "invalid generation request",
            {"task_id": "t", "direction": "left"},
        ),
        (
            "/v1/midjourney/generations/upscale",
            "invalid custom_id: 0",
            {"task_id": "t", "custom_id": "x"},
        ),
    ],
)
def test_the_links_phase_accepts_the_refusals_the_reference_gives(
    path: str, message: str, body: dict[str, object]
) -> None:
    _refused(path, message, body)


def test_the_links_phase_reports_a_refused_high_variation_on_a_grid() -> None:
    """High variation on a grid falls back to its V{index} button (decisions): never 400 for needing an
    upscaled task, which the links phase used to accept for any follow-up."""
    with pytest.raises(ContractViolation) as caught:
        _refused(
            "/v1/midjourney/generations/high-variation",
            "This action requires an upscaled task.",
            {"task_id": "t", "index": 1},
        )
    assert (caught.value.violation.check, caught.value.violation.field) == (
        "auto-matching",
        "$.error.message",
    )


def test_one_more_field_in_another_accounts_error_envelope_is_no_leak() -> None:
    """A request id beside the error envelope is no task data: the ownership check passes, while the
    same reads answered as the owner still fail it (its self-check break)."""
    target = broken_target(request_id_on_errors())
    try:
        test_errors.test_other_accounts_task_is_permission_denied(target, finished_tasks(target))
    finally:
        target.close()
    assert [v.check for v in target.findings.raised] == []
