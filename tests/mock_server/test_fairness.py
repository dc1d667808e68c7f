"""`AccountShare`, the turns of each account in a worker, on a real event loop (over real HTTP:
test_edge.py). Rests are long next to the loop's own delays, so a turn passed on too early is seen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from apimart_mock.http.fairness import AccountShare

COST_S = 0.02
"""The CPU time each answered request here took."""
REST = 10.0
"""So a turn rests 0.2 s while others are active."""


def _run(scenario: Callable[[AccountShare], Awaitable[None]], window: float = 1.0) -> None:
    asyncio.run(scenario(AccountShare(1, 8, REST, window)))


async def _waiting(share: AccountShare, account: str) -> asyncio.Task[bool]:
    """A request of `account` asking for its turn (its first is running: it waits)."""
    turn = asyncio.create_task(share.enter(account))
    await asyncio.sleep(0)
    assert not turn.done()
    return turn


def test_an_account_alone_passes_its_turn_on_at_once() -> None:
    async def scenario(share: AccountShare) -> None:
        share.seen("sk-a")
        assert await share.enter("sk-a")
        turn = await _waiting(share, "sk-a")
        share.leave("sk-a", COST_S)
        await asyncio.sleep(0)
        assert turn.done() and turn.result()

    _run(scenario)


def test_a_turn_rests_while_another_account_is_active_and_the_other_never_waits() -> None:
    async def scenario(share: AccountShare) -> None:
        share.seen("sk-b")
        share.seen("sk-a")
        assert await share.enter("sk-a")
        turn = await _waiting(share, "sk-a")
        loop = asyncio.get_running_loop()
        left = loop.time()
        share.leave("sk-a", COST_S)
        assert await share.enter("sk-b")  # another account's turn is its own
        await asyncio.sleep(COST_S * REST / 2)
        assert not turn.done()
        assert await asyncio.wait_for(turn, 5.0)
        assert loop.time() - left >= COST_S * REST

    _run(scenario)


def test_an_account_within_its_turns_never_rests() -> None:
    """A client that waits for each answer before its next request, alternating two accounts (as a test
    suite switching keys does): neither account ever has a request waiting, so none rests."""

    async def scenario(share: AccountShare) -> None:
        for _ in range(3):
            for account in ["sk-a", "sk-b"]:
                share.seen(account)
                assert await asyncio.wait_for(share.enter(account), COST_S)
                share.leave(account, COST_S)

    _run(scenario)


def test_another_account_is_active_only_within_the_window() -> None:
    async def scenario(share: AccountShare) -> None:
        share.seen("sk-b")
        await asyncio.sleep(0.3)
        share.seen("sk-a")
        assert await share.enter("sk-a")
        turn = await _waiting(share, "sk-a")
        share.leave("sk-a", COST_S)
        await asyncio.sleep(0)
        assert turn.done()

    _run(scenario, window=0.2)


def test_the_last_other_account_is_remembered_however_often_one_account_sends() -> None:
    async def scenario(share: AccountShare) -> None:
        for account in ["sk-b", "sk-c", "sk-a", "sk-a", "sk-a"]:
            share.seen(account)
        assert share.others_active("sk-a")
        assert share.others_active("sk-c")
        assert not AccountShare(1, 8, REST).others_active("sk-a")  # nobody seen

    _run(scenario)
