"""The contract, loaded once: JSON Schemas of its components, its operations, and response validation.

Everything the suite knows about the API's shape comes from here, so a change to `openapi.yaml` changes
the suite without touching a test. Validation is openapi-core's, against the operation the spec names
for a request's method and path.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from apimart_mj import SPEC_PATH

from .registry import SCHEMA
from .violations import ContractViolation, Violation, json_path

__all__ = [
    "SPEC_PATH",
    "Operation",
    "check_response",
    "component_schema",
    "enum_of",
    "example_body",
    "load_spec",
    "operation_for",
    "operations",
    "request_properties",
]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: `POST /v1/midjourney/generations/upscale` (operationId `upscale`)."""

    method: str
    path: str
    operation_id: str
    request_schema: str | None
    """Component name of the JSON request body, or None."""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def spends(self) -> bool:
        """A POST creates (or completes) a billed task; GETs and uploads (no task) are free."""
        return self.method == "POST" and self.operation_id != "uploadImage"

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and _pattern(self.path).fullmatch(path) is not None


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """`/v1/tasks/{task_id}` as a regular expression of the paths it names."""
    return re.compile(re.sub(r"\\{[^}]+\\}", r"[^/]+", re.escape(template)))


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (shared, do not mutate); by libyaml's safe loader where PyYAML has it (every run of
    `apimart-contract` reads it: 13 ms of CPU instead of 106 ms, the same document)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=loader)
    return spec


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation, literal paths before templated ones (so `/generations` never reads as an id)."""
    spec = load_spec()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            found.append(
                Operation(method.upper(), path, operation["operationId"], _request_schema(spec, operation))
            )
    return tuple(sorted(found, key=lambda op: ("{" in op.path, op.path, op.method)))


@lru_cache(4096)
def operation_for(method: str, path: str) -> Operation | None:
    """The spec's operation `method path` is a request of (kept for the paths seen last: polled ones)."""
    return next((op for op in operations() if op.matches(method, path)), None)


@cache
def _components() -> dict[str, Any]:
    return {"schemas": load_spec()["components"]["schemas"]}


def component_schema(name: str) -> dict[str, Any]:
    """A self-contained JSON Schema for `#/components/schemas/<name>` (its `$ref`s resolve inside it)."""
    return {"$ref": f"#/components/schemas/{name}", "components": copy.deepcopy(_components())}


def example_body(name: str) -> dict[str, Any]:
    """A copy of the spec's own example of `#/components/schemas/<name>` (a request the API takes)."""
    example: dict[str, Any] = copy.deepcopy(load_spec()["components"]["schemas"][name]["example"])
    return example


def request_properties(name: str) -> dict[str, Any]:
    """The properties a request schema names, its `allOf` parts' included, each `$ref` resolved."""
    schemas = load_spec()["components"]["schemas"]
    schema = schemas[name]
    found = {
        key: schemas[value["$ref"].rsplit("/", 1)[1]] if "$ref" in value else value
        for key, value in schema.get("properties", {}).items()
    }
    for part in schema.get("allOf", []):
        found.update(
            request_properties(part["$ref"].rsplit("/", 1)[1])
            if "$ref" in part
            else part.get("properties", {})
        )
    return found


@cache
def enum_of(name: str) -> frozenset[str]:
    """The values `#/components/schemas/<name>` lists."""
    return frozenset(load_spec()["components"]["schemas"][name]["enum"])


def _request_schema(spec: dict[str, Any], operation: dict[str, Any]) -> str | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    if "$ref" in body:
        body = spec["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    (media,) = body["content"].values()  # application/json, or multipart/form-data for an upload
    ref: str = media["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


@cache
def _openapi(base_url: str) -> OpenAPI:
    """openapi-core over the spec, with `servers` pointing at the target (the path is what is checked)."""
    spec = copy.deepcopy(load_spec())
    spec["servers"] = [{"url": base_url.rstrip("/")}]
    return OpenAPI.from_dict(spec)


def prepare(base_url: str) -> None:
    """Build the validator of responses from `base_url` now (it takes a second or two), not at the first
    response."""
    _openapi(str(httpx.URL(base_url).copy_with(path="/", query=None)).rstrip("/"))


@dataclass(frozen=True)
class _Answer:
    """What openapi-core's response validation reads of an exchange, and nothing else: the request's
    method and URL (which find the operation) and the answer's status, content type, the headers the spec
    declares (`_declared_headers`) and bytes. Its verdict is a function of these alone."""

    method: str
    host_url: str
    path: str
    status: int
    content_type: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@cache
def _declared_headers() -> frozenset[str]:
    """Every header name the spec's operations and responses declare (`Retry-After`, ...), lower-cased."""
    spec = load_spec()
    names: set[str] = set()
    found: list[Any] = [spec["paths"], spec.get("components", {}).get("responses", {})]
    while found:
        node = found.pop()
        if isinstance(node, dict):
            if isinstance(node.get("headers"), dict):
                names.update(name.lower() for name in node["headers"])
            found.extend(node.values())
        elif isinstance(node, list):
            found.extend(node)
    return frozenset(names)


class _Request:
    """An `_Answer`'s request, as openapi-core's request protocol."""

    def __init__(self, answer: _Answer) -> None:
        self.method = answer.method.lower()
        self.host_url = answer.host_url
        self.path = answer.path
        self.body = None
        self.content_type = "application/json"
        self.parameters = RequestParameters(query=ImmutableMultiDict(), header=Headers())


class _Response:
    """An `_Answer`, as openapi-core's response protocol."""

    def __init__(self, answer: _Answer) -> None:
        self.status_code = answer.status
        self.data = answer.body
        self.content_type = answer.content_type
        self.headers = Headers(dict(answer.headers))


VERDICTS = 1024
"""Answers whose verdict is kept (`_kept_verdict`): a finished task's polls repeat byte for byte."""
_KEPT_BODY = 64 << 10
"""An answer larger than this is judged every time rather than kept."""


def _verdict(answer: _Answer) -> tuple[str, str, str] | None:
    """What the spec says of `answer`: None when it conforms, else the first break as (field, expected,
    received)."""
    try:
        _openapi(answer.host_url).validate_response(_Request(answer), _Response(answer))
    except Exception as exc:  # openapi-core raises a family of unrelated exception types
        schema_errors = getattr(exc.__cause__, "schema_errors", None)
        if schema_errors:
            first = schema_errors[0]
            return (
                json_path(first.absolute_path),
                f"{first.validator} {json.dumps(first.validator_value, ensure_ascii=False)[:120]}",
                f"{json.dumps(first.instance, ensure_ascii=False)[:120]} ({first.message[:160]})",
            )
        return "(response)", "a response documented for this operation", str(exc)[:240]
    return None


_kept_verdict = lru_cache(maxsize=VERDICTS)(_verdict)


def check_response(response: httpx.Response, *, target: str, reproducer: str) -> None:
    """Raise `ContractViolation` unless `response` is one the spec allows for its request."""
    request = response.request
    operation = operation_for(request.method, request.url.path)
    label = operation.label if operation else f"{request.method} {request.url.path}"

    def violation(field: str, expected: str, received: str) -> ContractViolation:
        return ContractViolation(
            Violation(SCHEMA.name, label, response.status_code, field, expected, received, reproducer, target)
        )

    if operation is None:
        raise violation("(path)", "an operation of openapi.yaml", f"{request.method} {request.url.path}")
    answer = _Answer(
        request.method,
        f"{request.url.scheme}://{request.url.netloc.decode()}",
        request.url.path,
        response.status_code,
        response.headers.get("content-type", ""),
        tuple((name, value) for name, value in response.headers.items() if name in _declared_headers()),
        response.content,
    )
    found = (_kept_verdict if len(answer.body) <= _KEPT_BODY else _verdict)(answer)
    if found is not None:
        raise violation(*found)
