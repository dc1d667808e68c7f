"""Scopes: the part of one shared mock that one team's tests own, so that no team moves another.

A scope has its own clock (running on the global one), faults, rate limit, balances and tasks, and a
reset of its own. A request names its scope (`X-Mock-Scope: team-a`), or is in its account's own
scope, named by the account id. A named scope belongs to the account that used it first; an account's
own scope belongs to that account. API requests may name any scope (a suite's second key then meets its
first key's tasks, and gets 403 as live); the control calls of a scope are its owner's only. The global
scope (`GLOBAL`) is the mock owner's: its clock, faults and rate limit apply to every scope.
"""

from __future__ import annotations

import re

from .accounts import ACCOUNT_ID
from .errors import InvalidRequest

__all__ = ["GLOBAL", "owner_by_name", "scope_named"]

GLOBAL = ""
"""The mock owner's scope (the control API called without a scope)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def scope_named(name: str | None, account: str) -> str:
    """The scope of a request by `account` that names `name` (None: the account's own); 400 for a
    malformed name."""
    if name is None:
        return account
    if not _NAME.fullmatch(name):
        raise InvalidRequest(
            "X-Mock-Scope must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def owner_by_name(scope: str) -> str | None:
    """The owner a scope has by its name alone: an account id names its account's own scope (so no one
    else can claim it); None for any other name (its owner is whoever used it first)."""
    return scope if ACCOUNT_ID.fullmatch(scope) else None
