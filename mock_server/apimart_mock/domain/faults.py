"""Injected faults: what can go wrong, for which requests, and whether it goes wrong this time.

A fault applies to the next `remaining` matching requests (all of them when None), each with
probability `fraction`. The draw for the n-th matching request comes from `Random(f"{seed}:{id}:{n}")`,
so a run with the same seed and the same requests fails the same requests, whichever worker serves them.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from .errors import InvalidRequest
from .values import number

__all__ = ["DRIFT_FIELD", "Drift", "Fault", "FaultKind", "drifted"]

DRIFT_FIELD = "x_unknown_field"
_DRIFT_STATUS = "QUEUED"
_DRIFT_ACTION = "RETEXTURE"


class FaultKind(StrEnum):
    LATENCY = "latency"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    RATE_LIMIT = "429"
    DROP = "drop"
    TRUNCATE = "truncate"
    DRIFT = "drift"


class Drift(StrEnum):
    """What a `drift` fault changes in a JSON body: an unknown status or action value, or an extra field."""

    STATUS = "status"
    ACTION = "action"
    FIELD = "field"


@dataclass(frozen=True)
class Fault:
    """One injected fault; `seen` counts matching requests so far, `hits` the ones it fired on."""

    id: int
    kind: FaultKind
    remaining: int | None = None
    fraction: float = 1.0
    account: str | None = None
    path: str | None = None
    latency_ms: int = 500
    retry_after: int = 1
    drift: Drift = Drift.STATUS
    seen: int = 0
    hits: int = 0

    @classmethod
    def from_request(cls, fault_id: int, body: dict[str, Any]) -> Fault:
        """A fault from a control-API body; raises `InvalidRequest` naming what is wrong."""
        allowed = {"kind", "count", "fraction", "account", "path", "latency_ms", "retry_after", "drift"}
        if unknown := set(body) - allowed:
            raise InvalidRequest(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            kind = FaultKind(str(body.get("kind")))
            drift = Drift(body.get("drift", Drift.STATUS))
        except ValueError as exc:
            raise InvalidRequest(
                f"{exc}; kinds: {', '.join(FaultKind)}; drifts: {', '.join(Drift)}"
            ) from None
        count = body.get("count")
        if count is not None:
            count = int(number(count, "count", minimum=1, maximum=1e9, integer=True))
        return cls(
            id=fault_id,
            kind=kind,
            remaining=count,
            fraction=_number_or(body, "fraction", 1.0, minimum=0, maximum=1, integer=False),
            account=_optional_text(body, "account"),
            path=_optional_text(body, "path"),
            latency_ms=int(_number_or(body, "latency_ms", 500, minimum=0, maximum=60_000)),
            retry_after=int(_number_or(body, "retry_after", 1, minimum=0, maximum=86_400)),
            drift=drift,
        )

    @property
    def active(self) -> bool:
        return self.remaining is None or self.remaining > 0

    def matches(self, path: str, account: str | None) -> bool:
        """Whether a request to `path` by `account` is one this fault is about."""
        return (
            self.active
            and (self.path is None or path.startswith(self.path))
            and (self.account is None or self.account == account)
        )

    def drawn(self, seed: int) -> tuple[Fault, bool]:
        """This fault after one more matching request, and whether it fires on it (never once used up)."""
        if not self.active:
            return self, False
        fires = random.Random(f"{seed}:{self.id}:{self.seen}").random() < self.fraction
        if not fires:
            return replace(self, seen=self.seen + 1), False
        remaining = None if self.remaining is None else self.remaining - 1
        return replace(self, seen=self.seen + 1, hits=self.hits + 1, remaining=remaining), True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number_or(
    body: dict[str, Any], key: str, default: float, *, minimum: float, maximum: float, integer: bool = True
) -> float:
    value = body.get(key)
    return default if value is None else number(value, key, minimum=minimum, maximum=maximum, integer=integer)


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string")
    return value


def drifted(body: Any, drift: Drift) -> Any:
    """`body` as a service that changed its contract might send it (for `drift` faults)."""
    if not isinstance(body, dict):
        return body
    target = body
    data = body.get("data")
    if isinstance(data, dict):
        target = data
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        target = data[0]
    if drift is Drift.FIELD:
        target[DRIFT_FIELD] = "a field the spec does not know"
    elif drift is Drift.ACTION and "action" in target:
        target["action"] = _DRIFT_ACTION
    elif drift is Drift.STATUS and "status" in target:
        upper = str(target["status"]).isupper()
        target["status"] = _DRIFT_STATUS if upper else _DRIFT_STATUS.lower()
    return body
