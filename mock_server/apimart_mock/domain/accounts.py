"""Accounts and billing: who is calling (from the Authorization header), what each action costs, and
an account's balance.

There is no sign-up: each distinct bearer token is one account, unless the server has an allow-list.
An account is known by its id, a digest of its token (`account_id`): the mock stores and lists ids,
never tokens, and the control API takes either (`account_named`).
A task's charge is stored on the task; a FAILURE refunds it (the MJ view's `quota` drops to 0). Prices
are the operations table's (`apimart_mj.OPERATIONS`): illustrative, not APIMart's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from apimart_mj import HD_UPSCALE_OPERATIONS, HD_UPSCALE_PRICE, CustomId, Family, by_action

from .errors import Unauthenticated

__all__ = [
    "ACCOUNT_ID",
    "INSUFFICIENT_BALANCE",
    "Balance",
    "account_id",
    "account_named",
    "authenticate",
    "price",
]

INSUFFICIENT_BALANCE = "Insufficient account balance, please top up"

_BEARER = re.compile(r"Bearer ([\x21-\x7e]{1,256})")
"""`Bearer` and one token of visible ASCII characters; anything else is malformed."""
ACCOUNT_ID = re.compile(r"acct_[0-9a-f]{24}")


@lru_cache(maxsize=1024)  # every request hashes its token: the same few tokens, again and again
def account_id(token: str) -> str:
    """The account id of a bearer token: a stable digest, the same in every worker and after restarts."""
    return "acct_" + hashlib.sha256(b"apimart-mock account\0" + token.encode()).hexdigest()[:24]


def account_named(text: str) -> str:
    """The account a control API caller names: an account id as is, anything else as a token."""
    return text if ACCOUNT_ID.fullmatch(text) else account_id(text)


def authenticate(header: str | None, allowed: Collection[str]) -> str:
    """The account id a request's Authorization header names; raises `Unauthenticated` otherwise.

    An empty `allowed` means any well-formed token is an account of its own.
    """
    found = _BEARER.fullmatch(header or "")
    if found is None or (allowed and found.group(1) not in allowed):
        raise Unauthenticated()
    return account_id(found.group(1))


def price(action: str, custom_id: CustomId | None = None, *, count: int = 1) -> float:
    """What a task of `action` making `count` results costs (only a video makes several); an HD upscale
    (by its customId) costs more than a plain one."""
    if (
        custom_id is not None
        and custom_id.family is Family.JOB
        and custom_id.operation in HD_UPSCALE_OPERATIONS
    ):
        return HD_UPSCALE_PRICE
    return by_action(action).price * count


@dataclass(frozen=True)
class Balance:
    """An account's balance at one moment: what its tasks cost less refunds, and what it started with
    (None: unlimited). `remaining` is None when unlimited."""

    used: float
    starting: float | None

    @property
    def remaining(self) -> float | None:
        return None if self.starting is None else self.starting - self.used
