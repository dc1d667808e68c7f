"""The proxy's hand-off to its judge, on a real pipe: the event loop never waits for the judge; what the
pipe cannot take waits in the outbox up to its bound, past that is dropped and counted; what was handed
off arrives whole and in order once the judge reads again."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection

from apimart_contract.proxy._cassette import Recorded
from apimart_contract.proxy._watch import _batches, _Outbox

HELD = 5


def _exchange(n: int) -> Recorded:
    return Recorded(
        started=time.time(),
        elapsed_ms=1.0,
        method="GET",
        url=f"http://upstream/v1/tasks/task_{n}",
        request_headers=[("authorization", "Bearer sk-handoff")],
        request_body=b"",
        status=200,
        response_headers=[("content-type", "application/json")],
        response_body=b"x" * 100_000,  # ten or so fill the pipe
    )


def _put_all(outbox: _Outbox, count: int) -> None:
    """Hand `count` exchanges over from an event loop, as the proxy does; the loop then ends."""

    async def main() -> None:
        for n in range(count):
            outbox.put(_exchange(n))

    asyncio.run(main())


def _judge(reader: Connection, received: list[Recorded]) -> threading.Thread:
    """A judge reading in a thread of its own into `received`, until the proxy closes its end."""
    thread = threading.Thread(target=lambda: [received.extend(batch) for batch in _batches(reader)])
    thread.start()
    return thread


def test_a_judge_that_does_not_read_costs_drops_never_a_wait() -> None:
    reader, writer = multiprocessing.Pipe(duplex=False)
    outbox = _Outbox(writer.fileno(), HELD)
    received: list[Recorded] = []

    async def main() -> None:
        started = time.monotonic()
        for n in range(100):  # nobody reads yet
            outbox.put(_exchange(n))
        assert time.monotonic() - started < 5  # no put waited for room
        assert outbox.sent + outbox.dropped == 100
        assert outbox.dropped > 0 and outbox.sent > HELD
        thread = _judge(reader, received)  # the loop writes what was held as the pipe has room
        async with asyncio.timeout(30):
            while len(received) < outbox.sent:
                await asyncio.sleep(0.01)
        writer.close()  # the judge reads to the end, then stops
        thread.join(30)
        assert not thread.is_alive()

    asyncio.run(main())
    assert [e.url for e in received] == [_exchange(n).url for n in range(len(received))]
    assert all(e.response_body == b"x" * 100_000 for e in received)


def test_what_is_held_is_written_when_the_proxy_stops() -> None:
    reader, writer = multiprocessing.Pipe(duplex=False)
    outbox = _Outbox(writer.fileno(), 1000)
    _put_all(outbox, 40)  # the loop is gone with exchanges still held
    assert outbox.dropped == 0 and outbox._held
    received: list[Recorded] = []
    thread = _judge(reader, received)
    outbox.drain(time.monotonic() + 30)
    writer.close()
    thread.join(30)
    assert [e.url for e in received] == [_exchange(n).url for n in range(40)]


def test_a_judge_that_is_gone_costs_drops_never_an_error() -> None:
    reader, writer = multiprocessing.Pipe(duplex=False)
    outbox = _Outbox(writer.fileno(), 1000)
    _put_all(outbox, 40)
    assert outbox._held  # the pipe is full
    reader.close()  # the judge is gone
    outbox.drain(time.monotonic() + 30)  # what was held cannot reach it: given up, no error
    sent = outbox.sent
    _put_all(outbox, 40)
    assert (outbox.sent, outbox.dropped) == (sent, 40)
    writer.close()
