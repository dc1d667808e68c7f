from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.submitted_task import SubmittedTask


T = TypeVar("T", bound="SubmitResponse")


@_attrs_define
class SubmitResponse:
    """
    Example:
        {'code': 200, 'data': [{'status': 'submitted', 'task_id': 'task_01KV52C0TEJSYZMCG0NCS4YWKK'}]}

    Attributes:
        code (int):  Example: 200.
        data (list[SubmittedTask]):
    """

    code: int
    data: list[SubmittedTask]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

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
        from ..models.submitted_task import SubmittedTask

        d = dict(src_dict)
        code = d.pop("code")

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = SubmittedTask.from_dict(data_item_data)

            data.append(data_item)

        submit_response = cls(
            code=code,
            data=data,
        )

        submit_response.additional_properties = d
        return submit_response

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
