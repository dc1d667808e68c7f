"""The proxy's forwarding and recording, over real HTTP in front of the served mock: answers identical to
direct calls, cassettes that hold no key, a recording that fails without breaking forwarding."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apimart_contract.proxy._cassette import CassetteError, Recorder, Redactor, read_cassettes
from apimart_contract.proxy._forward import Forwarder
from apimart_contract.proxy._server import Listener
from apimart_mock.testing import serve

KEY_A, KEY_B = "sk-proxy-team-a-0123456789", "sk-proxy-team-b-9876543210"


@pytest.fixture(scope="module")
def mock() -> Iterator[str]:
    with serve("--frozen", "--api-key", KEY_A, "--api-key", KEY_B) as served:
        yield served.url


def _proxy(upstream: str, recorder: Recorder) -> Iterator[str]:
    """The forwarding app, recording each exchange as it is handed over (`apimart-proxy` hands it to
    another process instead: tests/contract/test_proxy_judging.py)."""
    server = Listener("127.0.0.1", 0, Forwarder(upstream, recorder.write, dict))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        thread.join(30)
        recorder.close()


@pytest.fixture
def cassettes(tmp_path: Path) -> Path:
    return tmp_path / "cassettes"


@pytest.fixture
def proxy(mock: str, cassettes: Path) -> Iterator[str]:
    yield from _proxy(mock, Recorder(cassettes, Redactor()))


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _same(direct: httpx.Response, proxied: httpx.Response) -> None:
    assert proxied.status_code == direct.status_code
    assert proxied.headers.get("content-type") == direct.headers.get("content-type")
    assert proxied.content == direct.content


def test_answers_are_the_upstreams_own(mock: str, proxy: str) -> None:
    submit = {"prompt": "a lighthouse at dusk"}
    with httpx.Client(base_url=mock) as direct, httpx.Client(base_url=proxy) as proxied:
        task = proxied.post("/v1/midjourney/generations", json=submit, headers=_auth(KEY_A))
        assert task.status_code == 200, task.text
        task_id = task.json()["data"][0]["task_id"]
        for path in (
            f"/v1/midjourney/{task_id}",
            f"/v1/tasks/{task_id}",
            "/v1/balance",
            "/v1/tasks/task_nope",
        ):
            _same(direct.get(path, headers=_auth(KEY_A)), proxied.get(path, headers=_auth(KEY_A)))
        _same(
            direct.get(f"/v1/tasks/{task_id}", headers=_auth(KEY_B)),
            proxied.get(f"/v1/tasks/{task_id}", headers=_auth(KEY_B)),
        )
        _same(direct.get("/v1/balance"), proxied.get("/v1/balance"))  # no key: 401 in the envelope
        _same(direct.get("/images/x.png"), proxied.get("/images/x.png"))  # binary, passed as it came


def test_a_connection_is_kept_for_the_next_request(proxy: str) -> None:
    """Two requests on one client connection: both forwarded and answered, the connection kept."""
    host, port = proxy.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", "/v1/balance", headers=_auth(KEY_A))
        first = connection.getresponse()
        assert (first.status, first.will_close) == (200, False)
        first.read()
        kept = connection.sock
        connection.request("GET", "/v1/tasks/task_nope", headers=_auth(KEY_A))
        second = connection.getresponse()
        second.read()
        assert second.status == 404 and connection.sock is kept
    finally:
        connection.close()


@pytest.fixture
def recorded(mock: str, cassettes: Path) -> list[Path]:
    """Three exchanges through a proxy that is stopped (its cassette closed) before the test reads it."""
    for url in _proxy(mock, Recorder(cassettes, Redactor(frozenset({"prompt"})))):
        with httpx.Client(base_url=url) as client:
            task = client.post(
                "/v1/midjourney/generations", json={"prompt": "secret prompt"}, headers=_auth(KEY_A)
            )
            task_id = task.json()["data"][0]["task_id"]
            client.get(f"/v1/tasks/{task_id}", headers=_auth(KEY_A))
            client.get(f"/v1/tasks/{task_id}?key={KEY_B}", headers=_auth(KEY_B))
    return sorted(cassettes.glob("*.har"))


def test_recorded_cassettes_hold_no_key(recorded: list[Path]) -> None:
    text = "".join(path.read_text() for path in recorded)
    for secret in (KEY_A, KEY_B, "secret prompt"):
        assert secret not in text
    log = json.loads(text)["log"]  # one whole HAR document
    assert log["version"] == "1.2"
    accounts = [entry["_account"] for entry in log["entries"]]
    assert accounts[0] == accounts[1] != accounts[2]
    assert all(account.startswith("acct-") for account in accounts)
    assert not any(
        h["name"].lower() == "authorization" for e in log["entries"] for h in e["request"]["headers"]
    )


def test_recorded_cassettes_read_back(recorded: list[Path]) -> None:
    exchanges = [exchange for _, _, exchange in read_cassettes(recorded[0].parent)]
    assert [(e.method, e.status) for e in exchanges] == [("POST", 200), ("GET", 200), ("GET", 403)]
    task = exchanges[1].response().json()["data"]
    assert task["id"] == exchanges[0].response().json()["data"][0]["task_id"]


def test_a_cut_or_broken_cassette_names_its_file_and_line(recorded: list[Path]) -> None:
    path = recorded[0]
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]))  # killed: no closing line; still reads up to the last entry
    assert len(list(read_cassettes(path))) == 3
    path.write_text("\n".join([*lines[:2], '{"request": ', *lines[2:]]))
    with pytest.raises(CassetteError, match=rf"{path.name}:3: not a JSON entry"):
        list(read_cassettes(path))
    path.write_text('{"log": {"version": "1.2", "entries": [{"request": {}}]}}')
    with pytest.raises(CassetteError, match=rf"{path.name}:1: not a HAR entry"):
        list(read_cassettes(path))


def test_an_unreachable_upstream_answers_502_in_the_envelope(tmp_path: Path) -> None:
    for url in _proxy("http://127.0.0.1:9", Recorder(tmp_path, Redactor())):
        answer = httpx.get(f"{url}/v1/balance", headers=_auth(KEY_A))
    assert answer.status_code == 502
    assert answer.json()["error"]["type"] == "upstream_error"
    assert KEY_A not in answer.text
