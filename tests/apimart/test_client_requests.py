"""What the client sends: configuration, headers, paths and the body of every submit helper."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
import respx
from client_helpers import BASE, JOB, TASK_ID, mj_task, submitted

import apimart
from apimart import Button, MidjourneyTask

GEN = "/v1/midjourney/generations"


def sent_body(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIMART_API_KEY", "sk-env")
    monkeypatch.setenv("APIMART_BASE_URL", "http://127.0.0.1:4010/")
    client = apimart.Client()
    assert client.api_key == "sk-env" and client.base_url == "http://127.0.0.1:4010"
    assert "sk-env" not in repr(client)
    assert client.timeout == apimart.DEFAULT_TIMEOUT
    client.close()


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIMART_API_KEY", "sk-env")
    client = apimart.Client(api_key="sk-arg", timeout=5)
    assert client.api_key == "sk-arg" and client.base_url == "https://api.apimart.ai"
    assert client.timeout == httpx.Timeout(5)
    client.close()


def test_a_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    with pytest.raises(apimart.InvalidArgumentError, match="APIMART_API_KEY"):
        apimart.Client()


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "http://"])
def test_a_bad_base_url_is_refused(url: str) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="base URL"):
        apimart.Client(api_key="k", base_url=url)


def test_headers_timeout_and_path(client: apimart.Client, router: respx.Router) -> None:
    route = router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    client.get_task(TASK_ID)
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.headers["user-agent"].startswith("apimart-python")
    assert request.extensions["timeout"] == apimart.DEFAULT_TIMEOUT.as_dict()


def test_unified_view_and_language(client: apimart.Client, router: respx.Router) -> None:
    body = {"code": 200, "data": {"id": TASK_ID, "status": "processing", "progress": 40}}
    route = router.get(f"/v1/tasks/{TASK_ID}").respond(200, json=body)
    task = client.get_task(TASK_ID, view="unified", language="zh")
    assert task.progress == 40
    assert route.calls.last.request.url.params["language"] == "zh"
    with pytest.raises(apimart.InvalidArgumentError, match="language"):
        client.get_task(TASK_ID, view="unified", language="fr")
    with pytest.raises(apimart.InvalidArgumentError, match="unified"):
        client.get_task(TASK_ID, language="en")


def test_metadata_must_be_a_mapping(client: apimart.Client) -> None:
    """Refused before any request (the router has no route: a request would fail differently)."""
    with pytest.raises(apimart.InvalidArgumentError, match="metadata must be a mapping"):
        client.imagine("a cat", metadata=5)  # type: ignore[arg-type]
    with pytest.raises(apimart.InvalidArgumentError, match="metadata must be a mapping"):
        client.upscale(TASK_ID, 1, metadata=["x"])  # type: ignore[arg-type]


def test_task_ids_are_quoted_in_the_path(client: apimart.Client, router: respx.Router) -> None:
    route = router.get(path__startswith="/v1/midjourney/").respond(
        404, json={"error": {"message": "no", "type": "x"}}
    )
    with pytest.raises(apimart.NotFoundError):
        client.get_task("../v1/tasks/x?y")
    assert route.calls.last.request.url.raw_path == b"/v1/midjourney/..%2Fv1%2Ftasks%2Fx%3Fy"


def test_a_base_url_prefix_is_kept(router: respx.Router) -> None:
    route = router.get(f"https://proxy.test/apimart/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    with apimart.Client(
        api_key="k", base_url="https://proxy.test/apimart/", transport=httpx.MockTransport(router.handler)
    ) as client:
        client.get_task(TASK_ID)
    assert route.called


def test_an_injected_http_client_is_used_and_left_open(router: respx.Router) -> None:
    route = router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    http = httpx.Client(transport=httpx.MockTransport(router.handler))
    with apimart.Client(api_key="k", base_url=BASE, http_client=http) as client:
        client.get_task(TASK_ID)
    assert route.called and not http.is_closed
    with pytest.raises(apimart.InvalidArgumentError, match="not both"):
        apimart.Client(api_key="k", http_client=http, transport=httpx.MockTransport(router.handler))
    http.close()


def test_imagine_body(client: apimart.Client, router: respx.Router) -> None:
    route = router.post(f"{GEN}/imagine").respond(200, json=submitted("task_new"))
    answer = client.imagine("a cat", speed="fast", metadata={"order": "42"}, size="16:9", version="7", seed=3)
    assert answer.task_id == "task_new" and answer.status == "submitted"
    assert sent_body(route) == {
        "prompt": "a cat",
        "speed": "fast",
        "metadata": {"order": "42"},
        "size": "16:9",
        "version": "7",
        "seed": 3,
    }


def test_imagine_refuses_unknown_fields(client: apimart.Client) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="imagine does not take colour"):
        client.imagine("a cat", colour="red")
    with pytest.raises(apimart.InvalidArgumentError, match="speed must be one of"):
        client.imagine("a cat", speed="warp")


GRID = MidjourneyTask.from_dict(mj_task())


@pytest.mark.parametrize(
    ("call", "path", "body"),
    [
        (
            lambda c: c.blend(["https://x.test/a.png", "https://x.test/b.png"], dimensions="PORTRAIT"),
            "blend",
            {"image_urls": ["https://x.test/a.png", "https://x.test/b.png"], "dimensions": "PORTRAIT"},
        ),
        (
            lambda c: c.edits("make it snow", ["https://x.test/a.png"], size="16:9"),
            "edits",
            {"prompt": "make it snow", "image_urls": ["https://x.test/a.png"], "size": "16:9"},
        ),
        (lambda c: c.describe("https://x.test/a.png"), "describe", {"image_urls": ["https://x.test/a.png"]}),
        (
            lambda c: c.remix_strong(TASK_ID, 2, prompt="at night"),
            "remix-strong",
            {"task_id": TASK_ID, "index": 2, "prompt": "at night"},
        ),
        (lambda c: c.remix_subtle(TASK_ID, 1), "remix-subtle", {"task_id": TASK_ID, "index": 1}),
        (
            lambda c: c.video(TASK_ID, 0, batch_size=2),
            "video",
            {"task_id": TASK_ID, "index": 0, "batch_size": 2},
        ),
        (
            lambda c: c.video(image_url="https://x.test/f.png", prompt="rain"),
            "video",
            {"image_urls": ["https://x.test/f.png"], "prompt": "rain"},
        ),
        (lambda c: c.upscale(TASK_ID, 2), "upscale", {"task_id": TASK_ID, "index": 2}),
        (
            lambda c: c.upscale(GRID, button=GRID.buttons[1]),
            "upscale",
            {"task_id": TASK_ID, "custom_id": f"MJ::JOB::upsample::2::{JOB}"},
        ),
        (
            lambda c: c.upscale(GRID, button=apimart.hd_upscale_id(JOB)),
            "upscale",
            {"task_id": TASK_ID, "custom_id": f"MJ::JOB::upsample_v7_2x_subtle::1::{JOB}::SOLO"},
        ),
        (
            lambda c: c.variation(GRID, 4, speed="turbo"),
            "variation",
            {"task_id": TASK_ID, "index": 4, "speed": "turbo"},
        ),
        (lambda c: c.high_variation(TASK_ID, 1), "high-variation", {"task_id": TASK_ID, "index": 1}),
        (lambda c: c.low_variation(TASK_ID, 1), "low-variation", {"task_id": TASK_ID, "index": 1}),
        (lambda c: c.reroll(TASK_ID), "reroll", {"task_id": TASK_ID}),
        (lambda c: c.zoom(TASK_ID, 1.5), "zoom", {"task_id": TASK_ID, "zoom_ratio": 1.5}),
        (lambda c: c.pan(TASK_ID, "left"), "pan", {"task_id": TASK_ID, "direction": "left"}),
        (lambda c: c.inpaint(TASK_ID), "inpaint", {"task_id": TASK_ID}),
        (
            lambda c: c.modal(TASK_ID, prompt="a hat", mask_url="https://x.test/m.png"),
            "modal",
            {"task_id": TASK_ID, "prompt": "a hat", "mask_url": "https://x.test/m.png"},
        ),
        (
            lambda c: c.submit("pan", TASK_ID, button=f"MJ::JOB::pan_up::1::{JOB}::SOLO"),
            "pan",
            {"task_id": TASK_ID, "custom_id": f"MJ::JOB::pan_up::1::{JOB}::SOLO"},
        ),
        (
            lambda c: c.submit(
                "upscale", apimart.SubmittedTask(status="submitted", task_id=TASK_ID), index=3
            ),
            "upscale",
            {"task_id": TASK_ID, "index": 3},
        ),
    ],
)
def test_every_action_sends_its_body(
    client: apimart.Client, router: respx.Router, call: Any, path: str, body: dict[str, Any]
) -> None:
    route = router.post(f"{GEN}/{path}").respond(200, json=submitted("task_child"))
    assert call(client).task_id == "task_child"
    assert sent_body(route) == body


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"operation": "modal", "direction": "left"}, "modal does not take direction"),
        ({"operation": "upscale", "zoom_ratio": 2.0}, "upscale does not take zoom_ratio"),
        ({"operation": "reroll", "mask_url": "x"}, "reroll does not take mask_url"),
        ({"operation": "pan", "direction": "sideways"}, "direction must be one of"),
        ({"operation": "upscale", "speed": "warp"}, "speed must be one of"),
        ({"operation": "upscale", "metadata": 5}, "metadata must be a mapping"),
        ({"operation": "explode"}, "unknown operation"),
        ({"operation": "get_task"}, "unknown operation"),
        ({"operation": "upscale", "button": 42}, "expected a customId or a button"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    client: apimart.Client, router: respx.Router, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match=message):
        client.submit(task=TASK_ID, **kwargs)
    assert router.calls.call_count == 0


@pytest.mark.parametrize("task", ["", 42, None])
def test_a_task_must_name_an_id(client: apimart.Client, task: Any) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="task id"):
        client.get_task(task)


def test_inpaint_and_wait_stops_at_modal_and_modal_and_wait_goes_on(
    client: apimart.Client, router: respx.Router
) -> None:
    router.post(f"{GEN}/inpaint").respond(200, json=submitted("task_in", status="modal"))
    router.post(f"{GEN}/modal").respond(200, json=submitted("task_in"))
    polls = router.get("/v1/midjourney/task_in").mock(
        side_effect=[
            httpx.Response(200, json=mj_task("MODAL", "15%", id="task_in", action="INPAINT")),
            httpx.Response(200, json=mj_task("MODAL", "15%", id="task_in", action="INPAINT")),
            httpx.Response(200, json=mj_task("SUCCESS", id="task_in", action="INPAINT")),
        ]
    )
    waiting = client.inpaint_and_wait(TASK_ID)
    assert waiting.status == "MODAL" and polls.call_count == 1
    done = client.modal_and_wait(waiting, prompt="a hat", mask_url="data:image/png;base64,AA==")
    assert done.status == "SUCCESS" and polls.call_count == 3


def test_pick_button() -> None:
    grid = MidjourneyTask.from_dict(mj_task())
    assert apimart.pick_button(grid, "upscale", index=3).label == "U3"
    assert apimart.pick_button(grid, "variation", index=1).label == "V1"
    assert apimart.pick_button(grid, "reroll").custom_id == f"MJ::JOB::reroll::0::{JOB}::SOLO"
    assert apimart.pick_button(grid, label="Vary (Region)").custom_id == f"MJ::Inpaint::1::{JOB}::SOLO"
    with pytest.raises(apimart.NoMatchingButton, match="requires an upscaled task"):
        apimart.pick_button(grid, "pan", direction="left")
    with pytest.raises(apimart.NoMatchingButton, match="labelled"):
        apimart.pick_button(grid, label="Nope")
    with pytest.raises(apimart.InvalidArgumentError, match="action or a label"):
        apimart.pick_button(grid)


def test_pick_button_on_an_upscaled_task() -> None:
    buttons = [
        Button(custom_id=f"MJ::JOB::pan_left::1::{JOB}::SOLO", label="⬅"),
        Button(custom_id=f"MJ::Outpaint::50::1::{JOB}::SOLO", label="Zoom Out 2x"),
        Button(custom_id=f"MJ::Outpaint::75::1::{JOB}::SOLO", label="Zoom Out 1.5x"),
    ]
    image = MidjourneyTask(id="task_up", status="SUCCESS", action="UPSCALE", buttons=buttons)
    assert apimart.pick_button(image, "pan", direction="left") is buttons[0]
    assert apimart.pick_button(image, "zoom") is buttons[1]
    assert apimart.pick_button(image, "zoom", zoom_ratio=1.5) is buttons[2]
    with pytest.raises(apimart.NoMatchingButton):
        apimart.pick_button(image, "upscale", index=1)


def test_pick_button_on_a_live_upscaled_task_says_what_to_do_instead() -> None:
    image = MidjourneyTask(id="task_up", status="SUCCESS", action="UPSCALE")  # live shape: no buttons key
    with pytest.raises(apimart.NoMatchingButton, match="send index, direction or zoom_ratio with the action"):
        apimart.pick_button(image, "zoom", zoom_ratio=2)


@pytest.mark.parametrize(
    ("method", "path"), [("balance", "/v1/balance"), ("user_balance", "/v1/user/balance")]
)
def test_balances(client: apimart.Client, router: respx.Router, method: str, path: str) -> None:
    body = {"success": True, "remain_balance": 10.5, "used_balance": 2.3, "unlimited_quota": False}
    router.get(path).respond(200, json=body)
    balance = getattr(client, method)()
    assert isinstance(balance, apimart.BalanceResponse) and balance.to_dict() == body


def test_a_balance_the_service_cannot_read_is_an_error(client: apimart.Client, router: respx.Router) -> None:
    router.get("/v1/balance").respond(200, json={"success": False, "message": "Token Not Found"})
    with pytest.raises(apimart.BalanceUnavailableError, match="Token Not Found") as caught:
        client.balance()
    assert caught.value.reason == "Token Not Found" and caught.value.status_code == 200


PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
UPLOADED = {
    "url": "https://upload.apimart.ai/f/image/1-0a0b0c0d-cat.png",
    "filename": "cat.png",
    "content_type": "image/png",
    "bytes": 24,
    "created_at": 1763088289,
}


@pytest.mark.parametrize("source", ["bytes", "path", "file"])
def test_upload_image_sends_multipart(
    client: apimart.Client, router: respx.Router, tmp_path: Any, source: str
) -> None:
    route = router.post("/v1/uploads/images").respond(200, json=UPLOADED)
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    if source == "bytes":
        answer = client.upload_image(PNG, filename="cat.png", content_type="image/png")
    elif source == "path":
        answer = client.upload_image(path)
    else:
        with path.open("rb") as opened:
            answer = client.upload_image(opened)
    assert answer.url == UPLOADED["url"]
    sent = route.calls.last.request
    boundary = sent.headers["content-type"].split("boundary=")[1]
    assert sent.headers["content-type"].startswith("multipart/form-data") and boundary != "+++"
    assert b'name="file"; filename="cat.png"' in sent.content and PNG in sent.content


def test_upload_image_refuses_what_it_cannot_read(client: apimart.Client, tmp_path: Any) -> None:
    with pytest.raises(apimart.InvalidArgumentError, match="cannot read"):
        client.upload_image(tmp_path / "missing.png")
    with pytest.raises(apimart.InvalidArgumentError, match="binary mode"):
        client.upload_image(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(apimart.InvalidArgumentError, match="expected bytes"):
        client.upload_image(42)  # type: ignore[arg-type]
