"""The one clock of the mock: real time by default, or frozen, shifted and sped up by the control API.

The state is a small value kept in the shared store, so every worker process reads the same clock.
`now(real)` turns a wall-clock reading into clock time; the wall clock itself is read only by the HTTP
layer, never by the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["ClockState"]


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
