"""`apimart-proxy` judging live traffic and `apimart-contract --cassettes` judging its recording, as a team
runs them: the installed commands, over real HTTP on loopback, in front of the mock and of the
self-check's broken servers (each breaking one rule)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart_contract.proxy._cassette import Recorded, Recorder, Redactor
from apimart_contract.proxy._judging import judge_folder
from apimart_mock.testing import free_port

from .broken import BREAKS, served
from .proxying import KEY_A, flow, judged, mock_config, watching

BIN = Path(sys.executable).parent


@contextmanager
def proxy(
    upstream: str, folder: Path, preexec: Callable[[], None] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """`apimart-proxy` in front of `upstream` (its process set up by `preexec`), recording into
    folder/cassettes, reporting into folder/reports; yields its URL and, once it stopped (SIGTERM), its
    exit code and stderr."""
    port = free_port()
    command = [str(BIN / "apimart-proxy"), "--upstream", upstream, "--port", str(port)]
    command += ["--record", str(folder / "cassettes"), "--report-dir", str(folder / "reports")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=folder, preexec_fn=preexec)
    url = f"http://127.0.0.1:{port}"
    stopped: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/__proxy/report", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                time.sleep(0.05)
        else:
            raise AssertionError("apimart-proxy did not answer within 30 s")
        yield url, stopped
    finally:
        process.send_signal(signal.SIGTERM)
        _, stopped["stderr"] = process.communicate(timeout=120)
        stopped["code"] = process.returncode


def _contract(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "apimart-contract"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_in_front_of_the_mock_nothing_is_reported(tmp_path: Path) -> None:
    with served({}, mock_config()) as upstream, proxy(upstream, tmp_path) as (url, stopped):
        flow(url, upstream)
        live = judged(url)
    assert live["violations"] == [], live["violations"]
    assert live["exchanges"] >= 8 and live["dropped"] == 0
    assert stopped["code"] == 0, stopped["stderr"]
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["verdict"] == "holds"
    assert (tmp_path / "reports" / "junit.xml").exists()
    # The recording judged again, offline: the same verdict.
    again = _contract("--cassettes", str(tmp_path / "cassettes"), "--report-dir", "again", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_break_fails_the_proxy_and_its_cassette(tmp_path: Path) -> None:
    """The written report and exit code of a proxy in front of a broken upstream, and the offline verdict
    on what it recorded."""
    with served(BREAKS["schema"](), mock_config()) as upstream, proxy(upstream, tmp_path) as (url, stopped):
        flow(url, upstream)
        judged(url)
    assert stopped["code"] == 1, stopped["stderr"]
    assert "apimart-proxy: schema: GET /v1/tasks/{task_id} -> HTTP 200: $.data.progress" in stopped["stderr"]
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["verdict"] == "violations"
    assert {finding["check"] for finding in report["violations"]} == {"schema"}
    offline = _contract("--cassettes", str(tmp_path / "cassettes"), "--report-dir", "again", cwd=tmp_path)
    assert offline.returncode == 1, offline.stdout + offline.stderr
    assert "schema" in (tmp_path / "again" / "report.md").read_text()


LIVE_BREAKS = [
    "schema",
    "status-backwards",
    "terminal-changed",
    "progress-backwards",
    "views-disagree",
    "results-missing",
    "button-job-hash",
    "child-action",
    "foreign-task-readable",
    "unknown-field",
]


@pytest.mark.parametrize("check", LIVE_BREAKS)
def test_each_break_is_reported_live_and_from_its_cassette(
    tmp_path: Path, check: str, capfd: pytest.CaptureFixture[str]
) -> None:
    make = BREAKS[check]
    break_ = make(KEY_A) if make.__code__.co_argcount else make()
    with served(break_, mock_config()) as upstream, watching(upstream, tmp_path) as (url, _):
        flow(url, upstream)
        live = judged(url)
    violated = {v["check"] for v in live["violations"]}
    assert check in violated | {v["check"] for v in live["notices"]}, live
    if check in violated:  # logged on one line as it happened
        assert f"apimart-proxy: {check}: " in capfd.readouterr().err
    recorded = judge_folder(tmp_path)
    found = {v.check for task in recorded.by_task.values() for v in task}
    noted = {v.check for v, _ in recorded.judgement.findings.entries.values()}
    assert check in found | noted


def test_a_malformed_cassette_exits_2_naming_its_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "cassettes"
    folder.mkdir()
    (folder / "one.har").write_text('{"log": {"version": "1.2", "entries": [{"request": 1}]}}')
    run = _contract("--cassettes", str(folder), cwd=tmp_path)
    assert run.returncode == 2
    assert "one.har:1: not a HAR entry" in run.stdout + run.stderr
    assert _contract("--cassettes", str(tmp_path / "none"), cwd=tmp_path).returncode == 2
    # A recording cut in the middle of an exchange (a full disk, say): the line it was cut in.
    cut = tmp_path / "cut"
    recorder = Recorder(cut, Redactor())
    for path in ("/v1/balance", "/v1/tasks/task_nope"):
        recorder.write(
            Recorded(1.8e9, 1.0, "GET", f"http://127.0.0.1{path}", [], b"", 401, [], b'{"error": {}}')
        )
    recorder.close()
    (recorded,) = cut.glob("*.har")
    text = recorded.read_text()
    recorded.write_text(text[: text.rindex('"response"')])
    run = _contract("--cassettes", str(cut), cwd=tmp_path)
    assert run.returncode == 2
    assert f"{recorded.name}:3: not a JSON entry" in run.stdout + run.stderr


def test_the_proxy_keeps_forwarding_when_the_disk_is_full(tmp_path: Path) -> None:
    """A recording that cannot be written (RLIMIT_FSIZE: 'file too large') stops recording, not the
    proxy: every answer still comes, and the proxy says what it could not record."""
    import resource

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    with served({}, mock_config()) as upstream, proxy(upstream, tmp_path, small_files) as (url, stopped):
        answers = [
            httpx.get(f"{url}/v1/balance", headers={"Authorization": f"Bearer {KEY_A}"}) for _ in range(40)
        ]
        assert {answer.status_code for answer in answers} == {200}
        status = judged(url)
        assert status["recording"]["failed"] and status["recording"]["lost"] > 0
    assert "recording stopped" in stopped["stderr"]


def test_a_port_in_use_is_refused_in_one_line(tmp_path: Path) -> None:
    """A port something already listens on: exit 2 with one line, nothing shared, nothing left running,
    nothing left behind in the temporary folder."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [str(BIN / "apimart-proxy"), "--upstream", "http://127.0.0.1:9", "--port", str(port)]
        env = {**os.environ, "TMPDIR": str(temporary)}
        run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert run.returncode == 2
    (line,) = run.stderr.splitlines()
    assert f"apimart-proxy: cannot listen on 127.0.0.1:{port}" in line
    assert list(temporary.iterdir()) == []
