"""The client never prints its API key: not in an error's text, a traceback or the CLI's output.

A key with a line break (a file's trailing newline, a paste) used to reach httpx, whose `Illegal header
value b'Bearer sk-...'` carried the whole key into `str(exc)`, stderr and `--json` output. Now such a key
is refused before any request, naming the problem; and whatever a transport raises or a server echoes,
the key is blotted out of the client's errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable

import httpx
import pytest
from client_helpers import BASE, TASK_ID

import apimart
from apimart.cli import EXIT_CODES, main

KEY = "sk-live-4f9a7c1e2b3d"
BAD_KEYS = {
    "carriage return": (KEY + "\r", "a line break"),
    "newline": (KEY + "\n", "a line break"),
    "inner newline": ("sk-live-\n4f9a", "a line break"),
    "tab": (KEY + "\t", "whitespace"),
    "space": (" " + KEY, "whitespace"),
    "NUL": (KEY + "\x00", "a control character"),
    "DEL": (KEY + "\x7f", "a control character"),
    "non-ASCII": (KEY + "é", "a non-ASCII character"),
}


def never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.method} {request.url}")


def everything_said(exc: BaseException) -> str:
    """All an exception can show: its text, its repr, and its traceback with causes and context."""
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(exc))


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_key_no_header_can_carry_is_refused_by_name_never_quoted(key: str, problem: str) -> None:
    with pytest.raises(apimart.InvalidArgumentError) as caught:
        apimart.Client(api_key=key, base_url=BASE, transport=httpx.MockTransport(never_sent))
    assert str(caught.value).startswith(f"api_key contains {problem}")
    assert "sk-live" not in everything_said(caught.value)


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_a_key_from_the_environment_is_refused_naming_the_variable(
    end: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIMART_API_KEY", KEY + end)
    for make in (apimart.Client, apimart.AsyncClient):
        with pytest.raises(apimart.InvalidArgumentError) as caught:
            make(base_url=BASE)
        assert str(caught.value).startswith("APIMART_API_KEY contains a line break")
        assert KEY not in everything_said(caught.value)


def leaky_transport(request: httpx.Request) -> httpx.Response:
    """A transport that fails quoting the request's headers, as httpx's header check does."""
    raise httpx.LocalProtocolError(f"Illegal header value b{request.headers['authorization']!r}")


def leaky_crash(request: httpx.Request) -> httpx.Response:
    raise RuntimeError(f"proxy said no to {dict(request.headers)}")


@pytest.mark.parametrize("handler", [leaky_transport, leaky_crash])
def test_whatever_the_transport_raises_the_error_holds_no_key(
    handler: Callable[[httpx.Request], httpx.Response],
) -> None:
    client = apimart.Client(
        api_key=KEY,
        base_url=BASE,
        max_retries=0,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
    )
    with pytest.raises(apimart.APIConnectionError) as caught:
        client.balance()
    said = everything_said(caught.value)
    assert KEY not in said and "[redacted]" in str(caught.value)
    assert caught.value.__cause__ is None  # the transport's own error quotes the key: not chained


def test_an_error_that_does_not_quote_the_key_keeps_its_cause() -> None:
    refused = httpx.ConnectError("connection refused")

    def handler(request: httpx.Request) -> httpx.Response:
        raise refused

    client = apimart.Client(api_key=KEY, base_url=BASE, max_retries=0, transport=httpx.MockTransport(handler))
    with pytest.raises(apimart.APIConnectionError) as caught:
        client.balance()
    assert caught.value.__cause__ is refused


@pytest.mark.anyio
async def test_the_async_client_holds_no_key_either() -> None:
    async with apimart.AsyncClient(
        api_key=KEY, base_url=BASE, max_retries=0, transport=httpx.MockTransport(leaky_transport)
    ) as client:
        with pytest.raises(apimart.APIConnectionError) as caught:
            await client.get_task(TASK_ID)
    assert KEY not in everything_said(caught.value)


def test_a_server_that_echoes_the_key_does_not_put_it_in_the_message() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        said = f"bad token {request.headers['authorization']}"
        return httpx.Response(401, json={"error": {"code": 401, "message": said, "type": "auth_error"}})

    client = apimart.Client(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(echo))
    with pytest.raises(apimart.AuthenticationError) as caught:
        client.balance()
    assert str(caught.value) == "401 Unauthorized: bad token Bearer [redacted]"


@pytest.mark.parametrize("end", ["\r", "\n"])
def test_the_cli_says_what_is_wrong_with_the_key_and_never_prints_it(end: str) -> None:
    """`apimart --json balance` as a user runs it: a process with the key in its environment."""
    env = {**os.environ, "APIMART_API_KEY": KEY + end, "APIMART_BASE_URL": "http://127.0.0.1:9"}
    for argv in (["--json", "balance"], ["balance"]):
        done = subprocess.run(
            [sys.executable, "-m", "apimart", *argv], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == EXIT_CODES["usage"] == 2
        assert KEY not in done.stdout + done.stderr
        assert "APIMART_API_KEY contains a line break" in done.stderr
        if "--json" in argv:
            error = json.loads(done.stdout)["error"]
            assert error["type"] == "invalid_request_error" and "line break" in error["message"]


def test_the_cli_with_a_key_flag_and_a_leaky_transport_never_prints_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = {"transport": httpx.MockTransport(leaky_transport)}
    argv = ["--base-url", BASE, "--api-key", KEY, "--max-retries", "0", "--json", "balance"]
    assert main(argv, client_options=options) == EXIT_CODES["network_or_server"]
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert json.loads(out)["error"]["type"] == "connection_error" and "[redacted]" in err
    assert main([*argv[:3], KEY + "\r", *argv[4:]], client_options=options) == EXIT_CODES["usage"]
    out, err = capsys.readouterr()
    assert KEY not in out + err and "api_key contains a line break" in err
