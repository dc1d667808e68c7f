"""The CLI as a user meets it: quiet on a closed pipe, every result in plain output, real `--help`,
`--verbose` logging, and `python -m` for each of the kit's three CLIs."""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from client_helpers import BASE, TASK_ID, FakeClock, mj_task

import apimart
import apimart_mj
from apimart import WSGITransport
from apimart._requests import request_fields
from apimart.cli import EXIT_CODES, _parser, _verbose, main
from apimart_mj import OPERATIONS, Kind, Operation, Result
from apimart_mock.testing.harness import BASE_URL, MockHarness

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
IMAGE = "https://example.com/a.png"


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand of the CLI, by name."""
    (commands,) = (a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(commands.choices)


# ---- a closed pipe ----


def _argv(tasks: dict[str, str], upload: Path) -> dict[str, list[str]]:
    """A command line that succeeds (and prints) for every subcommand."""
    grid, single, v81, modal = tasks["grid"], tasks["single"], tasks["v81"], tasks["modal"]
    return {
        "get": ["get", grid],
        "wait": ["wait", grid],
        "balance": ["balance"],
        "user-balance": ["user-balance"],
        "upload-image": ["upload-image", str(upload)],
        "imagine": ["imagine", "a cat"],
        "blend": ["blend", IMAGE, IMAGE],
        "describe": ["describe", IMAGE],
        "edits": ["edits", "a hat", IMAGE],
        "upscale": ["upscale", grid, "--index", "1"],
        "variation": ["variation", grid, "--index", "1"],
        "high-variation": ["high-variation", single, "--index", "1"],
        "low-variation": ["low-variation", single, "--index", "1"],
        "reroll": ["reroll", grid],
        "zoom": ["zoom", single],
        "pan": ["pan", single, "--direction", "left"],
        "inpaint": ["inpaint", single],
        "video": ["video", "--task-id", grid, "--index", "1"],
        "remix-strong": ["remix-strong", v81, "1"],
        "remix-subtle": ["remix-subtle", v81, "1"],
        "modal": ["modal", modal, "--prompt", "a hat"],
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], dict[str, list[str]]]]:
    """A mock over loopback HTTP with a task of each kind the commands need; the environment for the
    CLI and a command line per subcommand."""
    mock = MockHarness()
    v81 = mock.client.imagine_and_wait("a cat", version="8.1").id
    tasks = {
        "grid": mock.create_task(action="IMAGINE"),
        "single": mock.create_task(action="UPSCALE"),
        "v81": v81,
        "modal": mock.create_task("MODAL", action="INPAINT"),
    }
    upload = tmp_path_factory.mktemp("upload") / "a.png"
    upload.write_bytes(PNG)
    with mock.serve() as server:
        env = {"PATH": "", "APIMART_BASE_URL": server.base_url, "APIMART_API_KEY": server.api_key}
        yield env, _argv(tasks, upload)
    mock.close()


@pytest.mark.http
@pytest.mark.parametrize("command", [*_commands(), "--help"])
def test_output_to_a_closed_pipe_ends_quietly(served: Any, command: str, closed_pipe_run: Any) -> None:
    """`apimart get ID | head -1` as `git log | head`, for every subcommand (each prints, and a new one
    fails here until `_argv` runs it): no traceback, the status a shell gives a process SIGPIPE ends."""
    env, argv = served
    code, err = closed_pipe_run("apimart", argv[command] if command in _commands() else [command], env)
    assert code == EXIT_CODES["closed_pipe"] == 141
    assert _complaints(err) == []


def _complaints(stderr: str) -> list[str]:
    """What stderr says about the closed pipe: a traceback, Python's "Exception ignored" at exit, an
    error line. (A wait's progress lines may be there: stderr is not the closed pipe.)"""
    words = ("Traceback", "Exception ignored", "BrokenPipe", "Broken pipe", "error")
    return [line for line in stderr.splitlines() if any(word in line for word in words)]


@pytest.mark.http
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [["get"], ["--version"], ["get", "--help"]])
def test_a_closed_pipe_is_quiet_buffered_or_not(
    served: Any, argv: list[str], buffered: bool, closed_pipe_run: Any
) -> None:
    """The write that fails is a print (unbuffered) or the flush after the command, --help and
    --version included (buffered: otherwise Python's own flush at exit would complain)."""
    env, commands = served
    env = env if buffered else {**env, "PYTHONUNBUFFERED": "1"}
    code, err = closed_pipe_run("apimart", commands.get(argv[0], argv), env)
    assert code in (0, 141) and _complaints(err) == []  # argparse ignores a failed write of --help itself


@pytest.mark.http
@pytest.mark.parametrize("command", ["wait", "imagine"])
def test_stderr_on_the_closed_pipe_too(served: Any, command: str, closed_pipe_run: Any) -> None:
    """`apimart wait ID 2>&1 | head`: the progress line fails first; no traceback (that would exit 1)."""
    env, argv = served
    extra = ["--wait", "--timeout", "0"] if command == "imagine" else []
    assert closed_pipe_run("apimart", argv[command] + extra, env, stderr_too=True)[0] == 141


# ---- plain output ----


def _shown(value: Any, key: str = "") -> list[str]:
    """The values of a task's JSON that plain output must show: its text lines and numbers, but not
    the bookkeeping (times, button styles, the view's mode)."""
    if key in {"created_at", "finished_at", "created", "completed", "estimated_time", "actual_time"}:
        return []
    if key in {"expires_at", "mode", "style", "type"}:
        return []
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _shown(v, k)]
    if isinstance(value, list):
        return [line for v in value for line in _shown(v, key)]
    if isinstance(value, str):
        return [line for line in value.splitlines() if line.strip()]
    return [str(value)]


_ACTIONS = [op for op in OPERATIONS if op.kind is Kind.SUBMIT and op.action != "MODAL"]
"""Every action a task can have (a MODAL task is an INPAINT waiting; `modal` makes no task)."""


@pytest.mark.parametrize("view", ["mj", "unified"])
@pytest.mark.parametrize("operation", _ACTIONS, ids=[op.name for op in _ACTIONS])
def test_plain_output_shows_every_result_kind(
    apimart_mock: MockHarness, capsys: pytest.CaptureFixture[str], operation: Operation, view: str
) -> None:
    """What `--json` holds, plain output shows, for every action and so every kind of result
    (`apimart_mj.Result`): the four prompts of a describe, the videos, the grid, every image and button."""
    result = operation.result
    task = apimart_mock.create_task("MODAL" if result is Result.MODAL else "SUCCESS", action=operation.action)
    options = {"transport": WSGITransport(apimart_mock.wsgi), "clock": lambda: apimart_mock.now}
    base = ["--base-url", BASE_URL, "--api-key", apimart_mock.api_key, "get", task, "--view", view]
    assert main([*base, "--json"], client_options=options) == 0
    expected = _shown(json.loads(capsys.readouterr().out))
    assert main(base, client_options=options) == 0
    plain = capsys.readouterr().out
    assert [value for value in expected if value not in plain] == []
    if result is Result.TEXT and view == "mj":
        assert sum(line.startswith("prompt ") for line in plain.splitlines()) == 4
    if result is Result.VIDEO:
        assert re.search(r"^video +http\S+\.mp4$", plain, re.M)


def test_a_failed_task_shows_its_reason(
    apimart_mock: MockHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    task = apimart_mock.create_task("FAILURE", fail_reason="Banned prompt detected")
    options = {"transport": WSGITransport(apimart_mock.wsgi), "clock": lambda: apimart_mock.now}
    for view in ("mj", "unified"):
        argv = ["--base-url", BASE_URL, "--api-key", apimart_mock.api_key, "get", task, "--view", view]
        assert main(argv, client_options=options) == 0
        assert "Banned prompt detected" in capsys.readouterr().out


def test_a_limited_balance(router: respx.Router, capsys: pytest.CaptureFixture[str]) -> None:
    body = {"success": True, "remain_balance": 10.5, "used_balance": 2.3, "unlimited_quota": False}
    router.get("/v1/balance").respond(200, json=body)
    options = {"transport": httpx.MockTransport(router.handler)}
    assert main(["--base-url", BASE, "--api-key", "sk-test", "balance"], client_options=options) == 0
    assert capsys.readouterr().out == "remain      10.5\nused        2.3\n"


# ---- --help ----

_SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _python_names() -> set[str]:
    """The names a Python user writes (the client's functions and parameters, the request bodies'
    fields): where `--help` shows one of these, a flag was meant (`hd_upscale_id`, `custom_id`)."""
    names = {name for name in [*apimart.__all__, *apimart_mj.__all__] if _SNAKE_CASE.fullmatch(name)}
    faces = [face for face in apimart.Client.__mro__ if face.__module__.startswith("apimart.")]
    for method in [value for face in faces for value in vars(face).values()]:
        if callable(method):
            names |= set(inspect.signature(method).parameters)
    names |= {name for op in OPERATIONS if op.kind is Kind.SUBMIT for name in request_fields(op)}
    return {name for name in names if _SNAKE_CASE.fullmatch(name)}


def _help_of(action: argparse.Action) -> str:
    return (action.help or "") % {**vars(action), "prog": "apimart"}


def _option_problems(name: str, parser: argparse.ArgumentParser, python_names: set[str]) -> list[str]:
    problems = []
    rendered = parser.format_help()
    for action in parser._actions:
        shown = "/".join(action.option_strings) or str(action.metavar or action.dest)
        flags = {flag.lstrip("-").replace("-", "_") for flag in action.option_strings}
        text = _help_of(action).strip()
        if not text or text.replace("-", "_") in {action.dest, *flags}:
            problems.append(f"{name} {shown}: no help")
        internal = action.dest.upper()
        if (
            action.dest not in flags
            and internal != action.metavar
            and re.search(rf"(?<![\w$]){internal}\b", rendered)
        ):
            problems.append(f"{name} {shown}: shows its internal name {internal}")
        if not action.option_strings and not (isinstance(action.metavar, str) and action.metavar.isupper()):
            problems.append(f"{name} {shown}: a positional shown by its Python name")
        if action.default not in (None, False, [], argparse.SUPPRESS) and "default" not in text:
            problems.append(f"{name} {shown}: its default {action.default!r} is not shown")
    for word in sorted(set(_SNAKE_CASE.findall(rendered)) & python_names):
        problems.append(f"{name}: names {word!r} where a flag is meant")
    if "Raises:" in rendered or "Returns:" in rendered:
        problems.append(f"{name}: shows a Python docstring's sections")
    return problems


def test_every_option_has_real_help() -> None:
    parsers = {"apimart": _parser(), **_commands()}
    names = _python_names()
    problems = [
        problem for name, parser in parsers.items() for problem in _option_problems(name, parser, names)
    ]
    assert problems == []


def test_help_shows_the_defaults() -> None:
    text = _commands()["wait"].format_help()
    assert "--timeout SECONDS" in text and "(default: 600)" in text
    assert "(default: 3; never below 1)" in text
    assert "--max-retries N" in text and "(default: 2)" in text


def test_help_speaks_in_flags() -> None:
    """The spec's text, with its field names as the flags a user types."""
    upscale, video = (" ".join(_commands()[name].format_help().split()) for name in ("upscale", "video"))
    assert "or an HD upscale by --custom-id" in upscale
    assert "--animate-mode auto needs --task-id and --index" in video


# ---- --verbose ----

SECRET = "sk-very-secret-key"


@pytest.fixture
def run(router: respx.Router, clock: FakeClock) -> Any:
    def run(*argv: str) -> int:
        options = {"transport": httpx.MockTransport(router.handler), "sleep": clock.sleep, "clock": clock}
        return main(["--base-url", BASE, "--api-key", SECRET, *argv], client_options=options)

    return run


def test_verbose_shows_requests_retries_and_polls(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "2"}, text="busy"),
            httpx.Response(200, json=mj_task("IN_PROGRESS", "40%")),
            httpx.Response(200, json=mj_task()),
        ]
    )
    assert run("wait", TASK_ID, "--interval", "5", "-v", "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "SUCCESS"  # the log stays on stderr
    log = [line for line in captured.err.splitlines() if line.startswith("apimart: ")]
    path = f"GET /v1/midjourney/{TASK_ID}"
    patterns = [
        rf"{path}: 503 in \d+\.\d{{3}} s",
        r"Retry-After 2 s: honoured",
        rf"{path}: 503; retry 1 of 2 in 2\.00 s",
        rf"{path}: 200 in \d+\.\d{{3}} s",
        rf"task {TASK_ID}: IN_PROGRESS 40% after 2\.0 s: next poll in 5 s",
        rf"{path}: 200 in \d+\.\d{{3}} s",
        rf"task {TASK_ID}: SUCCESS 100% after 7\.0 s: done",
    ]
    assert len(log) == len(patterns), log
    for line, pattern in zip(log, patterns, strict=True):
        assert re.fullmatch(f"apimart: {pattern}", line), (line, pattern)
    assert SECRET not in captured.err


def test_verbose_says_when_the_wait_gives_up(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task("IN_PROGRESS", "40%"))
    assert run("wait", TASK_ID, "--timeout", "4", "--interval", "3", "--verbose") == EXIT_CODES["timeout"]
    assert "after 6.0 s: the 4 s timeout has passed; giving up" in capsys.readouterr().err


def test_a_retry_after_too_long_is_logged(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get("/v1/balance").respond(429, headers={"Retry-After": "600"}, json={})
    assert run("balance", "-v") == EXIT_CODES["network_or_server"]
    assert "apimart: Retry-After 600 s is longer than 120 s: not waiting" in capsys.readouterr().err


def test_without_verbose_nothing_is_logged(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    assert run("get", TASK_ID, "-v") == 0
    assert "apimart: GET" in capsys.readouterr().err
    assert run("get", TASK_ID) == 0  # the handler of the first run is gone
    assert capsys.readouterr().err == ""


def test_the_verbose_log_never_shows_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    with _verbose(True, SECRET):
        logging.getLogger("apimart").debug("sent Authorization: Bearer %s", SECRET)
    assert capsys.readouterr().err == "apimart: sent Authorization: Bearer <API key>\n"


def test_a_library_user_gets_the_same_log(
    client: apimart.Client, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    with caplog.at_level(logging.DEBUG, logger="apimart"):
        client.wait_for_task(TASK_ID)
    assert [r.name for r in caplog.records] == ["apimart", "apimart"]
    assert caplog.records[0].getMessage().startswith(f"GET /v1/midjourney/{TASK_ID}: 200 in ")
    assert caplog.records[1].getMessage() == f"task {TASK_ID}: SUCCESS 100% after 0.0 s: done"


@pytest.mark.anyio
async def test_the_async_client_logs_the_same(
    async_client: apimart.AsyncClient, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").respond(200, json=mj_task())
    with caplog.at_level(logging.DEBUG, logger="apimart"):
        await async_client.wait_for_task(TASK_ID)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2 and messages[0].startswith(f"GET /v1/midjourney/{TASK_ID}: 200 in ")
    assert messages[1] == f"task {TASK_ID}: SUCCESS 100% after 0.0 s: done"


# ---- python -m ----


@pytest.mark.parametrize(
    ("module", "prog"),
    [("apimart", "apimart"), ("apimart_mock", "apimart-mock"), ("apimart_contract", "apimart-contract")],
)
def test_python_dash_m(module: str, prog: str) -> None:
    """Each CLI of the kit runs as `python -m` in this venv, with its --help and --version."""
    env = {"PATH": "", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"usage: {prog} ")
    done = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout) == (0, f"{prog} {apimart.__version__}\n")


def test_progress_goes_to_stderr_not_into_json(
    run: Any, router: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get(f"/v1/midjourney/{TASK_ID}").mock(
        side_effect=[
            httpx.Response(200, json=mj_task("IN_PROGRESS", "40%")),
            httpx.Response(200, json=mj_task()),
        ]
    )
    assert run("wait", TASK_ID, "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["id"] == TASK_ID
    assert captured.err.splitlines() == ["40% IN_PROGRESS [0.0 s]", "100% SUCCESS [3.0 s]"]
