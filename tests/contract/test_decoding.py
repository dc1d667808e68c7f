"""Decoding: every body `openapi.yaml` allows, served through respx, decodes in the generated client and
in the client layer, and `to_dict()` gives the body back. Drifted bodies (unknown status and action
values, extra fields) decode too.

Target-independent: the server here is respx, the bodies come from the spec's own schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import respx
from apimart_mj_client import AuthenticatedClient
from apimart_mj_client.api.midjourney import get_midjourney_task, imagine
from apimart_mj_client.api.tasks import get_task
from apimart_mj_client.models import ImagineRequest, MidjourneyTask, SubmitResponse, TaskEnvelope
from hypothesis import HealthCheck, given, settings

import apimart
from apimart_contract.strategies import drifted_mj_task, spec_body

BASE_URL = "https://api.apimart.ai"
TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"


@contextmanager
def serving(body: Any) -> Iterator[None]:
    """Every request answered 200 with `body`."""
    with respx.mock(base_url=BASE_URL, assert_all_called=True) as router:
        router.route().respond(200, json=body)
        yield


# Built once: building an httpx client loads certificates (tens of ms), and respx intercepts below it.
GENERATED = AuthenticatedClient(base_url=BASE_URL, token="sk-test", timeout=httpx.Timeout(5.0))
LAYER = apimart.Client(api_key="sk-test", base_url=BASE_URL, max_retries=0)


@given(spec_body("MidjourneyTask"))
def test_mj_task_decodes_and_round_trips(body: dict[str, Any]) -> None:
    with serving(body):
        parsed = get_midjourney_task.sync(TASK_ID, client=GENERATED)
        assert isinstance(parsed, MidjourneyTask)
        assert parsed.to_dict() == body
        assert LAYER.get_task(TASK_ID).to_dict() == body


@given(spec_body("TaskEnvelope"))
def test_unified_task_decodes_and_round_trips(body: dict[str, Any]) -> None:
    with serving(body):
        parsed = get_task.sync(TASK_ID, client=GENERATED)
        assert isinstance(parsed, TaskEnvelope)
        assert parsed.to_dict() == body
        assert LAYER.get_task(TASK_ID, view="unified").to_dict() == body["data"]


@given(spec_body("SubmitResponse"))
# hypothesis-jsonschema draws the task ids' pattern by filtering: with some seeds (the ci profile's
# derandomized one among them) 50 draws go before 10 fit, which is no fault of the test's own.
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_submit_response_decodes_and_round_trips(body: dict[str, Any]) -> None:
    with serving(body):
        parsed = imagine.sync(client=GENERATED, body=ImagineRequest(prompt="a lighthouse"))
        assert isinstance(parsed, SubmitResponse)
        assert parsed.to_dict() == body
        assert LAYER.imagine("a lighthouse").to_dict() == body["data"][0]


@given(drifted_mj_task())
def test_drifted_mj_task_decodes(body: dict[str, Any]) -> None:
    """A status, action or field the service adds tomorrow reaches the caller as data, not a crash."""
    with serving(body):
        parsed = get_midjourney_task.sync(TASK_ID, client=GENERATED)
        assert isinstance(parsed, MidjourneyTask)
        assert parsed.to_dict() == body
        assert parsed.status == body["status"] and parsed.action == body["action"]
        task = LAYER.get_task(TASK_ID)
        assert task.to_dict() == body
        assert set(task.additional_properties) == set(body) - set(MidjourneyTask.__annotations__)
