from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BalanceResponse")


@_attrs_define
class BalanceResponse:
    """A balance (`success: true`), or why there is none (`success: false`, `message`).

    Example:
        {'success': True, 'remain_balance': 10.5, 'used_balance': 2.3, 'unlimited_quota': False}

    Attributes:
        success (bool):  Example: True.
        remain_balance (float | Unset): What is left; `-1` when `unlimited_quota` is true. Example: 10.5.
        used_balance (float | Unset): What has been charged, less refunds. Example: 2.3.
        unlimited_quota (bool | Unset):  Example: False.
        message (str | Unset): Why the balance could not be read. Example: Token Not Found.
    """

    success: bool
    remain_balance: float | Unset = UNSET
    used_balance: float | Unset = UNSET
    unlimited_quota: bool | Unset = UNSET
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        remain_balance = self.remain_balance

        used_balance = self.used_balance

        unlimited_quota = self.unlimited_quota

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
            }
        )
        if remain_balance is not UNSET:
            field_dict["remain_balance"] = remain_balance
        if used_balance is not UNSET:
            field_dict["used_balance"] = used_balance
        if unlimited_quota is not UNSET:
            field_dict["unlimited_quota"] = unlimited_quota
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        success = d.pop("success")

        remain_balance = d.pop("remain_balance", UNSET)

        used_balance = d.pop("used_balance", UNSET)

        unlimited_quota = d.pop("unlimited_quota", UNSET)

        message = d.pop("message", UNSET)

        balance_response = cls(
            success=success,
            remain_balance=remain_balance,
            used_balance=used_balance,
            unlimited_quota=unlimited_quota,
            message=message,
        )

        balance_response.additional_properties = d
        return balance_response

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
