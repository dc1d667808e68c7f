"""Domain errors: each names the HTTP status and APIMart error `type` it is answered with.

    MockError
    ├── InvalidRequest        400 invalid_request_error
    ├── Unauthenticated       401 authentication_error
    ├── PaymentRequired       402 payment_required
    ├── Forbidden             403 permission_error
    ├── NotFound              404 not_found_error
    ├── TooLarge              413 invalid_request_error
    ├── Rejected              422 invalid_request_error (moderation; nothing charged)
    ├── RateLimited           429 rate_limit_error (+ Retry-After)
    ├── ServerError           500 server_error
    ├── StorageFull           503 storage_error (the mock's own storage; not a fault injected)
    └── BadGateway            502 bad_gateway

The HTTP layer has one handler that turns any of them into `{"error": {"code", "message", "type"}}`.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AUTHENTICATION_FAILED",
    "STORAGE_FULL",
    "BadGateway",
    "Forbidden",
    "InvalidRequest",
    "MockError",
    "NotFound",
    "PaymentRequired",
    "RateLimited",
    "Rejected",
    "ServerError",
    "StorageFull",
    "TooLarge",
    "Unauthenticated",
]

AUTHENTICATION_FAILED = "Authentication failed, please check your API key"
"""One message for a missing, empty, malformed or unknown key (docs/decisions.md: 401 wording)."""


class MockError(Exception):
    """An error the mock answers with its status and the APIMart error envelope."""

    status: ClassVar[int] = 400
    error_type: ClassVar[str] = "invalid_request_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(MockError):
    """Raised for a malformed request or an action the parent task does not allow."""


class Unauthenticated(MockError):
    """Raised when the Authorization header is missing, malformed or not an allowed key."""

    status = 401
    error_type = "authentication_error"

    def __init__(self, message: str = AUTHENTICATION_FAILED) -> None:
        super().__init__(message)


class PaymentRequired(MockError):
    """Raised when the account cannot pay for a submit."""

    status = 402
    error_type = "payment_required"


class Forbidden(MockError):
    """Raised when a task belongs to another account; the message names nothing of the task."""

    status = 403
    error_type = "permission_error"


class NotFound(MockError):
    """Raised for a task that never existed or is older than the retention period, or an unknown route."""

    status = 404
    error_type = "not_found_error"


class TooLarge(MockError):
    """Raised for a request (an uploaded file) larger than the service takes."""

    status = 413


class Rejected(MockError):
    """Raised when moderation rejects a submit; nothing is created or charged."""

    status = 422


class RateLimited(MockError):
    """Raised when an account sends too many requests; `retry_after` is whole seconds."""

    status = 429
    error_type = "rate_limit_error"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(MockError):
    """An injected internal error."""

    status = 500
    error_type = "server_error"


STORAGE_FULL = "The mock's storage is full (its disk, or Redis's memory): nothing changed; try again later"


class StorageFull(MockError):
    """Raised when the mock cannot keep what a request asks it to: its disk (or Redis's memory) is full,
    or the room all uploads share is. 503 (openapi.yaml documents it on every operation: retry later),
    typed `storage_error`, so a team tells it from an injected `server_error` (500)."""

    status = 503
    error_type = "storage_error"

    def __init__(self, message: str = STORAGE_FULL) -> None:
        super().__init__(message)


class BadGateway(MockError):
    """An injected upstream failure."""

    status = 502
    error_type = "bad_gateway"
