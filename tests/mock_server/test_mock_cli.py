"""`apimart-mock` control subcommands against a served mock (real HTTP on a loopback port): what each
prints, plain and `--json`, and its exit status (the `apimart` CLI's, docs/client.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart.cli import EXIT_CODES
from apimart_mock.serve.cli import main
from apimart_mock.testing import ServedMock, free_port, serve

pytestmark = pytest.mark.http

T0 = 1_765_000_000.0
KEY = "sk-cli-first"


@pytest.fixture(scope="module")
def served() -> Iterator[ServedMock]:
    with serve("--frozen", "--seed", "0") as mock:
        yield mock


@pytest.fixture
def mock(served: ServedMock, monkeypatch: pytest.MonkeyPatch) -> ServedMock:
    """The module's mock, reset and frozen at T0; `APIMART_MOCK_URL` names it."""
    monkeypatch.setenv("APIMART_MOCK_URL", served.url)
    monkeypatch.delenv("APIMART_MOCK_ADMIN_TOKEN", raising=False)
    httpx.post(f"{served.url}/__mock/reset", json={}, timeout=10).raise_for_status()
    httpx.post(f"{served.url}/__mock/clock/freeze", json={"at": T0}, timeout=10).raise_for_status()
    return served


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def submit(mock: ServedMock, prompt: str = "a lighthouse") -> str:
    answer = httpx.post(
        f"{mock.url}/v1/midjourney/generations",
        json={"prompt": prompt},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    return str(answer.json()["data"][0]["task_id"])


def test_clock_show_freeze_advance_resume(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "clock", "show")
    assert code == 0 and out == "clock: 2025-12-06 05:46:40 UTC (1765000000.000), frozen\n"
    code, out, _ = run(capsys, "clock", "advance", "90", "--json")
    assert code == 0 and json.loads(out) == {"now": T0 + 90, "frozen": True, "speed": 1.0}
    assert run(capsys, "clock", "resume")[1].endswith("running at 1x\n")
    code, out, _ = run(capsys, "clock", "freeze", "--at", str(T0))
    assert code == 0 and "frozen" in out
    assert httpx.get(f"{mock.url}/__mock/clock", timeout=10).json()["now"] == T0


def test_tasks_list_show_create_and_reset(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    task = submit(mock)
    code, out, _ = run(
        capsys, "tasks", "create", "--account", KEY, "--status", "FAILURE", "--fail-reason", "no"
    )
    assert code == 0 and " FAILURE " in out
    failed = out.split()[0]
    code, out, _ = run(capsys, "tasks", "list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [task, failed]
    code, out, _ = run(capsys, "tasks", "list", "--status", "FAILURE", "--json")
    assert [t["id"] for t in json.loads(out)["tasks"]] == [failed]
    code, out, _ = run(capsys, "tasks", "show", failed)
    assert code == 0 and json.loads(out)["fail_reason"] == "no"
    code, out, _ = run(capsys, "tasks", "show", task, "--view", "unified", "--json")
    assert code == 0 and json.loads(out)["data"]["id"] == task
    assert run(capsys, "reset")[0] == 0
    assert run(capsys, "tasks", "list")[1] == "no tasks\n"


def test_faults_add_list_clear(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faults", "add", "429", "--count", "2", "--retry-after", "3", "--path", "/v1/")
    assert code == 0 and out.startswith("fault ") and "429, 2 left" in out and "path /v1/" in out
    code, out, _ = run(capsys, "faults", "list", "--json")
    (fault,) = json.loads(out)["faults"]
    assert (fault["kind"], fault["remaining"], fault["retry_after"]) == ("429", 2, 3)
    assert run(capsys, "faults", "clear")[1] == "no faults\n"
    assert httpx.get(f"{mock.url}/__mock/faults", timeout=10).json() == {"faults": []}


def test_requests_list_and_count_with_the_matcher(
    mock: ServedMock, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(mock, "one")
    submit(mock, "two")
    code, out, _ = run(capsys, "requests", "count", "--method", "POST", "--path", "/v1/midjourney")
    assert (code, out) == (0, "2\n")
    code, out, _ = run(capsys, "requests", "list", "--method", "POST", "--json")
    bodies = [json.loads(entry["body"])["prompt"] for entry in json.loads(out)["requests"]]
    assert bodies == ["one", "two"]
    code, out, _ = run(capsys, "requests", "list", "--method", "POST", "--limit", "1")
    assert code == 0 and "POST" in out and "/v1/midjourney/generations" in out and "more: --cursor" in out


def test_balance_show_and_set(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "balance", "set", KEY, "5")
    assert code == 0 and out.endswith(": 5 left (used 0)\n") and out.startswith("acct_")
    submit(mock)
    code, out, _ = run(capsys, "balance", "show", KEY, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["remain_balance"] < 5 and shown["used_balance"] > 0
    code, out, _ = run(capsys, "balance", "set", KEY, "unlimited")
    assert code == 0 and out == f"{shown['account']}: unlimited (used {shown['used_balance']:g})\n"
    code, _, err = run(capsys, "balance", "set", KEY, "lots")
    assert code == EXIT_CODES["usage"] and err.startswith("apimart-mock: error: AMOUNT must be")


def test_health(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "health") == (0, "health: ok\n", "")
    assert json.loads(run(capsys, "health", "--json")[1]) == {"status": "ok"}


def test_refusals_keep_the_client_cli_exit_codes(
    mock: ServedMock, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "tasks", "show", "task_nope", "--json")
    assert code == EXIT_CODES["not_found"] and err.startswith("apimart-mock: error: 404 ")
    assert json.loads(out)["error"]["code"] == 404
    code, _, err = run(capsys, "clock", "advance", "-5")
    assert code == EXIT_CODES["refused"] and err.startswith("apimart-mock: error: 400 ")
    assert len(err.splitlines()) == 1


def test_the_admin_token_comes_from_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    with serve("--admin-token", "s3cret-admin") as guarded:
        code, _, err = run(capsys, "clock", "show", "--url", guarded.url)
        assert code == EXIT_CODES["authentication"] and err.startswith("apimart-mock: error: 401 "), err
        env = {"APIMART_MOCK_ADMIN_TOKEN": "s3cret-admin", "APIMART_MOCK_URL": guarded.url}
        done = _script(["clock", "show"], env)
        assert done.returncode == 0 and done.stdout.startswith("clock: "), done.stderr
        assert "s3cret-admin" not in done.stdout + done.stderr


def test_an_unreachable_mock_is_one_line_and_the_connection_exit_code(tmp_path: Path) -> None:
    done = _script(["clock", "show"], {"APIMART_MOCK_URL": f"http://127.0.0.1:{free_port()}"})
    assert done.returncode == EXIT_CODES["network_or_server"]
    assert done.stdout == "" and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("apimart-mock: cannot reach http://127.0.0.1:")


def _script(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).with_name("apimart-mock")
    return subprocess.run(
        [str(script), *argv], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60
    )


def test_a_team_scope_moves_that_scope_only(mock: ServedMock, capsys: pytest.CaptureFixture[str]) -> None:
    """`--scope NAME` with the team's key: its clock and tasks; the global clock and the owner's view stay."""
    team = {"Authorization": f"Bearer {KEY}", "X-Mock-Scope": "team-cli"}
    task = httpx.post(
        f"{mock.url}/v1/midjourney/generations", json={"prompt": "a cat"}, headers=team, timeout=10
    ).json()["data"][0]["task_id"]
    env = {"APIMART_MOCK_URL": mock.url, "APIMART_API_KEY": KEY}
    advanced = _script(["clock", "advance", "120", "--scope", "team-cli", "--json"], env)
    assert advanced.returncode == 0, advanced.stderr
    assert json.loads(advanced.stdout)["now"] == T0 + 120
    assert httpx.get(f"{mock.url}/__mock/clock", timeout=10).json()["now"] == T0  # the global clock stays
    listed = _script(["tasks", "list", "--scope", "team-cli"], env)
    assert listed.stdout.split()[:2] == [task, "SUCCESS"], listed.stdout + listed.stderr
    other = _script(["clock", "show", "--scope", "team-cli"], {**env, "APIMART_API_KEY": "sk-another-team"})
    assert other.returncode == EXIT_CODES["authentication"] and "403" in other.stderr
    assert KEY not in advanced.stderr + listed.stderr + other.stderr
    keyless = _script(["clock", "show", "--scope", "team-cli"], {"APIMART_MOCK_URL": mock.url})
    assert keyless.returncode == EXIT_CODES["usage"] and "set APIMART_API_KEY" in keyless.stderr


@pytest.mark.parametrize(
    "argv",
    [["health"], ["clock", "show"], ["tasks", "list"], ["requests", "list"], ["faults", "list"], ["--help"]],
    ids=lambda argv: " ".join(argv),
)
def test_output_to_a_closed_pipe_ends_quietly(
    mock: ServedMock, argv: list[str], closed_pipe_run: Any
) -> None:
    """`apimart-mock tasks list | head -0`: stdout is a pipe whose reader has gone before a byte is
    written (no race); the command ends with 141 as `git log | head` does, and says nothing."""
    env = {"PATH": "/usr/bin:/bin", "APIMART_MOCK_URL": mock.url}
    assert closed_pipe_run("apimart-mock", argv, env) == (EXIT_CODES["closed_pipe"], "")
