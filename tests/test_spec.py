"""openapi.yaml is a valid OpenAPI 3.1 document and every example in it obeys its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from apimart_mj import OPERATIONS, Kind, Operation, Parent, Result, Selector, submits
from apimart_mock.http.spec import load_spec

SPEC_URI = "urn:apimart:openapi"


def test_spec_is_valid_openapi_3_1() -> None:
    spec = load_spec()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def _examples(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """(JSON pointer of a schema, its example) for every schema in the document that has one."""
    if isinstance(node, dict):
        if "example" in node and _is_schema_pointer(pointer):
            yield pointer, node["example"]
        for key, value in node.items():
            yield from _examples(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from _examples(value, f"{pointer}/{position}")


def _is_schema_pointer(pointer: str) -> bool:
    return "/schema" in pointer or pointer.startswith("/components/schemas/")


def _media_examples(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(pointer of the media type's schema, example) for response examples outside schemas."""
    for name, response in spec["components"]["responses"].items():
        for media_type, media in response.get("content", {}).items():
            if "example" in media:
                yield (
                    f"/components/responses/{name}/content/{media_type.replace('/', '~1')}/schema",
                    media["example"],
                )


def _all_examples() -> list[tuple[str, Any]]:
    spec = load_spec()
    return [*_examples(spec), *_media_examples(spec)]


@pytest.mark.parametrize(
    ("pointer", "example"), _all_examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_example_validates_against_its_schema(pointer: str, example: Any) -> None:
    spec = load_spec()
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry)
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(example)]
    assert not errors, errors


def test_every_component_schema_has_an_example() -> None:
    """Except a file upload's body: YAML cannot hold the bytes of an image, and a placeholder string would
    be sent as the file by tools that use examples (schemathesis's examples phase)."""
    schemas = load_spec()["components"]["schemas"]
    assert [name for name, schema in schemas.items() if "example" not in schema] == ["UploadImageRequest"]


def test_examples_are_found() -> None:
    """Guard the walker above: if it stopped finding examples, the validation test would pass vacuously."""
    pointers = [pointer for pointer, _ in _all_examples()]
    assert "/components/schemas/MidjourneyTask" in pointers
    assert "/components/responses/NotFound/content/application~1json/schema" in pointers
    assert len(pointers) > 80


ERRORS = {
    Kind.VIEW: {"200", "400", "401", "403", "404", "429", "500", "502", "503"},
    Kind.SUBMIT: {"200", "400", "401", "402", "403", "404", "413", "422", "429", "500", "502", "503"},
    Kind.ACCOUNT: {"200", "401", "403", "429", "500", "502", "503"},
    Kind.UPLOAD: {"200", "400", "401", "403", "413", "429", "500", "502", "503"},
}
"""What each kind of operation can answer: the docs' tabs, 404 of retention, 502 of proxies, 403 of a
`Host` the mock does not serve and 503 of a service that cannot take a request now (the mock's full
storage), both on every operation."""


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_every_operation_documents_every_status_the_service_returns(operation: Operation) -> None:
    for route in operation.routes:
        codes = set(load_spec()["paths"][route.path][route.method.lower()]["responses"])
        assert ERRORS[operation.kind] <= codes, (route.path, sorted(ERRORS[operation.kind] - codes))


RESPONSE_OF = {
    Result.GRID: "SubmittedGrid",
    Result.SINGLE: "SubmittedSingle",
    Result.MODAL: "SubmittedModal",
    Result.TEXT: "SubmittedFinal",
    Result.VIDEO: "SubmittedFinal",
}
"""The 200 response of a submit, by the result the operations table says it gives."""
LINKED = "$response.body#/data/0/task_id"


@pytest.mark.parametrize("operation", list(submits()), ids=lambda op: op.name)
def test_each_submit_answers_with_the_response_of_its_result(operation: Operation) -> None:
    for route in operation.routes:
        ok = load_spec()["paths"][route.path][route.method.lower()]["responses"]["200"]
        assert ok == {"$ref": f"#/components/responses/{RESPONSE_OF[Result(str(operation.result))]}"}


@pytest.mark.parametrize("result", list(RESPONSE_OF), ids=str)
def test_each_result_links_to_every_operation_that_acts_on_it(result: Result) -> None:
    """So that a stateful run (schemathesis follows links) reaches every operation; the Modal link only
    after an inpaint."""
    links = load_spec()["components"]["responses"][RESPONSE_OF[result]]["links"]
    followers = {op.route.operation_id for op in submits() if result in op.acts_on}
    assert {link["operationId"] for link in links.values()} == {"getTask", "getMidjourneyTask", *followers}
    for link in links.values():
        assert LINKED in (
            link.get("parameters", {}).get("task_id"),
            link.get("requestBody", {}).get("task_id"),
        )


@pytest.mark.parametrize(
    "operation",
    [
        op
        for op in submits()
        if op.parent is Parent.BUTTON and op.selects & {Selector.INDEX, Selector.DIRECTION}
    ],
    ids=lambda op: op.name,
)
def test_index_or_direction_is_required_unless_custom_id_is_sent(operation: Operation) -> None:
    """What the mock enforces, stated as JSON Schema so that generators and schemathesis see it."""
    schema = load_spec()["components"]["schemas"][str(operation.request)]
    (selector,) = operation.selects & {Selector.INDEX, Selector.DIRECTION}
    assert schema["if"] == {"not": {"required": ["custom_id"]}}
    assert schema["then"] == {"required": [str(selector)]}


def test_upstream_enums_stay_open() -> None:
    schemas = load_spec()["components"]["schemas"]
    for name in ("MidjourneyTaskStatusValue", "UnifiedTaskStatusValue", "TaskActionValue"):
        branches = schemas[name]["anyOf"]
        assert {"type": "string"} in branches, name
        assert any("$ref" in branch for branch in branches), name
