"""The submits added to imagine and its follow-ups: blend, edits, describe, and the ones after them.

In-process, the clock advanced, every response validated against the spec (the `Api` helper), both
views agreeing."""

from __future__ import annotations

from typing import Any

import pytest
from mock_helpers import Api, error_of

A, B, C = "https://example.com/a.png", "https://example.com/b.png", "https://example.com/c.png"


def finished_views(api: Api, endpoint: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Submit, check the first read is not finished yet, advance the clock, return both views."""
    task_id = api.create(endpoint, body)
    assert api.mj(task_id)["status"] in ("NOT_START", "SUBMITTED")
    api.advance(60)
    return api.mj(task_id), api.unified(task_id)


def test_blend_gives_a_grid_of_its_images(api: Api) -> None:
    mj, unified = finished_views(api, "blend", {"image_urls": [A, B, C], "dimensions": "PORTRAIT"})
    assert (mj["action"], mj["status"], len(mj["image_urls"]), len(mj["buttons"])) == (
        "BLEND",
        "SUCCESS",
        4,
        15,
    )
    assert mj["prompt_en"] == f"{A} {B} {C} --ar 2:3"
    assert (unified["status"], unified["result"]["images"][0]["url"]) == ("completed", mj["image_urls"])
    assert mj["quota"] == 0.05


def test_blend_size_wins_over_dimensions(api: Api) -> None:
    mj, _ = finished_views(api, "blend", {"image_urls": [A, B], "dimensions": "LANDSCAPE", "size": "16:9"})
    assert mj["prompt_en"].endswith("--ar 16:9")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"image_urls": [A]}, "image_urls must hold 2 to 4 items for blend"),
        ({"image_urls": [A, B, C, A, B]}, "image_urls must hold 2 to 4 items for blend"),
        ({}, "image_urls is required for blend"),
        (
            {"image_urls": [A, B], "dimensions": "ROUND"},
            "invalid dimensions: 'ROUND' is not one of ['SQUARE', 'PORTRAIT', 'LANDSCAPE']",
        ),
    ],
)
def test_blend_rejections_create_nothing(api: Api, body: dict[str, Any], message: str) -> None:
    assert error_of(api.submit("blend", body)) == (400, "invalid_request_error", message)
    assert api.tasks()["tasks"] == []


def test_blend_grid_takes_follow_ups(api: Api) -> None:
    grid = api.finished("blend", {"image_urls": [A, B]})
    child = api.create("upscale", {"task_id": grid, "index": 2})
    assert api.mj(child)["action"] == "UPSCALE"


def test_edits_gives_a_grid_with_its_prompt(api: Api) -> None:
    mj, unified = finished_views(api, "edits", {"prompt": "make it snow --v 6.1", "image_urls": [A]})
    assert (mj["action"], mj["status"], len(mj["image_urls"]), mj["prompt_en"]) == (
        "EDITS",
        "SUCCESS",
        4,
        "make it snow --v 6.1",
    )
    assert unified["result"]["images"][0]["url"] == mj["image_urls"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"image_urls": [A]}, "prompt is required for edits"),
        ({"prompt": "snow"}, "image_urls is required for edits"),
        ({"prompt": "snow", "image_urls": []}, "image_urls must hold 1 to 10 items for edits"),
        (
            {"prompt": "snow", "image_urls": ["x" * 17_000_001]},
            "invalid image_urls.0: 'xxxx",
        ),
    ],
)
def test_edits_rejections_create_nothing(api: Api, body: dict[str, Any], message: str) -> None:
    status, kind, received = error_of(api.submit("edits", body))
    assert (status, kind) == (400, "invalid_request_error")
    assert received.startswith(message), received
    assert api.tasks()["tasks"] == []


def test_describe_gives_four_prompts_within_seconds(api: Api) -> None:
    task_id = api.create("describe", {"image_urls": [A, B]})
    assert api.mj(task_id)["status"] == "NOT_START"
    api.advance(2)
    mj, unified = api.mj(task_id), api.unified(task_id)
    assert (mj["action"], mj["status"], mj["mode"]) == ("DESCRIBE", "SUCCESS", "DESCRIBE")
    lines = mj["description"].split("\n")
    assert mj["prompt"] == mj["description"] and len(lines) == 4
    assert [line[:3] for line in lines] == [
        "1\ufe0f\u20e3",
        "2\ufe0f\u20e3",
        "3\ufe0f\u20e3",
        "4\ufe0f\u20e3",
    ]
    assert not {"image_urls", "grid_image_url", "buttons"} & set(mj)
    assert unified["status"] == "completed" and "result" not in unified
    assert api.mj(task_id)["description"] == mj["description"]  # the same text on every read


def test_describe_needs_an_image(api: Api) -> None:
    for body, message in (
        ({}, "image_urls is required for describe"),
        ({"image_urls": []}, "image_urls must hold 1 to 10 items for describe"),
    ):
        assert error_of(api.submit("describe", body)) == (400, "invalid_request_error", message)
    assert api.tasks()["tasks"] == []


def test_a_describe_result_takes_no_button(api: Api) -> None:
    described = api.finished("describe", {"image_urls": [A]})
    assert (
        error_of(api.submit("upscale", {"task_id": described, "index": 1}))[2] == "no U1 button on this task"
    )


@pytest.mark.parametrize(
    ("endpoint", "action"), [("remix-strong", "REMIX_STRONG"), ("remix-subtle", "REMIX_SUBTLE")]
)
@pytest.mark.parametrize("version", ["8.1", "8.2"])
def test_remix_of_a_v8_grid_gives_a_grid(api: Api, endpoint: str, action: str, version: str) -> None:
    grid = api.finished(body={"prompt": "a harbour at noon", "version": version})
    mj, unified = finished_views(api, endpoint, {"task_id": grid, "index": 3, "prompt": "a harbour at night"})
    assert (mj["action"], mj["status"], len(mj["image_urls"]), mj["prompt_en"]) == (
        action,
        "SUCCESS",
        4,
        "a harbour at night",
    )
    assert unified["result"]["images"][0]["url"] == mj["image_urls"]
    kept = api.mj(api.finished(endpoint, {"task_id": grid, "index": 1}))
    assert kept["prompt_en"] == "a harbour at noon"  # no prompt: the parent's


@pytest.mark.parametrize("version", [None, "7", "8", "6.1"])
def test_remix_needs_a_v8_1_or_v8_2_parent(api: Api, version: str | None) -> None:
    body = {"prompt": "a harbour"} if version is None else {"prompt": "a harbour", "version": version}
    grid = api.finished(body=body)
    before = api.tasks()
    response = api.submit("remix-strong", {"task_id": grid, "index": 1})
    assert error_of(response) == (400, "invalid_request_error", "remix needs a finished v8.1 or v8.2 task")
    assert api.tasks() == before


def test_remix_rejections(api: Api) -> None:
    grid = api.finished(body={"prompt": "a harbour", "version": "8.1"})
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    pending = api.create(body={"prompt": "a harbour", "version": "8.1"})
    for body, message in (
        ({"task_id": grid}, "index is required for remix-subtle"),
        ({"task_id": grid, "index": 5}, "invalid index: 5 is greater than the maximum of 4"),
        ({"task_id": pending, "index": 1}, f"task {pending} is not in SUCCESS state"),
        ({"task_id": upscaled, "index": 1}, f"remix-subtle needs a grid: task {upscaled} is not one"),
    ):
        assert error_of(api.submit("remix-subtle", body)) == (400, "invalid_request_error", message)


@pytest.mark.parametrize(("batch_size", "videos"), [(None, 1), (1, 1), (2, 2), (4, 4), (3, 1), (0, 1)])
def test_video_of_a_grid_image(api: Api, batch_size: int | None, videos: int) -> None:
    grid = api.finished(body={"prompt": "waves on a beach"})
    body: dict[str, Any] = {"task_id": grid, "index": 0}
    if batch_size is not None:
        body["batch_size"] = batch_size
    mj, unified = finished_views(api, "video", body)
    assert (mj["action"], mj["status"], mj["mode"], mj["prompt_en"]) == (
        "VIDEO",
        "SUCCESS",
        "FAST",
        "waves on a beach",
    )
    assert len(mj["video_urls"]) == videos and mj["video_url"] == mj["video_urls"][0]
    assert not {"image_urls", "grid_image_url", "buttons"} & set(mj)
    assert unified["result"] == {
        "videos": [{"url": mj["video_urls"], "expires_at": unified["completed"] + 86400}]
    }
    assert mj["quota"] == pytest.approx(0.1 * videos)  # billed per video


def test_video_of_a_first_frame_and_its_file(api: Api) -> None:
    mj, _ = finished_views(api, "video", {"image_urls": [A], "prompt": "the sky darkens", "motion": "low"})
    assert mj["prompt_en"] == "the sky darkens"
    served = api.client.get(mj["video_url"].removeprefix("http://localhost"))
    assert served.status_code == 200 and served.mimetype == "video/mp4"
    assert served.data[4:8] == b"ftyp"  # an ISO media file


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "send image_urls with a prompt, or task_id with index, for video (not both)"),
        ({"image_urls": [A]}, "send image_urls with a prompt, or task_id with index, for video (not both)"),
        (
            {"image_urls": [A], "prompt": "p", "task_id": "task_x", "index": 0},
            "send image_urls with a prompt, or task_id with index, for video (not both)",
        ),
        ({"task_id": "task_x"}, "send image_urls with a prompt, or task_id with index, for video (not both)"),
        (
            {"image_urls": [A], "prompt": "p", "animate_mode": "auto"},
            "animate_mode auto needs task_id and index",
        ),
        ({"task_id": "task_x", "index": 4}, "invalid index: 4 is greater than the maximum of 3"),
        ({"image_urls": [A], "prompt": "p", "video_type": "vid_1.1_i2v_extend_480"}, "invalid video_type"),
    ],
)
def test_video_rejections_create_nothing(api: Api, body: dict[str, Any], message: str) -> None:
    status, kind, received = error_of(api.submit("video", body))
    assert (status, kind) == (400, "invalid_request_error") and received.startswith(message), received
    assert api.tasks()["tasks"] == []


def test_video_needs_a_finished_grid(api: Api) -> None:
    grid = api.finished()
    upscaled = api.create("upscale", {"task_id": grid, "index": 1})
    pending = api.create()
    assert error_of(api.submit("video", {"task_id": upscaled, "index": 0}))[2] == (
        f"video needs a grid: task {upscaled} is not one"
    )
    assert error_of(api.submit("video", {"task_id": pending, "index": 0}))[2] == (
        f"task {pending} is not in SUCCESS state"
    )
