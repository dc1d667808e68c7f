"""Scopes over real HTTP against the served mock, over SQLite and Redis: one shared mock, teams that never
move each other (their clocks, tasks, faults, rate limits, resets and journals), and a global control
that stays the owner's, behind the admin token."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart_mock.domain.accounts import account_id
from apimart_mock.domain.clock import ClockState
from apimart_mock.store.sqlite import SqliteStore
from apimart_mock.testing import serve

pytestmark = pytest.mark.http

KEY_A, KEY_B = "sk-team-a", "sk-team-b"
ADMIN = "owner-token-of-this-test"
CONTROL_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/__mock/clock", None),
    ("POST", "/__mock/clock/advance", {"seconds": 60}),
    ("POST", "/__mock/clock/freeze", {}),
    ("POST", "/__mock/clock/speed", {"speed": 10}),
    ("POST", "/__mock/reset", {}),
    ("GET", "/__mock/tasks", None),
    ("POST", "/__mock/tasks", {"account": KEY_B}),
    ("POST", "/__mock/faults", {"kind": "500"}),
    ("DELETE", "/__mock/faults", None),
    ("POST", "/__mock/rate-limit", {"per_second": 1}),
    ("POST", "/__mock/balance", {"account": KEY_B, "amount": 0}),
    ("GET", "/__mock/requests", None),
    ("POST", "/__mock/requests/count", {}),
]
"""One call of each kind the control API makes, each changing state where it can."""


_CLIENTS: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


@pytest.fixture
def url(store: str) -> Iterator[str]:
    with serve("--frozen", "--store", store, "--admin-token", ADMIN) as mock:
        yield mock.url


def team(url: str, key: str | None, scope: str | None = None, **headers: str) -> httpx.Client:
    """A client of the mock: a team's (its key, and its scope when named), or the owner's (no key)."""
    sent = dict(headers)
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    if scope is not None:
        sent["X-Mock-Scope"] = scope
    client = httpx.Client(base_url=url, headers=sent, timeout=10)
    _CLIENTS.append(client)  # closed after the test
    return client


def owner(url: str) -> httpx.Client:
    return team(url, None, **{"X-Mock-Admin-Token": ADMIN})


def submit(client: httpx.Client) -> str:
    response = client.post("/v1/midjourney/generations", json={"prompt": "a cat"})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["task_id"])


def status(client: httpx.Client, task_id: str) -> str:
    response = client.get(f"/v1/midjourney/{task_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def now(client: httpx.Client) -> float:
    response = client.get("/__mock/clock")
    assert response.status_code == 200, response.text
    return float(response.json()["now"])


def error_of(response: httpx.Response) -> tuple[int, str]:
    """The status and the error type of an answer in the API's error envelope."""
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "type"}, error
    return response.status_code, str(error["type"])


def test_two_scopes_advance_their_clocks_independently(url: str) -> None:
    a, b, mine = team(url, KEY_A, "team-a"), team(url, KEY_B, "team-b"), owner(url)
    start = now(mine)
    task_a, task_b = submit(a), submit(b)
    assert status(a, task_a) == status(b, task_b) == "NOT_START"

    assert a.post("/__mock/clock/advance", json={"seconds": 60}).json()["now"] == start + 60
    assert status(a, task_a) == "SUCCESS"  # a task lives on its scope's clock
    assert status(b, task_b) == "NOT_START"
    assert now(b) == now(mine) == start

    mine.post("/__mock/clock/advance", json={"seconds": 60})  # the owner's advance moves every scope
    assert status(b, task_b) == "SUCCESS"
    assert (now(a), now(b), now(mine)) == (start + 120, start + 60, start + 60)


def test_another_key_gets_403_on_a_named_scope_and_cannot_read_its_tasks(url: str) -> None:
    a, intruder = team(url, KEY_A, "team-a"), team(url, KEY_B, "team-a")
    task = submit(a)
    a.post("/__mock/faults", json={"kind": "500", "path": "/v1/balance"})
    before = (now(a), a.get("/__mock/faults").json(), a.get("/__mock/tasks").json())

    for method, path, body in CONTROL_CALLS:
        answer = intruder.request(method, path, json=body)
        assert error_of(answer) == (403, "permission_error"), (method, path)
    own_scope = team(url, KEY_B, account_id(KEY_A))  # an account's own scope is that account's only
    assert error_of(own_scope.get("/__mock/clock")) == (403, "permission_error")

    assert error_of(intruder.get(f"/v1/midjourney/{task}")) == (403, "permission_error")  # as live
    assert error_of(team(url, KEY_A, "team-a-again").get(f"/v1/tasks/{task}"))[0] == 404  # same key
    assert (now(a), a.get("/__mock/faults").json(), a.get("/__mock/tasks").json()) == before
    assert status(a, task) == "NOT_START"


def test_reset_in_a_scope_leaves_other_scopes(url: str) -> None:
    a, b = team(url, KEY_A, "team-a"), team(url, KEY_B)  # b: its account's own scope
    task_a, task_b = submit(a), submit(b)
    b.post("/__mock/clock/advance", json={"seconds": 2})
    b.post("/__mock/faults", json={"kind": "500", "path": "/v1/balance"})
    a.post("/__mock/faults", json={"kind": "500", "path": "/v1/balance"})

    assert a.post("/__mock/reset", json={}).status_code == 200
    assert error_of(a.get(f"/v1/tasks/{task_a}"))[0] == 404
    assert a.get("/__mock/faults").json() == {"faults": []} and a.get("/v1/balance").status_code == 200
    assert status(b, task_b) == "IN_PROGRESS" and b.get("/v1/balance").status_code == 500
    listed = owner(url).get("/__mock/tasks").json()["tasks"]
    assert [task["id"] for task in listed] == [task_b]
    assert owner(url).get("/__mock/tasks", params={"account": KEY_A}).json()["tasks"] == []


def test_faults_and_rate_limits_of_a_scope_apply_there_only(url: str) -> None:
    a, b = team(url, KEY_A, "team-a"), team(url, KEY_A, "team-b")  # one key, two scopes
    assert a.post("/__mock/faults", json={"kind": "500", "path": "/v1/user/"}).status_code == 201
    assert a.post("/__mock/rate-limit", json={"per_second": 2}).status_code == 200
    assert error_of(a.get("/v1/user/balance")) == (500, "server_error")
    assert a.get("/v1/balance").status_code == 200
    assert error_of(a.get("/v1/balance"))[0] == 429  # the third request of this clock second
    assert [b.get("/v1/user/balance").status_code for _ in range(5)] == [200] * 5
    assert b.get("/__mock/rate-limit").json() == {"per_second": None}


def test_the_global_control_needs_the_admin_token(url: str) -> None:
    anonymous, wrong = team(url, None), team(url, None, **{"X-Mock-Admin-Token": "guess"})
    for method, path, body in CONTROL_CALLS:
        assert error_of(anonymous.request(method, path, json=body))[0] == 401, path
        assert error_of(wrong.request(method, path, json=body))[0] == 401, path
    assert owner(url).get("/__mock/clock").status_code == 200
    assert team(url, KEY_A).get("/__mock/clock").status_code == 200  # a team's own scope: no token


def test_the_journal_shows_a_team_its_own_scope(url: str) -> None:
    a, b = team(url, KEY_A, "team-a"), team(url, KEY_B, "team-b")
    submit(a)
    submit(b)
    b.get("/v1/balance")
    seen_by_a = a.get("/__mock/requests").json()["requests"]
    assert [(r["method"], r["path"], r["scope"]) for r in seen_by_a] == [
        ("POST", "/v1/midjourney/generations", "team-a")
    ]
    assert b.post("/__mock/requests/count", json={}).json() == {"count": 2}
    everyone = owner(url).get("/__mock/requests").json()["requests"]
    assert sorted(r["scope"] for r in everyone if r["scope"]) == ["team-a", "team-b", "team-b"]

    assert b.request("DELETE", "/__mock/requests", json={}).status_code == 200  # clears b's journal only
    b.get("/v1/balance")
    assert b.post("/__mock/requests/count", json={}).json() == {"count": 1}
    assert a.post("/__mock/requests/count", json={}).json() == {"count": 1}
    assert a.post("/__mock/reset", json={}).status_code == 200  # a's reset clears a's journal
    assert a.post("/__mock/requests/count", json={}).json() == {"count": 0}
    assert b.post("/__mock/requests/count", json={}).json() == {"count": 1}
    assert owner(url).post("/__mock/requests/count", json={"path": "/v1/"}).json() == {"count": 4}


def test_a_malformed_scope_name_is_a_400(url: str) -> None:
    for name in ("-leading-dash", "has space", "x" * 65, "colon:in"):
        answer = team(url, KEY_A, name).get("/v1/balance")
        assert error_of(answer) == (400, "invalid_request_error"), name


def test_replicas_over_one_redis_share_every_scope(redis_url: str) -> None:
    """Two served mocks over one Redis: a scope claimed, advanced or reset through one replica is so
    through the other."""
    store = f"{redis_url}?prefix=test-{uuid.uuid4().hex}"
    with serve("--frozen", "--store", store) as one, serve("--frozen", "--store", store) as two:
        a_one, a_two, b_two = (
            team(one.url, KEY_A, "team-a"),
            team(two.url, KEY_A, "team-a"),
            team(two.url, KEY_B),
        )
        task_a, task_b = submit(a_one), submit(b_two)
        assert error_of(team(two.url, KEY_B, "team-a").get("/__mock/clock")) == (403, "permission_error")

        a_one.post("/__mock/clock/advance", json={"seconds": 60})
        assert (status(a_two, task_a), status(b_two, task_b)) == ("SUCCESS", "NOT_START")
        assert a_two.post("/__mock/reset", json={}).status_code == 200
        assert error_of(a_one.get(f"/v1/tasks/{task_a}"))[0] == 404
        assert status(team(one.url, KEY_B), task_b) == "NOT_START"


def test_the_example_of_the_docs_runs(url: str) -> None:
    """docs/mock-server.md, *Scopes*: its shell example, run as written against the served mock."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "mock-server.md").read_text()
    marker = "(tests/mock_server/test_mock_scopes.py runs this example and checks each answer) -->\n```sh\n"
    script = doc.split(marker, 1)[1].split("```", 1)[0]
    ran = subprocess.run(
        ["bash", "-ec", script.replace("http://127.0.0.1:4010", url)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    answers, text = [], ran.stdout
    while text:
        answer, end = json.JSONDecoder().raw_decode(text)
        answers.append(answer)
        text = text[end:].lstrip()
    submitted, advanced, refused, reset = answers
    start = now(owner(url))
    assert advanced["now"] == start + 60 and refused["error"]["type"] == "permission_error"
    assert reset == {"reset": True}
    assert now(team(url, "sk-team-a", "team-a")) == start
    assert (
        error_of(team(url, "sk-team-a", "team-a").get(f"/v1/tasks/{submitted['data'][0]['task_id']}"))[0]
        == 404
    )


def test_a_store_from_before_scopes_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, account TEXT NOT NULL)")
    with pytest.raises(RuntimeError, match="without scopes: start a new store"):
        SqliteStore(str(path), journal_bytes=1 << 20).initialize(ClockState.start(0.0), None)


def test_after_a_scopes_reset_the_account_listing_pages_through_the_rest(url: str) -> None:
    """The owner's listing of one account, one task a page, after a reset of one of its scopes: every task
    of its other scopes, none of the reset one (over Redis the per-account index must lose them too)."""
    gone, kept = team(url, KEY_A, "team-a"), team(url, KEY_A, "team-c")
    submit(gone)
    expected = []
    for _ in range(2):
        kept.post("/__mock/clock/advance", json={"seconds": 1})
        expected.append(submit(kept))
    gone.post("/__mock/reset", json={})
    listed, cursor = [], None
    while True:
        page = (
            owner(url)
            .get(
                "/__mock/tasks",
                params={"account": KEY_A, "limit": 1, **({"cursor": cursor} if cursor else {})},
            )
            .json()
        )
        listed += [task["id"] for task in page["tasks"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert listed == expected


def test_the_owners_control_sees_each_task_on_its_scopes_clock(url: str) -> None:
    """The global control lists, shows and creates every scope's tasks, each at its own scope's time."""
    b = team(url, KEY_B)  # its account's own scope
    mine = owner(url)
    submitted = submit(b)
    b.post("/__mock/clock/advance", json={"seconds": 1000})
    created = mine.post("/__mock/tasks", json={"account": KEY_B, "status": "SUBMITTED"})
    assert created.status_code == 201 and created.json()["status"] == "SUBMITTED"
    assert status(b, created.json()["id"]) == "SUBMITTED"  # made at its scope's time, not the global one
    listed = {task["id"]: task["status"] for task in mine.get("/__mock/tasks").json()["tasks"]}
    assert listed == {submitted: "SUCCESS", created.json()["id"]: "SUBMITTED"}
    assert mine.get(f"/__mock/tasks/{submitted}/midjourney").json()["status"] == "SUCCESS"
    assert mine.get("/__mock/tasks", params={"status": "SUCCESS"}).json()["tasks"][0]["id"] == submitted
