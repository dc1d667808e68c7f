"""`wait_for_task` with a fake clock: interval, floor, deadline, progress, failure, MODAL."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
import respx
from client_helpers import TASK_ID, FakeClock, mj_task, submitted, unified_task

import apimart
from apimart._constants import MIN_POLL_INTERVAL

MJ_PATH = f"/v1/midjourney/{TASK_ID}"


def serve(router: respx.Router, clock: FakeClock, path: str, bodies: list[dict[str, Any]]) -> list[float]:
    """Answer polls with `bodies` in turn (the last one forever); returns the times the polls arrived."""
    polled_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        polled_at.append(clock.now)
        return httpx.Response(200, json=bodies[min(len(polled_at), len(bodies)) - 1])

    router.get(path).mock(side_effect=answer)
    return polled_at


def progressing(*steps: tuple[str, str]) -> list[dict[str, Any]]:
    return [mj_task(status, progress) for status, progress in steps]


def test_returns_on_success_polling_at_the_interval(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    bodies = progressing(
        ("SUBMITTED", "0%"), ("IN_PROGRESS", "40%"), ("IN_PROGRESS", "80%"), ("SUCCESS", "100%")
    )
    polled_at = serve(router, clock, MJ_PATH, bodies)
    task = client.wait_for_task(TASK_ID)
    assert task.status == "SUCCESS" and task.buttons
    assert polled_at == [0.0, 3.0, 6.0, 9.0]


def test_custom_interval_and_the_floor(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    polled_at = serve(
        router, clock, MJ_PATH, progressing(("SUBMITTED", "0%"), ("SUBMITTED", "0%"), ("SUCCESS", "100%"))
    )
    client.wait_for_task(TASK_ID, interval=5)
    assert polled_at == [0.0, 5.0, 10.0]
    polled_at.clear()
    clock.now = 100.0
    client.wait_for_task(TASK_ID, interval=0.01)
    assert all(later - earlier >= MIN_POLL_INTERVAL for earlier, later in itertools.pairwise(polled_at))


def test_deadline_overshoot_is_at_most_one_interval(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    polled_at = serve(router, clock, MJ_PATH, progressing(("IN_PROGRESS", "50%")))
    with pytest.raises(apimart.TaskTimeoutError) as caught:
        client.wait_for_task(TASK_ID, interval=4, timeout=10)
    assert polled_at == [0.0, 4.0, 8.0, 12.0]
    assert polled_at[-1] < 10 + 4
    assert caught.value.task_id == TASK_ID and caught.value.timeout == 10
    assert caught.value.task.status == "IN_PROGRESS"


@pytest.mark.parametrize(("interval", "timeout"), [(3, 0), (3, 3), (3, 7.5), (1, 59.9), (5, 600)])
def test_deadline_bounds(
    client: apimart.Client, router: respx.Router, clock: FakeClock, interval: float, timeout: float
) -> None:
    polled_at = serve(router, clock, MJ_PATH, progressing(("SUBMITTED", "0%")))
    with pytest.raises(apimart.TaskTimeoutError):
        client.wait_for_task(TASK_ID, interval=interval, timeout=timeout)
    assert polled_at[-1] >= timeout  # kept polling up to the deadline
    assert polled_at[-1] < timeout + interval  # and overshot it by less than one interval
    assert all(b - a >= interval for a, b in itertools.pairwise(polled_at))


def test_progress_callback_gets_parsed_percentages(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    serve(
        router, clock, MJ_PATH, progressing(("SUBMITTED", "0%"), ("IN_PROGRESS", "45%"), ("SUCCESS", "100%"))
    )
    seen: list[tuple[int, str]] = []
    client.wait_for_task(TASK_ID, on_progress=lambda percent, status: seen.append((percent, status)))
    assert seen == [(0, "SUBMITTED"), (45, "IN_PROGRESS"), (100, "SUCCESS")]


def test_failure_raises_with_the_fail_reason(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    failed = mj_task("FAILURE", "100%", fail_reason="Banned prompt detected", quota=0)
    serve(router, clock, MJ_PATH, [mj_task("IN_PROGRESS", "10%"), failed])
    with pytest.raises(apimart.TaskFailedError) as caught:
        client.wait_for_task(TASK_ID)
    assert caught.value.fail_reason == "Banned prompt detected"
    assert caught.value.status == "FAILURE"
    assert caught.value.task.id == TASK_ID


def test_modal_is_returned_as_needing_the_modal_call(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    polled_at = serve(router, clock, MJ_PATH, [mj_task("MODAL", "15%", action="INPAINT")])
    task = client.wait_for_task(TASK_ID)
    assert task.status == "MODAL"
    assert polled_at == [0.0]


def test_modal_can_be_polled_through(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    serve(router, clock, MJ_PATH, [mj_task("MODAL", "15%"), mj_task("SUBMITTED", "20%"), mj_task("SUCCESS")])
    assert client.wait_for_task(TASK_ID, return_on_modal=False).status == "SUCCESS"


@pytest.mark.parametrize(("status", "raises"), [("completed", False), ("failed", True), ("cancelled", True)])
def test_unified_view(
    client: apimart.Client, router: respx.Router, clock: FakeClock, status: str, raises: bool
) -> None:
    error = {"error": {"code": 500, "message": "Task timeout", "type": "task_failed"}} if raises else {}
    serve(
        router,
        clock,
        f"/v1/tasks/{TASK_ID}",
        [unified_task("processing", 30), unified_task(status, 100, **error)],
    )
    if raises:
        with pytest.raises(apimart.TaskFailedError, match="Task timeout") as caught:
            client.wait_for_task(TASK_ID, view="unified")
        assert caught.value.status == status
    else:
        assert client.wait_for_task(TASK_ID, view="unified").status == "completed"


def test_unknown_status_keeps_polling(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    polled_at = serve(router, clock, MJ_PATH, [mj_task("WARMING_UP", "1%"), mj_task("SUCCESS")])
    client.wait_for_task(TASK_ID)
    assert len(polled_at) == 2


def test_a_retried_poll_does_not_count_as_a_poll(
    client: apimart.Client, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(MJ_PATH).mock(
        side_effect=[
            httpx.Response(200, json=mj_task("IN_PROGRESS", "50%")),
            httpx.Response(503),
            httpx.Response(200, json=mj_task()),
        ]
    )
    assert client.wait_for_task(TASK_ID).status == "SUCCESS"
    assert route.call_count == 3
    assert clock.sleeps[0] == 3.0 and clock.sleeps[1] <= 0.5


def test_negative_timeout_is_refused(client: apimart.Client) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="timeout"):
        client.wait_for_task(TASK_ID, timeout=-1)


def test_submit_and_wait_chain(client: apimart.Client, router: respx.Router, clock: FakeClock) -> None:
    router.post("/v1/midjourney/generations/imagine").respond(200, json=submitted(TASK_ID))
    serve(router, clock, MJ_PATH, progressing(("SUBMITTED", "0%"), ("SUCCESS", "100%")))
    seen: list[int] = []
    grid = client.imagine_and_wait("a cat", size="16:9", on_progress=lambda p, s: seen.append(p), timeout=60)
    assert grid.status == "SUCCESS" and seen == [0, 100]


@pytest.mark.anyio
async def test_async_wait(async_client: apimart.AsyncClient, router: respx.Router, clock: FakeClock) -> None:
    polled_at = serve(router, clock, MJ_PATH, progressing(("IN_PROGRESS", "10%"), ("SUCCESS", "100%")))
    async with async_client:
        task = await async_client.wait_for_task(TASK_ID, interval=4)
    assert task.status == "SUCCESS" and polled_at == [0.0, 4.0]


@pytest.mark.anyio
async def test_async_failure(
    async_client: apimart.AsyncClient, router: respx.Router, clock: FakeClock
) -> None:
    router.post("/v1/midjourney/generations/upscale").respond(200, json=submitted(TASK_ID))
    serve(router, clock, MJ_PATH, [mj_task("FAILURE", "100%", fail_reason="No available upstream")])
    with pytest.raises(apimart.TaskFailedError, match="No available upstream"):
        await async_client.upscale_and_wait("task_parent", 2)
