"""A poll over Redis in one round trip, journal included (issue 27): a replica that polled a task before
answers from what it read then, and one script appends the entry if that is still what is stored
(`RedisStore.polls`). Round trips are counted where redis-py sends: one send per command or pipeline."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
import redis
from flask import Flask
from mock_helpers import Api, make_app
from redis.connection import AbstractConnection as Connection

from apimart_mock.domain.clock import ClockState
from apimart_mock.domain.journal import RESPONSE_EXCERPT_BYTES, JournalEntry, RequestMatcher
from apimart_mock.store import open_store
from apimart_mock.store import redis as redis_store


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times redis-py has sent to Redis (each send waits for its answer: one round trip)."""
    count = [0]
    send = Connection.send_packed_command

    def counted(self: Connection, command: object, check_health: bool = True) -> None:
        count[0] += 1
        send(self, command, check_health)  # type: ignore[arg-type]

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    yield count


@pytest.fixture
def app(redis_url: str) -> Flask:
    return make_app(f"{redis_url}?prefix=poll-{uuid.uuid4().hex}")


def round_trips(sent: list[int], api: Api, path: str) -> int:
    before = sent[0]
    assert api.request("GET", path).status_code in (200, 404)
    return sent[0] - before


def test_a_poll_of_a_task_polled_before_is_one_round_trip_and_journaled(app: Flask, sent: list[int]) -> None:
    api = Api(app.test_client())
    task_id = api.create()
    path = f"/v1/midjourney/{task_id}"
    assert round_trips(sent, api, path) == 2  # the first: the read, then the append
    api.request("GET", path)  # the script's first run in this Redis loads it
    api.create()  # a new task changes the id sequence, which no poll reads
    assert [round_trips(sent, api, path) for _ in range(3)] == [1, 1, 1]
    answer = api.request("GET", path)
    (entry,) = (
        app.test_client()
        .get("/__mock/requests", query_string={"order": "newest", "limit": 1})
        .json["requests"]
    )  # type: ignore[index]
    assert entry["path"] == path and entry["status"] == 200
    assert entry["response"] == answer.get_data(as_text=True)[:RESPONSE_EXCERPT_BYTES]
    total = app.test_client().post("/__mock/requests/count", json={"path": path}).json
    assert total == {"count": 6}


def test_a_change_since_the_last_poll_costs_the_round_trip_it_saved(app: Flask, sent: list[int]) -> None:
    """What another replica changed (here the clock) is found by the script: the poll is answered again
    from what is stored, and its entry appended in a second round trip."""
    api = Api(app.test_client())
    task_id = api.create()
    path = f"/v1/tasks/{task_id}"
    before = api.unified(task_id)["status"]
    api.unified(task_id)  # the script's first run in this Redis loads it
    api.advance(3600)
    assert round_trips(sent, api, path) == 2
    assert api.unified(task_id)["status"] != before
    assert round_trips(sent, api, path) == 1


def test_each_process_keeps_a_bounded_number_of_snapshots(
    app: Flask, sent: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_store, "SNAPSHOTS", 2)
    api = Api(app.test_client())
    warm = f"/v1/tasks/{api.create()}"
    api.request("GET", warm)
    api.request("GET", warm)  # the script's first run in this Redis loads it
    paths = [f"/v1/tasks/{api.create()}" for _ in range(3)]
    assert [round_trips(sent, api, path) for path in paths * 2] == [2, 2, 2, 2, 2, 2]  # the oldest went
    assert [round_trips(sent, api, path) for path in paths[2:] * 2] == [1, 1]


def test_a_connection_redis_closed_is_replaced_before_the_next_poll(
    make_redis_server: Callable[..., AbstractContextManager[str]],
) -> None:
    """Each thread keeps its own connection for the scripts: one Redis closed meanwhile (a restart,
    `CLIENT KILL`) is replaced before the next command is sent, as redis-py's pool replaces its own."""
    with make_redis_server() as url:
        app = make_app(url)
        api = Api(app.test_client())
        task_id = api.create()
        admin = redis.Redis.from_url(url)
        for _ in range(3):
            api.mj(task_id)
            assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
            deadline = time.monotonic() + 5
            while len(admin.client_list(_type="normal")) > 1:  # Redis closes them as its loop goes on
                assert time.monotonic() < deadline
                time.sleep(0.01)
        assert api.create() and api.mj(task_id)


def test_scripts_take_as_many_connections_as_run_at_once(
    make_redis_server: Callable[..., AbstractContextManager[str]],
) -> None:
    """A connection the store keeps open for its scripts is reused by whichever thread runs one next:
    a worker's many threads, each polling in turn, open one, not one each."""
    with make_redis_server() as url:
        app = make_app(url)
        task_id = Api(app.test_client()).create()
        turn, polled, counted = threading.Lock(), threading.Barrier(21), threading.Barrier(21)

        def poll() -> None:
            with turn:
                Api(app.test_client()).mj(task_id)
            polled.wait(timeout=10)
            counted.wait(timeout=10)  # every thread alive until the connections are counted

        threads = [threading.Thread(target=poll) for _ in range(20)]
        for thread in threads:
            thread.start()
        polled.wait(timeout=10)
        connections = len(redis.Redis.from_url(url).client_list(_type="normal"))
        counted.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=10)
        assert connections <= 3  # this one, the pool's, the scripts' one


def test_a_forked_worker_opens_connections_of_its_own(redis_url: str) -> None:
    """granian forks its workers after the app (and its store) exist: a connection the parent opened is
    never used by a child, whose commands would interleave with the parent's on the same socket."""
    store = open_store(f"{redis_url}?prefix=fork-{uuid.uuid4().hex}", journal_bytes=1 << 20)
    store.initialize(ClockState.start(0.0), None)  # a script: the parent keeps its connection open
    admin = redis.Redis.from_url(redis_url)
    before = {client["id"] for client in admin.client_list(_type="normal")}
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's outcome is its exit status: the connections it opened)
        opened = 0
        try:
            store.initialize(ClockState.start(0.0), None)
            clients = redis.Redis.from_url(redis_url).client_list(_type="normal")
            opened = sum(1 for c in clients if c["id"] not in before and c["cmd"] == "evalsha")
        finally:
            os._exit(opened)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 1


def test_a_batch_of_journal_entries_is_one_round_trip_in_order_even_after_a_script_flush(
    redis_url: str, sent: list[int]
) -> None:
    """`record_all` (the RSGI loop's entries of one turn) sends every entry's script at once: one round
    trip, the entries kept in order. Where Redis no longer holds the script (`SCRIPT FLUSH`, a restart),
    those calls did not run: the script is loaded and they are sent again, each entry journaled once."""
    store = open_store(f"{redis_url}?prefix=batch-{uuid.uuid4().hex}", journal_bytes=1 << 20)
    batch = [JournalEntry(float(n), "GET", f"/v1/tasks/task_{n}", None, 200, 1) for n in range(50)]
    store.record_all(batch[:1])  # loads the script and opens the connection
    before = sent[0]
    store.record_all(batch[1:25])
    store.record_all([])  # nothing to send
    assert sent[0] - before == 1
    redis.Redis.from_url(redis_url).script_flush()
    store.record_all(batch[25:])
    page = store.journal(RequestMatcher(path="/v1/tasks/"), limit=100)
    assert [entry.path for entry in page.entries] == [entry.path for entry in batch]
