"""A mock shared by many teams, over real HTTP: bad input never 5xx, the journal bounded and never in the
way (a full disk), reset atomic under concurrent submits, credentials never stored or listed in clear."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from apimart_mock.domain.accounts import account_id
from apimart_mock.testing import serve

pytestmark = pytest.mark.http

KEY = "sk-hardening-secret"
AUTH = {"Authorization": f"Bearer {KEY}"}
SUBMIT = "/v1/midjourney/generations"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("hardening") / "store.sqlite"
    with serve("--frozen", "--store", str(store), workers=2, threads=4) as mock:
        yield mock.url


@pytest.fixture
def http(mock_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_url, headers=AUTH, timeout=10) as client:
        client.post("/__mock/reset")
        yield client


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"a": value}
    return value


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


CORPUS: dict[str, tuple[str, bytes]] = {
    "metadata nested 500 deep": (SUBMIT, _json({"prompt": "a cat", "metadata": _nested(500)})),
    "metadata lists nested 5000 deep": (
        SUBMIT,
        b'{"prompt": "a", "metadata": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
    ),
    "metadata of 2 MB": (SUBMIT, _json({"prompt": "a cat", "metadata": {"blob": "x" * 2_000_000}})),
    "metadata of many keys": (
        SUBMIT,
        _json({"prompt": "a cat", "metadata": {str(n): n for n in range(50_000)}}),
    ),
    "lone surrogate in the prompt": (SUBMIT, b'{"prompt": "a \\ud800 cat"}'),
    "lone surrogate in a metadata key": (SUBMIT, b'{"prompt": "a cat", "metadata": {"\\udfff": "\\ud83d"}}'),
    "invalid UTF-8": (SUBMIT, b'{"prompt": "a \xff\xfe cat"}'),
    "raw NUL in the body": (SUBMIT, b'{"prompt": "a \x00 cat"}'),
    "NUL bytes only": (SUBMIT, b"\x00" * 64),
    "prompt too long": (SUBMIT, _json({"prompt": "a" * 9000})),
    "too many image_urls": (f"{SUBMIT}/blend", _json({"image_urls": ["https://e.com/a.png"] * 50})),
    "a NUL in a task id": ("/v1/tasks/task_%00x", b""),
    "a lone surrogate in a task id": ("/v1/tasks/task_%ED%A0%80", b""),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_input_is_a_4xx_envelope(http: httpx.Client, name: str) -> None:
    path, body = CORPUS[name]
    method = "POST" if body else "GET"
    response = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
    assert set(response.json()["error"]) == {"code", "message", "type"}
    assert http.get("/__mock/tasks").json()["tasks"] == []  # nothing stored


def test_a_nul_character_is_text_like_any_other(http: httpx.Client) -> None:
    body = b'{"prompt": "a \\u0000 cat", "metadata": {"\\u0000": "\\u0000"}}'
    submitted = http.post(SUBMIT, content=body, headers={"Content-Type": "application/json"})
    task_id = submitted.json()["data"][0]["task_id"]
    assert http.get(f"/v1/midjourney/{task_id}").json()["prompt_en"] == "a \x00 cat"


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",
        b"-5\r\n{}\r\n0\r\n\r\n",
        b"2\r\n{}XX0\r\n\r\n",
        b"ffffffffffffffffffff\r\n{}",
    ],
    ids=["zz", "negative", "no-terminator", "huge-size"],
)
def test_broken_chunked_encoding_is_a_4xx(mock_url: str, chunks: bytes) -> None:
    status, _ = _raw(
        mock_url,
        b"POST "
        + SUBMIT.encode()
        + b" HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer "
        + KEY.encode()
        + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + chunks,
    )
    assert 400 <= status < 500, status


def _raw(url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are over a fresh connection; the status and body of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_limits_are_in_the_envelope_and_flags_lower_them(tmp_path: Path) -> None:
    with (
        serve("--frozen", "--max-metadata-bytes", "100", "--max-prompt-chars", "10", workers=1) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
    ):
        big = http.post(SUBMIT, json={"prompt": "a cat", "metadata": {"x": "y" * 200}})
        assert big.status_code == 400 and "metadata" in big.json()["error"]["message"]
        long = http.post(SUBMIT, json={"prompt": "a cat on a windowsill"})
        assert long.status_code == 400 and "prompt" in long.json()["error"]["message"]
        assert http.post(SUBMIT, json={"prompt": "a cat", "metadata": {"x": 1}}).status_code == 200


def test_credentials_are_never_stored_or_listed_in_clear(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    with (
        serve("--frozen", "--store", str(store), workers=1) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
    ):
        task_id = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
        assert http.get(f"/v1/tasks/{task_id}").status_code == 200
        listings = http.get("/__mock/tasks").text + http.get("/__mock/requests").text
        assert KEY not in listings and account_id(KEY) in listings
        assert http.get("/__mock/tasks", params={"account": KEY}).json()["tasks"][0]["id"] == task_id
    created = [path for path in tmp_path.iterdir() if path.name.startswith("store.sqlite")]
    assert len(created) >= 3  # the store, its WAL and the journal's files
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert KEY.encode() not in path.read_bytes(), path


def test_the_admin_token_comes_from_the_environment() -> None:
    env = {**os.environ, "APIMART_MOCK_ADMIN_TOKEN": "hunter2"}
    with _served_with_env(env) as url:
        assert httpx.get(f"{url}/__mock/clock").status_code == 401
        assert httpx.get(f"{url}/__mock/clock", headers={"X-Mock-Admin-Token": "hunter2"}).status_code == 200
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}


@contextlib.contextmanager
def _served_with_env(env: dict[str, str]) -> Iterator[str]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with serve(workers=1) as mock:
            yield mock.url
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_journal_stays_under_its_cap_and_counts_what_it_drops(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    cap = 15_000
    with (
        serve("--frozen", "--store", str(store), "--journal-max-bytes", str(cap), workers=2) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
        httpx.Client(base_url=mock.url, timeout=10) as owner,  # no key: the whole journal
    ):
        owner.delete("/__mock/requests")  # the server's readiness probes were journaled too
        sent = 800
        for n in range(sent):
            http.get(f"/v1/tasks/task_{n:05d}")
        on_disk = sum(p.stat().st_size for p in tmp_path.iterdir() if ".journal." in p.name)
        assert on_disk <= cap
        page = owner.get("/__mock/requests", params={"limit": 1000}).json()
        kept = len(page["requests"])
        while page["next_cursor"] is not None:
            page = owner.get("/__mock/requests", params={"limit": 1000, "cursor": page["next_cursor"]}).json()
            kept += len(page["requests"])
        assert page["dropped"] > 0 and kept + page["dropped"] == sent
        assert page["requests"][-1]["path"] == f"/v1/tasks/task_{sent - 1:05d}"  # the newest are kept


def test_a_full_disk_for_the_journal_never_fails_the_api(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        journal = disk / "journal"
        with (
            serve("--frozen", "--journal", str(journal), workers=2) as mock,
            httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
        ):
            task_id = http.post(SUBMIT, json={"prompt": "a cat", "metadata": {"k": "v" * 1000}}).json()
            task_id = task_id["data"][0]["task_id"]
            statuses = {http.get(f"/v1/tasks/{task_id}").status_code for _ in range(600)}
            submitted = {http.post(SUBMIT, json={"prompt": "a dog"}).status_code for _ in range(40)}
            assert statuses == {200} and submitted == {200}
            assert os.statvfs(disk).f_bavail == 0  # the disk did fill up
            assert http.get("/__mock/requests", params={"limit": 5}).status_code == 200
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_file_size_limit_on_the_journal_never_fails_the_api(tmp_path: Path) -> None:
    """The same without a mount: RLIMIT_FSIZE on the running server's processes (GETs write no store
    page, so only the journal hits the limit; Python ignores SIGXFSZ, so a write past it is EFBIG)."""
    store = tmp_path / "store.sqlite"
    limit = 20_000
    with (
        serve("--frozen", "--store", str(store), workers=2) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
    ):
        task_id = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
        group = [int(p) for p in os.listdir("/proc") if p.isdigit() and _group_of(int(p)) == mock.process.pid]
        for pid in group:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, limit))
        statuses = {http.get(f"/v1/tasks/{task_id}").status_code for _ in range(400)}
        assert statuses == {200}
        journal = [
            p
            for p in tmp_path.iterdir()
            if p.name.startswith("store.sqlite.journal.") and p.suffix[1:].isdigit()
        ]
        assert max(p.stat().st_size for p in journal) <= limit  # it hit the limit and stayed there
        assert sum(p.stat().st_size for p in journal) >= limit - 500


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_reset_during_submits_is_atomic(http: httpx.Client, mock_url: str) -> None:
    stop = time.monotonic() + 3.0
    statuses: list[int] = []

    def submit() -> None:
        with httpx.Client(base_url=mock_url, headers=AUTH, timeout=10) as client:
            while time.monotonic() < stop:
                statuses.append(client.post(SUBMIT, json={"prompt": "a cat"}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    resets = 0
    while time.monotonic() < stop:
        assert http.post("/__mock/reset").status_code == 200
        resets += 1
    for thread in threads:
        thread.join()
    assert resets > 5 and len(statuses) > 50
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    assert http.post("/__mock/reset").status_code == 200
    assert http.get("/__mock/tasks").json() == {"tasks": [], "charged": 0, "next_cursor": None}
    fresh = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
    assert [t["id"] for t in http.get("/__mock/tasks").json()["tasks"]] == [fresh]
