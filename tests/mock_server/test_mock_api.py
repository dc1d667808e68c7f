"""In-process behaviour of the task API: status flow, both views, scenarios, auth, ownership, retention."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from mock_helpers import KEY_A, KEY_B, T0, Api, error_of, make_app

from apimart_mj import parse_progress, to_unified
from apimart_mock import ViewShape
from apimart_mock.http.spec import load_spec


def test_imagine_walks_the_status_flow_and_both_views_agree(api: Api) -> None:
    task_id = api.create(body={"prompt": "a cat", "speed": "fast", "metadata": {"order": "42"}})
    seen = []
    for _ in range(12):
        mj, unified = api.mj(task_id), api.unified(task_id)
        assert unified["status"] == to_unified(mj["status"])
        assert parse_progress(mj["progress"]) == unified["progress"]
        assert unified["created"] == mj["created_at"] == int(T0)
        seen.append(mj["status"])
        api.advance(0.5)
    assert seen[0] == "NOT_START" and seen[-1] == "SUCCESS"
    assert {"SUBMITTED", "IN_PROGRESS"} <= set(seen)
    mj, unified = api.mj(task_id), api.unified(task_id)
    assert len(mj["image_urls"]) == 4 and mj["grid_image_url"].endswith(".png")
    assert len(mj["buttons"]) == 15 and mj["quota"] == 0.05 and "fail_reason" not in mj
    assert mj["prompt_en"] == "a cat" and "prompt" not in mj
    (images,) = unified["result"]["images"]
    assert images["url"] == mj["image_urls"]
    assert images["expires_at"] == unified["completed"] + 86400 == mj["finished_at"] + 86400
    assert unified["actual_time"] == unified["completed"] - unified["created"]


def test_reads_are_pure_with_a_frozen_clock(api: Api) -> None:
    task_id = api.create()
    api.advance(2)
    assert api.mj(task_id) == api.mj(task_id)


def test_documented_shape(tmp_path: Path) -> None:
    api = Api(make_app(tmp_path, shape=ViewShape.DOCS).test_client())
    grid = api.finished()
    mj = api.mj(grid)
    assert mj["prompt"] == "a cat" and "prompt_en" not in mj and "created_at" not in mj
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    assert [b["label"] for b in api.mj(upscaled)["buttons"]][:2] == ["Upscale (Subtle)", "Upscale (Creative)"]


def test_failure_scenario_refunds_and_explains(api: Api) -> None:
    task_id = api.create(**{"X-Mock-Scenario": "failure"})
    api.advance(60)
    mj, unified = api.mj(task_id), api.unified(task_id)
    assert (mj["status"], mj["quota"], mj["fail_reason"]) == ("FAILURE", 0, "No available upstream")
    assert "image_urls" not in mj and "buttons" not in mj
    assert unified["status"] == "failed" and unified["error"]["message"] == "No available upstream"
    assert "result" not in unified
    custom = api.create(**{"X-Mock-Scenario": "FAILURE", "X-Mock-Fail-Reason": "Banned prompt detected"})
    api.advance(60)
    assert api.mj(custom)["fail_reason"] == "Banned prompt detected"


@pytest.mark.parametrize(
    ("scenario", "status", "kind"),
    [("banned", 422, "invalid_request_error"), ("insufficient_balance", 402, "payment_required")],
)
def test_rejected_at_submit_creates_and_charges_nothing(
    api: Api, scenario: str, status: int, kind: str
) -> None:
    response = api.submit(**{"X-Mock-Scenario": scenario})
    assert error_of(response)[:2] == (status, kind)
    assert api.tasks() == {"tasks": [], "charged": 0}


def test_stuck_slow_timeout_and_moderated(api: Api) -> None:
    stuck, slow, timeout, moderated = (
        api.create(**{"X-Mock-Scenario": name}) for name in ("stuck", "slow", "timeout", "moderated")
    )
    api.advance(10)
    assert api.mj(stuck)["status"] == "SUBMITTED"
    assert api.mj(slow)["status"] in ("SUBMITTED", "IN_PROGRESS")
    assert api.mj(timeout)["status"] == "NOT_START"
    assert len(api.mj(moderated)["image_urls"]) == 3
    api.advance(1800)
    assert api.mj(stuck)["status"] == "SUBMITTED"
    assert api.mj(slow)["status"] == "SUCCESS"
    assert (api.mj(timeout)["fail_reason"], api.mj(timeout)["quota"]) == ("Task timeout", 0)


def test_unknown_scenario_is_a_400(api: Api) -> None:
    assert error_of(api.submit(**{"X-Mock-Scenario": "explode"}))[0] == 400


def test_unsupported_version_is_accepted_then_fails(api: Api) -> None:
    task_id = api.create(body={"prompt": "a cat", "version": "9.9"})
    api.advance(60)
    assert api.mj(task_id)["fail_reason"].startswith("upstream code=4: --v")


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Token sk-alice", "Bearer sk-unknown"])
def test_401_one_message_for_every_bad_key(tmp_path: Path, header: str | None) -> None:
    api = Api(make_app(tmp_path, api_keys=frozenset({KEY_A, KEY_B})).test_client())
    headers = {} if header is None else {"Authorization": header}
    for method, path in (
        ("GET", "/v1/tasks/task_x"),
        ("GET", "/v1/midjourney/task_x"),
        ("POST", "/v1/midjourney/generations"),
    ):
        response = api.client.open(path, method=method, headers=headers, json={"prompt": "x"})
        assert error_of(response) == (
            401,
            "authentication_error",
            "Authentication failed, please check your API key",
        )


def test_another_accounts_task_is_403_with_nothing_of_it(api: Api) -> None:
    task_id = api.finished()
    for path in (f"/v1/tasks/{task_id}", f"/v1/midjourney/{task_id}"):
        response = api.as_(KEY_B).request("GET", path)
        assert error_of(response)[:2] == (403, "permission_error")
        assert task_id not in response.get_data(as_text=True)


def test_unknown_task_is_404_and_odd_ids_400(api: Api) -> None:
    assert error_of(api.request("GET", "/v1/tasks/task_nope")) == (
        404,
        "not_found_error",
        "task task_nope not found",
    )
    for odd in ("a%20b", "x" * 65, "%C3%A9t%C3%A9", "a.b"):
        assert error_of(api.request("GET", f"/v1/midjourney/{odd}"))[:2] == (400, "invalid_request_error")


def test_retention_404_but_images_stay_downloadable(api: Api) -> None:
    task_id = api.finished()
    urls = api.mj(task_id)["image_urls"]
    api.advance(3 * 24 * 3600)
    for path in (f"/v1/tasks/{task_id}", f"/v1/midjourney/{task_id}"):
        assert error_of(api.request("GET", path))[:2] == (404, "not_found_error")
    image = api.client.get(urls[0].removeprefix("http://localhost"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG") and image.data == api.client.get(urls[0]).data


def test_public_url_is_the_base_of_image_urls(tmp_path: Path) -> None:
    api = Api(make_app(tmp_path, public_url="https://mock.example/").test_client())
    assert api.mj(api.finished())["grid_image_url"].startswith("https://mock.example/images/")


def test_language_is_checked(api: Api) -> None:
    task_id = api.create()
    assert api.request("GET", f"/v1/tasks/{task_id}?language=zh").status_code == 200
    assert error_of(api.request("GET", f"/v1/tasks/{task_id}?language=xx"))[0] == 400


BAD_BODIES = [
    (b"{", "application/json"),
    (b"[]", "application/json"),
    (b'"prompt"', "application/json"),
    (b'{"prompt": NaN}', "application/json"),
    (b"prompt=a", "application/x-www-form-urlencoded"),
    (b'{"prompt": "a"}', "text/plain"),
    (b"", "application/json"),
    (b'{"prompt": 5}', "application/json"),
    (b'{"prompt": ""}', "application/json"),
    (b'{"prompt": "a", "seed": -1}', "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"[" * 100_000, "application/json"),
]


@pytest.mark.parametrize(("data", "content_type"), BAD_BODIES)
def test_bad_bodies_are_400_envelopes(api: Api, data: bytes, content_type: str) -> None:
    response = api.request("POST", "/v1/midjourney/generations", data=data, content_type=content_type)
    assert error_of(response)[:2] == (400, "invalid_request_error")
    assert api.tasks() == {"tasks": [], "charged": 0}


def test_unknown_fields_are_ignored_unless_the_server_rejects_them(api: Api, tmp_path: Path) -> None:
    """docs/decisions.md: accepted and ignored by default; `--reject-unknown-fields` makes them a 400."""
    body = {"prompt": "a cat", "colour": "red"}
    task_id = api.create(body=body)
    assert "colour" not in api.mj(task_id)
    (tmp_path / "strict").mkdir()
    strict = Api(make_app(tmp_path / "strict", reject_unknown_fields=True).test_client())
    assert error_of(strict.submit(body=body)) == (400, "invalid_request_error", "unknown field: colour")
    assert strict.tasks()["tasks"] == []


def test_missing_prompt_has_the_live_message(api: Api) -> None:
    response = api.submit(body={"speed": "fast"})
    assert error_of(response) == (400, "invalid_request_error", "prompt is required for imagine")


def test_oversize_body_is_a_413(tmp_path: Path) -> None:
    api = Api(make_app(tmp_path, max_body_bytes=1000).test_client())
    response = api.submit(body={"prompt": "x" * 2000})
    assert error_of(response) == (413, "invalid_request_error", "Request body too large")


def test_unknown_routes_and_methods(api: Api) -> None:
    assert error_of(api.client.get("/nope"))[:2] == (404, "not_found_error")
    response = api.client.put("/v1/tasks/task_x", headers={"Authorization": f"Bearer {KEY_A}"})
    assert error_of(response)[0] == 405 and "GET" in response.headers["Allow"]
    response = api.client.get("/v1/midjourney/generations", headers={"Authorization": f"Bearer {KEY_A}"})
    assert response.status_code == 405 and "GET" not in response.headers["Allow"]


def test_openapi_json_is_the_spec(client: FlaskClient) -> None:
    assert client.get("/openapi.json").json["paths"]["/v1/tasks/{task_id}"]  # type: ignore[index]


def test_the_response_validator_can_fail() -> None:
    from mock_helpers import validate
    from openapi_core.validation.response.exceptions import InvalidData
    from werkzeug.test import EnvironBuilder, TestResponse
    from werkzeug.wrappers import Request

    request = Request(EnvironBuilder("/v1/tasks/task_x").get_environ())
    bad = TestResponse(
        [b'{"code": 200, "data": {"id": "x", "status": "done", "progress": "5"}}'],
        "200 OK",
        {"Content-Type": "application/json"},
        request,
    )
    with pytest.raises(InvalidData):
        validate(bad)


def test_every_operation_of_the_spec_is_routed(tmp_path: Path) -> None:
    """(Whether each answers as the spec says is the contract suite's `inprocess` target, in `make test`.)"""
    urls = make_app(tmp_path).url_map.bind("localhost")
    for path, operations in load_spec()["paths"].items():
        for method in operations:
            urls.match(path.replace("{task_id}", "task_x"), method.upper())
