"""Request checks against the spec's own schemas: JSON bodies, task ids and query values.

Validators are built once per app from `openapi.yaml` (JSON Schema 2020-12, as OpenAPI 3.1 uses), so
the mock accepts exactly what the contract allows. Only POST bodies go through jsonschema; a GET checks
its path id with one precompiled regex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.errors import InvalidRequest
from .spec import load_spec

__all__ = [
    "BODY_KEY",
    "BodyValidators",
    "check_language",
    "check_task_id",
    "read_body",
    "read_json_object",
    "readable",
]

T = TypeVar("T")
_SPEC_URI = "urn:apimart:openapi"
TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""The spec's TaskIdValue: an id outside it is a 400 and never looked up."""
_LANGUAGES = ("zh", "en", "ko", "ja")
_MESSAGE_LIMIT = 200
BODY_KEY = "apimart_mock.body"
"""Where `read_body` leaves the body it read, for the journal."""


def check_task_id(task_id: str) -> str:
    """A path id that the spec's TaskIdValue allows; anything else is 400 (never looked up)."""
    if TASK_ID.fullmatch(task_id) is None:
        raise InvalidRequest("Invalid task ID")
    return task_id


def check_language(values: list[str]) -> None:
    """400 unless the `language` query values are none, or one the spec names."""
    if len(values) > 1 or (values and values[0] not in _LANGUAGES):
        raise InvalidRequest(f"language must be one of {', '.join(_LANGUAGES)}")


def read_body(request: Request) -> bytes:
    """The raw request body (kept for the journal); 400 when it cannot be read."""
    data = readable(lambda: request.get_data(cache=False))
    request.environ[BODY_KEY] = data
    return data


def readable(read: Callable[[], T]) -> T:
    """`read()` of the request body; 400 when the body cannot be read, such as a chunked body whose
    framing is broken (each WSGI server raises its own error type for that, so any error of the read
    counts; 413 above the body size limit stays Werkzeug's)."""
    try:
        return read()
    except RequestEntityTooLarge:
        raise
    except Exception:
        raise InvalidRequest("Request body could not be read (broken chunked encoding?)") from None


def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 for another content type, bad JSON or a non-object."""
    if request.mimetype != "application/json":
        raise InvalidRequest("Content-Type must be application/json")
    data = read_body(request)
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidRequest("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest("Request body must be a JSON object")
    try:  # JSON may escape a lone surrogate (`"\ud800"`): no valid Unicode text, nothing to store
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise InvalidRequest("Request body is not valid Unicode (a lone surrogate)") from None
    return body


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class BodyValidators:
    """One jsonschema validator per request schema of the spec.

    The spec's request schemas accept fields they do not name, as the service does; with
    `reject_unknown_fields` (the server option `--reject-unknown-fields`) such a field is a 400.
    """

    def __init__(self, *, reject_unknown_fields: bool = False) -> None:
        registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(load_spec(), default_specification=DRAFT202012)
        )
        self._registry = registry
        self._validators: dict[str, Draft202012Validator] = {}
        self._reject_unknown = reject_unknown_fields

    def check(self, schema: str, body: dict[str, Any], operation: str) -> dict[str, Any]:
        """`body` if it matches `components/schemas/<schema>`, else 400 saying what is wrong."""
        validator = self._validators.get(schema)
        if validator is None:
            reference = {"$ref": f"{_SPEC_URI}#/components/schemas/{schema}"}
            validator = Draft202012Validator(reference, registry=self._registry)
            self._validators[schema] = validator
        error = best_match(validator.iter_errors(body))
        declared = load_spec()["components"]["schemas"][schema]
        if error is not None:
            raise InvalidRequest(_describe(error, declared, operation))
        if self._reject_unknown:
            unknown = sorted(set(body) - _property_names(declared))
            if unknown:
                raise InvalidRequest(f"unknown field: {', '.join(unknown)}"[:_MESSAGE_LIMIT])
        return body


def _describe(error: ValidationError, declared: dict[str, Any], operation: str) -> str:
    # A rule the spec words itself (`x-message` on the part of the schema that failed) says it best.
    message = _spec_message(error, declared)
    if message is not None:
        return message
    # At the top level the instance is the body (a dict) and the schema an object schema.
    instance = cast(dict[str, Any], error.instance)
    if error.validator == "required" and not error.path:
        required = cast(list[str], error.validator_value)
        missing = next((name for name in required if name not in instance), "a field")
        if list(error.schema_path) == ["then", "required"]:  # if: not: required: [custom_id]; then: ...
            alternative = " or ".join(declared["if"]["not"]["required"])
            return f"{missing} or {alternative} is required for {operation}"
        return f"{missing} is required for {operation}"
    if error.validator in ("minItems", "maxItems") and len(error.path) == 1:
        schema = cast(dict[str, Any], error.schema)
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        count = f"{low} to {high}" if high is not None else f"at least {low}"
        return f"{error.path[0]} must hold {count} items for {operation}"
    where = ".".join(str(part) for part in error.path) or "body"
    return f"invalid {where}: {error.message}"[:_MESSAGE_LIMIT]


def _property_names(schema: dict[str, Any]) -> set[str]:
    """The properties a schema names, its `allOf` parts' included (a part may be a `$ref`)."""
    if "$ref" in schema:
        schema = load_spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= _property_names(part)
    return names


def _spec_message(error: ValidationError, declared: dict[str, Any]) -> str | None:
    """The `x-message` of the innermost part of `declared` on the failing error's path, if any."""
    node: Any = declared
    found = node.get("x-message")
    for part in error.schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "x-message" in node:
            found = node["x-message"]
    return found if isinstance(found, str) else None
