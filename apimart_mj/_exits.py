"""The exit statuses of the `apimart` and `apimart-mock` commands, and a closed pipe's quiet end.

Standard library only, so that `apimart-mock serve` reads them without importing the client, httpx and
their command-line dependencies (0.1 s of CPU at each start). `apimart.cli` re-exports them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

__all__ = ["EXIT_CODES", "exit_code_for_status", "quiet_on_closed_pipe"]

EXIT_CODES = {
    "success": 0,
    "task_failed": 1,
    "usage": 2,
    "authentication": 3,
    "not_found": 4,
    "timeout": 5,
    "network_or_server": 6,
    "refused": 7,
    "interrupted": 130,
    "closed_pipe": 141,  # 128 + SIGPIPE (13), as a shell reports for `git log | head`
}
"""The exit status of each outcome (`apimart.cli`'s docstring says which errors are which)."""


def exit_code_for_status(status: int) -> int:
    """The exit status of an HTTP error status (also `apimart-mock`'s, for the control API's answers)."""
    if status in (401, 403):
        return EXIT_CODES["authentication"]
    if status == 404:
        return EXIT_CODES["not_found"]
    if status == 429 or status >= 500:
        return EXIT_CODES["network_or_server"]
    return EXIT_CODES["refused"]


def quiet_on_closed_pipe(run: Callable[[], int]) -> int:
    """`run()`'s exit status; when the output's reader has gone (`... | head`), 141 and no traceback, as
    `git log | head` ends."""
    try:
        try:
            return run()
        finally:  # also after --help and --version: a closed pipe is seen here, not at exit
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_output()
        return EXIT_CODES["closed_pipe"]


def _discard_output() -> None:
    """After a closed pipe: point stdout and stderr at /dev/null, so that nothing written later (nor
    the interpreter's flush at exit) fails again. Streams without a file descriptor are left alone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)
