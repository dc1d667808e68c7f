from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Button")


@_attrs_define
class Button:
    """
    Example:
        {'customId': 'MJ::JOB::variation::2::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'V2', 'style': 2, 'type':
            2}

    Attributes:
        custom_id (str): `MJ::<namespace>::<operation>::<index>::<job hash>[::SOLO]` and kin. Example:
            MJ::JOB::upsample::1::3eaa7c0c-9825-4110-9c89-02c4e463a8d0.
        label (str): Text, or the emoji of an emoji-only button. Example: U1.
        style (int | Unset): Discord button style (2 = secondary). Example: 2.
        type_ (int | Unset): Discord component type (2 = button). Example: 2.
        emoji (str | Unset):  Example: 🔄.
    """

    custom_id: str
    label: str
    style: int | Unset = UNSET
    type_: int | Unset = UNSET
    emoji: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        custom_id = self.custom_id

        label = self.label

        style = self.style

        type_ = self.type_

        emoji = self.emoji

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customId": custom_id,
                "label": label,
            }
        )
        if style is not UNSET:
            field_dict["style"] = style
        if type_ is not UNSET:
            field_dict["type"] = type_
        if emoji is not UNSET:
            field_dict["emoji"] = emoji

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        custom_id = d.pop("customId")

        label = d.pop("label")

        style = d.pop("style", UNSET)

        type_ = d.pop("type", UNSET)

        emoji = d.pop("emoji", UNSET)

        button = cls(
            custom_id=custom_id,
            label=label,
            style=style,
            type_=type_,
            emoji=emoji,
        )

        button.additional_properties = d
        return button

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
