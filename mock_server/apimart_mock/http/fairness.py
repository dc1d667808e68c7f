"""Fair by default: one account's flood of requests cannot crowd out everyone else's.

`AccountShare` gives each account (one bearer token) turns in a worker's app:

- at most `limit` of its requests run at once; its further requests wait in line (first come, first
  served), costing a coroutine each, and past `queue` waiting ones it is answered 429 at once;
- while another account is active in the worker (has sent any request, polls included, within the
  last `window` seconds: `seen`), an account over its turns (with requests waiting in line for
  them) rests each turn after its request, `rest` times the CPU time the request took
  (`cpu_timed`), before it passes on: a flood then keeps the worker's CPU, and the GIL that the
  others' polls need, busy at most `1 / (1 + rest)` of its turns' time. An account alone, or one
  sending no more requests at once than its turns (a client waiting for each answer before the
  next, say), never rests (the share is work-conserving): it still gets the whole server.

Requests of other accounts never wait for its turns. Waiting (not refusing) is what keeps a flood
cheap: its clients wait for their answers instead of sending more. Refusing the excess at once was
measured too, and a client that retries at once (as load tools do) then spends the CPU on 429s
(bench/FINDINGS.md).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["WINDOW_S", "AccountShare", "cpu_timed"]

WINDOW_S = 1.0
"""Another account is active when it has sent a request within this many seconds."""

A = TypeVar("A")
R = TypeVar("R")


def cpu_timed(call: Callable[[A], R], argument: A) -> tuple[R, float]:
    """`call(argument)` and the CPU seconds its thread spent on it (waiting, for the GIL or a
    `latency` fault, costs none)."""
    started = time.thread_time()
    result = call(argument)
    return result, time.thread_time() - started


@dataclass
class _Turns:
    running: int = 0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)


class AccountShare:
    """Turns of each account's requests in one worker (used on the worker's event loop only)."""

    def __init__(self, limit: int, queue: int, rest: float, window: float = WINDOW_S) -> None:
        self.limit = limit
        self.queue = queue
        self.rest = rest
        self.window = window
        self._accounts: dict[str, _Turns] = {}
        self._last_seen: dict[str, float] = {}
        """The two accounts seen last, oldest first: enough to know whether any other than a given
        one was seen lately."""

    def seen(self, account: str) -> None:
        """`account` sent a request (whether the app answers it or not)."""
        self._last_seen.pop(account, None)
        self._last_seen[account] = asyncio.get_running_loop().time()
        if len(self._last_seen) > 2:
            del self._last_seen[next(iter(self._last_seen))]

    def others_active(self, account: str) -> bool:
        since = asyncio.get_running_loop().time() - self.window
        return any(when > since for other, when in self._last_seen.items() if other != account)

    async def enter(self, account: str) -> bool:
        """Wait for `account`'s turn; False (at once) when `queue` of its requests already wait. After
        True, the caller must `leave(account, cost)` when its request is answered."""
        turns = self._accounts.setdefault(account, _Turns())
        if turns.running < self.limit and not turns.waiting:
            turns.running += 1
            return True
        if len(turns.waiting) >= self.queue:
            return False
        turn = asyncio.get_running_loop().create_future()
        turns.waiting.append(turn)
        try:
            await turn  # `leave` hands its turn over: `running` stays as it is
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # the turn came just as the request was cancelled
                self._pass_on(account)
            elif turn in turns.waiting:  # else `leave` has already passed it over
                turns.waiting.remove(turn)
            raise
        return True

    def leave(self, account: str, cost: float) -> None:
        """`account`'s request is answered, having cost `cost` CPU seconds: its turn passes on, after
        a rest when more of the account's requests wait for it while other accounts are active."""
        if cost > 0 and self._accounts[account].waiting and self.others_active(account):
            asyncio.get_running_loop().call_later(cost * self.rest, self._pass_on, account)
        else:
            self._pass_on(account)

    def _pass_on(self, account: str) -> None:
        turns = self._accounts[account]
        while turns.waiting:
            turn = turns.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        turns.running -= 1
        if not turns.running:
            del self._accounts[account]
