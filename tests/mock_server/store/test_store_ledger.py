"""`Ledger` (with the charging writes of `TaskStore`), on both backends: a balance is the charges less
the refunds due by now; a charge over the balance writes nothing; starting balances are per scope."""

from __future__ import annotations

from dataclasses import replace

import pytest
from store_helpers import T0, make_task

from apimart_mock.domain.lifecycle import Outcome
from apimart_mock.store import Store, Write


def test_used_is_charges_less_refunds_due_by_now(opened: Store) -> None:
    opened.add_task(make_task(1, charge=0.05))
    opened.add_task(make_task(2, charge=0.1, outcome=Outcome.FAILURE))  # refunded at its end, T0 + 8
    opened.add_task(make_task(3, charge=0.2, account="acct_b"))
    opened.add_task(make_task(4, charge=0.4, scope="t"))
    assert opened.used_balance("s", "acct_a", T0 + 7.9) == pytest.approx(0.15)
    assert opened.used_balance("s", "acct_a", T0 + 8) == pytest.approx(0.05)
    assert opened.used_balance("s", "acct_b", T0) == pytest.approx(0.2)
    assert opened.used_balance("t", "acct_a", T0) == pytest.approx(0.4)
    assert opened.used_balance("u", "acct_a", T0) == 0


def test_a_charge_over_the_balance_writes_nothing(opened: Store) -> None:
    assert opened.add_task(make_task(1, charge=0.05), balance=0.1, now=T0) is Write.DONE
    assert opened.add_task(make_task(2, charge=0.05), balance=0.1, now=T0) is Write.DONE  # exactly 0.1
    assert opened.add_task(make_task(3, charge=0.05), balance=0.1, now=T0) is Write.OVER_BALANCE
    assert opened.task(make_task(3).id) is None
    first = opened.task(make_task(1).id)
    assert first is not None
    dearer = replace(first, charge=0.2)
    assert opened.replace_task(first, dearer, balance=0.1, now=T0) is Write.OVER_BALANCE
    assert opened.task(first.id) == first
    failed = replace(first, outcome=Outcome.FAILURE)  # refunded at its end, T0 + 7
    assert opened.replace_task(first, failed, balance=0.1, now=T0) is Write.DONE
    assert opened.used_balance("s", "acct_a", T0 + 7) == pytest.approx(0.05)


def test_starting_balances_are_set_per_scope_and_unset(opened: Store) -> None:
    assert opened.starting_balance("s", "acct_a") is None
    opened.set_starting_balance("s", "acct_a", 5.0)
    opened.set_starting_balance("t", "acct_a", float("inf"))
    assert opened.starting_balance("s", "acct_a") == 5.0
    assert opened.starting_balance("t", "acct_a") == float("inf")
    assert opened.starting_balance("s", "acct_b") is None
    opened.set_starting_balance("s", "acct_a", None)
    assert opened.starting_balance("s", "acct_a") is None
