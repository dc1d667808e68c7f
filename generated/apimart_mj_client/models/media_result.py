from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MediaResult")


@_attrs_define
class MediaResult:
    """
    Example:
        {'url': ['https://upload.apimart.ai/f/image/a_0.png'], 'expires_at': 1763174708}

    Attributes:
        url (list[str] | str): One URL (older docs) or a list of URLs (newer docs, live service).
        expires_at (int | Unset): Expiry of the URL, Unix seconds. Example: 1763174708.
    """

    url: list[str] | str
    expires_at: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url: list[str] | str
        if isinstance(self.url, list):
            url = self.url

        else:
            url = self.url

        expires_at = self.expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_url(data: object) -> list[str] | str:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                url_url_list = cast(list[str], data)

                return url_url_list
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str, data)

        url = _parse_url(d.pop("url"))

        expires_at = d.pop("expires_at", UNSET)

        media_result = cls(
            url=url,
            expires_at=expires_at,
        )

        media_result.additional_properties = d
        return media_result

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
