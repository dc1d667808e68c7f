"""Follow-up actions: customIds and auto-matching, child shapes, rejections, inpaint/MODAL."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_helpers import KEY_B, Api, error_of

from apimart_mj import CustomId, Parent, hd_upscale_id, submits

ENDPOINT_OF = {op.action: op.cli_name for op in submits() if op.parent is Parent.BUTTON}
ZOOM_RATIO = {2.0: 2.0, 1.5: 1.5}


def auto_inputs(custom_id: CustomId) -> dict[str, Any] | None:
    """The auto-matching inputs that pick this button, or None when only its customId reaches it."""
    action = custom_id.action
    if action in ("UPSCALE", "VARIATION") and custom_id.operation in ("upsample", "variation"):
        return {"index": custom_id.index}
    if action in ("HIGH_VARIATION", "LOW_VARIATION"):
        return {"index": 1}
    if action == "REROLL" or action == "INPAINT":
        return {}
    if action == "PAN":
        return {"direction": custom_id.direction}
    if action == "ZOOM" and custom_id.zoom_factor is not None:
        return {"zoom_ratio": custom_id.zoom_factor}
    return None


def test_upscale_is_a_single_image_done_at_once(api: Api) -> None:
    grid = api.finished()
    child = api.create("upscale", {"task_id": grid, "index": 3})
    mj = api.mj(child)
    assert (mj["action"], mj["status"], len(mj["image_urls"])) == ("UPSCALE", "SUCCESS", 1)
    assert "buttons" not in mj and "grid_image_url" not in mj  # live shape
    assert api.unified(child)["result"]["images"][0]["url"] == mj["image_urls"]


@pytest.mark.parametrize("endpoint", ["variation", "reroll", "low-variation"])
def test_grid_children_have_their_own_job_hash_and_grid_buttons(api: Api, endpoint: str) -> None:
    parent = api.finished()
    body = {"task_id": parent, "index": 2}
    if endpoint == "low-variation":
        body = {"task_id": api.create("upscale", {"task_id": parent, "index": 2}), "index": 1}
    if endpoint == "reroll":
        body = {"task_id": parent}
    child = api.create(endpoint, body)
    assert api.mj(child)["status"] == "NOT_START"
    api.advance(60)
    mj = api.mj(child)
    assert mj["status"] == "SUCCESS" and len(mj["image_urls"]) == 4 and len(mj["buttons"]) == 15
    parent_hash = CustomId.parse(api.mj(parent)["buttons"][0]["customId"]).job_hash
    child_hashes = {CustomId.parse(b["customId"]).job_hash for b in mj["buttons"]}
    assert len(child_hashes) == 1 and parent_hash not in child_hashes


def test_custom_id_wins_over_index(api: Api) -> None:
    grid = api.finished()
    v2 = api.mj(grid)["buttons"][6]["customId"]
    child = api.create("upscale", {"task_id": grid, "index": 1, "custom_id": v2})
    assert api.mj(child)["action"] == "VARIATION"


def test_hd_upscale_by_custom_id_takes_a_while(api: Api) -> None:
    grid = api.finished()
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    job_hash = api.tasks()["tasks"][-1]["job_hash"]
    child = api.create("upscale", {"task_id": upscaled, "custom_id": str(hd_upscale_id(job_hash))})
    assert api.mj(child)["status"] == "NOT_START"
    api.advance(60)
    assert (api.mj(child)["action"], len(api.mj(child)["image_urls"])) == ("UPSCALE", 1)


def rejections(api: Api) -> list[tuple[str, dict[str, Any], int, str, str]]:
    grid = api.finished()
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    other = api.as_(KEY_B).finished()
    pending = api.create()
    foreign_hash = api.tasks(KEY_B)["tasks"][0]["job_hash"]
    requires = "This action requires an upscaled task."
    return [
        (
            "upscale",
            {"task_id": pending, "index": 1},
            400,
            "invalid_request_error",
            f"task {pending} is not in SUCCESS state",
        ),
        ("zoom", {"task_id": grid, "zoom_ratio": 1.5}, 400, "invalid_request_error", requires),
        ("zoom", {"task_id": grid}, 400, "invalid_request_error", requires),
        ("pan", {"task_id": grid, "direction": "left"}, 400, "invalid_request_error", requires),
        ("inpaint", {"task_id": grid}, 400, "invalid_request_error", requires),
        (
            "pan",
            {"task_id": upscaled},
            400,
            "invalid_request_error",
            "direction or custom_id is required for pan",
        ),
        (
            "upscale",
            {"task_id": grid},
            400,
            "invalid_request_error",
            "index or custom_id is required for upscale",
        ),
        (
            "upscale",
            {"task_id": upscaled, "index": 2},
            400,
            "invalid_request_error",
            "no U2 button on this task",
        ),
        (
            "upscale",
            {"task_id": grid, "index": 5},
            400,
            "invalid_request_error",
            "invalid index: 5 is greater than the maximum of 4",
        ),
        (
            "upscale",
            {"task_id": grid, "custom_id": f"MJ::JOB::upsample::1::{foreign_hash}"},
            400,
            "invalid_request_error",
            f"custom_id MJ::JOB::upsample::1::{foreign_hash} is not a button of task {grid}",
        ),
        (
            "upscale",
            {"task_id": grid, "custom_id": "MJ::nonsense"},
            400,
            "invalid_request_error",
            "invalid custom_id: MJ::nonsense",
        ),
        ("reroll", {}, 400, "invalid_request_error", "task_id is required for reroll"),
        (
            "variation",
            {"task_id": other, "index": 1},
            403,
            "permission_error",
            "You do not have permission to access this task",
        ),
        (
            "variation",
            {"task_id": "task_gone", "index": 1},
            404,
            "not_found_error",
            "task task_gone not found",
        ),
    ]


def test_every_rejection_creates_and_charges_nothing(api: Api) -> None:
    cases = rejections(api)
    before = api.tasks()
    for endpoint, body, status, kind, message in cases:
        response = api.submit(endpoint, body)
        assert error_of(response) == (status, kind, message), (endpoint, body)
    assert api.tasks() == before


def test_expired_parent_is_404(api: Api) -> None:
    grid = api.finished()
    api.advance(3 * 24 * 3600)
    assert error_of(api.submit("upscale", {"task_id": grid, "index": 1}))[:2] == (404, "not_found_error")


def test_inpaint_modal_success(api: Api) -> None:
    upscaled = api.create("upscale", {"task_id": api.finished(), "index": 4})
    response = api.submit("inpaint", {"task_id": upscaled})
    assert response.json["data"][0]["status"] == "modal"  # type: ignore[index]
    task_id = response.json["data"][0]["task_id"]  # type: ignore[index]
    mj = api.mj(task_id)
    assert (mj["status"], mj["action"], mj["quota"]) == ("MODAL", "INPAINT", 0)
    assert api.unified(task_id)["status"] == "pending"
    api.advance(600)
    done = api.submit(
        "modal", {"task_id": task_id, "prompt": "a red balloon", "mask_url": "https://x.test/m.png"}
    )
    assert done.json == {"code": 200, "data": [{"status": "submitted", "task_id": task_id}]}
    assert api.mj(task_id)["status"] == "SUBMITTED"  # the row exists already: no NOT_START
    api.advance(60)
    mj = api.mj(task_id)
    assert (mj["status"], len(mj["image_urls"]), mj["prompt_en"], mj["quota"]) == (
        "SUCCESS",
        4,
        "a red balloon",
        0.05,
    )
    again = api.submit("modal", {"task_id": task_id})
    assert error_of(again) == (400, "invalid_request_error", f"task {task_id} is not in MODAL state")


def test_modal_left_30_minutes_is_cancelled_and_refunded(api: Api) -> None:
    upscaled = api.create("upscale", {"task_id": api.finished(), "index": 1})
    task_id = api.create("inpaint", {"task_id": upscaled})
    api.advance(30 * 60)
    mj, unified = api.mj(task_id), api.unified(task_id)
    assert (mj["status"], mj["quota"]) == ("FAILURE", 0)
    assert "cancelled" in mj["fail_reason"].lower() and "refunded" in mj["fail_reason"]
    assert unified["status"] == "cancelled" and unified["error"]["type"] == "task_cancelled"
    assert error_of(api.submit("modal", {"task_id": task_id}))[0] == 400


def test_modal_on_a_task_not_in_modal(api: Api) -> None:
    grid = api.finished()
    assert error_of(api.submit("modal", {"task_id": grid})) == (
        400,
        "invalid_request_error",
        f"task {grid} is not in MODAL state",
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_button_pressed_both_ways_gives_the_action_it_names(api: Api, data: st.DataObject) -> None:
    """Property: for a random task shape and a random button of it, pressing it by customId and by its
    auto-matching inputs (when it has any) both create a child of the action the customId names."""
    api.client.post("/__mock/reset", json={})
    parent = api.finished()
    if data.draw(st.booleans(), label="upscaled parent"):
        parent = api.create(
            "upscale", {"task_id": parent, "index": data.draw(st.integers(1, 4), label="tile")}
        )
    buttons = api.mj(parent).get("buttons") or [
        {"customId": b.custom_id} for b in _internal_buttons(api, parent)
    ]
    button = data.draw(st.sampled_from(buttons), label="button")
    custom_id = CustomId.parse(button["customId"])
    endpoint = ENDPOINT_OF[custom_id.action]  # type: ignore[index]
    pressed = [{"task_id": parent, "custom_id": str(custom_id)}]
    inputs = auto_inputs(custom_id)
    upscaled_only = custom_id.action in ("ZOOM", "PAN", "INPAINT")
    grid = "grid_image_url" in api.mj(parent)
    if inputs is not None and not (upscaled_only and grid):
        pressed.append({"task_id": parent, **inputs})
    for body in pressed:
        child = api.create(endpoint, body)
        assert api.mj(child)["action"] == custom_id.action, body


def _internal_buttons(api: Api, task_id: str) -> tuple[Any, ...]:
    state = api.client.application.extensions["apimart_mock"]
    return state.service.store.task(task_id).buttons  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("endpoint", "action"), [("high-variation", "HIGH_VARIATION"), ("low-variation", "LOW_VARIATION")]
)
def test_vary_on_a_grid_takes_its_v_button_and_keeps_the_endpoints_action(
    api: Api, endpoint: str, action: str
) -> None:
    """The workflow page's flow B: /high-variation with `index` directly on an imagine grid."""
    child = api.create(endpoint, {"task_id": api.finished(), "index": 3})
    api.advance(60)
    mj = api.mj(child)
    assert (mj["action"], mj["status"], len(mj["image_urls"]), len(mj["buttons"])) == (
        action,
        "SUCCESS",
        4,
        15,
    )


@pytest.mark.parametrize("ratio", [1.5, 2, 3.5])
def test_zoom_ratio_of_2_and_above_is_valid(api: Api, ratio: float) -> None:
    """Which Zoom Out button a ratio picks is not observable through the API: `match_button`'s unit
    test checks it (tests/test_custom_id.py); here, every ratio above 1 makes a ZOOM child."""
    upscaled = api.create("upscale", {"task_id": api.finished(), "index": 1})
    child = api.create("zoom", {"task_id": upscaled, "zoom_ratio": ratio})
    api.advance(60)
    assert (api.mj(child)["action"], api.mj(child)["status"]) == ("ZOOM", "SUCCESS")


def test_zoom_ratio_of_1_or_less_is_a_400(api: Api) -> None:
    upscaled = api.create("upscale", {"task_id": api.finished(), "index": 1})
    assert error_of(api.submit("zoom", {"task_id": upscaled, "zoom_ratio": 1})) == (
        400,
        "invalid_request_error",
        "invalid zoom_ratio: 1 is less than or equal to the minimum of 1",
    )


@pytest.mark.parametrize("version", ["8", "8.1", "8.2"])
def test_pan_on_a_v8_parent_is_an_invalid_generation_request(api: Api, version: str) -> None:
    grid = api.finished(body={"prompt": "a cat", "version": version})
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    by_direction = api.submit("pan", {"task_id": upscaled, "direction": "left"})
    pan_button = next(b for b in api.mj(grid)["buttons"] if "pan_left" in b["customId"])
    by_custom_id = api.submit("pan", {"task_id": grid, "custom_id": pan_button["customId"]})
    for response in (by_direction, by_custom_id):
        assert error_of(response) == (400, "invalid_request_error", "invalid generation request")


def test_the_version_of_a_prompt_flag_counts_and_children_inherit_it(api: Api) -> None:
    grid = api.finished(body={"prompt": "a cat --ar 16:9 --v 8.1"})
    upscaled = api.create("upscale", {"task_id": grid, "index": 2})
    assert (
        error_of(api.submit("pan", {"task_id": upscaled, "direction": "up"}))[2]
        == "invalid generation request"
    )
    assert (
        api.mj(
            api.create(
                "pan",
                {
                    "task_id": api.create("upscale", {"task_id": api.finished(), "index": 1}),
                    "direction": "up",
                },
            )
        )["action"]
        == "PAN"
    )


@pytest.mark.parametrize(
    ("version", "own", "other"),
    [
        ("5.2", "upsample_v5_4x", "upsample_v6_2x_subtle"),
        ("6.1", "upsample_v6_2x_creative", "upsample_v7_2x_subtle"),
        ("7", "upsample_v7_2x_subtle", "upsample_v5_2x"),
    ],
)
def test_hd_upscale_ids_follow_the_parents_version(api: Api, version: str, own: str, other: str) -> None:
    grid = api.finished(body={"prompt": "a cat", "version": version})
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    job_hash = api.tasks()["tasks"][-1]["job_hash"]
    child = api.create("upscale", {"task_id": upscaled, "custom_id": str(hd_upscale_id(job_hash, own))})
    api.advance(60)
    assert api.mj(child)["status"] == "SUCCESS"
    refused = api.submit("upscale", {"task_id": upscaled, "custom_id": str(hd_upscale_id(job_hash, other))})
    assert error_of(refused)[:2] == (400, "invalid_request_error")
