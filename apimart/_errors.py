"""Every exception the client layer raises, and the one factory that maps an HTTP status to a class.

```
ApimartError                          anything this package raises on purpose
├── APIError                          a call failed (.request, .response, .status_code, .envelope, .body)
│   ├── APIStatusError                the API answered a non-2xx status
│   │   ├── BadRequestError           400: the request was invalid (parent not finished, bad index, ...)
│   │   │   └── ModerationError       422: the prompt or an image failed moderation; the charge is refunded
│   │   ├── AuthenticationError       401: the API key is missing or invalid
│   │   ├── PaymentRequiredError      402: the balance is too low
│   │   ├── PermissionDeniedError     403: the task belongs to another account
│   │   ├── NotFoundError             404: no such task, or older than the 3-day retention
│   │   ├── RateLimitError            429: too many requests (.retry_after)
│   │   └── ServerError               5xx, and the non-standard 499 and 520-524 of proxies and CDNs
│   ├── ResponseValidationError       a 2xx whose body is not JSON or breaks the schema (.body: raw text)
│   ├── ResponseTooLargeError         the body is longer than the client's max_response_bytes (.limit)
│   ├── BalanceUnavailableError       a balance read answered `success: false` (HTTP 200; .reason)
│   └── APIConnectionError            no response at all: DNS, refused, reset, TLS
│       └── APITimeoutError           the request took longer than the client's timeout
├── TaskFailedError                   wait_for_task: FAILURE / failed / cancelled (.fail_reason, .task)
├── TaskTimeoutError                  wait_for_task: the deadline passed first (.timeout, .task)
└── InvalidArgumentError (ValueError) an argument that cannot be sent, caught before any request
    ├── InvalidCustomId               a string that is no customId of a known family
    └── NoMatchingButton              no button of the task matches an index / direction / zoom ratio
```

`ApimartError`, `InvalidArgumentError`, `InvalidCustomId` and `NoMatchingButton` are defined in the shared
package `apimart_mj` (its customId grammar and auto-matching raise them) and re-exported here. Any other
status is a plain `APIStatusError`. 499 sits under `ServerError`: a client never sends it to
itself, so receiving one means a proxy in front of the service gave up on the service, which is the
server side's trouble and as worth retrying as a 502.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from apimart_mj import ApimartError, InvalidArgumentError, InvalidCustomId, NoMatchingButton

if TYPE_CHECKING:
    from ._models import ErrorResponse, MidjourneyTask, UnifiedTask

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "ApimartError",
    "AuthenticationError",
    "BadRequestError",
    "BalanceUnavailableError",
    "InvalidArgumentError",
    "InvalidCustomId",
    "ModerationError",
    "NoMatchingButton",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "TaskFailedError",
    "TaskTimeoutError",
    "make_status_error",
    "reveals_key",
]

_SNIPPET = 200
"""How much of a raw body an error message quotes (an HTML error page can be kilobytes)."""


class APIError(ApimartError):
    """A call to the API failed. Which attributes are set depends on how far the call got."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None,
        response: httpx.Response | None = None,
        envelope: ErrorResponse | None = None,
    ) -> None:
        super().__init__(_without_key(message, request))
        self.request = request
        self.response = response
        self.envelope = envelope
        """The parsed `{"error": {...}}` body, or None when the body was something else (HTML, empty)."""

    @property
    def status_code(self) -> int | None:
        """The HTTP status, or None when no response arrived."""
        return None if self.response is None else self.response.status_code

    @property
    def body(self) -> str | None:
        """The raw response text, or None when no response arrived."""
        return None if self.response is None else self.response.text

    @property
    def error_type(self) -> str | None:
        """`error.type` of the envelope (`not_found_error`, `rate_limit_error`, ...)."""
        return None if self.envelope is None else self.envelope.error.type_


class APIStatusError(APIError):
    """The API answered with a status that is not 2xx."""

    response: httpx.Response

    def __init__(self, *, response: httpx.Response, envelope: ErrorResponse | None) -> None:
        detail = envelope.error.message if envelope is not None else _snippet(response.text)
        reason = response.reason_phrase or "Unknown Status"
        super().__init__(
            f"{response.status_code} {reason}: {detail}",
            request=response.request,
            response=response,
            envelope=envelope,
        )

    @property
    def status_code(self) -> int:
        return self.response.status_code


class BadRequestError(APIStatusError):
    """400: the service rejected the request's content (missing prompt, parent not in SUCCESS, ...)."""


class ModerationError(BadRequestError):
    """422: the prompt or an image failed content moderation; the charge was refunded."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class PaymentRequiredError(APIStatusError):
    """402: the account's balance is too low for this submit."""


class PermissionDeniedError(APIStatusError):
    """403: the task belongs to another account."""


class NotFoundError(APIStatusError):
    """404: no such task, or it is older than the 3-day retention."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the server's hint in seconds, when it gave one."""

    def __init__(
        self, *, response: httpx.Response, envelope: ErrorResponse | None, retry_after: float | None
    ) -> None:
        super().__init__(response=response, envelope=envelope)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx, 499 or a CDN's 520-524: the service or a proxy in front of it failed."""


class ResponseValidationError(APIError):
    """A 2xx response whose body is not JSON, or JSON that does not fit the schema in `openapi.yaml`."""

    response: httpx.Response

    def __init__(self, reason: str, *, response: httpx.Response) -> None:
        super().__init__(
            f"invalid response from {response.request.method} {response.request.url.path} "
            f"(HTTP {response.status_code}): {reason}; body: {_snippet(response.text)}",
            request=response.request,
            response=response,
        )
        self.reason = reason


class ResponseTooLargeError(APIError):
    """The response body (decoded: a gzip body counts as what it expands to) is longer than the client's
    `max_response_bytes`; reading stopped there. `limit` is that cap; `body` is None (not kept)."""

    response: httpx.Response

    def __init__(self, limit: int, *, response: httpx.Response) -> None:
        super().__init__(
            f"response to {response.request.method} {response.request.url.path} (HTTP "
            f"{response.status_code}) is longer than max_response_bytes={limit}",
            request=response.request,
            response=response,
        )
        self.limit = limit

    @property
    def body(self) -> str | None:
        return None


class BalanceUnavailableError(APIError):
    """A balance read that the service answered with `success: false` (with HTTP 200), e.g.
    "Token Not Found"; `reason` is its message."""

    response: httpx.Response

    def __init__(self, reason: str, *, response: httpx.Response) -> None:
        super().__init__(
            f"balance unavailable: {reason}", request=response.request, response=response, envelope=None
        )
        self.reason = reason


class APIConnectionError(APIError):
    """No response arrived: the name did not resolve, the connection was refused or reset, TLS failed."""

    def __init__(self, message: str, *, request: httpx.Request | None) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request took longer than the client's timeout."""


class TaskFailedError(ApimartError):
    """The task ended in FAILURE (Midjourney view) or failed / cancelled (unified view); it was refunded."""

    def __init__(self, task: MidjourneyTask | UnifiedTask, *, status: str, fail_reason: str | None) -> None:
        super().__init__(f"task {task.id} {status.lower()}: {fail_reason or 'no reason given'}")
        self.task = task
        self.task_id = task.id
        self.status = status
        self.fail_reason = fail_reason


class TaskTimeoutError(ApimartError):
    """`wait_for_task` gave up: the task was still not finished when the deadline passed."""

    def __init__(self, task: MidjourneyTask | UnifiedTask, *, timeout: float) -> None:
        super().__init__(f"task {task.id} still {task.status} after waiting {timeout:g} s")
        self.task = task
        self.task_id = task.id
        self.timeout = timeout


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ModerationError,
    499: ServerError,
}


def make_status_error(
    response: httpx.Response, envelope: ErrorResponse | None, *, retry_after: float | None
) -> APIStatusError:
    """The exception for a non-2xx `response`: the one place where a status picks a class."""
    if response.status_code == 429:
        return RateLimitError(response=response, envelope=envelope, retry_after=retry_after)
    if response.status_code >= 500:
        return ServerError(response=response, envelope=envelope)
    cls = _STATUS_CLASSES.get(response.status_code, APIStatusError)
    return cls(response=response, envelope=envelope)


def reveals_key(text: str, request: httpx.Request) -> bool:
    """Whether `text` (a transport's error, say) holds the API key that `request` carries."""
    key = _key_of(request)
    return key is not None and key in text


def _without_key(message: str, request: httpx.Request | None) -> str:
    """`message` with the API key of `request` blotted out: a transport's error or a body may echo it."""
    key = None if request is None else _key_of(request)
    return message if key is None else message.replace(key, "[redacted]")


def _key_of(request: httpx.Request) -> str | None:
    credentials = request.headers.get("authorization", "")
    return credentials.partition(" ")[2] or credentials or None


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return "(empty body)"
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."
