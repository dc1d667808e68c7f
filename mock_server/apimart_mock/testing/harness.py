"""`MockHarness`: one mock in-process, with the clients and controls a test wants (the `apimart_mock`
fixture's object; see docs/testing-with-the-mock.md).

A thin layer over `create_app` and the app's `MockService`: the clock, faults and tasks go through the
service's public methods; what the code under test sent is recorded by a small WSGI wrapper in front of
the app, which also puts the chosen scenario on submits that name none. The same wrapped app answers
the in-process clients (no port) and `serve()` (real HTTP on a free loopback port), so both are one
mock with one journal.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import httpx
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

import apimart
from apimart import AsyncWSGITransport, WSGITransport

from ..config import MockConfig
from ..domain.accounts import authenticate
from ..domain.errors import MockError
from ..domain.lifecycle import Scenario
from ..domain.scopes import GLOBAL
from ..http.app import create_app
from ..http.bodies import direct_task_of, fault_of
from ..http.context import EXTENSION, MockState
from ..http.pipeline import CONTROL_PREFIX, DROP_KEY
from ..http.submits import FAIL_REASON_HEADER, SCENARIO_HEADER
from .served import free_port

__all__ = ["BASE_URL", "DEFAULT_API_KEY", "MockHarness", "RecordedRequest", "ScenarioChoice", "Served"]

BASE_URL = "http://apimart-mock.test"
"""Where the in-process clients send (no DNS, no socket: the transport calls the app); the harness's
mock answers this host besides its config's `allowed_hosts`."""
DEFAULT_API_KEY = "sk-test"
_BASE_HOST = str(httpx.URL(BASE_URL).host)
_SCENARIO_KEY = "HTTP_" + SCENARIO_HEADER.upper().replace("-", "_")
_FAIL_REASON_KEY = "HTTP_" + FAIL_REASON_HEADER.upper().replace("-", "_")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the code under test sent to the API (control calls are not recorded).

    `account` is the bearer token the mock accepted (None when it answered 401), `status` the answer's
    (0: the connection was dropped by a fault), `body` the parsed JSON body (None when there was none or
    it was not JSON), `query` the query string's values.
    """

    method: str
    path: str
    account: str | None
    status: int
    body: Any
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Served:
    """The mock over real HTTP: where it listens and the key to send."""

    base_url: str
    api_key: str


class ScenarioChoice:
    """What `scenario()` returns: already in force; as a context manager, undone on exit."""

    def __init__(self, harness: MockHarness, previous: tuple[str, str | None] | None) -> None:
        self._harness = harness
        self._previous = previous

    def __enter__(self) -> ScenarioChoice:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._harness._scenario = self._previous


class MockHarness:
    """A fresh mock, its in-process clients, and the controls of its clock, outcomes and faults.

    **Parameters:** `config` (the mock's `MockConfig`), `api_key` (what the clients send; with an
    allow-list `config.api_keys` it must be one of them), `client_options` (more `apimart.Client`
    arguments, e.g. `poll_interval`, `max_retries`), `app`: the app of an earlier harness made
    from the same `config`, to be used again after a reset (the control API's `POST /__mock/reset`,
    which forgets every task, fault, balance, upload and journal entry and restarts the clock; task ids
    keep counting), since building a new app costs tens of milliseconds (Werkzeug compiles its URL rules).
    """

    def __init__(
        self,
        config: MockConfig | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        client_options: dict[str, Any] | None = None,
        app: Flask | None = None,
    ) -> None:
        self.config = config or MockConfig()
        self.api_key = api_key
        in_process = replace(self.config, allowed_hosts=self.config.allowed_hosts | {_BASE_HOST})
        self.app = create_app(in_process) if app is None else app
        if app is not None:
            self._control("POST", "/__mock/reset")
        self._state: MockState = self.app.extensions[EXTENSION]
        self._scenario: tuple[str, str | None] | None = None
        self._journal: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._client_options = client_options or {}
        self._client: apimart.Client | None = None
        self._async_client: apimart.AsyncClient | None = None

    # ---- clients ----
    @property
    def client(self) -> apimart.Client:
        """An `apimart.Client` wired in-process; its waits advance the mock's clock instead of sleeping."""
        if self._client is None:
            self._client = apimart.Client(
                transport=WSGITransport(self.wsgi), sleep=self._sleep, **self._wiring()
            )
        return self._client

    @property
    def async_client(self) -> apimart.AsyncClient:
        """The `apimart.AsyncClient` twin of `client` (works under anyio and pytest-asyncio)."""
        if self._async_client is None:

            async def sleep(seconds: float) -> None:
                self._sleep(seconds)

            self._async_client = apimart.AsyncClient(
                transport=AsyncWSGITransport(self.wsgi), sleep=sleep, **self._wiring()
            )
        return self._async_client

    def _sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def _wiring(self) -> dict[str, Any]:
        wiring = {"api_key": self.api_key, "base_url": BASE_URL, "clock": lambda: self.now}
        return wiring | self._client_options

    def _control(self, method: str, path: str) -> None:
        """A call of the control API, in-process (its guard sees a loopback client)."""
        token = self.config.admin_token
        headers = {} if token is None else {"X-Mock-Admin-Token": token}
        answer = WSGITransport(self.app).handle_request(
            httpx.Request(method, BASE_URL + path, headers=headers, json={})
        )
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.read()!r}")

    def close(self) -> None:
        """Close the clients (the fixture does this after each test)."""
        if self._client is not None:
            self._client.close()

    # ---- clock ----
    @property
    def now(self) -> float:
        """The mock's clock time (Unix seconds)."""
        return self._state.service.store.settings(GLOBAL).now(self._state.real_time())

    def advance(self, seconds: float) -> float:
        """Move the mock's clock `seconds` forward; returns the new time."""
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0, got {seconds!r}")
        return self._change_clock(lambda clock, real: clock.advanced(seconds, real))

    def freeze(self, at: float | None = None) -> float:
        """Stop the clock (at clock time `at`, or now): from then on only `advance` moves it."""
        return self._change_clock(lambda clock, real: clock.frozen_at(real, at))

    def resume(self) -> float:
        """Let a frozen clock run with real time again."""
        return self._change_clock(lambda clock, real: clock.resumed(real))

    def _change_clock(self, change: Callable[[Any, float], Any]) -> float:
        real = self._state.real_time()
        return float(self._state.service.change_clock(GLOBAL, change, real).now(real))

    # ---- outcomes, faults, tasks ----
    def scenario(self, name: str, fail_reason: str | None = None) -> ScenarioChoice:
        """How the next submits end (`failure`, `stuck`, `slow`, `banned`, ...: the `X-Mock-Scenario`
        values), unless a submit names its own. Stays in force until changed; as a context manager,
        only inside the `with` block."""
        try:
            chosen = str(Scenario(name.strip().lower()))
        except ValueError:
            raise ValueError(f"unknown scenario {name!r}; expected one of {', '.join(Scenario)}") from None
        previous = self._scenario
        self._scenario = (chosen, fail_reason)
        return ScenarioChoice(self, previous)

    def fault(self, kind: str, **options: Any) -> dict[str, Any]:
        """Inject a fault as `POST /__mock/faults` does: `kind` one of `latency`, `500`, `502`, `429`,
        `drop`, `truncate`, `drift`; options `count`, `fraction`, `path`, `account`, `latency_ms`,
        `retry_after`, `drift`. Returns the fault as the control API shows it."""
        try:
            return self._state.service.add_fault(GLOBAL, fault_of({"kind": str(kind), **options})).to_json()
        except MockError as exc:
            raise ValueError(exc.message) from None

    def clear_faults(self) -> None:
        self._state.service.store.clear_faults(GLOBAL)

    def create_task(
        self,
        status: str = "SUCCESS",
        *,
        action: str | None = None,
        age: float = 0,
        account: str | None = None,
        **fields: Any,
    ) -> str:
        """A task in any status, `age` clock seconds old, of `account` (default: the clients' key), as
        `POST /__mock/tasks` makes it (`prompt`, `fail_reason` too); returns its id."""
        body = {"status": status, "action": action, "age": age, "account": account or self.api_key, **fields}
        try:
            direct = direct_task_of(body)
            return self._state.service.create_directly(GLOBAL, self._state.real_time(), direct).id
        except MockError as exc:
            raise ValueError(exc.message) from None

    # ---- journal ----
    def requests(self, **filters: Any) -> list[RecordedRequest]:
        """What was sent to the API, oldest first, keeping those whose attributes equal `filters`
        (`method="POST"`, `path=...`, `account=...`, `status=429`, `body=...`)."""
        unknown = set(filters) - set(RecordedRequest.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")
        with self._lock:
            entries = list(self._journal)
        return [e for e in entries if all(getattr(e, k) == v for k, v in filters.items())]

    def clear_requests(self) -> None:
        with self._lock:
            self._journal.clear()

    # ---- real HTTP ----
    @contextmanager
    def serve(self) -> Iterator[Served]:
        """This same mock over real HTTP on a free loopback port, for code that builds its own client."""
        server = make_server("127.0.0.1", free_port(), self.wsgi, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, name="apimart-mock", daemon=True)
        thread.start()
        try:
            yield Served(f"http://127.0.0.1:{server.server_port}", self.api_key)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    # ---- the recording wrapper ----
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The mock's WSGI app behind the journal (and the scenario for submits)."""
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if self._scenario is not None and environ.get("REQUEST_METHOD") == "POST":
            name, reason = self._scenario
            environ.setdefault(_SCENARIO_KEY, name)
            if reason is not None:
                environ.setdefault(_FAIL_REASON_KEY, reason)
        record = RecordedRequest(
            method=environ.get("REQUEST_METHOD", ""),
            path=path,
            account=self._account(environ.get("HTTP_AUTHORIZATION")),
            status=0,
            body=_json_or_none(body),
            query=_query(environ.get("QUERY_STRING", "")),
            headers={k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")},
        )

        def recording_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal record
            record = replace(record, status=int(status[:3]))
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start)
        finally:
            if environ.get(DROP_KEY):  # a `drop` fault: its body raises, so no answer at all
                record = replace(record, status=0)
            with self._lock:
                self._journal.append(record)

    def _account(self, authorization: str | None) -> str | None:
        """The bearer token the mock accepted (the test's own key, not the mock's account id for it)."""
        try:
            authenticate(authorization, self.config.api_keys)
        except MockError:
            return None
        return (authorization or "").removeprefix("Bearer ")


class _Quiet(WSGIRequestHandler):
    """Werkzeug's handler without its access log (a test's output is not the place for it)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _query(text: str) -> dict[str, str]:
    return dict(parse_qsl(text))
