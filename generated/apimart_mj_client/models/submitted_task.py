from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubmittedTask")


@_attrs_define
class SubmittedTask:
    """
    Example:
        {'status': 'modal', 'task_id': 'task_01KV52C0TEJSYZMCG0NCS4YWKK', 'model': 'midjourney'}

    Attributes:
        status (str): `submitted`, or `modal` for inpaint. Example: submitted.
        task_id (str):  Example: task_01KV52C0TEJSYZMCG0NCS4YWKK.
        model (str | Unset):  Example: midjourney.
    """

    status: str
    task_id: str
    model: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        task_id = self.task_id

        model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "task_id": task_id,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = d.pop("status")

        task_id = d.pop("task_id")

        model = d.pop("model", UNSET)

        submitted_task = cls(
            status=status,
            task_id=task_id,
            model=model,
        )

        submitted_task.additional_properties = d
        return submitted_task

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
