"""The `apimart` CLI in-process: output, progress, and errors as one line with a non-zero status."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
import respx
from client_helpers import BASE, JOB, TASK_ID, FakeClock, envelope, mj_task, submitted, unified_task

from apimart.cli import EXIT_CODES, _Progress, main

GEN = "/v1/midjourney/generations"


@pytest.fixture
def run(router: respx.Router, clock: FakeClock) -> Any:
    def run(*argv: str) -> int:
        options = {"transport": httpx.MockTransport(router.handler), "sleep": clock.sleep, "clock": clock}
        return main(["--base-url", BASE, "--api-key", "sk-test", *argv], client_options=options)

    return run


def test_get_prints_a_summary(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task(image_urls=["https://x.test/0.png"]))
    assert run("get", TASK_ID) == 0
    out = capsys.readouterr().out
    assert f"id          {TASK_ID}" in out and "status      SUCCESS" in out
    assert "image       https://x.test/0.png" in out
    assert f"button      U1  MJ::JOB::upsample::1::{JOB}" in out


def test_get_unified_json(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    body = unified_task(result={"images": [{"url": ["https://x.test/0.png"], "expires_at": 1}]})
    router.get(f"/v1/tasks/{TASK_ID}").respond(200, json=body)
    assert run("get", TASK_ID, "--view", "unified", "--json") == 0
    assert json.loads(capsys.readouterr().out) == body["data"]


def test_get_unified_text_lists_urls(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    body = unified_task(
        result={"images": [{"url": "https://x.test/a.png"}, {"url": ["https://x.test/b.png"]}]}
    )
    router.get(f"/v1/tasks/{TASK_ID}").respond(200, json=body)
    assert run("get", TASK_ID, "--view", "unified") == 0
    out = capsys.readouterr().out
    assert "image       https://x.test/a.png" in out and "image       https://x.test/b.png" in out


def test_wait_prints_plain_progress_lines_off_a_terminal(
    run: Any, router: respx.Router, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").mock(
        side_effect=[
            httpx.Response(200, json=mj_task("SUBMITTED", "0%")),
            httpx.Response(200, json=mj_task("SUBMITTED", "0%")),
            httpx.Response(200, json=mj_task("IN_PROGRESS", "50%")),
            httpx.Response(200, json=mj_task()),
        ]
    )
    assert run("wait", TASK_ID, "--interval", "2") == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "0% SUBMITTED [0.0 s]",
        "50% IN_PROGRESS [4.0 s]",
        "100% SUCCESS [6.0 s]",
    ]
    assert "status      SUCCESS" in captured.out
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_progress_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    clock = FakeClock()
    report = _Progress(stream, clock)
    report(50, "IN_PROGRESS")
    clock.sleep(12.34)
    report(100, "SUCCESS")
    assert stream.getvalue() == (
        f"\r[{'#' * 15}{'-' * 15}]  50% IN_PROGRESS [0.0 s]\r[{'#' * 30}] 100% SUCCESS     [12.3 s]\n"
    )


def test_a_long_wait_says_how_long_between_changes() -> None:
    """Off a terminal: a line per change, and the same line again every 30 s without one."""
    stream = io.StringIO()
    clock = FakeClock()
    report = _Progress(stream, clock)
    for _ in range(25):  # 25 polls 3 s apart, nothing changes
        report(0, "SUBMITTED")
        clock.sleep(3.0)
    report(50, "IN_PROGRESS")
    assert stream.getvalue().splitlines() == [
        "0% SUBMITTED [0.0 s]",
        "0% SUBMITTED [30.0 s]",
        "0% SUBMITTED [60.0 s]",
        "50% IN_PROGRESS [75.0 s]",
    ]


def test_imagine_with_options(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    route = router.post(f"{GEN}/imagine").respond(200, json=submitted("task_new"))
    options = ("--size", "16:9", "--seed", "42", "--version", "7", "--tile")
    assert run("imagine", "a cat", "--speed", "fast", *options) == 0
    assert capsys.readouterr().out == "task_new submitted\n"
    assert json.loads(route.calls.last.request.content) == {
        "prompt": "a cat",
        "speed": "fast",
        "size": "16:9",
        "seed": 42,
        "version": "7",  # a string field of the spec stays text
        "tile": True,
    }


def test_imagine_and_wait(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.post(f"{GEN}/imagine").respond(200, json=submitted(TASK_ID))
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    assert run("imagine", "a cat", "--wait", "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "SUCCESS"
    assert f"submitted {TASK_ID}" in captured.err


@pytest.mark.parametrize(
    ("argv", "path", "body"),
    [
        (["upscale", "--index", "2"], "upscale", {"index": 2}),
        (
            ["upscale", "--custom-id", f"MJ::JOB::upsample::2::{JOB}"],
            "upscale",
            {"custom_id": f"MJ::JOB::upsample::2::{JOB}"},
        ),
        (["pan", "--direction", "up"], "pan", {"direction": "up"}),
        (["zoom", "--zoom-ratio", "1.5"], "zoom", {"zoom_ratio": 1.5}),
        (
            ["high-variation", "--index", "1", "--speed", "turbo"],
            "high-variation",
            {"index": 1, "speed": "turbo"},
        ),
        (["reroll", "--metadata", '{"order": 7}'], "reroll", {"metadata": {"order": 7}}),
    ],
)
def test_action(
    run: Any,
    router: respx.Router,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    path: str,
    body: dict[str, Any],
) -> None:
    route = router.post(f"{GEN}/{path}").respond(200, json=submitted("task_child"))
    assert run(argv[0], TASK_ID, *argv[1:]) == 0
    assert capsys.readouterr().out == "task_child submitted\n"
    assert json.loads(route.calls.last.request.content) == {"task_id": TASK_ID, **body}


def test_modal_and_wait(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    route = router.post(f"{GEN}/modal").respond(200, json=submitted(TASK_ID))
    router.get(f"/v1/midjourney/{TASK_ID}").mock(
        side_effect=[httpx.Response(200, json=mj_task("MODAL", "15%")), httpx.Response(200, json=mj_task())]
    )
    assert run("modal", TASK_ID, "--prompt", "a hat", "--mask-url", "https://x.test/m.png", "--wait") == 0
    assert "status      SUCCESS" in capsys.readouterr().out
    assert json.loads(route.calls.last.request.content)["mask_url"] == "https://x.test/m.png"


def test_wait_on_modal_says_what_to_do(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task("MODAL", "15%", action="INPAINT"))
    assert run("wait", TASK_ID) == 0
    assert f"apimart modal {TASK_ID}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("status", "body", "message", "code"),
    [
        (404, envelope(404, "task not found", "not_found_error"), "404 Not Found: task not found", 4),
        (401, envelope(401, "bad key", "authentication_error"), "401 Unauthorized: bad key", 3),
        (403, envelope(403, "not yours", "permission_error"), "403 Forbidden: not yours", 3),
        (400, envelope(400, "not finished", "invalid_request_error"), "400 Bad Request: not finished", 7),
        (402, envelope(402, "top up", "insufficient_balance"), "402 Payment Required: top up", 7),
        (520, "<html>cloudflare</html>", "520 Unknown Status: <html>cloudflare</html>", 6),
        (200, "<html>ok?</html>", "invalid response from GET", 6),
    ],
)
def test_errors_are_one_line_with_their_exit_code(
    run: Any,
    router: respx.Router,
    capsys: pytest.CaptureFixture[str],
    status: int,
    body: Any,
    message: str,
    code: int,
) -> None:
    answer = {"json": body} if isinstance(body, dict) else {"text": body}
    router.get(f"/v1/midjourney/{TASK_ID}").respond(status, **answer)
    assert run("get", TASK_ID) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("apimart: error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_failed_task_and_timeout(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(
        200, json=mj_task("FAILURE", fail_reason="Banned prompt detected")
    )
    assert run("wait", TASK_ID) == EXIT_CODES["task_failed"] == 1
    assert capsys.readouterr().err.endswith("failure: Banned prompt detected\n")
    router.get("/v1/midjourney/task_slow").respond(200, json=mj_task("IN_PROGRESS", "5%", id="task_slow"))
    assert run("wait", "task_slow", "--timeout", "5") == EXIT_CODES["timeout"] == 5
    assert "still IN_PROGRESS after waiting 5 s" in capsys.readouterr().err


def test_connection_error(router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").mock(side_effect=httpx.ConnectError("refused"))
    options = {"transport": httpx.MockTransport(router.handler), "sleep": lambda s: None}
    assert (
        main(
            ["--base-url", BASE, "--api-key", "k", "--max-retries", "0", "get", TASK_ID],
            client_options=options,
        )
        == EXIT_CODES["network_or_server"]
        == 6
    )
    assert capsys.readouterr().err.startswith("apimart: error: connection error (ConnectError: refused)")


def test_missing_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    assert main(["get", TASK_ID]) == EXIT_CODES["usage"] == 2
    assert (
        capsys.readouterr().err == "apimart: error: no API key: pass --api-key KEY or set APIMART_API_KEY\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["upscale", TASK_ID, "--zoom-ratio", "2"],
        ["explode", TASK_ID],
        ["imagine", "x", "--speed", "warp"],
        ["imagine", "x", "--metadata", "5"],
        ["imagine", "x", "--seed", "many"],
        ["upscale"],
    ],
)
def test_usage_errors_exit_2(run: Any, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert run(*argv) == 2
    assert "usage: apimart" in capsys.readouterr().err


def test_unusable_interval_is_one_line(run: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("wait", TASK_ID, "--interval", "nan") == 2
    assert capsys.readouterr().err.startswith("apimart: error: interval must be a finite number")


def test_blend_takes_its_images_as_arguments(run: Any, router: respx.Router) -> None:
    route = router.post(f"{GEN}/blend").respond(200, json=submitted("task_blend"))
    assert run("blend", "https://x.test/a.png", "https://x.test/b.png", "--dimensions", "PORTRAIT") == 0
    assert json.loads(route.calls.last.request.content) == {
        "image_urls": ["https://x.test/a.png", "https://x.test/b.png"],
        "dimensions": "PORTRAIT",
    }


def test_balance(run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.get("/v1/user/balance").respond(
        200, json={"success": True, "remain_balance": -1, "used_balance": 0.07, "unlimited_quota": True}
    )
    assert run("user-balance") == 0
    assert capsys.readouterr().out == "remain      unlimited\nused        0.07\n"


def test_upload_image_prints_the_url(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    router.post("/v1/uploads/images").respond(
        200,
        json={
            "url": "https://x.test/f/image/1-a-cat.png",
            "filename": "cat.png",
            "content_type": "image/png",
            "bytes": 8,
            "created_at": 1,
        },
    )
    (tmp_path / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert run("upload-image", str(tmp_path / "cat.png")) == 0
    assert capsys.readouterr().out == "https://x.test/f/image/1-a-cat.png\n"
