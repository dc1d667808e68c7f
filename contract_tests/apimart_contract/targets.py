"""What the suite talks to: one `Target` interface, three implementations.

- `InProcessMock`: a fresh `apimart_mock` app behind `httpx.WSGITransport`, clock frozen and advanced by
  the suite; no port. White box: it may also seed tasks and pick scenarios through `/__mock/`.
- `LiveApi`: any base URL and API key(s) from the environment, treated as a black box: only the
  documented API, paced, within a spend budget and a wall-time budget. If the target itself says it is
  our mock (`GET /__mock/clock` answers a clock), the suite runs in a fresh scope of its own
  (`X-Mock-Scope: contract-<random>`, claimed by the first key) and advances that scope's clock instead
  of waiting, so a run against a shared mock moves no other team's tasks, clock or faults (the suite's
  default keys are the same for every team, so the account alone would not keep runs apart); it never
  touches any other `/__mock/` endpoint.
- `ServedMock`: a `LiveApi` pointed at the mock served over real HTTP by its production server, which
  the session starts and stops (spending is free there, within a generous budget).
"""

from __future__ import annotations

import os
import secrets
from abc import ABC, abstractmethod
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import apimart

from .pacing import Pacer, SpendBudget, TimeSource, WallClock, WallTimeBudget
from .registry import Check
from .violations import Findings

REDIS_SUFFIX = "-redis"
"""`inprocess-redis`, `served-redis`: the same targets, the mock keeping its state in Redis."""

__all__ = ["RETENTION", "InProcessMock", "LiveApi", "ServedMock", "Target", "TargetSettings"]

RETENTION = 3 * 24 * 3600.0
"""Tasks are kept 3 days (reference section 2.6): the mock's default and the live service's."""

_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_SCOPE_HEADER = "X-Mock-Scope"
_FROZEN_AT = 1_763_000_000.0
"""Where the in-process mock's clock starts (a fixed Unix time, so every run sees the same timestamps)."""


@dataclass(frozen=True)
class TargetSettings:
    """The knobs of a black-box target. `from_env` reads them for `--target=live`."""

    base_url: str
    api_keys: tuple[str, ...]
    task_ids: tuple[str, ...] = ()
    allow_spend: bool = False
    spend_budget: int = 3
    rate: float = 1.0
    poll_interval: float = 3.0
    wall_time: float = 900.0
    use_mock_clock: bool = True

    @classmethod
    def from_env(cls) -> TargetSettings | str:
        """The settings, or a reason naming what to set when the live target is not configured."""
        env = os.environ
        base_url, key = env.get("APIMART_BASE_URL", ""), env.get("APIMART_API_KEY", "")
        if not base_url or not key:
            return "the live target needs APIMART_BASE_URL and APIMART_API_KEY"
        keys = (key, env["APIMART_API_KEY_2"]) if env.get("APIMART_API_KEY_2") else (key,)
        return cls(
            base_url=base_url.rstrip("/"),
            api_keys=keys,
            task_ids=tuple(t.strip() for t in env.get("APIMART_TASK_IDS", "").split(",") if t.strip()),
            allow_spend=env.get("APIMART_ALLOW_SPEND") == "1",
            spend_budget=int(env.get("APIMART_SPEND_BUDGET", "3")),
            rate=float(env.get("APIMART_RATE_LIMIT", "1")),
            # Never faster than every 3 s, whatever is asked for.
            poll_interval=max(3.0, float(env.get("APIMART_POLL_INTERVAL", "3"))),
            wall_time=float(env.get("APIMART_MAX_WALL_TIME", "900")),
            use_mock_clock=env.get("APIMART_USE_MOCK_CLOCK", "1") != "0",
        )


class Target(ABC):
    """A server the suite checks. Subclasses say how to reach it and what the suite may do to it."""

    name: str
    base_url: str
    api_keys: tuple[str, ...]
    task_ids: tuple[str, ...] = ()
    budget: SpendBudget
    pacer: Pacer
    wall: WallTimeBudget
    has_clock: bool = False
    """The suite may advance the server's clock (`/__mock/clock/advance`)."""
    white_box: bool = False
    """The suite may use the rest of the control API and the `X-Mock-Scenario` header."""
    free: bool = False
    """Submits cost nothing (our mock): schemathesis may send every valid submit it generates."""
    wsgi_app: Any = None
    """The server as a WSGI app, when it runs in this process (schemathesis then calls it directly)."""
    strict_warnings: bool = False
    """Warnings fail like violations (`--strict-warnings`; `make test` sets it for our own mock)."""
    accepts_any_key: bool = False
    """The target is our mock started without `--api-key` (it accepts any token, as documented): the
    checks that depend on how it was started are skipped."""
    scope: str | None = None
    """The mock's scope every request of this run names (None: none named, e.g. a real API)."""

    def __init__(self) -> None:
        self._clients: dict[int, httpx.Client] = {}
        self._exit = ExitStack()
        self.findings = Findings()

    @abstractmethod
    def _transport(self) -> httpx.BaseTransport:
        """How requests reach the server."""

    # ---- HTTP ----
    def http(self, account: int = 0) -> httpx.Client:
        """An authenticated, paced `httpx.Client` for `account` (0 = the first API key)."""
        if account not in self._clients:
            client = httpx.Client(
                base_url=self.base_url,
                transport=self._transport(),
                headers={"Authorization": f"Bearer {self.api_keys[account]}", **self._scope_header()},
                timeout=_TIMEOUT,
                event_hooks={"request": [self._pace]},
            )
            self._clients[account] = self._exit.enter_context(client)
        return self._clients[account]

    def _pace(self, request: httpx.Request) -> None:
        self.pacer.before(request.method, request.url.path)
        request.extensions["timeout"] = self.timeout().as_dict()

    def timeout(self) -> httpx.Timeout:
        """30 s per request (10 to connect), never beyond the wall time plus one poll interval: a target
        that accepts a connection and never answers cannot hold the run past its budget."""
        left = max(1.0, self.wall.remaining + self.pacer.poll_interval)
        return httpx.Timeout(min(_TIMEOUT.read or 30.0, left), connect=min(_TIMEOUT.connect or 10.0, left))

    def client(self, account: int = 0) -> apimart.Client:
        """The client layer over this target (no retries: the suite wants to see every answer)."""
        return apimart.Client(
            api_key=self.api_keys[account],
            base_url=self.base_url,
            http_client=self.http(account),
            max_retries=0,
        )

    def key_reference(self, account: int) -> str:
        """How a reproducer names the key of `account` (never a real secret)."""
        return self.api_keys[account]

    # ---- the clock ----
    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the mock's control API. Black-box targets allow the clock only."""
        if not (self.white_box or (self.has_clock and path.startswith("/__mock/clock"))):
            raise RuntimeError(f"{self.name}: the suite may not call {path} on a black-box target")
        response = self._control_http().request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def _control_http(self) -> httpx.Client:
        """The client of the control API: in the run's scope, as its owner (the first key); else, on a
        private mock, the global scope's."""
        if -1 not in self._clients:
            owner = {"Authorization": f"Bearer {self.api_keys[0]}"} if self.scope else {}
            client = httpx.Client(
                base_url=self.base_url,
                transport=self._transport(),
                timeout=_TIMEOUT,
                headers={**owner, **self._scope_header()},
            )
            self._clients[-1] = self._exit.enter_context(client)
        return self._clients[-1]

    def _scope_header(self) -> dict[str, str]:
        return {} if self.scope is None else {_SCOPE_HEADER: self.scope}

    def fetch(self, url: str) -> bytes:
        """The bytes at a URL the target handed out (an image, an upload), fetched without credentials."""
        if url.startswith(self.base_url + "/"):
            response = self._control_http().get(url.removeprefix(self.base_url))
        else:
            response = httpx.get(url, timeout=_TIMEOUT, follow_redirects=True)
        return response.content if response.is_success else b""

    def advance(self, seconds: float) -> None:
        self.control("POST", "/__mock/clock/advance", {"seconds": seconds})

    def clock_now(self) -> float:
        now: float = self.control("GET", "/__mock/clock")["now"]
        return now

    # ---- what a check needs ----
    def require_accounts(self, count: int) -> None:
        if len(self.api_keys) < count:
            pytest.skip(f"{self.name}: needs a second account: set APIMART_API_KEY_2")

    def require_spend(self, submits: int = 1) -> None:
        if self.budget.limit == 0:
            pytest.skip(f"{self.name}: submits tasks: set APIMART_ALLOW_SPEND=1 (and APIMART_SPEND_BUDGET)")
        if self.budget.remaining < submits:
            pytest.skip(
                f"{self.name}: spend budget used up ({self.budget.spent} of {self.budget.limit}); "
                "raise APIMART_SPEND_BUDGET"
            )

    def require_clock(self, why: str) -> None:
        if not self.has_clock:
            pytest.skip(f"{self.name}: {why} needs a target whose clock the suite may advance (the mock)")

    def require_white_box(self, why: str) -> None:
        if not self.white_box:
            pytest.skip(f"{self.name}: {why} needs the in-process mock (white box)")

    def require_checked_keys(self, check: Check) -> None:
        if self.accepts_any_key:
            reason = f"{self.name}: our mock accepting any token (started without --api-key)"
            self.findings.skip(check, reason)
            pytest.skip(f"{check.name}: {reason}")

    def require_time(self) -> None:
        if self.wall.used_up:
            pytest.skip(
                f"{self.name}: wall-time budget of {self.wall.seconds:g} s used up (APIMART_MAX_WALL_TIME)"
            )

    def close(self) -> None:
        self._exit.close()


class _MockClock:
    """The target's own clock, as a `TimeSource`: waiting advances it."""

    def __init__(self, target: Target) -> None:
        self._target = target

    def now(self) -> float:
        return self._target.clock_now()

    def wait(self, seconds: float) -> None:
        self._target.advance(seconds)


class InProcessMock(Target):
    """A fresh mock app in this process: no port, a frozen clock the suite advances, white box."""

    name = "inprocess"
    has_clock = True
    white_box = True
    free = True

    def __init__(self, *, app: Any = None, store: str | None = None) -> None:
        super().__init__()
        from apimart_mock import MockConfig, create_app  # the mock is only needed where it runs here

        if store is not None:
            self.name = f"{self.name}{REDIS_SUFFIX}"
        self.api_keys = ("sk-contract-first", "sk-contract-second")
        # An allow-list, as on the real service: any other key is a 401.
        config = MockConfig(store=store, frozen_at=_FROZEN_AT, seed=0, api_keys=frozenset(self.api_keys))
        self.wsgi_app = app if app is not None else create_app(config)
        self.base_url = "http://127.0.0.1:4010"
        self.budget = SpendBudget(limit=10_000)
        self.pacer = Pacer(rate=None, poll_interval=0.0)
        self.wall = WallTimeBudget(seconds=float("inf"))

    def _transport(self) -> httpx.BaseTransport:
        return httpx.WSGITransport(app=self.wsgi_app)


class LiveApi(Target):
    """A black box at `settings.base_url`: paced, budgeted, documented API only (plus a mock's clock)."""

    name = "live"

    def __init__(self, settings: TargetSettings, *, name: str | None = None) -> None:
        super().__init__()
        self.name = name or self.name
        self.settings = settings
        self.base_url = settings.base_url
        self.api_keys = settings.api_keys
        self.task_ids = settings.task_ids
        self.budget = SpendBudget(limit=settings.spend_budget if settings.allow_spend else 0)
        self.wall = WallTimeBudget(seconds=settings.wall_time)
        self.scope = f"contract-{secrets.token_hex(8)}"
        is_our_mock = self._exposes_mock_clock()
        if not is_our_mock:
            self.scope = None
        self.has_clock = settings.use_mock_clock and is_our_mock
        self.accepts_any_key = is_our_mock and self._accepts_a_bad_key()
        clock: TimeSource = _MockClock(self) if self.has_clock else WallClock()
        self.pacer = Pacer(
            rate=settings.rate, poll_interval=settings.poll_interval, clock=clock, deadline=self.wall
        )

    def _transport(self) -> httpx.BaseTransport:
        return httpx.HTTPTransport(retries=0)

    def _exposes_mock_clock(self) -> bool:
        """One GET of the clock of the run's scope, as the first key (our mock then gives the scope to
        that key, before any other request names it): a real API answers 404 (or anything but a mock
        clock)."""
        headers = {"Authorization": f"Bearer {self.api_keys[0]}", **self._scope_header()}
        try:
            response = httpx.get(
                f"{self.base_url}/__mock/clock", headers=headers, timeout=self._probe_timeout()
            )
            return response.status_code == 200 and "now" in response.json()
        except (httpx.HTTPError, ValueError):
            return False

    def _probe_timeout(self) -> float:
        """For the two reads that tell whether the target is our mock (before the pacer exists)."""
        return max(1.0, min(10.0, self.wall.remaining + self.settings.poll_interval))

    def _accepts_a_bad_key(self) -> bool:
        """Our mock started without `--api-key` answers any token (one read of an unknown task)."""
        headers = {"Authorization": "Bearer sk-contract-not-a-key"}
        try:
            response = httpx.get(
                f"{self.base_url}/v1/tasks/task_contract_probe",
                headers=headers,
                timeout=self._probe_timeout(),
            )
        except httpx.HTTPError:
            return False
        return response.status_code != 401

    def key_reference(self, account: int) -> str:
        return "$APIMART_API_KEY" if account == 0 else "$APIMART_API_KEY_2"


class ServedMock(LiveApi):
    """The mock served by `apimart-mock serve` on a free port for this session, checked as a live API."""

    _KEYS = ("sk-served-first", "sk-served-second")
    free = True

    def __init__(self, *, store: str | None = None) -> None:
        from apimart_mock.testing import serve

        self._server = ExitStack()
        options = [option for key in self._KEYS for option in ("--api-key", key)]
        options += [] if store is None else ["--store", store]
        base_url = self._server.enter_context(serve("--frozen", "--seed", "0", *options)).url
        settings = TargetSettings(
            base_url=base_url,
            api_keys=self._KEYS,
            allow_spend=True,
            spend_budget=5_000,
            rate=500.0,
        )
        super().__init__(settings, name="served" if store is None else f"served{REDIS_SUFFIX}")

    def key_reference(self, account: int) -> str:
        return self.api_keys[account]

    def close(self) -> None:
        super().close()
        self._server.close()
