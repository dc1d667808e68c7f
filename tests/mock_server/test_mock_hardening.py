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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis

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
        client.post("/__mock/reset", json={})
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
        owner.request("DELETE", "/__mock/requests", json={})  # the readiness probes were journaled too
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


@contextlib.contextmanager
def _small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` (root only: skipped elsewhere), unmounted afterwards."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(disk: Path) -> Path:
    """Fill `disk` up to its last byte with one file; that file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):  # ENOSPC: full
            while True:
                os.write(fd, bytes(4096))
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


def test_a_full_disk_for_the_journal_never_fails_the_api(tmp_path: Path) -> None:
    with _small_disk(tmp_path / "disk", "64k") as disk:
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
            assert http.get("/healthz").status_code == 200  # the store's own disk has room


STORAGE_ERROR = (503, "storage_error")


def _answer(response: httpx.Response) -> tuple[int, str | None]:
    error = response.json().get("error") if response.status_code >= 400 else None
    return response.status_code, None if error is None else error["type"]


def _submits_until_full(http: httpx.Client, body: dict[str, Any]) -> None:
    """Submit until the store refuses; every answer a success or the storage error, none another 5xx."""
    for _ in range(60):
        answer = http.post(SUBMIT, json=body)
        assert _answer(answer) in {(200, None), STORAGE_ERROR}, answer.text
        if answer.status_code != 200:
            assert "storage is full" in answer.json()["error"]["message"]
            return
    pytest.fail("60 submits on a full store all succeeded")


def test_a_full_disk_under_the_store_is_a_storage_error_and_the_mock_recovers(tmp_path: Path) -> None:
    """The store's own disk full: writes answer 503 `storage_error` (not an injected fault's
    `server_error`), reads still work, `/healthz` answers 503, reset fails cleanly or works; once the
    space is back, everything works again, without a restart."""
    with (
        _small_disk(tmp_path / "disk", "2m") as disk,
        serve("--frozen", "--store", str(disk / "store.sqlite"), workers=2, threads=2) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
    ):
        kept = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
        assert http.get("/healthz").status_code == 200
        filler = _fill(disk)
        _submits_until_full(http, {"prompt": "a dog", "metadata": {"k": "v" * 4000}})
        assert http.get(f"/v1/tasks/{kept}").status_code == 200  # reads need no room
        health = http.get("/healthz")
        assert _answer(health) == (503, "storage_error") and "storage is full" in health.text
        assert _answer(http.post("/__mock/reset", json={})) in {(200, None), STORAGE_ERROR}
        filler.unlink()
        assert http.get("/healthz").status_code == 200
        assert _answer(http.post(SUBMIT, json={"prompt": "a dog"})) == (200, None)
        assert _answer(http.post("/__mock/reset", json={})) == (200, None)
        assert http.get(f"/v1/tasks/{kept}").status_code == 404


def test_a_full_redis_is_a_storage_error_and_the_mock_recovers(make_redis_server: Callable[..., Any]) -> None:
    """Redis at `maxmemory` (no eviction) is the Redis store's full disk: the same answers."""
    with (
        make_redis_server("--maxmemory", "4mb", "--maxmemory-policy", "noeviction") as url,
        serve("--frozen", "--store", f"{url}?prefix=full", workers=2, threads=2) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as http,
        redis.Redis.from_url(url) as filler,
    ):
        kept = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
        assert http.get("/healthz").status_code == 200
        for size in (10_000, 1000, 100):  # to the last bytes
            with contextlib.suppress(redis.exceptions.OutOfMemoryError):
                for n in range(10_000):
                    filler.set(f"filler:{size}:{n}", bytes(size))
        _submits_until_full(http, {"prompt": "a dog"})
        assert http.get(f"/v1/tasks/{kept}").status_code == 200
        assert _answer(http.get("/healthz")) == (503, "storage_error")
        assert _answer(http.post("/__mock/reset", json={})) in {(200, None), STORAGE_ERROR}
        filler.delete(*filler.keys("filler:*"))
        assert http.get("/healthz").status_code == 200
        assert _answer(http.post(SUBMIT, json={"prompt": "a dog"})) == (200, None)
        assert _answer(http.post("/__mock/reset", json={})) == (200, None)


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
        assert http.post("/__mock/reset", json={}).status_code == 200
        resets += 1
    for thread in threads:
        thread.join()
    assert resets > 5 and len(statuses) > 50
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    assert http.post("/__mock/reset", json={}).status_code == 200
    assert http.get("/__mock/tasks").json() == {"tasks": [], "charged": 0, "next_cursor": None}
    fresh = http.post(SUBMIT, json={"prompt": "a cat"}).json()["data"][0]["task_id"]
    assert [t["id"] for t in http.get("/__mock/tasks").json()["tasks"]] == [fresh]


def test_a_backtracking_path_pattern_is_answered_within_a_bound(store: str) -> None:
    """`(a+)+b` against a planted path of 40 `a`s: 2**40 steps for a backtracking engine; the count and
    the listing answer at once, on either store, and a pattern that needs backtracking is a 400."""
    with (
        serve("--frozen", "--store", store, workers=1, threads=2) as mock,
        httpx.Client(base_url=mock.url, headers=AUTH, timeout=30) as http,
        httpx.Client(base_url=mock.url, timeout=30) as owner,  # no key: the global journal
    ):
        planted = "/" + "a" * 40
        for _ in range(50):
            assert http.get(planted).status_code == 404
        started = time.monotonic()
        counted = owner.post("/__mock/requests/count", json={"path_pattern": "/(a+)+b"})
        listed = owner.get("/__mock/requests", params={"path_pattern": "/(a+)+"})
        assert time.monotonic() - started < 5
        assert (counted.status_code, counted.json()["count"]) == (200, 0)
        assert listed.status_code == 200 and len(listed.json()["requests"]) == 50
        refused = owner.post("/__mock/requests/count", json={"path_pattern": r"/(a+)\1"})
        assert refused.status_code == 400 and "\\1 is not supported" in refused.json()["error"]["message"]
