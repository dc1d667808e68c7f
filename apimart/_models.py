"""What the client returns: plain dataclasses over the generated models, `None` where a field is absent.

The generated models (`apimart_mj_client.models`) spell an absent field `UNSET`, typed `X | Unset`: a
`mypy --strict` user cannot index `task.image_urls` without a check, and a repr prints
`<...Unset object at 0x...>`. Each class here mirrors one generated model field for field (a test holds
the names equal): an absent field is `None`, an absent list is empty, an enum value is its string, and
fields the spec does not name stay in `additional_properties`. `to_dict()` gives the wire form back.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import attrs
from apimart_mj_client import models
from apimart_mj_client.types import Unset

__all__ = [
    "BalanceResponse",
    "Button",
    "ErrorDetail",
    "ErrorResponse",
    "MediaResult",
    "MidjourneyTask",
    "SubmittedTask",
    "TaskError",
    "TaskResult",
    "UnifiedTask",
    "UploadResponse",
]

_PUBLIC: dict[type[Any], type[_Model]] = {}
"""The public class of each generated model."""


@dataclasses.dataclass
class _Model:
    """A generated model's fields, `None` for absent; `additional_properties` holds the unnamed ones."""

    generated: ClassVar[type[Any]]
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict, kw_only=True, repr=False)
    _absent: frozenset[str] = dataclasses.field(default=frozenset(), init=False, repr=False, compare=False)
    """The fields the parsed object did not have: an empty list among them is left out of `to_dict`."""

    def __init_subclass__(cls, *, generated: type[Any], **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.generated = generated
        _PUBLIC[generated] = cls

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Parse the JSON object the API sends (raises `KeyError`, `TypeError`, `ValueError` on a body
        that does not fit the schema)."""
        return cls.from_generated(cls.generated.from_dict(data))

    @classmethod
    def from_generated(cls, model: Any) -> Self:
        """The public form of a generated `model` of this class's kind."""
        given = {name: getattr(model, name) for name in cls._names()}
        public = cls(
            **{name: _public(value) for name, value in given.items() if not isinstance(value, Unset)},
            additional_properties=dict(model.additional_properties),
        )
        public._absent = frozenset(name for name, value in given.items() if isinstance(value, Unset))
        return public

    def to_generated(self) -> Any:
        """The generated model of the same fields (what `to_dict` writes)."""
        values = {name: getattr(self, name) for name in self._names()}
        model = self.generated(
            **{
                name: _generated(value)
                for name, value in values.items()
                if value is not None and not (value == [] and name in self._absent)
            }
        )
        model.additional_properties = dict(self.additional_properties)
        return model

    def to_dict(self) -> dict[str, Any]:
        """The JSON object the API sends for this, with its own field names (`customId`, ...); a field that
        is `None` is left out, as the service leaves it out."""
        return self.to_generated().to_dict()  # type: ignore[no-any-return]

    @classmethod
    def _names(cls) -> list[str]:
        """The fields of the generated model."""
        return [field.name for field in dataclasses.fields(cls) if field.init and not field.kw_only]


def _public(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_public(item) for item in value]
    if attrs.has(type(value)):
        return _PUBLIC[type(value)].from_generated(value)
    return value


def _generated(value: Any) -> Any:
    if isinstance(value, list):
        return [_generated(item) for item in value]
    if isinstance(value, _Model):
        return value.to_generated()
    return value


@dataclasses.dataclass
class Button(_Model, generated=models.Button):
    """A follow-up button of a finished task: its `custom_id` to send, and its `label` (`U2`, `🔄`, ...)."""

    custom_id: str
    label: str
    style: int | None = None
    type_: int | None = None
    emoji: str | None = None


@dataclasses.dataclass
class MidjourneyTask(_Model, generated=models.MidjourneyTask):
    """A task in the Midjourney view (`GET /v1/midjourney/{id}`). `status` and `action` are strings
    (`SUCCESS`, `UPSCALE`; values the service adds later pass through); `progress` is `"0%"`-`"100%"`."""

    id: str
    status: str
    action: str | None = None
    progress: str | None = None
    prompt: str | None = None
    prompt_en: str | None = None
    description: str | None = None
    mode: str | None = None
    grid_image_url: str | None = None
    image_urls: list[str] = dataclasses.field(default_factory=list)
    buttons: list[Button] = dataclasses.field(default_factory=list)
    fail_reason: str | None = None
    video_url: str | None = None
    video_urls: list[str] = dataclasses.field(default_factory=list)
    quota: float | None = None
    created_at: int | None = None
    finished_at: int | None = None


@dataclasses.dataclass
class MediaResult(_Model, generated=models.MediaResult):
    """One image or video of a unified task: its `url` (a list of URLs for a grid) and `expires_at`."""

    url: list[str] | str
    expires_at: int | None = None


@dataclasses.dataclass
class TaskResult(_Model, generated=models.TaskResult):
    """What a finished unified task made."""

    images: list[MediaResult] = dataclasses.field(default_factory=list)
    videos: list[MediaResult] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TaskError(_Model, generated=models.TaskError):
    """Why a unified task failed."""

    code: int | None = None
    message: str | None = None
    type_: str | None = None


@dataclasses.dataclass
class UnifiedTask(_Model, generated=models.UnifiedTask):
    """A task in the unified view (`GET /v1/tasks/{id}`): `status` is `pending`, `processing`,
    `completed`, `failed` or `cancelled` (or a value the service adds later); `progress` 0-100."""

    id: str
    status: str
    progress: int | None = None
    result: TaskResult | None = None
    created: int | None = None
    completed: int | None = None
    estimated_time: int | None = None
    actual_time: int | None = None
    error: TaskError | None = None


@dataclasses.dataclass
class SubmittedTask(_Model, generated=models.SubmittedTask):
    """The answer of a submit: the new task's `task_id` and its `status` (`submitted`)."""

    status: str
    task_id: str
    model: str | None = None


@dataclasses.dataclass
class BalanceResponse(_Model, generated=models.BalanceResponse):
    """A balance: `remain_balance` (-1 when `unlimited_quota`) and `used_balance`."""

    success: bool
    remain_balance: float | None = None
    used_balance: float | None = None
    unlimited_quota: bool | None = None
    message: str | None = None


@dataclasses.dataclass
class UploadResponse(_Model, generated=models.UploadResponse):
    """An uploaded image: its public `url` (valid 72 h), `filename`, `content_type`, `bytes_`."""

    url: str
    filename: str
    content_type: str
    bytes_: int
    created_at: int


@dataclasses.dataclass
class ErrorDetail(_Model, generated=models.ErrorDetail):
    """The `error` of an error envelope: `message`, `type_` (`not_found_error`, ...), `code`, `param`."""

    message: str
    type_: str
    code: int | str | None = None
    param: str | None = None


@dataclasses.dataclass
class ErrorResponse(_Model, generated=models.ErrorResponse):
    """An error envelope `{"error": {...}}`."""

    error: ErrorDetail
