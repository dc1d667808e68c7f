"""The RSGI adapter builds the WSGI environ the app would have had under granian's WSGI interface (the
adapter over real HTTP: test_serve_command.py, test_mock_served.py)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.connection import AbstractConnection as Connection

from apimart_mock.config import MockConfig
from apimart_mock.domain.journal import RequestMatcher
from apimart_mock.http.app import create_app
from apimart_mock.http.connections import address
from apimart_mock.http.context import EXTENSION
from apimart_mock.http.rsgi import RsgiApp, _environ
from apimart_mock.store import Store


@dataclass
class _Headers:
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str, default: object = None) -> object:
        return next((value for name, value in self.pairs if name == key), default)

    def items(self) -> list[tuple[str, str]]:
        return self.pairs


@dataclass
class _Scope:
    headers: _Headers
    path: str = "/v1/tasks/task_1"
    query_string: str = ""
    method: str = "GET"
    http_version: str = "1.1"
    server: str = "127.0.0.1:4010"
    client: str = "127.0.0.1:50000"
    scheme: str = "http"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:4010", ("127.0.0.1", "4010")),
        ("[::1]:4010", ("::1", "4010")),
        ("[::ffff:127.0.0.1]:50000", ("127.0.0.1", "50000")),  # granian bound on "::": IPv4 as IPv4
        ("[::]:4010", ("::", "4010")),
    ],
)
def test_addresses_as_wsgi_has_them(text: str, expected: tuple[str, str]) -> None:
    assert address(text) == expected


def test_the_environ_of_a_request() -> None:
    headers = _Headers(
        [
            ("host", "mock:4010"),
            ("content-type", "application/json"),
            ("content-length", "2"),
            ("x-trace", "a"),
            ("x-trace", "b"),
        ]
    )
    scope = _Scope(headers, method="POST", path="/v1/tasks/é", query_string="a=%20", client="[::1]:7")
    environ = _environ(scope, b"{}")
    assert environ["wsgi.input"].read() == b"{}"
    assert {key: environ[key] for key in environ if key.isupper()} == {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SCRIPT_NAME": "",
        "SERVER_SOFTWARE": "Granian",
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/tasks/Ã©",  # WSGI's latin-1 text of the UTF-8 bytes (PEP 3333)
        "QUERY_STRING": "a=%20",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "4010",
        "REMOTE_ADDR": "::1",
        "REMOTE_PORT": "7",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "mock:4010",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2",
        "HTTP_X_TRACE": "a,b",
    }


_VIEWS = ("/v1/tasks/", "/v1/midjourney/")


class _Sent:
    """A protocol that records, at each answer sent, how many journal entries the store held then."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.answers: list[tuple[int, int]] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answers.append((status, self.store.count_requests(RequestMatcher())))


def test_polls_of_one_turn_are_journaled_together_before_any_answer_leaves(tmp_path: Path) -> None:
    """The polls answered in one turn of the event loop: their entries appended in one `record_all`,
    and no answer sent before its entry is in the journal (so `/__mock/requests` shows a poll whose
    answer arrived)."""
    app = create_app(MockConfig(store=str(tmp_path / "store.sqlite")))
    store = app.extensions[EXTENSION].service.store
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://127.0.0.1") as control:
        task_id = control.post("/__mock/tasks", json={"account": "acct", "status": "SUCCESS"}).json()["id"]
    journaled_before = store.count_requests(RequestMatcher())
    batches: list[int] = []
    record_all = store.record_all
    store.record_all = lambda entries: (batches.append(len(entries)), record_all(entries))[1]  # type: ignore[method-assign]
    rsgi = RsgiApp(app, threads=1, body_timeout=1.0, max_body_bytes=1024)
    sent = _Sent(store)
    headers = _Headers([("host", "127.0.0.1"), ("authorization", "Bearer acct")])
    polls = [_Scope(headers, path=f"{view}{task_id}") for view in _VIEWS * 3]

    async def poll_all() -> None:
        await asyncio.gather(*(rsgi(scope, sent) for scope in polls))

    asyncio.run(poll_all())
    assert batches == [len(polls)]
    assert sent.answers == [(200, journaled_before + len(polls))] * len(polls)


def test_over_redis_the_polls_of_one_turn_are_one_round_trip(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polls of tasks the worker polled before, arriving in one turn of the loop: their snapshots checked
    and their entries appended by one write to Redis and one read of the answers, then every answer sent
    with its entry in the journal."""
    app = create_app(MockConfig(store=f"{redis_url}?prefix=turn-{uuid.uuid4().hex}"))
    store = app.extensions[EXTENSION].service.store
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://127.0.0.1") as control:
        made = [
            control.post("/__mock/tasks", json={"account": "acct", "status": "SUCCESS"}) for _ in range(3)
        ]
    rsgi = RsgiApp(app, threads=1, body_timeout=1.0, max_body_bytes=1024)
    headers = _Headers([("host", "127.0.0.1"), ("authorization", "Bearer acct")])
    polls = [_Scope(headers, path=f"{view}{task.json()['id']}") for task in made for view in _VIEWS]

    def one_turn(sent: Any) -> None:
        async def poll_all() -> None:
            await asyncio.gather(*(rsgi(scope, sent) for scope in polls))

        asyncio.run(poll_all())

    one_turn(_Sent(store))  # read, and their entries appended, one by one; the snapshots kept
    one_turn(_Sent(store))  # the script's first run in this Redis loads it
    journaled = store.count_requests(RequestMatcher())
    sends = [0]
    send = Connection.send_packed_command

    def counted(self: Connection, command: object, check_health: bool = True) -> None:
        sends[0] += 1
        send(self, command, check_health)  # type: ignore[arg-type]

    class Answered:
        """Each answer's status, and the sends to Redis made when it left."""

        def __init__(self) -> None:
            self.statuses: list[tuple[int, int]] = []

        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.statuses.append((status, sends[0]))

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    answered = Answered()
    one_turn(answered)
    assert answered.statuses == [(200, 1)] * len(polls)
    assert store.count_requests(RequestMatcher()) == journaled + len(polls)
