"""Turn method arguments into HTTP requests: the pure half of every call, shared by both clients.

Which operation, its path and its body model come from the operations table (`apimart_mj.OPERATIONS`)
and the generated client (each operation's request builder and request model), so they follow
`openapi.yaml`; this module only checks what a caller passed. Nothing here touches the network.
"""

from __future__ import annotations

import enum
import importlib
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs
from apimart_mj_client import models
from apimart_mj_client.models import Language, UploadImageRequest
from apimart_mj_client.types import UNSET, File, Unset

from apimart_mj import CustomId, Kind, Operation, by_name, submits

from ._errors import InvalidArgumentError
from ._models import Button, MidjourneyTask, SubmittedTask, UnifiedTask
from ._types import ButtonRef, RequestSpec, TaskRef, Upload, View

__all__ = [
    "build_get",
    "build_read",
    "build_submit",
    "build_upload",
    "checked_headers",
    "checked_key",
    "custom_id_of",
    "json_text",
    "request_fields",
    "submit_operation",
    "task_id_of",
]


_SCALARS: dict[Any, tuple[type | tuple[type, ...], str]] = {
    str: (str, "a string"),
    int: (int, "an integer"),
    float: ((int, float), "a number"),
    bool: (bool, "true or false"),
}
"""What a value of each scalar field type may be (`version="7"`, not 7); a bool is no number here."""
_KEY_PROBLEMS = (
    ("a line break", re.compile(r"[\r\n]")),
    ("whitespace", re.compile(r"\s")),
    ("a control character", re.compile(r"[\x00-\x1f\x7f]")),
    ("a non-ASCII character", re.compile(r"[^\x00-\x7f]")),
)
"""What an API key may not hold, most likely first (a trailing newline of a file or a paste)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")


def task_id_of(task: TaskRef) -> str:
    """The id of `task`, whether it is an id or a task / submit answer the API returned."""
    task_id: object = None
    if isinstance(task, str):
        task_id = task
    elif isinstance(task, SubmittedTask):
        task_id = task.task_id
    elif isinstance(task, MidjourneyTask | UnifiedTask):
        task_id = task.id
    if not isinstance(task_id, str) or not task_id:
        raise InvalidArgumentError(f"expected a task or a task id, got {task!r}")
    return task_id


def checked_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """A call's `extra_headers`, refused before any request when httpx could not send them."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise InvalidArgumentError(f"extra_headers must be a mapping of names to values, got {headers!r}")
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidArgumentError(f"invalid header name {name!r}")
        if not isinstance(value, str) or not _HEADER_VALUE.fullmatch(value):
            raise InvalidArgumentError(f"header {name} must be printable ASCII text, got {value!r}")
    return dict(headers)


def checked_key(key: str, source: str) -> None:
    """Refuse an API key (from `source`: `api_key` or the variable) that no header can carry, naming the
    problem and never the key: sent, it would fail inside the transport with the key in the message."""
    for problem, pattern in _KEY_PROBLEMS:
        if pattern.search(key):
            raise InvalidArgumentError(f"{source} contains {problem}; check how the key was pasted or set")


def json_text(value: Any, *, indent: int | None = None) -> str:
    """`value` as JSON text that every encoding can write: non-ASCII kept as is, except lone surrogates
    (a Python string can hold one, UTF-8 cannot), written as their `\\uXXXX` escapes, which is how JSON
    spells them. NaN and infinities are refused: JSON has none."""
    separators = (",", ":") if indent is None else None
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent, separators=separators)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"cannot be sent as JSON: {exc}") from None
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def custom_id_of(button: ButtonRef) -> str:
    """The customId string of a button, a parsed `CustomId` or a string (sent as given)."""
    if isinstance(button, Button):
        return button.custom_id
    if isinstance(button, CustomId | str):
        return str(button)
    raise InvalidArgumentError(f"expected a customId or a button, got {button!r}")


def build_get(task: TaskRef, *, view: View, language: str | None = None) -> RequestSpec:
    """`GET /v1/midjourney/{id}` (`view="mj"`) or `GET /v1/tasks/{id}` (`view="unified"`)."""
    task_id = task_id_of(task)
    if view == "mj":
        if language is not None:
            raise InvalidArgumentError("language is only offered by the unified view")
        return _module(by_name("get_midjourney_task"))._get_kwargs(task_id)  # type: ignore[no-any-return]
    if view == "unified":
        lang = UNSET if language is None else _member(Language, language, "language")
        return _module(by_name("get_task"))._get_kwargs(task_id, language=lang)  # type: ignore[no-any-return]
    raise InvalidArgumentError(f"view must be 'mj' or 'unified', got {view!r}")


def build_upload(
    file: Upload, *, filename: str | None = None, content_type: str | None = None
) -> RequestSpec:
    """`POST /v1/uploads/images` of `file`: bytes, a path, or an open binary file. Sent as multipart with a
    boundary httpx draws (the generated builder's fixed `+++` could occur in a file's bytes)."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidArgumentError(f"cannot read {path}: {exc.strerror or exc}") from None
        filename = filename or path.name
    elif hasattr(file, "read"):
        data = file.read()
        if not isinstance(data, bytes):
            raise InvalidArgumentError("the file must be opened in binary mode ('rb')")
        filename = filename or os.path.basename(str(getattr(file, "name", ""))) or None
    else:
        raise InvalidArgumentError(f"expected bytes, a path or a binary file, got {type(file).__name__}")
    body = UploadImageRequest(
        file=File(payload=io.BytesIO(data), file_name=filename or "image", mime_type=content_type)
    )
    spec: dict[str, Any] = _module(by_name("upload_image"))._get_kwargs(body=body)
    spec["headers"] = {k: v for k, v in spec["headers"].items() if k.lower() != "content-type"}
    return spec


def build_read(name: str) -> RequestSpec:
    """A read without arguments: `balance`, `user_balance`."""
    operation = by_name(name)
    if operation.kind is not Kind.ACCOUNT:
        raise InvalidArgumentError(f"{name!r} is not an account read")
    return _module(operation)._get_kwargs()  # type: ignore[no-any-return]


def submit_operation(name: str) -> Operation:
    """The submit operation called `name` (`upscale`, `high_variation` or `high-variation`, ...)."""
    try:
        operation = by_name(name)
    except KeyError:
        operation = None
    if operation is None or operation.kind is not Kind.SUBMIT:
        known = ", ".join(op.name for op in submits())
        raise InvalidArgumentError(f"unknown operation {name!r}; expected one of {known}")
    return operation


def build_submit(
    name: str, task: TaskRef | None = None, *, button: ButtonRef | None = None, **fields: Any
) -> RequestSpec:
    """The request of the submit operation `name`: `task` (the parent, sent as `task_id`), `button` (sent
    as `custom_id`, which the service prefers to auto-matching) and the body `fields` of its request
    schema. Fields left None are not sent; a field the operation does not take is refused here rather
    than silently dropped. Choosing the button from `index`, `direction` or `zoom_ratio` is the service's
    job (its auto-matching).
    """
    operation = submit_operation(name)
    model = _request_model(operation)
    body = {key: _plain(value) for key, value in fields.items() if value is not None}
    if task is not None:
        body["task_id"] = task_id_of(task)
    if button is not None:
        body["custom_id"] = custom_id_of(button)
    accepted = request_fields(operation)
    refused = [key for key in body if key not in accepted]
    if refused:
        raise InvalidArgumentError(f"{operation.name} does not take {', '.join(refused)}")
    for key, value in body.items():
        body[key] = _checked(accepted[key], key, value)
    spec: RequestSpec = _module(operation)._get_kwargs(body=model.from_dict(body))
    return spec


def request_fields(operation: Operation) -> dict[str, Any]:
    """The body fields of `operation`'s request model, with their types (`str | Unset` -> `str`)."""
    return _fields(str(operation.request))


@cache
def _fields(schema: str) -> dict[str, Any]:
    model = getattr(models, schema)
    hints = get_type_hints(model, localns=vars(models))  # names the generator imports only for typing
    return {
        field.name: _without_unset(hints[field.name])
        for field in attrs.fields(model)
        if field.name != "additional_properties"
    }


def _without_unset(hint: Any) -> Any:
    if get_origin(hint) not in (Union, UnionType):
        return hint
    kept = [arg for arg in get_args(hint) if arg is not Unset]
    return kept[0] if len(kept) == 1 else hint


def _checked(hint: Any, key: str, value: Any) -> Any:
    """`value` for `key` (of type `hint`), refused with a clear message where it cannot be one."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _member(hint, value, key).value
    if isinstance(hint, type) and attrs.has(hint) and not isinstance(value, Mapping):
        raise InvalidArgumentError(f"{key} must be a mapping, got {type(value).__name__}")
    if hint in _SCALARS:
        kinds, named = _SCALARS[hint]
        if not isinstance(value, kinds) or isinstance(value, bool) is not (hint is bool):
            raise InvalidArgumentError(f"{key} must be {named}, got {value!r}")
    return value


def _member(enum_type: type[enum.Enum], value: Any, name: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in enum_type)
        raise InvalidArgumentError(f"{name} must be one of {choices}, got {value!r}") from None


def _plain(value: Any) -> Any:
    """JSON-ready: a `CustomId` as its string, a sequence of strings as a list."""
    if isinstance(value, CustomId):
        return str(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(item) for item in value]
    return value


def _request_model(operation: Operation) -> type[Any]:
    model: type[Any] = getattr(models, str(operation.request))
    return model


@cache
def _module(operation: Operation) -> ModuleType:
    return importlib.import_module(operation.module)
