"""`Client` and `AsyncClient`: configuration, the send loop with retries, reads and the polling loop.

Everything that can be shared is: configuration and request building live in `_BaseClient`, request
bodies in `_requests`, decoding and error mapping in `_responses`, retry decisions in `_retry`, polling
decisions in `_polling`, and the submit helpers in `ActionsMixin`. What is left here is the I/O: a
send loop and a poll loop, once blocking and once async.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Literal, Self, overload

import httpx

from ._actions import ActionsMixin
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
)
from ._errors import ApimartError, APITimeoutError, InvalidArgumentError, TaskTimeoutError
from ._models import BalanceResponse, MidjourneyTask, SubmittedTask, UnifiedTask, UploadResponse
from ._options import Language
from ._polling import Poller
from ._reading import read_async, read_sync
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

__all__ = ["AsyncClient", "Client"]

_USER_AGENT = "apimart-python"
logger = logging.getLogger("apimart")


class _BaseClient:
    """Configuration and request building shared by both clients."""

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

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, spec: RequestSpec, extra: Headers | None = None
    ) -> httpx.Request:
        """An absolute URL, our headers and our timeout on every request, also through an injected
        `http_client`, whose own base URL, headers and timeout therefore do not matter. A call's
        `extra_headers` come last, so they can replace any of ours."""
        headers = {**self._headers, **spec.get("headers", {})}
        content = None
        if "json" in spec:
            content = json_text(spec["json"]).encode()
            headers["Content-Type"] = "application/json"
        return http.build_request(
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

    def _poller(
        self,
        interval: float | None,
        timeout: float,
        on_progress: ProgressCallback | None,
        return_on_modal: bool,
        clock: Callable[[], float],
    ) -> Poller:
        return Poller(
            interval=self.poll_interval if interval is None else interval,
            timeout=timeout,
            clock=clock,
            on_progress=on_progress,
            return_on_modal=return_on_modal,
        )


def _parser(view: View) -> Callable[[Any], Task]:
    return parse_mj_task if view == "mj" else parse_unified_task


class Client(_BaseClient, ActionsMixin[SubmittedTask, MidjourneyTask]):
    """A blocking client of the APIMart Midjourney API.

    **Parameters:**
    - `api_key`: defaults to `$APIMART_API_KEY`.
    - `base_url`: defaults to `$APIMART_BASE_URL`, else `https://api.apimart.ai`; a path prefix is kept.
    - `timeout`: per request, seconds or an `httpx.Timeout` (default 60 s, 10 s to connect); None waits
      forever. Besides each phase, it bounds each attempt as a whole: connecting, sending, headers and
      body together never take longer than its largest part, however slowly the server sends.
    - `max_response_bytes`: the most body a response may have, decoded (default 4 MiB); past it the
      read stops and `ResponseTooLargeError` is raised.
    - `max_retries`: retries of one request (default 2; 0 switches retrying off). See `_retry` for which
      failures are retried: never a submit that might have created a task.
    - `poll_interval`: default seconds between polls of `wait_for_task` (3; never below 1).
    - `http_client` or `transport`: bring your own `httpx.Client` (kept open on `close`), or a transport
      for the one this client builds, e.g. `httpx.WSGITransport(app=create_app())` to talk to the mock
      in-process, or `httpx.MockTransport(...)` in tests.
    - `sleep`, `clock`: what waits and what tells the time (tests pass fakes and never wait).

    Usage:
    ```
    with Client() as client:
        grid = client.imagine_and_wait("a cat on a windowsill", size="16:9")
        image = client.upscale_and_wait(grid, 2)
    ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            poll_interval=poll_interval,
            max_response_bytes=max_response_bytes,
            clock=clock,
        )
        if http_client is not None and transport is not None:
            raise InvalidArgumentError("pass http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(transport=transport)
        self._sleep = sleep

    def close(self) -> None:
        """Close the connection pool (not an `http_client` you passed in: that one is yours)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @overload
    def get_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", extra_headers: Headers | None = None
    ) -> MidjourneyTask: ...
    @overload
    def get_task(
        self,
        task: TaskRef,
        *,
        view: Literal["unified"],
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> UnifiedTask: ...
    def get_task(
        self,
        task: TaskRef,
        *,
        view: View = "mj",
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> Task:
        """The task in the Midjourney view (buttons, MODAL, `fail_reason`) or the unified view (`language`:
        `en`, `zh`, `ko` or `ja`). Reads are free and retried on connection errors, 408, 429 and 5xx."""
        return self._get(task, view, language, None, extra_headers)

    def _get(
        self, task: TaskRef, view: View, language: str | None, until: float | None, headers: Headers | None
    ) -> Task:
        return decode(
            self._send(build_get(task, view=view, language=language), until, headers), _parser(view)
        )

    def balance(self, *, extra_headers: Headers | None = None) -> BalanceResponse:
        """The calling token's balance: `remain_balance` (-1 when `unlimited_quota`), `used_balance`.
        Raises `BalanceUnavailableError` when the service cannot read it."""
        return decode_balance(self._send(build_read("balance"), headers=extra_headers))

    def user_balance(self, *, extra_headers: Headers | None = None) -> BalanceResponse:
        """The whole account's balance (every token of it); see `balance`."""
        return decode_balance(self._send(build_read("user_balance"), headers=extra_headers))

    def upload_image(
        self,
        file: Upload,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        extra_headers: Headers | None = None,
    ) -> UploadResponse:
        """Upload an image (bytes, a path or a binary file; JPEG, PNG, WebP or GIF, at most 20 MB) and
        get its public `url`, valid 72 h, to send as an image input. Free; never retried once sent."""
        spec = build_upload(file, filename=filename, content_type=content_type)
        return decode(self._send(spec, headers=extra_headers), parse_upload)

    @overload
    def wait_for_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> MidjourneyTask: ...  # fmt: skip
    @overload
    def wait_for_task(
        self, task: TaskRef, *, view: Literal["unified"], interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> UnifiedTask: ...  # fmt: skip
    def wait_for_task(
        self,
        task: TaskRef,
        *,
        view: View = "mj",
        interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True,
        extra_headers: Headers | None = None,
    ) -> Task:
        """Poll `task` until it is done, and return it.

        Returns on SUCCESS / completed, and on MODAL (Midjourney view): such a task needs the `modal`
        call, check `task.status`. Raises `TaskFailedError` (with `fail_reason`) on FAILURE / failed /
        cancelled, and `TaskTimeoutError` when `timeout` seconds pass first; the last poll starts at most
        one `interval` after the deadline. Polls every `interval` seconds (default: the client's
        `poll_interval`, never below 1 s); `on_progress(percent, status)` is called after every poll.
        The unified view never shows MODAL (it says `pending`), so an inpaint waited for there times out.
        """
        poller = self._poller(interval, timeout, on_progress, return_on_modal, self._clock)
        task_id = task_id_of(task)
        current: Task | None = None
        while True:
            try:
                current = self._get(task_id, view, None, poller.limit, extra_headers)
            except APITimeoutError as exc:  # past the deadline, this poll's lack of time ends the wait
                if current is not None and poller.expired:
                    raise TaskTimeoutError(current, timeout=poller.timeout) from exc
                raise
            if poller.finished(current):
                return current
            self._sleep(poller.pause(current))

    def _submit(self, spec: RequestSpec, headers: Headers | None) -> SubmittedTask:
        return decode(self._send(spec, headers=headers), parse_submitted)

    def _submit_and_wait(
        self, spec: RequestSpec, *, return_on_modal: bool, wait: WaitOptions
    ) -> MidjourneyTask:
        submitted = self._submit(spec, wait.get("extra_headers"))
        return self.wait_for_task(submitted.task_id, return_on_modal=return_on_modal, **wait)

    def _send(
        self, spec: RequestSpec, until: float | None = None, headers: Headers | None = None
    ) -> httpx.Response:
        """Send with retries, each attempt within its deadline and all of them before `until` (a clock
        time), if given; returns the last response, whatever its status, or raises a connection error."""
        request = self._build_request(self._http, spec, headers)
        retries = 0
        while True:
            outcome: httpx.Response | httpx.RequestError
            try:
                outcome = read_sync(
                    self._http, request, self._attempt_seconds(until), self.max_response_bytes
                )
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
            self._sleep(delay)


class AsyncClient(
    _BaseClient,
    ActionsMixin[Coroutine[Any, Any, SubmittedTask], Coroutine[Any, Any, MidjourneyTask]],
):
    """The `asyncio` twin of `Client`: the same parameters and methods, each to be awaited.

    `http_client` is an `httpx.AsyncClient`, `transport` an `httpx.AsyncBaseTransport`, `sleep` an async
    function (default `asyncio.sleep`).

    Usage:
    ```
    async with AsyncClient() as client:
        grid = await client.imagine_and_wait("a cat on a windowsill")
    ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            poll_interval=poll_interval,
            max_response_bytes=max_response_bytes,
            clock=clock,
        )
        if http_client is not None and transport is not None:
            raise InvalidArgumentError("pass http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient(transport=transport)
        self._sleep = sleep

    async def close(self) -> None:
        """Close the connection pool (not an `http_client` you passed in: that one is yours)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @overload
    async def get_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", extra_headers: Headers | None = None
    ) -> MidjourneyTask: ...
    @overload
    async def get_task(
        self,
        task: TaskRef,
        *,
        view: Literal["unified"],
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> UnifiedTask: ...
    async def get_task(
        self,
        task: TaskRef,
        *,
        view: View = "mj",
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> Task:
        """See `Client.get_task`."""
        return await self._get(task, view, language, None, extra_headers)

    async def _get(
        self, task: TaskRef, view: View, language: str | None, until: float | None, headers: Headers | None
    ) -> Task:
        return decode(
            await self._send(build_get(task, view=view, language=language), until, headers), _parser(view)
        )

    async def balance(self, *, extra_headers: Headers | None = None) -> BalanceResponse:
        """See `Client.balance`."""
        return decode_balance(await self._send(build_read("balance"), headers=extra_headers))

    async def user_balance(self, *, extra_headers: Headers | None = None) -> BalanceResponse:
        """See `Client.user_balance`."""
        return decode_balance(await self._send(build_read("user_balance"), headers=extra_headers))

    async def upload_image(
        self,
        file: Upload,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        extra_headers: Headers | None = None,
    ) -> UploadResponse:
        """See `Client.upload_image` (the file is read before the request is sent)."""
        spec = build_upload(file, filename=filename, content_type=content_type)
        return decode(await self._send(spec, headers=extra_headers), parse_upload)

    @overload
    async def wait_for_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> MidjourneyTask: ...  # fmt: skip
    @overload
    async def wait_for_task(
        self, task: TaskRef, *, view: Literal["unified"], interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> UnifiedTask: ...  # fmt: skip
    async def wait_for_task(
        self,
        task: TaskRef,
        *,
        view: View = "mj",
        interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True,
        extra_headers: Headers | None = None,
    ) -> Task:
        """See `Client.wait_for_task`."""
        poller = self._poller(interval, timeout, on_progress, return_on_modal, self._clock)
        task_id = task_id_of(task)
        current: Task | None = None
        while True:
            try:
                current = await self._get(task_id, view, None, poller.limit, extra_headers)
            except APITimeoutError as exc:  # past the deadline, this poll's lack of time ends the wait
                if current is not None and poller.expired:
                    raise TaskTimeoutError(current, timeout=poller.timeout) from exc
                raise
            if poller.finished(current):
                return current
            await self._sleep(poller.pause(current))

    async def _submit(self, spec: RequestSpec, headers: Headers | None) -> SubmittedTask:
        return decode(await self._send(spec, headers=headers), parse_submitted)

    async def _submit_and_wait(
        self, spec: RequestSpec, *, return_on_modal: bool, wait: WaitOptions
    ) -> MidjourneyTask:
        submitted = await self._submit(spec, wait.get("extra_headers"))
        return await self.wait_for_task(submitted.task_id, return_on_modal=return_on_modal, **wait)

    async def _send(
        self, spec: RequestSpec, until: float | None = None, headers: Headers | None = None
    ) -> httpx.Response:
        """See `Client._send`."""
        request = self._build_request(self._http, spec, headers)
        retries = 0
        while True:
            outcome: httpx.Response | httpx.RequestError
            try:
                seconds = self._attempt_seconds(until)
                outcome = await read_async(self._http, request, seconds, self.max_response_bytes)
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
            await self._sleep(delay)
