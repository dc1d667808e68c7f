"""`Client` and `AsyncClient`: the client's methods written once, run by a blocking or an async driver.

Each call is a plan (`_plans`): request building, the send loop with its retries, decoding and the
polling loop, all without I/O. `_Face` holds the public methods once, generic over what a call gives
back (a value or a coroutine); `Client` and `AsyncClient` add only their edge: the connection pool,
how to sleep, and a driver of a few lines that sends each request (`_reading`) and waits each pause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar, cast, overload

import httpx

from ._actions import ActionsMixin
from ._constants import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
)
from ._errors import InvalidArgumentError
from ._models import BalanceResponse, MidjourneyTask, SubmittedTask, UnifiedTask, UploadResponse
from ._options import Language
from ._plans import Done, Outcome, Pause, Plan, Planner, Step, advance
from ._reading import read_async, read_sync
from ._types import Headers, ProgressCallback, RequestSpec, TaskRef, Upload, View, WaitOptions

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")
Http = TypeVar("Http", bound=httpx.Client | httpx.AsyncClient)
Transport = TypeVar("Transport", bound=httpx.BaseTransport | httpx.AsyncBaseTransport)
Sleep = TypeVar("Sleep", bound=Callable[[float], Any])
Submitted = TypeVar("Submitted")
Midjourney = TypeVar("Midjourney")
Unified = TypeVar("Unified")
Balance = TypeVar("Balance")
Uploaded = TypeVar("Uploaded")
_Co = Coroutine[Any, Any, T]


class _Face(
    Planner,
    ActionsMixin[Submitted, Midjourney],
    Generic[Http, Transport, Sleep, Submitted, Midjourney, Unified, Balance, Uploaded],
):
    """The public methods of both clients. Each runs its call's plan with `_run`, which gives the answer
    (`Client`) or a coroutine of it (`AsyncClient`): the type parameters name those results."""

    _http: Http

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: Http | None = None,
        transport: Transport | None = None,
        sleep: Sleep | None = None,
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
        self._http = http_client if http_client is not None else self._connect(transport)
        self._sleep = sleep if sleep is not None else self._default_sleep()

    # ---- the edge, given by each client ----
    def _connect(self, transport: Transport | None) -> Http:
        """A pool of this client's own, over `transport` (None: httpx's)."""
        raise NotImplementedError

    def _default_sleep(self) -> Sleep:
        raise NotImplementedError

    def _run(self, plan: Plan[Any]) -> Any:
        """Carry `plan` out: its answer (`Client`) or a coroutine of it (`AsyncClient`)."""
        raise NotImplementedError

    # ---- the methods ----
    @overload
    def get_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", extra_headers: Headers | None = None
    ) -> Midjourney: ...
    @overload
    def get_task(
        self,
        task: TaskRef,
        *,
        view: Literal["unified"],
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> Unified: ...
    def get_task(
        self,
        task: TaskRef,
        *,
        view: View = "mj",
        language: Language | None = None,
        extra_headers: Headers | None = None,
    ) -> Midjourney | Unified:
        """The task in the Midjourney view (buttons, MODAL, `fail_reason`) or the unified view (`language`:
        `en`, `zh`, `ko` or `ja`). Reads are free and retried on connection errors, 408, 429 and 5xx."""
        return cast(
            Midjourney | Unified, self._run(self._get_plan(task, view, language, None, extra_headers))
        )

    def balance(self, *, extra_headers: Headers | None = None) -> Balance:
        """The calling token's balance: `remain_balance` (-1 when `unlimited_quota`), `used_balance`.
        Raises `BalanceUnavailableError` when the service cannot read it."""
        return cast(Balance, self._run(self._balance_plan("balance", extra_headers)))

    def user_balance(self, *, extra_headers: Headers | None = None) -> Balance:
        """The whole account's balance (every token of it); see `balance`."""
        return cast(Balance, self._run(self._balance_plan("user_balance", extra_headers)))

    def upload_image(
        self,
        file: Upload,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        extra_headers: Headers | None = None,
    ) -> Uploaded:
        """Upload an image (bytes, a path or a binary file; JPEG, PNG, WebP or GIF, at most 20 MB) and
        get its public `url`, valid 72 h, to send as an image input. Free; never retried once sent.
        The file is read when the call runs (for `AsyncClient`, when it is awaited)."""
        return cast(Uploaded, self._run(self._upload_plan(file, filename, content_type, extra_headers)))

    @overload
    def wait_for_task(
        self, task: TaskRef, *, view: Literal["mj"] = "mj", interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> Midjourney: ...  # fmt: skip
    @overload
    def wait_for_task(
        self, task: TaskRef, *, view: Literal["unified"], interval: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True, extra_headers: Headers | None = None,
    ) -> Unified: ...  # fmt: skip
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
    ) -> Midjourney | Unified:
        """Poll `task` until it is done, and return it.

        Returns on SUCCESS / completed, and on MODAL (Midjourney view): such a task needs the `modal`
        call, check `task.status`. Raises `TaskFailedError` (with `fail_reason`) on FAILURE / failed /
        cancelled, and `TaskTimeoutError` when `timeout` seconds pass first; the last poll starts at most
        one `interval` after the deadline. Polls every `interval` seconds (default: the client's
        `poll_interval`, never below 1 s); `on_progress(percent, status)` is called after every poll.
        The unified view never shows MODAL (it says `pending`), so an inpaint waited for there times out.
        """
        plan = self._wait_plan(task, view, return_on_modal, interval, timeout, on_progress, extra_headers)
        return cast(Midjourney | Unified, self._run(plan))

    def _submit(self, spec: RequestSpec, headers: Headers | None) -> Submitted:
        return cast(Submitted, self._run(self._submit_plan(spec, headers)))

    def _submit_and_wait(self, spec: RequestSpec, *, return_on_modal: bool, wait: WaitOptions) -> Midjourney:
        return cast(Midjourney, self._run(self._submit_and_wait_plan(spec, return_on_modal, wait)))


class Client(
    _Face[
        httpx.Client,
        httpx.BaseTransport,
        Callable[[float], None],
        SubmittedTask,
        MidjourneyTask,
        UnifiedTask,
        BalanceResponse,
        UploadResponse,
    ]
):
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
    - `sleep`, `clock`: what waits (default `time.sleep`) and what tells the time (tests pass fakes and
      never wait).

    Usage:
    ```
    with Client() as client:
        grid = client.imagine_and_wait("a cat on a windowsill", size="16:9")
        image = client.upscale_and_wait(grid, 2)
    ```
    """

    def _connect(self, transport: httpx.BaseTransport | None) -> httpx.Client:
        return httpx.Client(transport=transport)

    def _default_sleep(self) -> Callable[[float], None]:
        return time.sleep

    def _run(self, plan: Plan[T]) -> T:
        step = advance(plan, None)
        while not isinstance(step, Done):
            step = advance(plan, self._carry_out(step))
        return step.value

    def _carry_out(self, step: Step) -> Outcome:
        if isinstance(step, Pause):
            self._sleep(step.seconds)
            return None
        try:
            return read_sync(self._http, step.request, step.seconds, self.max_response_bytes)
        except Exception as exc:  # raised in the plan, whose rules decide
            return exc

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


class AsyncClient(
    _Face[
        httpx.AsyncClient,
        httpx.AsyncBaseTransport,
        Callable[[float], Awaitable[None]],
        _Co[SubmittedTask],
        _Co[MidjourneyTask],
        _Co[UnifiedTask],
        _Co[BalanceResponse],
        _Co[UploadResponse],
    ]
):
    """The `asyncio` face of `Client`: the same parameters and methods, each to be awaited.

    `http_client` is an `httpx.AsyncClient`, `transport` an `httpx.AsyncBaseTransport`, `sleep` an async
    function (default `asyncio.sleep`).

    Usage:
    ```
    async with AsyncClient() as client:
        grid = await client.imagine_and_wait("a cat on a windowsill")
    ```
    """

    def _connect(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport)

    def _default_sleep(self) -> Callable[[float], Awaitable[None]]:
        return asyncio.sleep

    async def _run(self, plan: Plan[T]) -> T:
        step = advance(plan, None)
        while not isinstance(step, Done):
            step = advance(plan, await self._carry_out(step))
        return step.value

    async def _carry_out(self, step: Step) -> Outcome:
        if isinstance(step, Pause):
            await self._sleep(step.seconds)
            return None
        try:
            return await read_async(self._http, step.request, step.seconds, self.max_response_bytes)
        except Exception as exc:  # raised in the plan, whose rules decide
            return exc

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
