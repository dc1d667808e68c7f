"""The typed face of the client: submit helpers typed from `openapi.yaml`, results without `Unset`.

Each submit helper of the operations table takes its request schema's fields as typed parameters: a
`Literal` equal to the spec's `enum`, `str` where the spec has a free string (`version`). The tests read
the spec (`apimart_mj.SPEC_PATH`) and the helpers' signatures, so neither can drift from the other.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, Unpack, get_args, get_origin, get_type_hints

import attrs
import httpx
import pytest
import yaml
from apimart_mj_client import models
from client_helpers import mj_task

import apimart
from apimart import _models
from apimart._actions import ActionsMixin
from apimart._types import WaitOptions
from apimart_mj import SPEC_PATH, by_name, submits

SPEC = yaml.safe_load(SPEC_PATH.read_text())
SCHEMAS = SPEC["components"]["schemas"]
SCALARS = {"string": str, "integer": int, "number": float, "boolean": bool}
PARAMETER_FIELDS = {"task": "task_id", "button": "custom_id", "image_url": "image_urls"}
"""A helper parameter that stands for a body field under another name (`task` is sent as `task_id`)."""
CALL_OPTIONS = {"extra_headers"}
"""Keyword arguments of every helper that are not body fields."""


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    return SCHEMAS[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def body_fields(schema_name: str) -> dict[str, dict[str, Any]]:
    """The properties of a request schema, its `allOf` parts included, each `$ref` followed."""
    schema = SCHEMAS[schema_name]
    fields = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            fields |= body_fields(part["$ref"].rsplit("/", 1)[1])
        fields |= part.get("properties", {})
    return {name: resolved(prop) for name, prop in fields.items()}


def expected_hint(prop: dict[str, Any]) -> Any:
    """What a helper's parameter for a property of this schema must be typed."""
    if "enum" in prop:
        return Literal[tuple(prop["enum"])]
    if prop.get("type") == "array":
        return Sequence[SCALARS[resolved(prop["items"])["type"]]]
    if prop.get("type") == "object":
        return Mapping[str, Any]
    return SCALARS[prop["type"]]


def without_none(hint: Any) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        kept = [arg for arg in get_args(hint) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else Union[tuple(kept)]  # noqa: UP007 (built from a tuple)
    return hint


def helper_parameters(method: str) -> dict[str, Any]:
    """The typed parameters of a submit helper: its own, and the keys of its `**fields` TypedDict."""
    hints = get_type_hints(getattr(ActionsMixin, method), include_extras=True)
    params = dict(inspect.signature(getattr(ActionsMixin, method)).parameters)
    typed: dict[str, Any] = {}
    for name, param in params.items():
        if name == "self":
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            assert get_origin(hints[name]) is Unpack, f"{method}: **{name} is not typed"
            typed |= get_type_hints(get_args(hints[name])[0])
        else:
            typed[name] = hints[name]
    return typed


def never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.method} {request.url}")


SUBMITS = [operation.name for operation in submits()]


@pytest.mark.parametrize("name", SUBMITS)
def test_every_helper_takes_its_request_fields_typed_as_the_spec_says(name: str) -> None:
    fields = body_fields(str(by_name(name).request))
    params = helper_parameters(name)
    sent = {PARAMETER_FIELDS.get(param, param): hint for param, hint in params.items()}
    assert set(sent) - CALL_OPTIONS == set(fields), f"{name}: parameters differ from the spec's fields"
    for param, hint in params.items():
        if param in PARAMETER_FIELDS or param in CALL_OPTIONS:
            continue  # a task, a button, one image: their own types, checked by the calls
        assert without_none(hint) == expected_hint(fields[param]), f"{name}({param}=...)"


@pytest.mark.parametrize("name", SUBMITS)
def test_every_and_wait_helper_takes_the_same_fields_and_the_wait_options(name: str) -> None:
    waits = helper_parameters(f"{name}_and_wait")
    assert waits == helper_parameters(name) | get_type_hints(WaitOptions)


def test_every_enum_of_a_request_is_a_literal_of_the_client() -> None:
    """The other direction: no enum of a request body is left a plain `str`."""
    enums = {
        (name, field)
        for name in SUBMITS
        for field, prop in body_fields(str(by_name(name).request)).items()
        if "enum" in prop
    }
    typed = {
        (name, PARAMETER_FIELDS.get(param, param))
        for name in SUBMITS
        for param, hint in helper_parameters(name).items()
        if get_origin(without_none(hint)) is Literal
    }
    assert typed == enums
    assert {"speed", "direction", "dimensions", "video_type", "animate_mode", "motion"} == {
        field for _, field in enums
    }


def test_the_language_of_the_unified_view_is_the_spec_enum() -> None:
    hint = get_type_hints(apimart.Client.get_task)["language"]
    assert without_none(hint) == Literal[tuple(SCHEMAS["Language"]["enum"])]


def test_the_exported_literals_are_the_spec_enums() -> None:
    assert get_args(apimart.Speed) == tuple(SCHEMAS["Speed"]["enum"])
    assert get_args(apimart.Direction) == tuple(SCHEMAS["Direction"]["enum"])
    assert get_args(apimart.Dimensions) == tuple(SCHEMAS["Dimensions"]["enum"])
    assert get_args(apimart.Language) == tuple(SCHEMAS["Language"]["enum"])
    video = SCHEMAS["VideoRequest"]["properties"]
    assert get_args(apimart.VideoType) == tuple(video["video_type"]["enum"])
    assert get_args(apimart.AnimateMode) == tuple(video["animate_mode"]["enum"])
    assert get_args(apimart.Motion) == tuple(video["motion"]["enum"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"version": 7}, "version must be a string, got 7"),
        ({"speed": "slow"}, "speed must be one of fast, relax, turbo, got 'slow'"),
        ({"seed": "1234"}, "seed must be an integer, got '1234'"),
        ({"tile": 1}, "tile must be true or false, got 1"),
        ({"iw": True}, "iw must be a number, got True"),
    ],
)
def test_a_wrong_type_is_refused_before_sending_also_without_mypy(
    fields: dict[str, Any], message: str
) -> None:
    client = apimart.Client(api_key="sk-test", transport=httpx.MockTransport(never_sent))
    with pytest.raises(apimart.InvalidArgumentError) as caught:
        client.imagine("a cat", **fields)
    assert str(caught.value) == message


# ---- results ------------------------------------------------------------------------------------------

PUBLIC = [cls for cls in vars(_models).values() if isinstance(cls, type) and issubclass(cls, _models._Model)]


@pytest.mark.parametrize(
    "cls", [cls for cls in PUBLIC if cls is not _models._Model], ids=lambda c: c.__name__
)
def test_every_result_class_mirrors_its_generated_model_without_unset(cls: type[Any]) -> None:
    generated = [field.name for field in attrs.fields(cls.generated) if field.name != "additional_properties"]
    assert cls._names() == generated
    for name, hint in get_type_hints(cls).items():
        assert "Unset" not in str(hint), f"{cls.__name__}.{name}: {hint}"
    assert getattr(apimart, cls.__name__) is cls


def test_absent_fields_are_none_or_empty_and_no_repr_shows_unset() -> None:
    sparse = apimart.MidjourneyTask.from_dict({"id": "task_1", "status": "SUBMITTED"})
    assert sparse.image_urls == [] and sparse.buttons == [] and sparse.video_urls == []
    assert sparse.prompt is None and sparse.progress is None and sparse.fail_reason is None
    assert "Unset" not in repr(sparse)
    assert sparse.to_dict() == {"id": "task_1", "status": "SUBMITTED"}
    unified = apimart.UnifiedTask.from_dict({"id": "task_1", "status": "completed", "result": {}})
    assert unified.result is not None and unified.result.images == [] and unified.error is None
    assert "Unset" not in repr(unified)


def test_a_task_keeps_the_names_that_worked_and_its_wire_form() -> None:
    body = mj_task(image_urls=["https://cdn.example/0.png"], extra_field="kept")
    grid = apimart.MidjourneyTask.from_dict(body)
    assert grid.buttons[0].custom_id == body["buttons"][0]["customId"]
    assert grid.image_urls[0] == body["image_urls"][0]
    assert grid.status == "SUCCESS" and type(grid.status) is str  # an enum member no longer
    assert grid.additional_properties == {"extra_field": "kept"}
    assert grid.to_dict() == body
    assert dataclasses.replace(grid, buttons=[]).to_dict()["buttons"] == []  # present: sent as []


def test_results_come_back_as_the_public_classes() -> None:
    assert models.MidjourneyTask is not apimart.MidjourneyTask
    task = apimart.MidjourneyTask.from_generated(models.MidjourneyTask.from_dict(mj_task()))
    assert isinstance(task, apimart.MidjourneyTask) and isinstance(task.buttons[0], apimart.Button)
