"""A web page cannot drive the served mock (issue 22), over real HTTP on loopback.

- In a real headless Chromium, a page from another loopback origin auto-submits a form to
  `POST /__mock/reset` and sends `fetch(..., {mode: "no-cors"})` to `/__mock/clock/freeze`: the mock's
  tasks and clock are untouched afterwards.
- A request naming a foreign `Host` (what a DNS-rebound page sends) is refused on every route.
- A control call that changes state needs JSON and is refused when the browser says another site sent it.
- An empty admin token, or `--control-from-anywhere` without one, refuses to start.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart_mock.testing import ServedMock, free_port, serve, stop_group

pytestmark = pytest.mark.http

KEY = "sk-victim"
AUTH = {"Authorization": f"Bearer {KEY}"}
_WAIT_S = 20
_TIMEOUT_S = 10.0


@contextmanager
def attacker_site(page: str) -> Iterator[str]:
    """Serve `page` (HTML) at `/` of a second loopback port: another origin than the mock's."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, name="attacker-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=_TIMEOUT_S)


def _submit(mock: ServedMock) -> str:
    answer = httpx.post(f"{mock.url}/v1/midjourney/generations", json={"prompt": "a cat"}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    task_id: str = answer.json()["data"][0]["task_id"]
    return task_id


def _clock(mock: ServedMock) -> dict[str, Any]:
    clock: dict[str, Any] = httpx.get(f"{mock.url}/__mock/clock", timeout=_TIMEOUT_S).json()
    return clock


def _wait(browser: Any, done: Callable[[Any], bool]) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(browser, _WAIT_S).until(done)


def test_a_cross_site_form_cannot_reset_the_mock(browser: object) -> None:
    """The form sends `text/plain` whose body reads as a JSON object (`{"x":"="}`), the classic way
    past a server that only parses the body."""
    with serve("--frozen", workers=1) as mock:
        task_id = _submit(mock)
        advanced = httpx.post(f"{mock.url}/__mock/clock/advance", json={"seconds": 100})
        before = advanced.json()
        page = (
            f'<form method="POST" action="{mock.url}/__mock/reset" enctype="text/plain">'
            "<input name='{\"x\":\"' value='\"}'></form>"
            "<script>document.forms[0].submit()</script>"
        )
        with attacker_site(page) as site:
            browser.get(site)  # type: ignore[attr-defined]
            _wait(browser, lambda b: b.current_url == f"{mock.url}/__mock/reset")
            _wait(browser, lambda b: b.execute_script("return document.readyState") == "complete")
            answer = json.loads(browser.find_element("tag name", "body").text)  # type: ignore[attr-defined]
        assert httpx.get(f"{mock.url}/v1/tasks/{task_id}", headers=AUTH).status_code == 200
        assert _clock(mock) == before
        assert answer["error"]["code"] == 403, answer


def test_a_no_cors_fetch_cannot_freeze_the_clock(browser: object) -> None:
    """A `no-cors` fetch may not set `Content-Type: application/json` (the browser drops it), and a
    `cors` one is preflighted, which the mock never grants: the page tries all three."""
    with serve(workers=1) as mock:
        url = f"{mock.url}/__mock/clock/freeze"
        page = f"""<script>
        (async () => {{
          const json = {{"Content-Type": "application/json"}};
          const tries = [
            {{method: "POST", mode: "no-cors"}},
            {{method: "POST", mode: "no-cors", headers: json, body: "{{}}"}},
            {{method: "POST", mode: "cors", headers: json, body: "{{}}"}},
          ];
          for (const options of tries) await fetch("{url}", options).catch(() => null);
          document.title = "sent";
        }})();
        </script>"""
        with attacker_site(page) as site:
            browser.get(site)  # type: ignore[attr-defined]
            _wait(browser, lambda b: b.title == "sent")
        assert _clock(mock)["frozen"] is False


@pytest.fixture(scope="module")
def mock() -> Iterator[ServedMock]:
    with serve("--allowed-host", "Extra.Test", "--public-url", "https://public.test/", workers=1) as served:
        yield served


def _raw(mock: ServedMock, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send one request as bytes; the answer's status and JSON body."""
    port = int(mock.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=_TIMEOUT_S) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def _request(method: str, path: str, host: str, body: bytes = b"") -> bytes:
    headers = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n"
    )
    if body:
        headers += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return headers.encode() + b"\r\n" + body


FOREIGN = [
    "rebind.attacker.example",
    "rebind.attacker.example:4010",
    "localhost.attacker.example",
    "127.0.0.1.nip.io",
]


@pytest.mark.parametrize("host", FOREIGN)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/tasks/{task}"),
        ("GET", "/v1/balance"),
        ("GET", "/__mock/clock"),
        ("POST", "/__mock/reset"),
    ],
)
def test_a_foreign_host_is_refused_everywhere(mock: ServedMock, host: str, method: str, path: str) -> None:
    task_id = _submit(mock)
    body = b"{}" if method == "POST" else b""
    status, answer = _raw(mock, _request(method, path.format(task=task_id), host, body))
    assert status == 403
    assert answer["error"]["type"] == "permission_error"
    assert "Host" in answer["error"]["message"] and "--allowed-host" in answer["error"]["message"]
    assert httpx.get(f"{mock.url}/v1/tasks/{task_id}", headers=AUTH).status_code == 200  # no reset


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "extra.test:80", "public.test"],
)
def test_the_loopback_names_and_the_allowed_ones_are_answered(mock: ServedMock, host: str) -> None:
    port = mock.url.rsplit(":", 1)[1]
    status, answer = _raw(mock, _request("GET", "/__mock/clock", host.format(port=port)))
    assert status == 200 and "now" in answer


CROSS_SITE = [
    {"Origin": "http://localhost:1"},
    {"Origin": "null"},
    {"Origin": "http://[::1"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site"},
]


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: "-".join(h.values()))
def test_a_control_call_from_another_site_is_refused(mock: ServedMock, headers: dict[str, str]) -> None:
    answer = httpx.post(f"{mock.url}/__mock/clock/freeze", json={}, headers=headers)
    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": 403,
        "message": "The control API refuses calls from another site's web page",
        "type": "permission_error",
    }
    assert _clock(mock)["frozen"] is False


def test_a_control_call_from_its_own_page_is_answered(mock: ServedMock) -> None:
    own = {"Origin": mock.url, "Sec-Fetch-Site": "same-origin"}
    assert httpx.post(f"{mock.url}/__mock/clock/freeze", json={}, headers=own).json()["frozen"] is True
    assert httpx.post(f"{mock.url}/__mock/clock/resume", json={}, headers=own).json()["frozen"] is False


@pytest.mark.parametrize(
    "send",
    [
        {},
        {"data": {"seconds": "5"}},
        {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
        {"content": b"", "headers": {"Content-Type": "application/json"}},
    ],
    ids=["no-body", "form", "text-plain", "empty-json"],
)
def test_a_control_call_that_changes_state_needs_a_json_object(
    mock: ServedMock, send: dict[str, Any]
) -> None:
    answer = httpx.post(f"{mock.url}/__mock/clock/freeze", **send)
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert _clock(mock)["frozen"] is False


def _start(*options: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `apimart-mock serve` with these options on a free port; its exit code and stderr. A server
    that starts anyway is stopped after a bounded wait (and the test fails on its exit code)."""
    command = [sys.executable, "-m", "apimart_mock.serve.cli", "serve", "--port", str(free_port()), *options]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        _, err = process.communicate(timeout=_WAIT_S)
    except subprocess.TimeoutExpired:
        return -1, "it kept serving"
    finally:
        stop_group(process)
    return process.returncode, err.decode()


@pytest.mark.parametrize(
    ("options", "variable", "says"),
    [
        (("--admin-token", ""), None, "the admin token is empty"),
        (("--admin-token", "  "), None, "the admin token is empty"),
        ((), "", "the admin token is empty"),
        (("--control-from-anywhere",), None, "--control-from-anywhere needs an admin token"),
    ],
    ids=["empty-flag", "blank-flag", "empty-variable", "anywhere-without-token"],
)
def test_an_unsafe_admin_setting_refuses_to_start(
    options: tuple[str, ...], variable: str | None, says: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "APIMART_MOCK_ADMIN_TOKEN"}
    if variable is not None:
        env["APIMART_MOCK_ADMIN_TOKEN"] = variable
    code, err = _start(*options, env=env)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"apimart-mock: {says}"), err


def test_the_control_api_examples_in_the_docs_run() -> None:
    """docs/mock-server.md's curl block, against a served mock: every call answers 2xx."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "mock-server.md").read_text()
    section = text[text.index("## Control API") :]
    block = section[section.index("```sh\n") + 6 : section.index("```\n", section.index("```sh\n") + 6)]
    assert "M=http://127.0.0.1:4010/__mock" in block and block.count("curl") >= 12
    with serve(workers=1) as served:
        script = block.replace("http://127.0.0.1:4010", served.url)
        strict = 'set -e\ncurl() { command curl --silent --show-error --fail-with-body "$@"; echo; }\n'
        run = subprocess.run(["bash", "-c", strict + script], capture_output=True, timeout=_WAIT_S * 3)
    assert run.returncode == 0, run.stderr.decode() + run.stdout.decode()
    assert b'"reset": true' in run.stdout
