"""Turn HTTP responses and transport failures into models or typed errors: the one boundary.

The generated client crashes on what the real service sometimes sends (`ValueError` on a 520,
`JSONDecodeError` on an HTML error page, `KeyError` on a missing field) and returns error bodies instead
of raising. Both clients hand every response to `decode`, which raises an `APIStatusError` subclass for
a non-2xx status and a `ResponseValidationError` for a 2xx body that is not what `openapi.yaml` says,
and otherwise returns the public model (`_models`: `None` for absent fields) of what the generated model
parsed. `connection_error` does the same for `httpx` exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from apimart_mj_client import models

from apimart_mj import parse_progress

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    BalanceUnavailableError,
    ResponseValidationError,
    make_status_error,
    reveals_key,
)
from ._models import (
    BalanceResponse,
    ErrorResponse,
    MidjourneyTask,
    SubmittedTask,
    UnifiedTask,
    UploadResponse,
)
from ._retry import parse_retry_after

__all__ = [
    "connection_error",
    "decode",
    "decode_balance",
    "parse_mj_task",
    "parse_submitted",
    "parse_unified_task",
    "parse_upload",
]

T = TypeVar("T")


class _Malformed(Exception):
    """A body that parsed as JSON but does not fit the schema; becomes a `ResponseValidationError`."""


def decode(response: httpx.Response, parse: Callable[[Any], T]) -> T:
    """`parse(json body)` of a 2xx `response`; any other status or a body that does not fit raises."""
    if not response.is_success:
        raise make_status_error(
            response, _error_envelope(response), retry_after=parse_retry_after(response.headers)
        )
    try:
        payload = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        content_type = response.headers.get("content-type", "no content type")
        raise ResponseValidationError(f"body is not JSON ({content_type})", response=response) from None
    except RecursionError:  # `[[[[...` nested deeper than Python's stack
        raise ResponseValidationError("body is JSON nested too deeply", response=response) from None
    try:
        return parse(payload)
    except KeyError as exc:
        raise ResponseValidationError(f"missing required field {exc}", response=response) from None
    except RecursionError:
        raise ResponseValidationError("body is JSON nested too deeply", response=response) from None
    except (_Malformed, TypeError, ValueError, AttributeError) as exc:
        raise ResponseValidationError(str(exc) or type(exc).__name__, response=response) from None


def parse_mj_task(payload: Any) -> MidjourneyTask:
    """The bare task object of `GET /v1/midjourney/{id}`."""
    task = MidjourneyTask.from_dict(_object(payload, "task"))
    _check_task(task.id, task.status)
    if task.progress is not None:
        parse_progress(task.progress)  # "266%" raises InvalidProgress, a ValueError
    return task


def parse_unified_task(payload: Any) -> UnifiedTask:
    """The `data` of the `{code, data}` envelope of `GET /v1/tasks/{id}`."""
    task = UnifiedTask.from_generated(models.TaskEnvelope.from_dict(_object(payload, "envelope")).data)
    _check_task(task.id, task.status)
    if task.progress is not None:
        parse_progress(task.progress)
    return task


def parse_submitted(payload: Any) -> SubmittedTask:
    """The one task of a submit's `{code: 200, data: [{status, task_id}]}`."""
    answer = models.SubmitResponse.from_dict(_object(payload, "submit response"))
    if not answer.data:
        raise _Malformed("the submit response names no task")
    submitted = SubmittedTask.from_generated(answer.data[0])
    if not isinstance(submitted.task_id, str) or not submitted.task_id:
        raise _Malformed(f"task_id must be a non-empty string, got {submitted.task_id!r}")
    return submitted


def parse_upload(payload: Any) -> UploadResponse:
    """The answer of an upload: where the file is served."""
    upload = UploadResponse.from_dict(_object(payload, "upload response"))
    if not isinstance(upload.url, str) or not upload.url:
        raise _Malformed(f"url must be a non-empty string, got {upload.url!r}")
    return upload


def decode_balance(response: httpx.Response) -> BalanceResponse:
    """A balance; `BalanceUnavailableError` when the service says `success: false` (with HTTP 200)."""
    balance = decode(response, _parse_balance)
    if not balance.success:
        reason = balance.message if isinstance(balance.message, str) else "no reason given"
        raise BalanceUnavailableError(reason, response=response)
    return balance


def _parse_balance(payload: Any) -> BalanceResponse:
    balance = BalanceResponse.from_dict(_object(payload, "balance"))
    if not isinstance(balance.success, bool):
        raise _Malformed(f"success must be true or false, got {balance.success!r}")
    return balance


def connection_error(exc: Exception, request: httpx.Request) -> APIConnectionError:
    """The typed error for a transport failure (an `httpx` one, or anything a transport raised) that
    left no response, raised from `exc`: its cause, unless `exc` quotes the API key (then neither its
    text nor its traceback goes further)."""
    where = f"{request.method} {request.url}"
    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        error = APITimeoutError(f"request timed out ({type(exc).__name__}): {where}", request=request)
    else:
        error = APIConnectionError(
            f"connection error ({type(exc).__name__}: {exc}): {where}", request=request
        )
    error.__cause__ = None if reveals_key(f"{exc} {exc!r}", request) else exc
    error.__suppress_context__ = True
    return error


def _object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise _Malformed(f"the {what} must be a JSON object, got {type(payload).__name__}")
    return payload


def _check_task(task_id: object, status: object) -> None:
    if not isinstance(task_id, str) or not task_id:
        raise _Malformed(f"task id must be a non-empty string, got {task_id!r}")
    if not isinstance(status, str):
        raise _Malformed(f"status must be a string, got {status!r}")


def _error_envelope(response: httpx.Response) -> ErrorResponse | None:
    """The `{"error": {...}}` body, or None when the body is anything else (an HTML page, empty)."""
    try:
        payload = response.json()
        envelope = ErrorResponse.from_dict(_object(payload, "error envelope"))
        if not isinstance(envelope.error.message, str):
            return None
        return envelope
    except (_Malformed, KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return None
