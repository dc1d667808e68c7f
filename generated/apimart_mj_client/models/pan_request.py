from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.direction import Direction
from ..models.speed import Speed
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="PanRequest")


@_attrs_define
class PanRequest:
    """Pan a finished upscaled image; `direction` or `custom_id` is required.

    Example:
        {'task_id': 'task_01KV52C0TEJSYZMCG0NCS4YWKK', 'direction': 'left'}

    Attributes:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example: task_01KV52C0TEJSYZMCG0NCS4YWKK.
        direction (Direction | Unset): Which side of the image to extend. Example: left.
        custom_id (str | Unset): A button's customId; when sent, auto-matching is skipped. Example:
            MJ::JOB::upsample::2::3eaa7c0c-9825-4110-9c89-02c4e463a8d0.
        index (int | Unset): Image of the grid, 1-4; picks the button when no `custom_id` is sent. Example: 2.
        speed (Speed | Unset): Queue; `relax` when omitted. Example: fast.
        metadata (Metadata | Unset): Free-form data stored with the task. Example: {'order': '42'}.
        model (str | Unset): Tolerated; the route sets `midjourney`. Example: midjourney.
        nsfw_check (bool | Unset): Ask the service to screen the result. Example: True.
    """

    task_id: str
    direction: Direction | Unset = UNSET
    custom_id: str | Unset = UNSET
    index: int | Unset = UNSET
    speed: Speed | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    model: str | Unset = UNSET
    nsfw_check: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        direction: str | Unset = UNSET
        if not isinstance(self.direction, Unset):
            direction = self.direction.value

        custom_id = self.custom_id

        index = self.index

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
            }
        )
        if direction is not UNSET:
            field_dict["direction"] = direction
        if custom_id is not UNSET:
            field_dict["custom_id"] = custom_id
        if index is not UNSET:
            field_dict["index"] = index
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

        _direction = d.pop("direction", UNSET)
        direction: Direction | Unset
        if isinstance(_direction, Unset):
            direction = UNSET
        else:
            direction = Direction(_direction)

        custom_id = d.pop("custom_id", UNSET)

        index = d.pop("index", UNSET)

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

        pan_request = cls(
            task_id=task_id,
            direction=direction,
            custom_id=custom_id,
            index=index,
            speed=speed,
            metadata=metadata,
            model=model,
            nsfw_check=nsfw_check,
        )

        pan_request.additional_properties = d
        return pan_request

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
