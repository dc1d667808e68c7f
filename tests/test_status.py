"""The one status mapping between the two views, and progress strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apimart_mj import (
    MJ_STATUS_RANK,
    MJ_TERMINAL,
    MJ_TO_UNIFIED,
    UNIFIED_TERMINAL,
    InvalidProgress,
    format_progress,
    parse_progress,
    to_unified,
)


@pytest.mark.parametrize(
    ("mj", "unified"),
    [
        ("NOT_START", "pending"),
        ("SUBMITTED", "pending"),
        ("MODAL", "pending"),
        ("IN_PROGRESS", "processing"),
        ("SUCCESS", "completed"),
        ("FAILURE", "failed"),
    ],
)
def test_mapping_follows_the_decisions(mj: str, unified: str) -> None:
    assert to_unified(mj) == unified


def test_modal_timeout_is_cancelled() -> None:
    assert to_unified("FAILURE", cancelled=True) == "cancelled"


def test_unknown_status_passes_through() -> None:
    assert to_unified("CANCEL") == "CANCEL"


def test_terminal_sets_agree_with_the_mapping() -> None:
    assert {MJ_TO_UNIFIED[s] for s in MJ_TERMINAL} <= UNIFIED_TERMINAL
    assert set(MJ_STATUS_RANK) == set(MJ_TO_UNIFIED)


@given(st.integers(0, 100))
def test_progress_round_trips(percent: int) -> None:
    assert parse_progress(format_progress(percent)) == percent
    assert parse_progress(percent) == percent


@pytest.mark.parametrize("value", ["", "%", "101%", "-1%", "4 5%", "45.5%", "٤٥%", 101, -1, True])
def test_bad_progress_is_rejected(value: str | int) -> None:
    with pytest.raises(InvalidProgress):
        parse_progress(value)
