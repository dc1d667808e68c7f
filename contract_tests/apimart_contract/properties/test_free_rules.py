"""The free rules of balance and uploads, judged before anything is spent: this test needs no paid phase,
so the plugin runs it ahead of the tests that do."""

from __future__ import annotations

from ..free import check_balances, check_upload
from ..probe import Probe
from ..targets import Target


def test_balances_and_an_upload_before_anything_is_spent(target: Target) -> None:
    probe = Probe(target)
    spent = target.budget.spent
    check_balances(probe)
    check_upload(probe)
    assert target.budget.spent == spent, "balances and uploads are free"
