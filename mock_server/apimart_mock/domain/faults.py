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
