from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.unified_task import UnifiedTask


T = TypeVar("T", bound="TaskEnvelope")


@_attrs_define
class TaskEnvelope:
    """
    Example:
        {'code': 200, 'data': {'id': 'task_01KA040M0HP1GJWBJYZMKX1XS1', 'status': 'completed', 'progress': 100,
            'result': {'images': [{'url': ['https://upload.apimart.ai/f/image/9998236770546484-2b7c5d8a.png'], 'expires_at':
            1763174708}]}, 'created': 1763088289, 'completed': 1763088308, 'estimated_time': 60, 'actual_time': 19}}

    Attributes:
        code (int): Mirrors the HTTP status (200). Example: 200.
        data (UnifiedTask):  Example: {'id': 'task-unified-1757156493-k9m2xpvw', 'status': 'completed', 'progress': 100,
            'result': {'images': [{'url': 'https://example.com/generated-image.png', 'expires_at': 1757242893}]}, 'created':
            1757156493, 'completed': 1757156512, 'estimated_time': 100, 'actual_time': 19}.
    """

    code: int
    data: UnifiedTask
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.unified_task import UnifiedTask

        d = dict(src_dict)
        code = d.pop("code")

        data = UnifiedTask.from_dict(d.pop("data"))

        task_envelope = cls(
            code=code,
            data=data,
        )

        task_envelope.additional_properties = d
        return task_envelope

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
