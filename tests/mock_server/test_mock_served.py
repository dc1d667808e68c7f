"""The served mock over real HTTP: granian with 2 workers on a free loopback port, httpx as the client."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest

from apimart_mock.testing import serve

pytestmark = pytest.mark.http

KEY_A, KEY_B = "sk-alice", "sk-bob"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("served") / "store.sqlite"
    with serve("--frozen", "--store", str(store), "--api-key", KEY_A, "--api-key", KEY_B) as mock:
        yield mock.url
    assert mock.process.returncode == 0, "the mock did not stop cleanly on SIGTERM"


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY_A}"}, timeout=10) as client:
        client.post("/__mock/reset", json={})
        client.post("/__mock/clock/freeze", json={})
        yield client


def _submit(http: httpx.Client, **headers: str) -> str:
    response = http.post("/v1/midjourney/generations", json={"prompt": "a cat"}, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["task_id"])


def _advance(http: httpx.Client, seconds: float) -> None:
    assert http.post("/__mock/clock/advance", json={"seconds": seconds}).status_code == 200


def test_imagine_to_success_by_advancing_the_clock(http: httpx.Client) -> None:
    task_id = _submit(http)
    statuses = []
    for _ in range(10):
        statuses.append(http.get(f"/v1/midjourney/{task_id}").json()["status"])
        _advance(http, 0.5)
    assert statuses[0] == "NOT_START" and statuses[-1] == "SUCCESS"
    assert http.get(f"/v1/tasks/{task_id}").json()["data"]["status"] == "completed"


def test_failure_401_403(http: httpx.Client) -> None:
    task_id = _submit(http, **{"X-Mock-Scenario": "failure"})
    _advance(http, 60)
    assert http.get(f"/v1/midjourney/{task_id}").json()["status"] == "FAILURE"
    assert http.get(f"/v1/tasks/{task_id}", headers={"Authorization": "Bearer sk-nobody"}).status_code == 401
    assert http.get(f"/v1/tasks/{task_id}", headers={"Authorization": ""}).status_code == 401
    other = http.get(f"/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {KEY_B}"})
    assert other.status_code == 403 and task_id not in other.text


def test_404_after_retention_with_image_still_downloadable(http: httpx.Client) -> None:
    task_id = _submit(http)
    _advance(http, 60)
    image_url = http.get(f"/v1/midjourney/{task_id}").json()["image_urls"][0]
    _advance(http, 3 * 24 * 3600)
    assert http.get(f"/v1/midjourney/{task_id}").status_code == 404
    image = httpx.get(image_url)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_one_task_seen_identically_through_both_workers(http: httpx.Client) -> None:
    task_id = _submit(http)
    _advance(http, 2)
    by_worker: dict[str, set[str]] = {}
    for _ in range(60):
        with httpx.Client(base_url=str(http.base_url), headers=http.headers) as fresh:  # new connection
            response = fresh.get(f"/v1/midjourney/{task_id}")
        by_worker.setdefault(response.headers["X-Mock-Worker"], set()).add(response.text)
        if len(by_worker) == 2:
            break
    assert len(by_worker) == 2, "all requests landed on one worker"
    bodies = set().union(*by_worker.values())
    assert len(bodies) == 1 and os.getpid() not in map(int, by_worker)


@pytest.mark.parametrize(
    ("fault", "observe"),
    [
        ({"kind": "500"}, lambda r: r.status_code == 500 and r.json()["error"]["type"] == "server_error"),
        ({"kind": "502"}, lambda r: r.status_code == 502 and r.json()["error"]["type"] == "bad_gateway"),
        (
            {"kind": "429", "retry_after": 3},
            lambda r: r.status_code == 429 and r.headers["Retry-After"] == "3",
        ),
        ({"kind": "drift", "drift": "status"}, lambda r: r.json()["status"] == "QUEUED"),
        ({"kind": "drift", "drift": "action"}, lambda r: r.json()["action"] == "RETEXTURE"),
        ({"kind": "drift", "drift": "field"}, lambda r: "x_unknown_field" in r.json()),
        ({"kind": "truncate"}, lambda r: r.status_code == 200 and _not_json(r)),
    ],
    ids=["500", "502", "429", "drift-status", "drift-action", "drift-field", "truncate"],
)
def test_faults_observed_by_a_real_client_then_cleared(
    http: httpx.Client, fault: dict[str, object], observe
) -> None:  # type: ignore[no-untyped-def]
    task_id = _submit(http)
    assert http.post("/__mock/faults", json={**fault, "path": "/v1/midjourney/task_"}).status_code == 201
    assert observe(http.get(f"/v1/midjourney/{task_id}"))
    assert http.request("DELETE", "/__mock/faults", json={}).status_code == 200
    assert http.get(f"/v1/midjourney/{task_id}").status_code == 200


def test_latency_and_dropped_connection(http: httpx.Client) -> None:
    task_id = _submit(http)
    http.post("/__mock/faults", json={"kind": "latency", "latency_ms": 300, "count": 1})
    started = time.monotonic()
    assert http.get(f"/v1/tasks/{task_id}").status_code == 200
    assert time.monotonic() - started >= 0.3
    http.post("/__mock/faults", json={"kind": "drop", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):  # no status line
        http.get(f"/v1/tasks/{task_id}")
    assert http.get(f"/v1/tasks/{task_id}").status_code == 200
    journal = http.get("/__mock/requests", params={"path": f"/v1/tasks/{task_id}"}).json()["requests"]
    assert [entry["status"] for entry in journal] == [200, 0, 200]


def _not_json(response: httpx.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return True
    return False
