"""The suite's oracle is its own data, written from the API reference, never imported from `apimart_mj`:
so nothing but this test notices when the operations table gains a row the oracle does not know. Each
row is a case named after its operation, and a missing oracle row fails here at once, not as a
`KeyError` deep inside a Hypothesis run or a result left unchecked."""

from __future__ import annotations

import pytest

from apimart_contract import oracle
from apimart_mj import Operation, Parent, Result, submits

_SUBMITS = [op for op in submits() if op.action is not None]
_FOLLOW_UPS = [op for op in _SUBMITS if op.parent is Parent.BUTTON]


@pytest.mark.parametrize("operation", _SUBMITS, ids=lambda op: op.name)
def test_the_oracle_knows_what_each_submit_gives(operation: Operation) -> None:
    """`oracle.RESULTS` holds the result of every task action, and says what the table says (a task
    waiting in MODAL ends a grid)."""
    assert operation.action in oracle.RESULTS, (
        f"oracle.RESULTS has no row for {operation.name} ({operation.action}): add it from the reference"
    )
    given = Result.GRID if operation.result is Result.MODAL else operation.result
    assert _kind(oracle.RESULTS[str(operation.action)]) == str(given), operation.name


def _kind(holds: oracle.Holds) -> str:
    """The kind of result the oracle's row describes, in the table's words."""
    if holds.grid:
        return "grid"
    return "text" if holds.prompts else "video" if holds.videos else "single"


@pytest.mark.parametrize("operation", _FOLLOW_UPS, ids=lambda op: op.name)
def test_the_oracle_knows_each_follow_ups_buttons(operation: Operation) -> None:
    """Every follow-up that presses a button has an auto-matching row and a labelled button family."""
    assert operation.action in oracle.AUTO_MATCH, (
        f"oracle.AUTO_MATCH has no row for {operation.name} ({operation.action}): add it from the reference"
    )
    assert any(family.action == operation.action for family in oracle.BUTTONS), (
        f"oracle.BUTTONS has no button family for {operation.name} ({operation.action})"
    )
