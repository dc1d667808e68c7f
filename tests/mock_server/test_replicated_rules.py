"""Every rule holds across replicas: two apps over one store (two replicas, or two workers), many
threads each, for both stores. What one replica writes the other reads, and a write that depends on what
is stored is one atomic step whichever replica makes it (issue 14)."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import redis
from flask import Flask
from mock_helpers import KEY_A, T0, Api, make_app

from apimart_mock.config import Limits
from apimart_mock.domain.journal import RESPONSE_EXCERPT_BYTES, JournalEntry

_T = TypeVar("_T")
THREADS = 8


@pytest.fixture
def replicas(store: str) -> tuple[Flask, Flask]:
    return make_app(store), make_app(store)


def across(replicas: tuple[Flask, Flask], calls: int, call: Callable[[Api], _T]) -> list[_T]:
    """`call` made `calls` times from THREADS threads, alternating between the two replicas."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda n: call(Api(replicas[n % 2].test_client())), range(calls)))


def test_ids_are_unique_and_each_replica_reads_what_the_other_wrote(replicas: tuple[Flask, Flask]) -> None:
    ids = across(replicas, 60, lambda api: api.create(body={"prompt": "a cat --v 6"}))
    assert len(set(ids)) == 60
    for app in replicas:
        listed = Api(app.test_client()).tasks()["tasks"]
        assert sorted(task["id"] for task in listed) == sorted(ids)


def test_two_concurrent_modal_calls_one_wins_one_charge(replicas: tuple[Flask, Flask]) -> None:
    first = Api(replicas[0].test_client())
    upscaled = first.create("upscale", {"task_id": first.finished(), "index": 1})
    used = _used(first)
    modals = [first.create("inpaint", {"task_id": upscaled}) for _ in range(4)]
    for task_id in modals:
        body = {"task_id": task_id, "prompt": "a red balloon", "mask_url": "https://x.test/m.png"}
        statuses = across(replicas, 2 * THREADS, lambda api, b=body: api.submit("modal", b).status_code)
        assert Counter(statuses) == {200: 1, 400: 2 * THREADS - 1}
    assert _used(first) == pytest.approx(used + 4 * 0.05)


def test_balance_exact_across_replicas(store: str) -> None:
    replicas = make_app(store, balance=1.0), make_app(store, balance=1.0)
    statuses = across(replicas, 40, lambda api: api.submit().status_code)
    assert Counter(statuses) == {200: 20, 402: 20}  # 1.0 at 0.05 an imagine
    assert _used(Api(replicas[1].test_client())) == pytest.approx(1.0)


def test_faults_are_shared_and_fire_exactly_as_often_as_asked(replicas: tuple[Flask, Flask]) -> None:
    control = replicas[0].test_client()
    assert control.post("/__mock/faults", json={"kind": "500", "count": 7}).status_code == 201
    statuses = across(replicas, 30, lambda api: api.request("GET", "/v1/tasks/task_x").status_code)
    assert Counter(statuses) == {500: 7, 404: 23}
    (fault,) = replicas[1].test_client().get("/__mock/faults").json["faults"]  # type: ignore[index]
    assert (fault["seen"], fault["hits"], fault["remaining"]) == (7, 7, 0)


def test_rate_limit_is_shared(replicas: tuple[Flask, Flask]) -> None:
    assert replicas[1].test_client().post("/__mock/rate-limit", json={"per_second": 5}).status_code == 200
    statuses = across(replicas, 20, lambda api: api.request("GET", "/v1/tasks/task_x").status_code)
    assert Counter(statuses) == {404: 5, 429: 15}  # the clock is frozen: one one-second window


def test_clock_is_shared(replicas: tuple[Flask, Flask]) -> None:
    across(replicas, 40, lambda api: api.advance(1))
    for app in replicas:
        assert app.test_client().get("/__mock/clock").json["now"] == T0 + 40  # type: ignore[index]


def test_reset_from_one_replica_empties_both(replicas: tuple[Flask, Flask]) -> None:
    across(replicas, 10, lambda api: api.create())
    assert replicas[0].test_client().post("/__mock/reset", json={}).status_code == 200
    for app in replicas:
        api = Api(app.test_client())
        assert api.tasks()["tasks"] == []
        assert _used(api) == 0


def _used(api: Api) -> Any:
    return api.request("GET", "/v1/balance").json["used_balance"]  # type: ignore[index]


def test_the_journal_is_shared(replicas: tuple[Flask, Flask]) -> None:
    across(replicas, 12, lambda api: api.request("GET", "/v1/tasks/task_x"))
    for app in replicas:
        entries = app.test_client().get("/__mock/requests", query_string={"account": KEY_A}).json["requests"]  # type: ignore[index]
        assert len(entries) == 12


def test_the_journal_is_capped_and_counts_what_it_drops(store: str) -> None:
    app = make_app(store, limits=Limits(journal_bytes=15_000))
    sent = 800
    api = Api(app.test_client())
    api.client.delete("/__mock/requests", json={})
    for n in range(sent):
        api.request("GET", f"/v1/tasks/task_{n:05d}")
    page = app.test_client().get("/__mock/requests", query_string={"limit": 1000}).json
    assert page is not None and page["next_cursor"] is None
    kept = page["requests"]
    assert page["dropped"] > 0 and len(kept) + page["dropped"] == sent
    assert kept[-1]["path"] == f"/v1/tasks/task_{sent - 1:05d}"  # the newest are kept


def test_a_full_redis_never_fails_the_api(make_redis_server: Callable[..., Any]) -> None:
    """Redis at its memory limit refuses the journal's appends (as a full disk does the file's): the
    API still answers, and what it answers is still stored."""
    with make_redis_server("--maxmemory", "2mb", "--maxmemory-policy", "noeviction") as url:
        app = make_app(f"{url}?prefix=full")
        api = Api(app.test_client())
        created = api.create(body={"prompt": "a cat"})
        filler = redis.Redis.from_url(url)
        with contextlib.suppress(redis.ResponseError):  # OOM: Redis is full
            for n in range(10_000):
                filler.set(f"filler:{n}", b"x" * 10_000)
        assert filler.info("memory")["used_memory"] > 2 * 1024 * 1024 * 0.9
        for _ in range(20):
            assert api.request("GET", f"/v1/tasks/{created}").status_code == 200
        assert api.unified(created)["status"]


def test_newest_first_pages_of_the_journal_and_the_tasks(store: str) -> None:
    """The dashboard's reads (`order=newest`), on either store: newest first, paged by cursor."""
    app = make_app(store)
    api = Api(app.test_client())
    api.client.delete("/__mock/requests", json={})
    ids = []
    for _ in range(5):
        ids.append(api.create())
        api.advance(1)  # one creation time each (the same time orders by id)
    for task_id in ids:
        api.request("GET", f"/v1/tasks/{task_id}")
    control = app.test_client()
    recent = control.get("/__mock/requests", query_string={"order": "newest", "limit": 3}).json
    assert recent is not None
    assert [e["path"] for e in recent["requests"]] == [f"/v1/tasks/{i}" for i in reversed(ids[-3:])]
    first = control.get("/__mock/tasks", query_string={"order": "newest", "limit": 2}).json
    assert first is not None and [t["id"] for t in first["tasks"]] == ids[:-3:-1]
    rest = control.get(
        "/__mock/tasks", query_string={"order": "newest", "limit": 10, "cursor": first["next_cursor"]}
    ).json
    assert rest is not None and [t["id"] for t in rest["tasks"]] == ids[-3::-1]


def test_the_journal_keeps_a_capped_response_excerpt_inside_its_byte_bound(store: str) -> None:
    """Each entry keeps the response body's first RESPONSE_EXCERPT_BYTES (JSON and text answers), on
    either store, and what the journal holds stays inside its byte bound."""
    bound = 100 * (256 + RESPONSE_EXCERPT_BYTES)
    app = make_app(store, limits=Limits(journal_bytes=bound))
    api = Api(app.test_client())
    task_id = api.finished(body={"prompt": "a cat"})
    view = api.mj(task_id)
    image = api.client.get(view["image_urls"][0])
    assert image.status_code == 200 and image.mimetype.startswith("image/")
    assert api.client.delete("/__mock/requests", json={}).status_code == 200
    sent = 150
    for _ in range(sent):
        api.request("GET", f"/v1/midjourney/{task_id}")
    api.client.get(view["image_urls"][0])
    missing = api.request("GET", "/v1/tasks/task_nope")
    submitted = api.submit(body={"prompt": "a dog"})  # answered by Flask (the polls by the fast path)
    kept, cursor, pages = [], None, 0
    while True:
        pages += 1
        page = (
            app.test_client()
            .get("/__mock/requests", query_string={"limit": 40, **({"cursor": cursor} if cursor else {})})
            .json
        )
        assert page is not None
        kept += page["requests"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    poll, image_entry, error, submit = kept[-4:]
    served = api.request("GET", f"/v1/midjourney/{task_id}").data
    assert poll["response_bytes"] == len(served) > RESPONSE_EXCERPT_BYTES
    assert poll["response"].encode() == served[:RESPONSE_EXCERPT_BYTES]
    assert (image_entry["response"], image_entry["status"]) == ("", 200)  # binary answers: no excerpt
    assert json.loads(error["response"]) == missing.json and error["response_bytes"] == len(missing.data)
    assert json.loads(submit["response"]) == submitted.json
    assert page["dropped"] > 0 and pages > 1
    held = sum(len(JournalEntry(**entry).to_text()) + 1 for entry in kept)
    assert held <= bound, (held, bound)
