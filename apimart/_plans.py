"""Every call of the client written once, as a plan: what to send and when to pause, with no I/O.

A plan is a generator. It yields a `Send` (an attempt: the request and the seconds it may take) and is
sent back the whole response, or has the attempt's error raised at its `yield`; it yields a `Pause` to
be resumed after so many seconds; it returns the call's answer. The rules live in the plans: the send
loop with its retries (`_retry` decides, a plan waits as told), decoding (`_responses`), and the one
polling loop (`_polling` decides). `Client` and `AsyncClient` each run plans with a small driver of a
few lines, blocking or awaiting, so the two clients cannot drift apart.

```
plan = planner._get_plan("task_1", "mj", None, None, None)
step = advance(plan, None)              # Send(request=<GET .../v1/midjourney/task_1>, seconds=60.0)
step = advance(plan, response)          # Done(value=MidjourneyTask(...)), or a Pause, or the next Send
```
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import httpx

from ._constants import DEFAULT_BASE_URL, DEFAULT_WAIT_TIMEOUT, ENV_API_KEY, ENV_BASE_URL
from ._errors import ApimartError, APITimeoutError, InvalidArgumentError, TaskTimeoutError
from ._models import BalanceResponse, MidjourneyTask, SubmittedTask, UploadResponse
from ._polling import Poller
from ._requests import (
    build_get,
    build_read,
    build_upload,
    checked_headers,
    checked_key,
    json_text,
    task_id_of,
)
from ._responses import (
    connection_error,
    decode,
    decode_balance,
    parse_mj_task,
    parse_submitted,
    parse_unified_task,
    parse_upload,
)
from ._retry import RetryPolicy
from ._types import Headers, ProgressCallback, RequestSpec, Task, TaskRef, Upload, View, WaitOptions

__all__ = ["Done", "Pause", "Plan", "Planner", "Send", "Step", "advance"]

T = TypeVar("T")
_USER_AGENT = "apimart-python"
logger = logging.getLogger("apimart")


@dataclass(frozen=True)
class Send:
    """Send `request` and read its whole answer within `seconds` (None: no deadline)."""

    request: httpx.Request
    seconds: float | None


@dataclass(frozen=True)
class Pause:
    """Wait `seconds` before going on."""

    seconds: float


@dataclass(frozen=True)
class Done(Generic[T]):
    """The plan is over; `value` is the call's answer."""

    value: T


Step = Send | Pause
Outcome = httpx.Response | Exception | None
"""What a driver hands back for a step: the response of a `Send` or the error it raised; None after a
`Pause`."""
Plan = Generator[Step, Any, T]
"""Yields steps, is sent each step's response (None after a `Pause`), returns a `T`."""


def advance(plan: Plan[T], outcome: Outcome) -> Step | Done[T]:
    """Resume `plan` with the `outcome` of its last step (an error is raised at its `yield`, where the
    plan's rules decide), and return its next step, or `Done` with its answer."""
    try:
        return plan.throw(outcome) if isinstance(outcome, Exception) else plan.send(outcome)
    except StopIteration as stop:
        return Done(stop.value)


class Planner:
    """The client's configuration, and a plan for each of its calls."""

    _http: httpx.Client | httpx.AsyncClient
    """The client's pool, here only to build requests (its `build_request` adds its default headers)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        poll_interval: float,
        max_response_bytes: int,
        clock: Callable[[], float],
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(ENV_API_KEY)
        if not key:
            raise InvalidArgumentError(f"no API key: pass api_key=... or set {ENV_API_KEY}")
        checked_key(key, "api_key" if api_key is not None else ENV_API_KEY)
        url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise InvalidArgumentError(f"invalid base URL {url!r}: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidArgumentError(f"base URL must be http(s)://host[:port][/prefix], got {url!r}")
        self.api_key = key
        self.base_url = url.rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        parts = [part for part in self.timeout.as_dict().values() if part is not None]
        self.request_deadline: float | None = max(parts) if parts else None
        """Seconds one attempt may take in all (connect, send, headers, body): the largest timeout part."""
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise InvalidArgumentError(f"max_response_bytes must be an int >= 1, got {max_response_bytes!r}")
        self.max_response_bytes = max_response_bytes
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self.poll_interval = poll_interval
        self._clock = clock
        self._headers = {"Authorization": f"Bearer {key}", "User-Agent": _USER_AGENT}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"  # never the key

    # ---- the calls ----
    def _get_plan(
        self, task: TaskRef, view: View, language: str | None, until: float | None, headers: Headers | None
    ) -> Plan[Task]:
        """Read `task` in `view`, every attempt ending before `until` (a clock time), if given."""
        spec = build_get(task, view=view, language=language)
        response = yield from self._send_plan(spec, until, headers)
        parse: Callable[[Any], Task] = parse_mj_task if view == "mj" else parse_unified_task
        return decode(response, parse)

    def _balance_plan(self, name: str, headers: Headers | None) -> Plan[BalanceResponse]:
        """`balance` or `user_balance`."""
        return decode_balance((yield from self._send_plan(build_read(name), headers=headers)))

    def _upload_plan(
        self, file: Upload, filename: str | None, content_type: str | None, headers: Headers | None
    ) -> Plan[UploadResponse]:
        spec = build_upload(file, filename=filename, content_type=content_type)
        return decode((yield from self._send_plan(spec, headers=headers)), parse_upload)

    def _submit_plan(self, spec: RequestSpec, headers: Headers | None) -> Plan[SubmittedTask]:
        return decode((yield from self._send_plan(spec, headers=headers)), parse_submitted)

    def _submit_and_wait_plan(
        self, spec: RequestSpec, return_on_modal: bool, wait: WaitOptions
    ) -> Plan[MidjourneyTask]:
        headers = wait.get("extra_headers")
        submitted = yield from self._submit_plan(spec, headers)
        task = yield from self._wait_plan(
            submitted.task_id,
            "mj",
            return_on_modal,
            wait.get("interval"),
            wait.get("timeout", DEFAULT_WAIT_TIMEOUT),
            wait.get("on_progress"),
            headers,
        )
        return cast(MidjourneyTask, task)  # the Midjourney view's answers are parsed as one

    def _wait_plan(
        self,
        task: TaskRef,
        view: View,
        return_on_modal: bool,
        interval: float | None,
        timeout: float,
        on_progress: ProgressCallback | None,
        headers: Headers | None,
    ) -> Plan[Task]:
        """Poll `task` until `Poller` says the wait is over (see `Client.wait_for_task`)."""
        poller = Poller(
            interval=self.poll_interval if interval is None else interval,
            timeout=timeout,
            clock=self._clock,
            on_progress=on_progress,
            return_on_modal=return_on_modal,
        )
        task_id = task_id_of(task)
        current: Task | None = None
        while True:
            try:
                current = yield from self._get_plan(task_id, view, None, poller.limit, headers)
            except APITimeoutError as exc:  # past the deadline, this poll's lack of time ends the wait
                if current is not None and poller.expired:
                    raise TaskTimeoutError(current, timeout=poller.timeout) from exc
                raise
            if poller.finished(current):
                return current
            yield Pause(poller.pause(current))

    def _send_plan(
        self, spec: RequestSpec, until: float | None = None, headers: Headers | None = None
    ) -> Plan[httpx.Response]:
        """Send with retries, each attempt within its deadline and all of them before `until` (a clock
        time), if given; returns the last response, whatever its status, or raises a connection error."""
        request = self._build_request(spec, headers)
        retries = 0
        while True:
            outcome: httpx.Response | httpx.RequestError
            try:
                outcome = yield Send(request, self._attempt_seconds(until))
            except httpx.RequestError as exc:
                outcome = exc
            except ApimartError:
                raise
            except Exception as exc:  # whatever else the transport raised: still a failed request
                raise connection_error(exc, request)  # noqa: B904 (connection_error sets the cause)
            delay = self._retry_delay(request, outcome, retries, until)
            if delay is None:
                if isinstance(outcome, httpx.RequestError):
                    raise connection_error(outcome, request)
                return outcome
            retries += 1
            yield Pause(delay)

    # ---- the parts of a send ----
    def _build_request(self, spec: RequestSpec, extra: Headers | None = None) -> httpx.Request:
        """An absolute URL, our headers and our timeout on every request, also through an injected
        `http_client`, whose own base URL, headers and timeout therefore do not matter. A call's
        `extra_headers` come last, so they can replace any of ours."""
        headers = {**self._headers, **spec.get("headers", {})}
        content = None
        if "json" in spec:
            content = json_text(spec["json"]).encode()
            headers["Content-Type"] = "application/json"
        return self._http.build_request(
            spec["method"],
            self.base_url + spec["url"],
            params=spec.get("params"),
            content=content,
            files=spec.get("files"),
            headers={**headers, **checked_headers(extra)},
            timeout=self.timeout,
        )

    def _attempt_seconds(self, until: float | None) -> float | None:
        """How long the next attempt may take: the request deadline, cut to what is left before `until`
        (a clock time: the end of a wait), if given."""
        if until is None:
            return self.request_deadline
        left = max(until - self._clock(), 0.001)
        return left if self.request_deadline is None else min(self.request_deadline, left)

    def _retry_delay(
        self, request: httpx.Request, outcome: httpx.Response | Exception, retries: int, until: float | None
    ) -> float | None:
        """The retry policy's decision, kept inside `until`, and logged at debug level."""
        what = f"{request.method} {request.url.path}"
        got = outcome.status_code if isinstance(outcome, httpx.Response) else type(outcome).__name__
        delay = self.retry_policy.next_delay(request.method, outcome, retries)
        if delay is not None and until is not None and self._clock() + delay >= until:
            logger.debug("%s: %s; not retrying: the wait's deadline comes first", what, got)
            return None
        if delay is not None:
            logger.debug(
                "%s: %s; retry %d of %d in %.2f s",
                what,
                got,
                retries + 1,
                self.retry_policy.max_retries,
                delay,
            )
        elif isinstance(outcome, Exception) or not outcome.is_success:
            logger.debug("%s: %s; not retried (after %d retries)", what, got, retries)
        return delay
