"""The operations table (`apimart_mj.OPERATIONS`) and `openapi.yaml` describe the same operations.

Both ways: every operation of the spec has a row, and every route of a row is an operation of the spec
with the same operation id, tag and request schema. Everything that reads the table (the client's
helpers and CLI, the mock's routing, the suite's lifecycle) therefore reaches every operation.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from apimart_mj_client import models

import apimart
from apimart_mj import (
    OPERATIONS,
    CustomId,
    Kind,
    Operation,
    Parent,
    Result,
    Selector,
    by_action,
    by_name,
    submits,
)
from apimart_mj._operations import keyed
from apimart_mock.http.spec import load_spec

SPEC = load_spec()


def spec_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
    }


def table_routes() -> dict[tuple[str, str], tuple[Any, Any]]:
    return {(route.method, route.path): (op, route) for op in OPERATIONS for route in op.routes}


def test_every_spec_operation_has_a_row() -> None:
    missing = sorted(set(spec_operations()) - set(table_routes()))
    assert missing == [], f"spec operations without a row in apimart_mj.OPERATIONS: {missing}"


def test_every_row_is_a_spec_operation() -> None:
    extra = sorted(set(table_routes()) - set(spec_operations()))
    assert extra == [], f"rows of apimart_mj.OPERATIONS that openapi.yaml does not have: {extra}"


@pytest.mark.parametrize("key", sorted(table_routes()), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_route_agrees_with_its_spec_operation(key: tuple[str, str]) -> None:
    operation, route = table_routes()[key]
    spec = spec_operations()[key]
    assert route.operation_id == spec["operationId"]
    assert operation.tag == spec["tags"][0]
    assert operation.request == _request_schema(spec)


def _request_schema(operation: dict[str, Any]) -> str | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    if "$ref" in body:
        body = SPEC["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    (media,) = body["content"].values()
    ref: str = media["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_names_and_actions_are_unique_and_known() -> None:
    names = [op.name for op in OPERATIONS]
    assert len(names) == len(set(names))
    actions = [op.action for op in OPERATIONS if op.action]
    assert len(actions) == len(set(actions))
    assert set(actions) <= set(SPEC["components"]["schemas"]["TaskAction"]["enum"])
    assert all(by_action(str(op.action)) is op and by_name(op.name) is op for op in submits())


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_the_generated_client_has_each_operation(operation: Any) -> None:
    module = importlib.import_module(operation.module)
    assert callable(module.sync_detailed)
    if operation.request is not None:
        assert hasattr(models, operation.request)


@pytest.mark.parametrize("operation", list(submits()), ids=lambda op: op.name)
def test_each_submit_has_a_client_helper_and_its_twin(operation: Any) -> None:
    for client in (apimart.Client, apimart.AsyncClient):
        assert callable(getattr(client, operation.name))
        assert callable(getattr(client, f"{operation.name}_and_wait"))


def test_submits_say_what_they_act_on_and_give() -> None:
    for op in submits():
        assert op.result is not None and op.action is not None, op.name
        if op.parent is Parent.BUTTON:
            assert Selector.CUSTOM_ID in op.selects and op.acts_on, op.name
        if op.parent is Parent.NONE:
            assert not op.acts_on and not op.selects, op.name
    assert all(op.kind in (Kind.VIEW, Kind.ACCOUNT) for op in OPERATIONS if op.route.method == "GET")
    assert {op.result for op in submits()} <= set(Result)


HASH = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"


@pytest.mark.parametrize(
    "operation", [op for op in OPERATIONS if op.button is not None], ids=lambda op: op.name
)
def test_each_button_a_row_shows_presses_that_row(operation: Operation) -> None:
    """Every button of a row's faces is a valid customId whose press creates a task of that row."""
    assert operation.button is not None
    for face in operation.button.faces:
        for custom_id, label in face.expand(HASH):
            assert CustomId.parse(custom_id).action == operation.action, (custom_id, label)
            assert str(CustomId.parse(custom_id)) == custom_id


def test_auto_matching_follow_ups_have_a_button_rule() -> None:
    """A follow-up that presses a button says how auto-matching picks it; nothing else does."""
    for op in submits():
        matches = op.button is not None and op.button.match is not None
        assert matches == (op.parent is Parent.BUTTON), op.name


def test_a_key_claimed_twice_is_refused() -> None:
    upscale, variation = by_name("upscale"), by_name("variation")
    with pytest.raises(ValueError, match="'upsample' is claimed by both upscale and variation"):
        keyed(
            [("upsample", upscale), ("variation", variation), ("upsample", variation)], "customId operation"
        )
    assert dict(keyed([("a", upscale), ("b", variation)], "name")) == {"a": upscale, "b": variation}
