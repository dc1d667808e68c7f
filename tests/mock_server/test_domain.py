"""The domain core without HTTP: lifecycle, task states, buttons, accounts, clock and fault draws."""

from __future__ import annotations

import random

import pytest

from apimart_mj import CustomId, Result, submits
from apimart_mock.domain.accounts import account_id, account_named, authenticate, price
from apimart_mock.domain.buttons import buttons_for
from apimart_mock.domain.clock import ClockState
from apimart_mock.domain.errors import Unauthenticated
from apimart_mock.domain.faults import Drift, Fault, FaultKind, drifted
from apimart_mock.domain.lifecycle import (
    GRID_TIMING,
    INSTANT,
    MODAL_TIMEOUT,
    RESULT_TIMING,
    Outcome,
    Timing,
    normal_timing,
    phase_at,
    timing_reaching,
)
from apimart_mock.domain.task import MODAL_CANCELLED, Task, new_job_hash, new_task_id

HASH = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"


def make_task(**changes: object) -> Task:
    fields: dict[str, object] = dict(
        id="task_X",
        account="sk-a",
        action="IMAGINE",
        result=Result.GRID,
        job_hash=HASH,
        prompt="a cat",
        created_at=100.0,
        started_at=100.0,
        timing=GRID_TIMING,
        outcome=Outcome.SUCCESS,
        tiles=(0, 1, 2, 3),
        charge=0.05,
    )
    fields.update(changes)
    return Task(**fields)  # type: ignore[arg-type]


def test_phases_walk_forward_with_rising_progress() -> None:
    seen = [phase_at(GRID_TIMING, Outcome.SUCCESS, t / 10, 0.0) for t in range(0, 60)]
    statuses = [p.status for p in seen]
    assert statuses[0] == "NOT_START" and statuses[-1] == "SUCCESS"
    order = ["NOT_START", "SUBMITTED", "IN_PROGRESS", "SUCCESS"]
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    progress = [p.progress for p in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    assert set(statuses) == set(order)
    assert seen[-1].finished_at == GRID_TIMING.total


def test_failure_stuck_and_instant_outcomes() -> None:
    assert phase_at(GRID_TIMING, Outcome.FAILURE, 10, 0).status == "FAILURE"
    assert phase_at(GRID_TIMING, Outcome.STUCK, 10**9, 0).status == "SUBMITTED"
    assert phase_at(INSTANT, Outcome.SUCCESS, 0, 5.0).status == "SUCCESS"


def test_every_kind_of_result_has_a_timing() -> None:
    """A task's timing follows the result its row gives: a new kind of result without one fails here."""
    assert set(RESULT_TIMING) == set(Result)
    for op in submits():
        assert normal_timing(str(op.action)) is RESULT_TIMING[Result(op.result)], op.name
    assert normal_timing("UPSCALE") is INSTANT and normal_timing("UPSCALE", hd=True) is GRID_TIMING


@pytest.mark.parametrize("status", ["NOT_START", "SUBMITTED", "IN_PROGRESS", "SUCCESS"])
@pytest.mark.parametrize("age", [0.0, 2.0, 86400.0])
def test_timing_reaching_puts_a_task_of_any_age_in_the_wanted_status(status: str, age: float) -> None:
    assert phase_at(timing_reaching(status, age, GRID_TIMING), Outcome.SUCCESS, age, 0).status == status


@pytest.mark.parametrize("status", ["IN_PROGRESS", "SUCCESS"])
def test_timing_reaching_holds_on_a_clock_that_rounds(status: str) -> None:
    """A task made `age` seconds before `now` is read `now - (now - age)` seconds old: on a real clock
    (1.8e9) that is `age` give or take rounding, and it must still be in the status asked for."""
    rng = random.Random(7)
    for _ in range(2_000):
        now, age = 1.7965e9 + rng.random() * 1e6, rng.random() * 60
        elapsed = now - (now - age)
        assert (
            phase_at(timing_reaching(status, age, GRID_TIMING), Outcome.SUCCESS, elapsed, 0).status == status
        )


def test_failed_task_is_refunded_and_explains_itself() -> None:
    task = make_task(outcome=Outcome.FAILURE, fail_reason="No available upstream")
    running, failed = task.at(101.0), task.at(200.0)
    assert (running.quota, running.fail_reason) == (0.05, None)
    assert (failed.status, failed.quota, failed.fail_reason) == ("FAILURE", 0.0, "No available upstream")


def test_modal_task_waits_then_is_cancelled_after_30_minutes() -> None:
    task = make_task(action="INPAINT", started_at=None, charge=0.0)
    assert task.at(100.0 + MODAL_TIMEOUT - 1).status == "MODAL"
    cancelled = task.at(100.0 + MODAL_TIMEOUT)
    assert (cancelled.status, cancelled.cancelled, cancelled.quota) == ("FAILURE", True, 0.0)
    assert cancelled.fail_reason == MODAL_CANCELLED and cancelled.finished_at == 100.0 + MODAL_TIMEOUT


def test_retention() -> None:
    task = make_task()
    assert not task.expired(100.0 + 3600, retention=3600)
    assert task.expired(100.0 + 3600.5, retention=3600)


def test_ids_are_seeded_and_shaped_like_the_service() -> None:
    first = new_task_id(random.Random("s:1"), 1_700_000_000.0)
    assert first == new_task_id(random.Random("s:1"), 1_700_000_000.0)
    assert first.startswith("task_01") and len(first) == 31
    assert first != new_task_id(random.Random("s:2"), 1_700_000_000.0)
    assert len(new_job_hash(random.Random(1)).split("-")) == 5


def test_grid_has_the_15_live_buttons_with_its_own_job_hash() -> None:
    buttons = buttons_for(Result.GRID, HASH)
    assert [b.label for b in buttons] == [
        *["U1", "U2", "U3", "U4"],
        "\U0001f504",
        *["V1", "V2", "V3", "V4"],
        "⬅",
        "➡",
        "⬆",
        "⬇",
        "Zoom Out 1.5×",
        "Vary (Region)",
    ]
    assert all(CustomId.parse(b.custom_id).job_hash == HASH for b in buttons)
    assert buttons[9].custom_id == f"MJ::JOB::pan_left::0::{HASH}::SOLO"
    assert buttons[13].custom_id == f"MJ::Outpaint::1::{HASH}::SOLO"


def test_single_image_set_names_every_follow_up() -> None:
    actions = [CustomId.parse(b.custom_id).action for b in buttons_for(Result.SINGLE, HASH)]
    assert actions == [
        "UPSCALE",
        "UPSCALE",
        "LOW_VARIATION",
        "HIGH_VARIATION",
        "INPAINT",
        "ZOOM",
        "ZOOM",
        "ZOOM",
        "PAN",
        "PAN",
        "PAN",
        "PAN",
    ]


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "bearer sk-a", "Basic sk-a", "Bearer a b"])
def test_malformed_authorization_is_refused(header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        authenticate(header, ())


def test_allow_list() -> None:
    assert authenticate("Bearer sk-a", ()) == account_id("sk-a")
    assert authenticate("Bearer sk-a", {"sk-a"}) == account_id("sk-a")
    with pytest.raises(Unauthenticated):
        authenticate("Bearer sk-b", {"sk-a"})


def test_an_account_is_known_by_a_digest_of_its_token() -> None:
    alice = account_id("sk-a")
    assert alice != account_id("sk-b") and "sk-a" not in alice
    assert account_named("sk-a") == account_named(alice) == alice


def test_hd_upscale_costs_more() -> None:
    assert price("UPSCALE", CustomId.job("upsample_v7_2x_subtle", 1, HASH, solo=True)) > price("UPSCALE")


def test_clock_freezes_advances_and_speeds_up() -> None:
    clock = ClockState.start(1000.0)
    assert clock.now(1010.0) == 1010.0
    frozen = clock.frozen_at(1010.0)
    assert frozen.now(5000.0) == 1010.0
    assert frozen.advanced(60, 5000.0).now(9999.0) == 1070.0
    fast = frozen.resumed(2000.0).with_speed(10, 2000.0)
    assert fast.now(2001.0) == 1020.0


def test_fault_draws_are_reproducible_and_counted() -> None:
    fault = Fault(1, FaultKind.SERVER_ERROR, remaining=3, fraction=0.5)
    draws = []
    for _ in range(20):
        fault, fires = fault.drawn(seed=42)
        draws.append(fires)
    again = Fault(1, FaultKind.SERVER_ERROR, remaining=3, fraction=0.5)
    replay = []
    for _ in range(20):
        again, fires = again.drawn(seed=42)
        replay.append(fires)
    assert draws == replay and sum(draws) == 3 == fault.hits and not fault.active


def test_drift_changes_values_the_client_does_not_know() -> None:
    assert drifted({"status": "SUCCESS"}, Drift.STATUS) == {"status": "QUEUED"}
    assert drifted({"code": 200, "data": {"status": "completed"}}, Drift.STATUS)["data"]["status"] == "queued"
    assert drifted({"action": "IMAGINE"}, Drift.ACTION) == {"action": "RETEXTURE"}
    assert "x_unknown_field" in drifted({"id": "x"}, Drift.FIELD)
    assert Timing(1, 2, 3).scaled(2) == Timing(2, 4, 6)
