"""`apimart-mock serve` on its own holds its edge (issue 22): floods of connections that send nothing or
trickle their headers neither stall other clients nor stay, the connections past `--max-connections`
are closed, a slow answer is not cut, and one account flooding cannot take another's turn (real HTTP
on free loopback ports; timing asserted only as "answered within a generous bound")."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from apimart_mock.http.connections import ConnectionGuard
from apimart_mock.serve.server import ACCOUNT_QUEUE, HEADER_READ_TIMEOUT_MS, IDLE_TIMEOUT_S
from apimart_mock.testing import ServedMock, free_port, probe_polls, serve, trickling_clients, until_closed

pytestmark = pytest.mark.http

KEY, NOISY = "sk-edge", "sk-noisy"
PROBES = 10
PROBE_TIMEOUT_S = 3.0
"""Generous for a poll (milliseconds on a quiet machine), and shorter than the idle timeout: a poll
stuck behind idle connections until the server closes them fails."""
assert PROBE_TIMEOUT_S < IDLE_TIMEOUT_S
IDLE_CLIENTS = 1_500
SLOW_HEADER_CLIENTS = 1_200
"""Clients trickling headers, or bodies: more than granian's own bound in two workers (512 each), which
used to stall everyone."""


def _submit(url: str, token: str = KEY) -> str:
    answer = httpx.post(
        f"{url}/v1/midjourney/generations",
        json={"prompt": "a snail"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"][0]["task_id"])


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[str, str]]:
    with serve() as mock:
        yield mock.url, _submit(mock.url)


def _wait_until(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_connections_that_send_nothing_neither_stall_it_nor_stay(target: tuple[str, str]) -> None:
    url, task_id = target
    with trickling_clients(url, IDLE_CLIENTS, "idle") as idle:
        assert idle.opened == IDLE_CLIENTS
        assert probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S) == [200] * PROBES
        _wait_until(lambda: idle.closed_by_server >= IDLE_CLIENTS, IDLE_TIMEOUT_S + 15)
    assert idle.closed_by_server >= IDLE_CLIENTS, "the server kept connections that never sent a byte"


def test_a_flood_of_clients_trickling_headers_does_not_stall_it(target: tuple[str, str]) -> None:
    url, task_id = target
    with trickling_clients(url, SLOW_HEADER_CLIENTS, "headers") as slow:
        assert slow.opened == SLOW_HEADER_CLIENTS
        assert probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S) == [200] * PROBES
        _wait_until(lambda: slow.closed_by_server >= SLOW_HEADER_CLIENTS, HEADER_READ_TIMEOUT_MS / 1000 + 15)
    assert slow.closed_by_server >= SLOW_HEADER_CLIENTS, (
        "the server kept connections whose headers never ended"
    )


def test_a_flood_of_clients_trickling_bodies_does_not_stall_it(target: tuple[str, str]) -> None:
    url, task_id = target
    with trickling_clients(url, SLOW_HEADER_CLIENTS, "bodies", token=NOISY) as slow:
        assert slow.opened == SLOW_HEADER_CLIENTS
        assert probe_polls(url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S) == [200] * PROBES


def test_connections_past_the_bound_are_closed_before_they_idle_out() -> None:
    with serve("--max-connections", "100", workers=1) as mock:
        task_id = _submit(mock.url)
        started = time.monotonic()
        with trickling_clients(mock.url, 300, "idle", interval=0.2) as idle:
            _wait_until(lambda: idle.closed_by_server >= 200, IDLE_TIMEOUT_S - 1)
            closed, elapsed = idle.closed_by_server, time.monotonic() - started
            assert (
                probe_polls(mock.url, task_id, token=KEY, count=PROBES, timeout=PROBE_TIMEOUT_S)
                == [200] * PROBES
            )
    assert closed >= 200 and elapsed < IDLE_TIMEOUT_S, (
        f"{closed} of the 200 past the bound closed in {elapsed:.1f} s"
    )


def _inject_latency(mock: ServedMock, token: str, seconds: float, count: int) -> None:
    fault = {"kind": "latency", "latency_ms": int(seconds * 1000), "count": count, "account": token}
    assert httpx.post(f"{mock.url}/__mock/faults", json=fault, timeout=10).status_code == 201


def test_an_answer_slower_than_the_idle_timeout_is_not_cut() -> None:
    with serve(workers=1) as mock:
        task_id = _submit(mock.url)
        _inject_latency(mock, KEY, IDLE_TIMEOUT_S + 2, count=1)
        answer = httpx.get(
            f"{mock.url}/v1/tasks/{task_id}",
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=IDLE_TIMEOUT_S + 15,
        )
    assert answer.status_code == 200


def _flood(url: str, token: str, count: int) -> list[socket.socket]:
    """`count` submits of `token`, each on its own connection, sent at once (answers left unread)."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"prompt": "a flood"}).encode()
    request = (
        f"POST /v1/midjourney/generations HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S)
        sock.sendall(request)
        sockets.append(sock)
    return sockets


@pytest.mark.parametrize("share", ["1", "0"], ids=["share", "no-share"])
def test_one_account_flooding_cannot_take_another_accounts_turn(share: str) -> None:
    """Four app threads; the noisy account's 40 submits each take 3 s. With a share of one, they hold one
    thread and wait in line for it, and another account's polls are answered at once. The polls ask for
    a `language`, so the Flask app answers them in its threads too (never the fast path, faults or not)."""
    with serve("--account-share", share, workers=1, threads=4) as mock:
        task_id = _submit(mock.url)
        _inject_latency(mock, NOISY, 3.0, count=40)
        flood = _flood(mock.url, NOISY, 40)
        try:
            time.sleep(0.5)  # the flood is in
            started = time.monotonic()
            try:
                polls = probe_polls(mock.url, task_id, token=KEY, count=PROBES, params={"language": "en"})
            except httpx.TimeoutException:
                polls = []
            answered = time.monotonic() - started
        finally:
            for sock in flood:
                sock.close()
    if share == "0":  # without the share, the flood takes every thread: what the share is for
        assert polls == []
    else:
        assert polls == [200] * PROBES, f"another account's polls waited behind the flood ({answered:.1f} s)"


def test_an_account_with_too_many_requests_waiting_is_answered_429_in_the_error_envelope() -> None:
    with serve("--account-share", "1", workers=1) as mock:
        _inject_latency(mock, NOISY, 10.0, count=1)
        flood = _flood(mock.url, NOISY, 1 + ACCOUNT_QUEUE + 20)  # one running, the line full, 20 more
        try:
            time.sleep(3.0)  # the 20 are answered at once; the rest wait 10 s for the first
            answers = [_received(sock) for sock in flood]
        finally:
            for sock in flood:
                sock.close()
    refused = [answer for answer in answers if answer]
    assert len(refused) == 20
    for answer in refused:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 429 "), answer
        assert b"\r\nretry-after: 1\r\n" in head.lower()
        assert json.loads(body)["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize("another_active", [True, False], ids=["another-active", "alone"])
def test_a_flooding_account_rests_its_turns_while_another_is_active_never_alone(another_active: bool) -> None:
    """One worker, one turn an account, and a rest of 100,000 times a request's CPU time (many seconds
    for a submit): a rested turn does not come back within the test. While another account polls, the
    noisy account's first submit is answered and its next two wait for the resting turn, and the other
    account's own submit is answered meanwhile; alone, the noisy account gets all three answers."""
    with serve("--account-share", "1", "--account-rest", "100000", workers=1) as mock:
        task_id = _submit(mock.url) if another_active else ""
        # The first request holds the turn half a second (a latency fault), so the other two are surely
        # waiting when it ends: only an account with requests waiting rests.
        _inject_latency(mock, NOISY, 0.5, count=1)
        flood = _flood(mock.url, NOISY, 3)
        try:
            polls: list[int] = []
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                if another_active:
                    polls += probe_polls(mock.url, task_id, token=KEY, count=1, timeout=PROBE_TIMEOUT_S)
                time.sleep(0.1)
            if another_active:
                _submit(mock.url)  # the app answers another account at once, the noisy one resting
            answers = [_received(sock) for sock in flood]
        finally:
            for sock in flood:
                sock.close()
    answered = [answer for answer in answers if answer]
    assert [answer[:13] for answer in answered] == [b"HTTP/1.1 200 "] * (1 if another_active else 3)
    assert set(polls) <= {200}


def _received(sock: socket.socket) -> bytes:
    """What the server has sent on `sock` so far."""
    sock.setblocking(False)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return received
        if not chunk:
            return received
        received += chunk


def test_a_sweep_shuts_idle_connections_and_leaves_no_descriptor_behind() -> None:
    """The guard's sweep in this process, over a listener of its own (and a pipe: not a socket)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        reading, writing = os.pipe()
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        served = [listener.accept()[0] for _ in clients]
        try:
            busy = "{}:{}".format(*clients[0].getsockname())  # as granian spells `scope.client`
            guard = ConnectionGuard(port, lambda: [busy], idle_timeout=0, max_connections=10)
            before = len(os.listdir("/dev/fd"))
            assert guard.sweep() == 2
            assert len(os.listdir("/dev/fd")) == before
            assert [until_closed(c, time.monotonic() + 5) for c in clients[1:]] == [b"", b""]
            clients[0].settimeout(0.2)
            with pytest.raises(TimeoutError):  # the one with a request in flight stays open
                clients[0].recv(1)
        finally:
            for sock in clients + served:
                sock.close()
            os.close(reading)
            os.close(writing)


def test_a_sweep_leaves_the_processs_file_locks_alone(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: a guard that
    closed a duplicate of the store's file would let another worker write into SQLite's locked pages."""
    path = tmp_path / "store.sqlite"
    probe = "import fcntl, sys; fcntl.lockf(open(sys.argv[1], 'a'), fcntl.LOCK_EX | fcntl.LOCK_NB)"
    with path.open("w") as store:
        fcntl.lockf(store, fcntl.LOCK_EX)
        ConnectionGuard(free_port(), list, idle_timeout=0, max_connections=10).sweep()
        taken = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, timeout=30)
    assert taken.returncode != 0, "another process could lock the file: the sweep dropped this one's lock"
