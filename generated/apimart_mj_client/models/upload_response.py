from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UploadResponse")


@_attrs_define
class UploadResponse:
    """
    Example:
        {'url': 'https://upload.apimart.ai/f/image/9998236770546484-2b7c5d8a-photo.jpg', 'filename': 'photo.jpg',
            'content_type': 'image/jpeg', 'bytes': 48213, 'created_at': 1763088289}

    Attributes:
        url (str): Where the image is served (public, valid 72 h). Example:
            https://upload.apimart.ai/f/image/9998236770546484-2b7c5d8a-photo.jpg.
        filename (str):  Example: photo.jpg.
        content_type (str):  Example: image/jpeg.
        bytes_ (int):  Example: 48213.
        created_at (int): Unix seconds. Example: 1763088289.
    """

    url: str
    filename: str
    content_type: str
    bytes_: int
    created_at: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        filename = self.filename

        content_type = self.content_type

        bytes_ = self.bytes_

        created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "filename": filename,
                "content_type": content_type,
                "bytes": bytes_,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        filename = d.pop("filename")

        content_type = d.pop("content_type")

        bytes_ = d.pop("bytes")

        created_at = d.pop("created_at")

        upload_response = cls(
            url=url,
            filename=filename,
            content_type=content_type,
            bytes_=bytes_,
            created_at=created_at,
        )

        upload_response.additional_properties = d
        return upload_response

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
