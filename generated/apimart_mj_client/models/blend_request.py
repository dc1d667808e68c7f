from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dimensions import Dimensions
from ..models.speed import Speed
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="BlendRequest")


@_attrs_define
class BlendRequest:
    """Two to four images blended into one grid.

    Example:
        {'image_urls': ['https://example.com/a.png', 'https://example.com/b.png'], 'dimensions': 'PORTRAIT'}

    Attributes:
        image_urls (list[str]): The images to blend, two to four. Example: ['https://example.com/a.png',
            'https://example.com/b.png'].
        dimensions (Dimensions | Unset): The aspect ratio of a blend (1:1, 2:3, 3:2). Example: PORTRAIT.
        size (str | Unset): An aspect ratio `w:h` (sent to Midjourney as `--ar`). Example: 16:9.
        speed (Speed | Unset): Queue; `relax` when omitted. Example: fast.
        metadata (Metadata | Unset): Free-form data stored with the task. Example: {'order': '42'}.
        model (str | Unset): Tolerated; the route sets `midjourney`. Example: midjourney.
        nsfw_check (bool | Unset): Ask the service to screen the result. Example: True.
    """

    image_urls: list[str]
    dimensions: Dimensions | Unset = UNSET
    size: str | Unset = UNSET
    speed: Speed | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    model: str | Unset = UNSET
    nsfw_check: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image_urls = self.image_urls

        dimensions: str | Unset = UNSET
        if not isinstance(self.dimensions, Unset):
            dimensions = self.dimensions.value

        size = self.size

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
                "image_urls": image_urls,
            }
        )
        if dimensions is not UNSET:
            field_dict["dimensions"] = dimensions
        if size is not UNSET:
            field_dict["size"] = size
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
        image_urls = cast(list[str], d.pop("image_urls"))

        _dimensions = d.pop("dimensions", UNSET)
        dimensions: Dimensions | Unset
        if isinstance(_dimensions, Unset):
            dimensions = UNSET
        else:
            dimensions = Dimensions(_dimensions)

        size = d.pop("size", UNSET)

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

        blend_request = cls(
            image_urls=image_urls,
            dimensions=dimensions,
            size=size,
            speed=speed,
            metadata=metadata,
            model=model,
            nsfw_check=nsfw_check,
        )

        blend_request.additional_properties = d
        return blend_request

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
