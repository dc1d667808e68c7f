"""How the suite spares a live API: a global request rate, poll spacing per task, a spend budget and a
wall-time budget.

Time comes from a `TimeSource`: the wall clock for a real API, or the mock's own clock when the target
is our served mock and exposes it (then "waiting 3 s between polls" means 3 s of the server's time, and
the suite advances that clock instead of sleeping). The rate limit always runs on the wall clock: it
protects the server process, whatever its clock says.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pytest

__all__ = [
    "BudgetExceeded",
    "Pacer",
    "SpendBudget",
    "TimeSource",
    "WallClock",
    "WallTimeBudget",
]

_TASK_READ = re.compile(r"^/v1/(?:tasks|midjourney)/(?P<task_id>(?!generations$)[^/]+)$")


class TimeSource(Protocol):
    """A clock the pacer reads and waits on."""

    def now(self) -> float: ...

    def wait(self, seconds: float) -> None: ...


class WallClock:
    """Real time: `time.monotonic` and `time.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class Pacer:
    """Spaces requests: at most `rate` per second overall, and reads of one task `poll_interval` apart.

    Both views of a task count as reads of that task. `before(method, path)` blocks until the request
    may go; past the `deadline` (the run's wall-time budget) it skips the test instead, so a run ends
    within its wall time plus one poll interval whatever the target does.
    """

    rate: float | None
    poll_interval: float
    clock: TimeSource = field(default_factory=WallClock)
    wall: TimeSource = field(default_factory=WallClock)
    deadline: WallTimeBudget | None = None
    _last_request: float | None = None
    _last_read: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def before(self, method: str, path: str) -> None:
        if self.deadline is not None and self.deadline.used_up:
            pytest.skip(f"wall-time budget of {self.deadline.seconds:g} s used up (APIMART_MAX_WALL_TIME)")
        with self._lock:
            if self.rate:
                now = self.wall.now()
                if self._last_request is not None:
                    gap = 1.0 / self.rate - (now - self._last_request)
                    if gap > 0:
                        self.wall.wait(gap)
                self._last_request = self.wall.now()
            found = _TASK_READ.match(path)
            if method.upper() == "GET" and found and self.poll_interval > 0:
                task_id = found["task_id"]
                last = self._last_read.get(task_id)
                if last is not None:
                    gap = self.poll_interval - (self.clock.now() - last)
                    if gap > 0:
                        self.clock.wait(gap)
                self._last_read[task_id] = self.clock.now()


class BudgetExceeded(Exception):
    """A spending request beyond the stated budget: the suite itself is wrong, so it fails loudly.

    Not an `AssertionError`, so Hypothesis never treats it as a finding to shrink."""


@dataclass
class SpendBudget:
    """At most `limit` submits that the target accepted (each one a billed task on a live API).

    `reserve()` before a submit raises `BudgetExceeded` when nothing is left; `settle(accepted)` after it
    gives the reservation back when the target refused the request (nothing was created, nothing billed).
    Tests ask `remaining` first and do not try what they cannot pay for.
    """

    limit: int
    spent: int = 0
    _reserved: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def remaining(self) -> int:
        return self.limit - self.spent - self._reserved

    def reserve(self, what: str) -> None:
        with self._lock:
            if self.remaining <= 0:
                raise BudgetExceeded(
                    f"spend budget exceeded: {what} would be submit #{self.spent + self._reserved + 1} "
                    f"of a budget of {self.limit} (APIMART_SPEND_BUDGET)"
                )
            self._reserved += 1

    def settle(self, accepted: bool) -> None:
        with self._lock:
            self._reserved -= 1
            if accepted:
                self.spent += 1


@dataclass
class WallTimeBudget:
    """The whole run against a target stops starting new checks after `seconds` of wall time."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> float:
        return self.seconds - (self.clock() - self.started)

    @property
    def used_up(self) -> bool:
        return self.remaining < 0
