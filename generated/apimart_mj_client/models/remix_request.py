from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.speed import Speed
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="RemixRequest")


@_attrs_define
class RemixRequest:
    """One image of a finished v8.1 or v8.2 grid, with a new prompt if wanted.

    Example:
        {'task_id': 'task_01KV52C0TEJSYZMCG0NCS4YWKK', 'index': 2, 'prompt': 'the same scene in winter'}

    Attributes:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example: task_01KV52C0TEJSYZMCG0NCS4YWKK.
        index (int): Image of the grid to remix, 1-4. Example: 2.
        prompt (str | Unset): The new prompt; omitted keeps the parent's. Example: the same scene in winter.
        speed (Speed | Unset): Queue; `relax` when omitted. Example: fast.
        metadata (Metadata | Unset): Free-form data stored with the task. Example: {'order': '42'}.
        model (str | Unset): Tolerated; the route sets `midjourney`. Example: midjourney.
        nsfw_check (bool | Unset): Ask the service to screen the result. Example: True.
    """

    task_id: str
    index: int
    prompt: str | Unset = UNSET
    speed: Speed | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    model: str | Unset = UNSET
    nsfw_check: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        index = self.index

        prompt = self.prompt

        speed: str | Unset = UNSET
        if not isinstance(self.speed, Unset):
            speed = self.speed.value

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        model = self.model

        nsfw_check = self.nsfw_check

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task_id": task_id,
                "index": index,
            }
        )
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if speed is not UNSET:
            field_dict["speed"] = speed
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if model is not UNSET:
            field_dict["model"] = model
        if nsfw_check is not UNSET:
            field_dict["nsfw_check"] = nsfw_check

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        task_id = d.pop("task_id")

        index = d.pop("index")

        prompt = d.pop("prompt", UNSET)

        _speed = d.pop("speed", UNSET)
        speed: Speed | Unset
        if isinstance(_speed, Unset):
            speed = UNSET
        else:
            speed = Speed(_speed)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        model = d.pop("model", UNSET)

        nsfw_check = d.pop("nsfw_check", UNSET)

        remix_request = cls(
            task_id=task_id,
            index=index,
            prompt=prompt,
            speed=speed,
            metadata=metadata,
            model=model,
            nsfw_check=nsfw_check,
        )

        remix_request.additional_properties = d
        return remix_request

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
