"""The control API in-process: clock, reset, direct task creation, faults, rate limit, journal, guards."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from mock_helpers import KEY_A, KEY_B, T0, Api, error_of, make_app

from apimart_mock.config import MockConfig
from apimart_mock.domain.accounts import account_id


def test_clock_freeze_advance_resume_speed(client: FlaskClient) -> None:
    assert client.get("/__mock/clock").json == {"now": T0, "frozen": True, "speed": 1.0}
    assert client.post("/__mock/clock/advance", json={"seconds": 90}).json["now"] == T0 + 90  # type: ignore[index]
    assert client.post("/__mock/clock/freeze", json={"at": T0 + 500}).json["now"] == T0 + 500  # type: ignore[index]
    assert client.post("/__mock/clock/resume", json={}).json["frozen"] is False  # type: ignore[index]
    assert client.post("/__mock/clock/speed", json={"speed": 50}).json["speed"] == 50  # type: ignore[index]
    assert client.post("/__mock/clock/freeze", json={}).json["frozen"] is True  # type: ignore[index]
    for bad in ({"seconds": -1}, {"seconds": "5"}, {}, {"seconds": True}):
        assert error_of(client.post("/__mock/clock/advance", json=bad))[0] == 400


def test_concurrent_clock_changes_all_count(app: Flask) -> None:
    """Each thread has its own store connection, as served threads and workers do: no advance is lost."""

    def advance() -> None:
        client = app.test_client()
        for _ in range(50):
            assert client.post("/__mock/clock/advance", json={"seconds": 1}).status_code == 200

    threads = [threading.Thread(target=advance) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert app.test_client().get("/__mock/clock").json["now"] == T0 + 300  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/__mock/clock/advance", {"seconds": 1e308}),
        ("/__mock/clock/advance", {"seconds": 10**400}),
        ("/__mock/clock/freeze", {"at": 1e300}),
        ("/__mock/clock/speed", {"speed": 1e300}),
        ("/__mock/tasks", {"account": KEY_A, "age": 1e308}),
        ("/__mock/tasks", {"account": KEY_A, "age": 10**400}),
        ("/__mock/faults", {"kind": "latency", "latency_ms": 10**20}),
        ("/__mock/faults", {"kind": "429", "retry_after": 10**12}),
        ("/__mock/faults", {"kind": "500", "count": 2.5}),
        ("/__mock/rate-limit", {"per_second": 1e300}),
    ],
)
def test_numbers_out_of_range_change_nothing(api: Api, path: str, body: dict[str, Any]) -> None:
    assert error_of(api.client.post(path, json=body))[0] == 400
    assert api.client.get("/__mock/clock").json == {"now": T0, "frozen": True, "speed": 1.0}
    assert api.client.get("/__mock/faults").json == {"faults": []}
    assert api.tasks() == {"tasks": [], "charged": 0}
    api.create()  # the store still works


def test_zero_latency_and_retry_after_are_kept(client: FlaskClient) -> None:
    fault = client.post("/__mock/faults", json={"kind": "latency", "latency_ms": 0}).json
    assert fault["latency_ms"] == 0  # type: ignore[index]
    fault = client.post("/__mock/faults", json={"kind": "429", "retry_after": 0}).json
    assert fault["retry_after"] == 0  # type: ignore[index]


def test_reset_forgets_everything_and_restarts_the_clock_not_the_ids(api: Api) -> None:
    first = api.create()
    api.advance(10)
    api.client.post("/__mock/faults", json={"kind": "500"})
    assert api.client.post("/__mock/reset", json={}).status_code == 200
    assert api.tasks() == {"tasks": [], "charged": 0}
    assert api.client.get("/__mock/faults").json == {"faults": []}
    assert api.client.get("/__mock/clock").json["now"] == T0  # type: ignore[index]
    again = api.create()  # at the same clock time as `first`: still a new id
    assert again != first and again[:15] == first[:15]


@pytest.mark.parametrize("status", ["NOT_START", "SUBMITTED", "IN_PROGRESS", "MODAL", "SUCCESS", "FAILURE"])
def test_create_a_task_in_any_state(api: Api, status: str) -> None:
    created = api.client.post("/__mock/tasks", json={"account": KEY_A, "status": status, "age": 120})
    assert created.status_code == 201
    task_id = created.json["id"]  # type: ignore[index]
    mj = api.mj(task_id)
    assert mj["status"] == status and mj["created_at"] == int(T0 - 120)


def test_create_an_old_task_and_other_shapes(api: Api) -> None:
    old = api.client.post("/__mock/tasks", json={"account": KEY_A, "age": 4 * 86400}).json["id"]  # type: ignore[index]
    assert error_of(api.request("GET", f"/v1/tasks/{old}"))[0] == 404
    up = api.client.post("/__mock/tasks", json={"account": KEY_A, "action": "UPSCALE"}).json  # type: ignore[union-attr]
    assert len(up["image_urls"]) == 1
    stale_modal = {"account": KEY_A, "status": "MODAL", "age": 1800}
    modal = api.client.post("/__mock/tasks", json=stale_modal).json["id"]  # type: ignore[index]
    assert api.unified(modal)["status"] == "cancelled"
    for bad in (
        {},
        {"account": KEY_A, "status": "DONE"},
        {"account": KEY_A, "age": -1},
        {"account": KEY_A, "status": "MODAL", "action": "IMAGINE"},
    ):
        assert error_of(api.client.post("/__mock/tasks", json=bad))[0] == 400


def test_error_faults_in_process(api: Api) -> None:
    task_id = api.create()
    path = f"/v1/tasks/{task_id}"
    api.client.post("/__mock/faults", json={"kind": "500", "count": 1})
    api.client.post("/__mock/faults", json={"kind": "502", "count": 1})
    api.client.post("/__mock/faults", json={"kind": "429", "count": 1, "retry_after": 7})
    assert error_of(api.request("GET", path))[:2] == (500, "server_error")
    assert error_of(api.request("GET", path))[:2] == (502, "bad_gateway")
    limited = api.request("GET", path)
    assert error_of(limited)[:2] == (429, "rate_limit_error") and limited.headers["Retry-After"] == "7"
    assert api.request("GET", path).status_code == 200
    faults = api.client.get("/__mock/faults").json["faults"]  # type: ignore[index]
    assert [(f["hits"], f["remaining"]) for f in faults] == [(1, 0), (1, 0), (1, 0)]


def test_body_faults_in_process(api: Api) -> None:
    task_id = api.create()
    path = f"/v1/midjourney/{task_id}"
    api.client.post("/__mock/faults", json={"kind": "drift", "drift": "status", "count": 1})
    assert api.request("GET", path).json["status"] == "QUEUED"  # type: ignore[index]
    api.client.post("/__mock/faults", json={"kind": "drift", "drift": "action", "count": 1})
    assert api.request("GET", path).json["action"] == "RETEXTURE"  # type: ignore[index]
    api.client.post("/__mock/faults", json={"kind": "drift", "drift": "field", "count": 1})
    assert "x_unknown_field" in api.request("GET", path).json  # type: ignore[operator]
    api.client.post("/__mock/faults", json={"kind": "truncate", "count": 1})
    truncated = api.client.get(path, headers={"Authorization": f"Bearer {KEY_A}"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.data)
    api.client.post("/__mock/faults", json={"kind": "drop", "count": 1})
    with pytest.raises(ConnectionResetError):
        api.client.get(path, headers={"Authorization": f"Bearer {KEY_A}"})
    api.client.post("/__mock/faults", json={"kind": "latency", "latency_ms": 1, "count": 1})
    assert api.request("GET", path).status_code == 200


def test_faults_can_target_one_account_or_path_and_are_reproducible(api: Api) -> None:
    api.client.post("/__mock/faults", json={"kind": "500", "account": KEY_B})
    api.client.post("/__mock/faults", json={"kind": "502", "path": "/v1/tasks/"})
    assert api.request("GET", "/v1/midjourney/task_x").status_code == 404
    assert api.as_(KEY_B).request("GET", "/v1/midjourney/task_x").status_code == 500
    assert api.request("GET", "/v1/tasks/task_x").status_code == 502
    assert api.client.delete("/__mock/faults", json={}).json == {"faults": []}

    def pattern() -> list[int]:
        api.client.post("/__mock/reset", json={})
        api.client.post("/__mock/faults", json={"kind": "500", "fraction": 0.3})
        return [api.request("GET", "/v1/tasks/task_x").status_code for _ in range(30)]

    first = pattern()
    assert first == pattern() and 0 < first.count(500) < 30


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "boom"},
        {"kind": "500", "count": 0},
        {"kind": "500", "fraction": 2},
        {"kind": "500", "colour": 1},
        {"kind": "drift", "drift": "x"},
    ],
)
def test_bad_faults_are_400(client: FlaskClient, body: dict[str, object]) -> None:
    assert error_of(client.post("/__mock/faults", json=body))[0] == 400


def test_rate_limit_per_account_on_the_clock(api: Api) -> None:
    api.client.post("/__mock/rate-limit", json={"per_second": 2})
    codes = [api.request("GET", "/v1/tasks/task_x").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    assert api.as_(KEY_B).request("GET", "/v1/tasks/task_x").status_code == 404
    limited = api.request("GET", "/v1/tasks/task_x")
    assert limited.headers["Retry-After"] == "1"
    api.advance(1)
    assert api.request("GET", "/v1/tasks/task_x").status_code == 404
    api.client.post("/__mock/rate-limit", json={"per_second": None})
    assert api.client.get("/__mock/rate-limit").json == {"per_second": None}


def test_journal_filters_by_account_and_path(api: Api) -> None:
    task_id = api.create()
    for _ in range(3):
        api.mj(task_id)
    api.as_(KEY_B).request("GET", "/v1/tasks/task_x")
    polls = api.client.get("/__mock/requests", query_string={"account": KEY_A, "path": "/v1/midjourney/task"})
    entries = polls.json["requests"]  # type: ignore[index]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200)] * 3
    everyone = api.client.get("/__mock/requests").json["requests"]  # type: ignore[index]
    assert len(everyone) == 5 and everyone[-1]["account"] == account_id(KEY_B)
    api.client.delete("/__mock/requests", json={})
    assert api.client.get("/__mock/requests").json == {"requests": [], "next_cursor": None, "dropped": 0}


def test_control_api_is_loopback_only_and_can_require_a_token(tmp_path: Path) -> None:
    app = make_app(tmp_path, admin_token="secret")
    client = app.test_client()
    assert error_of(client.get("/__mock/clock"))[0] == 401
    assert client.get("/__mock/clock", headers={"X-Mock-Admin-Token": "secret"}).status_code == 200
    assert client.get("/__mock/").status_code == 200  # the dashboard's static page asks for the token itself
    assert error_of(client.get("/__mock/", environ_base={"REMOTE_ADDR": "10.1.2.3"}))[0] == 403
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    response = client.get("/__mock/clock", headers={"X-Mock-Admin-Token": "secret"}, environ_base=remote)
    assert error_of(response)[0] == 403


def test_tasks_come_in_pages_filtered_by_account_and_status(api: Api) -> None:
    mine = [
        api.client.post("/__mock/tasks", json={"account": KEY_A, "age": 300 - n}).json["id"] for n in range(5)
    ]  # type: ignore[index]
    theirs = api.client.post("/__mock/tasks", json={"account": KEY_B, "status": "SUBMITTED"}).json["id"]  # type: ignore[index]
    old = api.client.post("/__mock/tasks", json={"account": KEY_A, "age": 4 * 86400}).json["id"]  # type: ignore[index]
    seen, cursor = [], None
    while True:
        page = api.client.get(
            "/__mock/tasks", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json
        assert len(page["tasks"]) <= 2  # type: ignore[index]
        seen += [task["id"] for task in page["tasks"]]  # type: ignore[index]
        cursor = page["next_cursor"]  # type: ignore[index]
        if cursor is None:
            break
    assert seen == [old, *mine, theirs]  # creation order, each once
    listed = api.client.get("/__mock/tasks", query_string={"status": "EXPIRED"}).json["tasks"]  # type: ignore[index]
    assert [(t["id"], t["status"], t["expired"]) for t in listed] == [(old, "EXPIRED", True)]
    by_id = {"account": account_id(KEY_B), "status": "SUBMITTED"}
    assert [t["id"] for t in api.client.get("/__mock/tasks", query_string=by_id).json["tasks"]] == [theirs]  # type: ignore[index]
    success = api.client.get(
        "/__mock/tasks", query_string={"account": KEY_A, "status": "SUCCESS", "limit": 3}
    ).json
    assert [t["id"] for t in success["tasks"]] == mine[:3] and success["next_cursor"] is not None  # type: ignore[index]
    for bad in ({"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"status": "DONE"}, {"cursor": "nope"}):
        assert error_of(api.client.get("/__mock/tasks", query_string=bad))[0] == 400


def test_requests_are_counted_and_listed_by_one_matcher(api: Api) -> None:
    api.create(body={"prompt": "a cat", "metadata": {"order": "42"}})
    api.create(body={"prompt": "a dog"})
    api.advance(10)
    api.as_(KEY_B).request("GET", "/v1/tasks/task_x")

    def count(**matcher: Any) -> int:
        answer = api.client.post("/__mock/requests/count", json=matcher)
        assert answer.status_code == 200, answer.json
        return int(answer.json["count"])  # type: ignore[index]

    assert count() == 3
    assert count(method="post", path_pattern=r"/v1/midjourney/generations(/.*)?") == 2
    assert count(body={"prompt": "a cat"}) == 1 and count(body={"metadata": {"order": "42"}}) == 1
    assert count(account=KEY_B, status=404) == 1 and count(account=account_id(KEY_A)) == 2
    assert count(since=T0 + 10) == 1 and count(path="/v1/tasks/") == 1
    listed = api.client.get("/__mock/requests", query_string={"body": '{"prompt": "a dog"}'}).json["requests"]  # type: ignore[index]
    assert [json.loads(entry["body"])["prompt"] for entry in listed] == ["a dog"]
    assert listed[0]["headers"]["Authorization"] == "[redacted]" and listed[0]["body_bytes"] > 0
    first = api.client.get("/__mock/requests", query_string={"limit": 1}).json
    rest = api.client.get("/__mock/requests", query_string={"cursor": first["next_cursor"]}).json  # type: ignore[index]
    assert len(first["requests"]) == 1 and len(rest["requests"]) == 2 and rest["next_cursor"] is None  # type: ignore[index]
    for bad in ({"path_pattern": "("}, {"status": "x"}, {"body": [1]}, {"colour": "red"}, {"since": "nan"}):
        assert error_of(api.client.post("/__mock/requests/count", json=bad))[0] == 400
    assert error_of(api.client.get("/__mock/requests", query_string={"cursor": "1:x"}))[0] == 400


def test_health_checks_are_not_journaled(api: Api) -> None:
    """A load balancer polls /healthz all day (docs/scaling.md): not the code under test's requests."""
    api.client.delete("/__mock/requests", json={})
    assert api.client.get("/healthz").status_code == 200
    api.request("GET", "/v1/tasks/task_x")
    paths = [entry["path"] for entry in api.client.get("/__mock/requests").json["requests"]]  # type: ignore[index]
    assert paths == ["/v1/tasks/task_x"]


@pytest.mark.parametrize("token", ["", "   "])
def test_an_empty_admin_token_is_refused_in_process_too(token: str) -> None:
    """`create_app(MockConfig(admin_token=""))` would mean no admin auth at all: refused where it is made."""
    with pytest.raises(ValueError, match="admin_token is empty"):
        MockConfig(admin_token=token)


def test_tasks_filter_by_action_search_and_parent_and_children_name_their_button(api: Api) -> None:
    grid = api.finished(body={"prompt": "a lighthouse at dusk"})
    other = api.create(body={"prompt": "a red bicycle"})
    upscaled = api.create("upscale", {"task_id": grid, "index": 2})
    varied = api.create("variation", {"task_id": grid, "index": 1})
    api.advance(3600)
    zoomed = api.create("zoom", {"task_id": upscaled, "zoom_ratio": 2})

    def listed(**query: Any) -> list[tuple[str, str | None]]:
        page = api.client.get("/__mock/tasks", query_string=query).json
        return [(t["id"], t["button"]) for t in page["tasks"]]  # type: ignore[index]

    assert listed(parent=grid) == [(upscaled, "U2"), (varied, "V1")]
    assert listed(parent=upscaled) == [(zoomed, "Zoom Out 2x")]
    assert listed(parent=zoomed) == []
    assert listed(action="UPSCALE") == [(upscaled, "U2")]
    assert listed(search="BICYCLE") == [(other, None)]  # the prompt, any case
    assert listed(search=varied[-8:].lower()) == [(varied, "V1")]  # a part of the id
    assert listed(search="lighthouse", order="newest") == [
        (zoomed, "Zoom Out 2x"),
        (varied, "V1"),
        (upscaled, "U2"),
        (grid, None),
    ]
    assert listed(parent=grid, account=KEY_B) == []
    assert error_of(api.client.get("/__mock/tasks", query_string={"parent": "task_nope"}))[0] == 404
    for bad in ({"search": ""}, {"action": "x" * 201}, {"parent": ""}):
        assert error_of(api.client.get("/__mock/tasks", query_string=bad))[0] == 400


def test_a_filtered_task_page_examines_a_bounded_number_of_tasks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `SCANNED_PER_PAGE` tasks without filling the page, the page ends early with a cursor."""
    from apimart_mock.backend import service

    monkeypatch.setattr(service, "SCANNED_PER_PAGE", 2)
    monkeypatch.setattr(service, "_SCAN_BATCH", 2)
    ids = [
        api.client.post("/__mock/tasks", json={"account": KEY_A, "age": 10 - n}).json["id"] for n in range(7)
    ]  # type: ignore[index]
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {"search": ids[-1], "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.client.get("/__mock/tasks", query_string=query).json
        pages.append([t["id"] for t in page["tasks"]])  # type: ignore[index]
        cursor = page["next_cursor"]  # type: ignore[index]
        if cursor is None:
            break
    assert pages == [[], [], [], [ids[-1]]]  # two tasks examined per page
