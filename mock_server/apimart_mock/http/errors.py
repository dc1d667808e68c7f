"""The one place where errors become responses: status plus `{"error": {"code", "message", "type"}}`.

Domain errors carry their status and type; Werkzeug's routing errors (unknown route, wrong method,
oversize body) get the same envelope; a store out of room is a 503 `storage_error`; anything else
unexpected is a 500 `server_error`, never an HTML page.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from ..backend.service import MockService
from ..domain.errors import MockError, RateLimited, ServerError
from .context import json_response, mock
from .views import error_body

__all__ = ["error_response", "init_app", "unexpected"]

_LOG = logging.getLogger("apimart_mock")
"""The app's logger (`Flask("apimart_mock").logger`), also where no app context is."""


def error_response(status: int, error_type: str, message: str) -> Response:
    return json_response(error_body(status, error_type, message), status)


def init_app(app: Flask) -> None:
    app.register_error_handler(MockError, _mock_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _mock_error(error: MockError) -> Response:
    response = error_response(error.status, error.error_type, error.message)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, NotFound):
        return error_response(404, "not_found_error", "Unknown route")
    if isinstance(error, RequestEntityTooLarge):
        return error_response(413, "invalid_request_error", "Request body too large")
    status = error.code or 400
    if isinstance(error, MethodNotAllowed):
        response = error_response(status, "invalid_request_error", "Method not allowed")
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response
    if status >= 500:
        return error_response(status, "server_error", "Internal server error, please try again later")
    return error_response(status, "invalid_request_error", error.description or "Invalid request")


def _unexpected(error: Exception) -> Response:
    return _mock_error(unexpected(mock().service, error))


def unexpected(service: MockService, error: Exception) -> MockError:
    """What to answer for an error no rule raised: 503 `storage_error` when the store is out of room,
    else 500 `server_error`; logged either way (the app's logger)."""
    full = service.storage_error(error)
    if full is not None:
        _LOG.warning("storage full: %s", error)
        return full
    _LOG.exception("unexpected error", exc_info=error)
    return ServerError("Internal server error, please try again later")
