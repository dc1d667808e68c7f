"""What the checks judge and what they report through, apart from who made the exchange: `Exchange`
(one request and its response) and `Judge` (the protocol a check reports through: a violation to raise,
a notice, a rule judged). `session.Session` is the suite's judge (exchanges from a `probe.Probe`, or
recorded ones); `checks` needs only this module, so the checks, the session, the probe and the targets
import one another in one direction only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import httpx

from .registry import Check
from .spec import operation_for
from .violations import ContractViolation

__all__ = ["Exchange", "Judge"]


@dataclass(frozen=True)
class Exchange:
    """One request and its response."""

    response: httpx.Response
    account: int
    reproducer: str

    @property
    def status(self) -> int:
        return self.response.status_code

    @cached_property
    def body(self) -> Any:
        """The JSON body (None when it is not JSON), parsed once: the checks read it, never change it."""
        try:
            return self.response.json()
        except ValueError:
            return None

    @cached_property
    def operation(self) -> str:
        request = self.response.request
        found = operation_for(request.method, request.url.path)
        return found.label if found else f"{request.method} {request.url.path}"


class Judge(Protocol):
    """What a check reports through."""

    def violation(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any
    ) -> ContractViolation:
        """A violation about `exchange`, for the check to raise."""
        ...

    def notice(
        self, exchange: Exchange, check: Check, field: str, expected: str, received: Any, key: str
    ) -> None:
        """A warning or drift notice (counted once per `key`)."""
        ...

    def judged(self, check: Check, what: Exchange | str, passed: bool = True) -> None:
        """`check` judged an exchange (or the operation named): a rule exercised."""
        ...
