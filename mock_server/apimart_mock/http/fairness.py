"""Fair by default: one account's flood of requests cannot crowd out everyone else's.

`AccountShare` lets at most `limit` requests of one account (one bearer token) run at once in a worker;
the account's further requests wait their turn in line (first come, first served), costing a coroutine
each, and past `queue` waiting ones the account is answered 429 at once. Requests of other accounts
never wait for its turns, so a poll of theirs meets at most `limit` of the flood's requests per worker
in the app, however many the flood sends at once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

__all__ = ["AccountShare"]


@dataclass
class _Turns:
    running: int = 0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)


class AccountShare:
    """Turns of each account's requests in one worker (used on the worker's event loop only)."""

    def __init__(self, limit: int, queue: int) -> None:
        self.limit = limit
        self.queue = queue
        self._accounts: dict[str, _Turns] = {}

    async def enter(self, account: str) -> bool:
        """Wait for `account`'s turn; False (at once) when `queue` of its requests already wait. After
        True, the caller must `leave(account)` when its request is answered."""
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
                self.leave(account)
            elif turn in turns.waiting:  # else `leave` has already passed it over
                turns.waiting.remove(turn)
            raise
        return True

    def leave(self, account: str) -> None:
        turns = self._accounts[account]
        while turns.waiting:
            turn = turns.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        turns.running -= 1
        if not turns.running:
            del self._accounts[account]
