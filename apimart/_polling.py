"""The bookkeeping of `wait_for_task`, without I/O: when a task is done, failed or waiting for input,
and how long to sleep before the next poll.

Both clients run the same three-line loop around a `Poller` (get the task; `finished(task)`? return it;
sleep `pause(task)`), so the sync and async waits cannot drift apart, and tests drive a `Poller` with a
fake clock.

Guarantees, given an honest clock:
- two polls are never closer than `interval` (which is never below `MIN_POLL_INTERVAL`);
- the last poll starts before `deadline + interval`, and the client cuts every poll's request (retries
  included) to end by `limit`, that same time: the wait overshoots its deadline by at most one
  interval, however slow the server;
- `on_progress` gets every poll's progress, parsed to an int, and the status as the view spells it;
- every decision (done, failed, waits in MODAL, next poll in N s, timed out) is logged at DEBUG on the
  `apimart` logger, with the seconds waited so far.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from apimart_mj import parse_progress, to_unified

from ._constants import MIN_POLL_INTERVAL
from ._errors import InvalidArgumentError, TaskFailedError, TaskTimeoutError
from ._models import MidjourneyTask
from ._types import ProgressCallback, Task

__all__ = ["Poller"]

logger = logging.getLogger("apimart")

_MODAL = "MODAL"


class Poller:
    """One wait for one task.

    **Parameters:**
    - `interval`: seconds between polls; raised to `MIN_POLL_INTERVAL` when lower.
    - `timeout`: seconds from now after which no further poll is started.
    - `clock`: a monotonic clock in seconds (`time.monotonic`; tests pass a fake).
    - `on_progress`: called with (progress, status) after every poll that carries a progress.
    - `return_on_modal`: a Midjourney-view task in MODAL waits for the `/modal` call, so polling on is
      pointless: `finished` says True and the caller gets the MODAL task back. `modal_and_wait` passes
      False, so that a MODAL seen just before the service applies the modal call does not end the wait.
    """

    def __init__(
        self,
        *,
        interval: float,
        timeout: float,
        clock: Callable[[], float],
        on_progress: ProgressCallback | None = None,
        return_on_modal: bool = True,
    ) -> None:
        if not timeout >= 0:  # also refuses NaN
            raise InvalidArgumentError(f"timeout must be >= 0 seconds, got {timeout!r}")
        if not math.isfinite(interval):
            raise InvalidArgumentError(f"interval must be a finite number of seconds, got {interval!r}")
        self.interval = max(float(interval), MIN_POLL_INTERVAL)
        self.timeout = timeout
        self._clock = clock
        self._started = clock()
        self._deadline = self._started + timeout
        self._on_progress = on_progress
        self._return_on_modal = return_on_modal

    def finished(self, task: Task) -> bool:
        """True when the wait is over and `task` is the answer; raises `TaskFailedError` on failure.

        Statuses of either view go through the one mapping in `_status`: `SUCCESS` / `completed` finish
        the wait, `FAILURE` / `failed` / `cancelled` raise, a status nobody knows yet keeps polling.
        """
        status = str(task.status)
        self._report(task, status)
        unified = to_unified(status) if isinstance(task, MidjourneyTask) else status
        if unified == "completed":
            self._log(task, status, "done")
            return True
        if unified in ("failed", "cancelled"):
            self._log(task, status, "the wait ends")
            raise TaskFailedError(task, status=status, fail_reason=_fail_reason(task))
        if status == _MODAL and self._return_on_modal:
            self._log(task, status, "waits for the modal call; the wait ends")
            return True
        return False

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self._clock() >= self._deadline

    @property
    def limit(self) -> float:
        """The clock time by which the wait is over, whatever the server does: the deadline plus one
        interval (the client cuts the last poll's request, retries included, to end by then)."""
        return self._deadline + self.interval

    def pause(self, task: Task) -> float:
        """Seconds to sleep before the next poll; raises `TaskTimeoutError` once the deadline has passed."""
        if self.expired:
            self._log(task, str(task.status), f"the {self.timeout:g} s timeout has passed; giving up")
            raise TaskTimeoutError(task, timeout=self.timeout)
        self._log(task, str(task.status), f"next poll in {self.interval:g} s")
        return self.interval

    def _log(self, task: Task, status: str, decision: str) -> None:
        progress = f" {task.progress}" if isinstance(task.progress, str | int) else ""
        elapsed = self._clock() - self._started
        logger.debug("task %s: %s%s after %.1f s: %s", task.id, status, progress, elapsed, decision)

    def _report(self, task: Task, status: str) -> None:
        if self._on_progress is None or not isinstance(task.progress, str | int):
            return
        self._on_progress(parse_progress(task.progress), status)


def _fail_reason(task: Task) -> str | None:
    reason = task.fail_reason if isinstance(task, MidjourneyTask) else task.error and task.error.message
    return reason if isinstance(reason, str) and reason else None
