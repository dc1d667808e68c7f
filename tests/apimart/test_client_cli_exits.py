"""The CLI's contract with scripts: global options before or after the command, one documented exit
status per kind of outcome, and with `--json` always JSON on stdout (the task, or an error envelope)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from client_helpers import BASE, TASK_ID, FakeClock, envelope, mj_task

import apimart
from apimart.cli import EXIT_CODES, main
from apimart_mock.testing.harness import MockHarness

MJ = f"/v1/midjourney/{TASK_ID}"


@pytest.fixture
def run(router: respx.Router, clock: FakeClock) -> Any:
    """`main` with the transport and clock of the test; the key and URL are passed by each test."""

    def run(*argv: str) -> int:
        options = {"transport": httpx.MockTransport(router.handler), "sleep": clock.sleep, "clock": clock}
        return main(list(argv), client_options=options)

    return run


KEY = ("--api-key", "sk-test", "--base-url", BASE)


@pytest.mark.parametrize(
    "argv",
    [
        [*KEY, "get", TASK_ID, "--json"],
        ["get", TASK_ID, *KEY, "--json"],
        ["--json", "get", TASK_ID, *KEY],
        ["--api-key", "sk-test", "get", "--base-url", BASE, TASK_ID, "--json"],
    ],
)
def test_global_options_go_before_or_after_the_command(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    route = router.get(MJ).respond(200, json=mj_task())
    assert run(*argv) == 0
    assert json.loads(capsys.readouterr().out)["id"] == TASK_ID
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-test"


def test_after_the_command_wins_and_headers_add_up(run: Any, router: respx.Router) -> None:
    route = router.get(MJ).respond(200, json=mj_task())
    argv = ["--api-key", "sk-old", "--header", "X-A: 1", "get", TASK_ID, "--api-key", "sk-new"]
    assert run(*argv, "--base-url", BASE, "--header", "X-Mock-Scenario: failure") == 0
    sent = route.calls.last.request.headers
    assert (sent["authorization"], sent["x-a"], sent["x-mock-scenario"]) == ("Bearer sk-new", "1", "failure")


def test_a_bad_header_is_a_usage_error(run: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*KEY, "--header", "no colon", "get", TASK_ID) == EXIT_CODES["usage"]
    assert "--header must be 'Name: value'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (httpx.Response(200, json=mj_task()), "success"),
        (httpx.Response(200, json=mj_task("FAILURE", fail_reason="gone")), "task_failed"),
        (httpx.Response(401, json=envelope(401, "bad key", "authentication_error")), "authentication"),
        (httpx.Response(403, json=envelope(403, "not yours", "permission_error")), "authentication"),
        (httpx.Response(404, json=envelope(404, "no task", "not_found_error")), "not_found"),
        (httpx.Response(200, json=mj_task("IN_PROGRESS", "5%")), "timeout"),
        (httpx.Response(503, json=envelope(503, "down", "server_error")), "network_or_server"),
        (httpx.Response(429, json=envelope(429, "slow", "rate_limit_error")), "network_or_server"),
        (httpx.ConnectError("refused"), "network_or_server"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.Response(400, json=envelope(400, "bad", "invalid_request_error")), "refused"),
    ],
)
def test_each_outcome_has_its_exit_code_and_json(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str], answer: Any, code: str
) -> None:
    if isinstance(answer, Exception):
        router.get(MJ).mock(side_effect=answer)
    else:
        router.get(MJ).mock(return_value=answer)
    assert run(*KEY, "wait", TASK_ID, "--timeout", "5", "--json") == EXIT_CODES[code]
    captured = capsys.readouterr()
    printed = json.loads(captured.out)  # always JSON, whatever happened
    if code in ("success", "task_failed", "timeout") and isinstance(answer, httpx.Response):
        assert printed["id"] == TASK_ID  # the task itself, also for a failed or timed-out wait
    else:
        assert set(printed["error"]) >= {"code", "message", "type"}
    assert code == "success" or captured.err.splitlines()[-1].startswith("apimart")


def test_an_error_envelope_is_the_apis_own(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(MJ).respond(404, json=envelope(404, "no task", "not_found_error"))
    assert run(*KEY, "get", TASK_ID, "--json") == 4
    assert json.loads(capsys.readouterr().out) == envelope(404, "no task", "not_found_error")


def test_usage_errors_print_json_too(run: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*KEY, "explode", "--json") == EXIT_CODES["usage"] == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["type"] == "usage_error"
    assert "usage: apimart" in captured.err


def test_no_key_names_both_ways_to_give_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    assert main(["get", TASK_ID, "--json"]) == 2
    captured = capsys.readouterr()
    assert "--api-key" in captured.err and "APIMART_API_KEY" in captured.err
    assert "--api-key" in json.loads(captured.out)["error"]["message"]


def test_version_on_both_clis() -> None:
    bin_dir = Path(sys.executable).parent
    for script in ("apimart", "apimart-mock"):
        done = subprocess.run(
            [str(bin_dir / script), "--version"], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.strip() == f"{script} {apimart.__version__}"


def test_a_prompt_with_a_lone_surrogate_prints(apimart_mock: MockHarness) -> None:
    """Over real HTTP to the mock, in a subprocess: its stdout is a real UTF-8 stream, not a test's. (The
    mock answers 400 to a submit holding one; a service may store it, so the task is made directly.)"""
    task = apimart_mock.client.get_task(apimart_mock.create_task(prompt="a \ud800 cat"))
    script = Path(sys.executable).with_name("apimart")
    with apimart_mock.serve() as served:
        for extra in (["--json"], []):
            done = subprocess.run(
                [
                    str(script),
                    "get",
                    task.id,
                    "--base-url",
                    served.base_url,
                    "--api-key",
                    served.api_key,
                    *extra,
                ],
                capture_output=True,
                timeout=60,
                env={"PATH": "", "PYTHONIOENCODING": "utf-8"},
            )
            assert done.returncode == 0, done.stderr
            assert not extra or json.loads(done.stdout)["prompt_en"] == "a \ud800 cat"


def test_a_hostile_body_is_an_error_line_not_a_traceback(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(MJ).respond(200, content=b"[" * 200_000)
    assert run(*KEY, "get", TASK_ID, "--json") == EXIT_CODES["network_or_server"]
    captured = capsys.readouterr()
    assert "nested too deeply" in json.loads(captured.out)["error"]["message"]
    assert "Traceback" not in captured.err
