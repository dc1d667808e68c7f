"""The proxy's server: granian's Rust HTTP server, embedded, with one worker on this process's event loop
(uvloop when installed), serving the forwarding app through granian's RSGI interface.

granian reads requests and writes answers outside Python and keeps client connections alive; the one
worker keeps the judging hand-off, its counters and the report in this process. The listening socket is
bound here, before anything is served (as a plain socket: a port something else listens on is refused,
never shared), so `url` is known and accepting from the start, port 0 included.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any, Protocol

from granian._granian import SocketHolder
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server.embed import Server

__all__ = ["App", "Listener"]

_BACKLOG = 1024


class App(Protocol):
    """An RSGI app with connections of its own to close when serving ends."""

    async def __call__(self, scope: Any, proto: Any) -> None: ...
    async def aclose(self) -> None: ...


class _Embedded(Server):
    """granian's embedded server on a socket bound beforehand (its own binds when the worker starts)."""

    def __init__(self, app: App, listening: socket.socket) -> None:
        host, port = listening.getsockname()[:2]
        super().__init__(
            app,
            address=host,
            port=port,
            interface=Interfaces.RSGI,
            websockets=False,
            log_level=LogLevels.error,
        )
        # granian's stub omits the arguments: (fd, is a Unix socket, backlog); it owns the fd from here.
        self._holder = SocketHolder(listening.detach(), False, _BACKLOG)  # type: ignore[call-arg]

    def _init_shared_socket(self) -> None:
        self._ssp, self._shd = None, self._holder  # type: ignore[assignment]


class Listener:
    """Serves `app` on `host:port` (0: a free port) from `serve_forever` until `shutdown`. Raises
    `OSError` when the address cannot be bound (in use, say)."""

    def __init__(self, host: str, port: int, app: App) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listening = socket.socket(family, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((host, port))
            listening.listen(_BACKLOG)
        except OSError:
            listening.close()
            raise
        self.host, self.port = listening.getsockname()[:2]
        self._app = app
        self._server = _Embedded(app, listening)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve on a new event loop in this thread; return once `shutdown` was called and granian
        stopped."""
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            if not self._stopping:
                await self._server.serve()
        finally:
            await self._app.aclose()

    def shutdown(self) -> None:
        """Have `serve_forever` return (from any thread or a signal handler; before it runs too)."""
        self._stopping = True
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._server.stop)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not on Windows: asyncio's own loop
        return None
    return uvloop.new_event_loop
