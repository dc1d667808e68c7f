"""The clocks of the mock: real time by default, or frozen, shifted and sped up by the control API.

The state is a small value kept in the shared store, so every worker process reads the same clock.
`now(real)` turns a wall-clock reading into clock time; the wall clock itself is read only by the HTTP
layer, never by the domain.

There is one global clock (the mock owner's) and one clock per scope (a team's: docs/mock-server.md,
*Scopes*). A scope's own `ClockState` runs on the global clock's time instead of real time
(`ScopedClock`): the owner's global advance moves every scope, a scope's advance moves that scope only.
A scope that never changed its clock has `FOLLOWING`, which shows the global time as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["FOLLOWING", "ClockState", "ScopedClock"]


@dataclass(frozen=True)
class ClockState:
    """Clock time was `base` when real time was `anchor`; since then it ran at `speed` unless frozen."""

    base: float
    anchor: float
    speed: float = 1.0
    frozen: bool = False

    @classmethod
    def start(cls, real: float, *, speed: float = 1.0, frozen_at: float | None = None) -> ClockState:
        """A clock showing real time (or `frozen_at`, frozen)."""
        if frozen_at is not None:
            return cls(frozen_at, real, speed, frozen=True)
        return cls(real, real, speed)

    def now(self, real: float) -> float:
        if self.frozen:
            return self.base
        return self.base + (real - self.anchor) * self.speed

    def advanced(self, seconds: float, real: float) -> ClockState:
        return replace(self, base=self.now(real) + seconds, anchor=real)

    def frozen_at(self, real: float, at: float | None = None) -> ClockState:
        return replace(self, base=self.now(real) if at is None else at, anchor=real, frozen=True)

    def resumed(self, real: float) -> ClockState:
        return replace(self, base=self.now(real), anchor=real, frozen=False)

    def with_speed(self, speed: float, real: float) -> ClockState:
        return replace(self, base=self.now(real), anchor=real, speed=speed)

    def to_json(self, real: float) -> dict[str, float | bool]:
        return {"now": self.now(real), "frozen": self.frozen, "speed": self.speed}


FOLLOWING = ClockState(0.0, 0.0)
"""A scope's own clock until the scope changes it: the time of the clock it runs on, as it is."""


@dataclass(frozen=True)
class ScopedClock:
    """A scope's clock: its `own` state, running on the `outer` (global) clock's time."""

    outer: ClockState
    own: ClockState = FOLLOWING

    def now(self, real: float) -> float:
        return self.own.now(self.outer.now(real))

    def to_json(self, real: float) -> dict[str, float | bool]:
        frozen = self.own.frozen or self.outer.frozen
        return {"now": self.now(real), "frozen": frozen, "speed": self.own.speed * self.outer.speed}
