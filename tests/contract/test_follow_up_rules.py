"""The rules noticed while measuring: a task given by id says its version only in its prompt (`prompt_en`
in the live shape); the links phase accepts a 400 to a follow-up only for a reason the reference gives,
the version rules judged by the parent's version; an extra field in another account's error envelope is
no leak."""

from __future__ import annotations

import httpx
import pytest

from apimart_contract import oracle
from apimart_contract.flows import wait_until_done
from apimart_contract.lifecycle import machine_for
from apimart_contract.probe import Probe
from apimart_contract.properties import test_errors
from apimart_contract.properties.test_conformance import SCHEMA, _judge_refusal
from apimart_contract.runner import finished_tasks
from apimart_contract.targets import InProcessMock, Target
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


def test_a_given_tasks_version_is_read_from_its_live_prompt_en() -> None:
    """A v8.1 task given by id, in the live shape (`prompt_en`, no `prompt`): the lifecycle takes it for
    v8.1, so a refused pan of its upscale is the version rule at work, not a violation (it was one while
    the machine read `prompt` only and counted the task as v7)."""
    target = broken_target({})
    try:
        probe = Probe(target)
        grid = _made(probe, "/v1/midjourney/generations", {"prompt": "a castle at dawn --v 8.1"})
        upscaled = _made(probe, "/v1/midjourney/generations/upscale", {"task_id": grid, "index": 1})
        assert "prompt" not in probe.mj(upscaled).body  # the live shape
        target.task_ids = (upscaled,)
        lifecycle = machine_for(target)()
        lifecycle.known_tasks()
        lifecycle.poll(upscaled)
        assert lifecycle.model[upscaled].version == "8.1"
        lifecycle._press(lifecycle.model[upscaled], "PAN", {"direction": "left"})
    finally:
        target.close()
    assert target.findings.raised == []


def _made(probe: Probe, path: str, body: dict[str, object]) -> str:
    task_id: str = probe.submit(path, body).body["data"][0]["task_id"]
    wait_until_done(probe, task_id)
    return task_id


def _refused(path: str, message: str, body: dict[str, object], target: Target | None = None) -> None:
    case = SCHEMA[path]["POST"].Case(body=body)
    request = httpx.Request("POST", f"http://127.0.0.1:4010{path}")
    response = httpx.Response(400, json={"error": {"message": message, "type": "invalid_request_error"}})
    response.request = request
    own = target or InProcessMock()
    try:
        _judge_refusal(case, response, own)
    finally:
        if target is None:
            own.close()


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
        "vary-accepted",
        "$.error.message",
    )


@pytest.mark.parametrize(
    ("prompt", "path", "inputs", "violation"),
    [
        ("a lighthouse --v 7", "pan", {"direction": "left"}, "version-rules"),
        ("a lighthouse --v 8.1", "pan", {"direction": "left"}, None),
        ("a lighthouse", "pan", {"direction": "left"}, None),  # no flag: the version is not known
        ("a lighthouse --v 8.2", "remix-strong", {"index": 1}, "version-rules"),
        ("a lighthouse --v 6.1", "remix-subtle", {"index": 1}, None),
    ],
)
def test_the_links_phase_judges_a_version_refusal_by_the_parents_version(
    prompt: str, path: str, inputs: dict[str, object], violation: str | None
) -> None:
    """Pan refused with `invalid generation request`, or a remix refused: the links phase reads the parent
    and asks the version rules (it used to accept any pan refusal, and judged no remix refusal)."""
    target = broken_target({})
    try:
        probe = Probe(target)
        parent = _made(probe, "/v1/midjourney/generations", {"prompt": prompt})
        if path == "pan":
            parent = _made(probe, "/v1/midjourney/generations/upscale", {"task_id": parent, "index": 1})
        found = []
        try:
            _refused(
                f"/v1/midjourney/generations/{path}",
                "invalid generation request" if path == "pan" else "remix needs a v8 task",
                {"task_id": parent, **inputs},
                target,
            )
        except ContractViolation as exc:
            found.append(exc.violation.check)
    finally:
        target.close()
    assert found == ([violation] if violation else [])


def test_one_more_field_in_another_accounts_error_envelope_is_no_leak() -> None:
    """A request id beside the error envelope is no task data: the ownership check passes, while the
    same reads answered as the owner still fail it (its self-check break)."""
    target = broken_target(request_id_on_errors())
    try:
        test_errors.test_other_accounts_task_is_permission_denied(target, finished_tasks(target))
    finally:
        target.close()
    assert [v.check for v in target.findings.raised] == []
