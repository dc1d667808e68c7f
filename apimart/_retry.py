"""When to retry a request and how long to wait first: pure decisions, no I/O, never sleeps.

The client's send loop asks `RetryPolicy.next_delay` after every attempt and sleeps what it is told, so
the sync and async clients share every decision and tests check the policy without a network or a clock.

What is retried (each attempt counts against `max_retries`; 0 switches retrying off):

| outcome                                   | GET (reads) | POST (submits)                     |
|-------------------------------------------|-------------|------------------------------------|
| connection refused / DNS / connect timeout | yes         | yes: the request never left        |
| reset, read timeout, broken response       | yes         | no: the task may have been created |
| a body still arriving at the deadline      | no          | no: it would be as slow again      |
| 408, 499, 5xx                              | yes         | no: the task may have been created |
| 429                                        | yes         | yes: rejected before anything ran  |
| any other status                           | no          | no                                 |

A submit creates a paid task and the API has no idempotency key, so a POST is only sent again when the
first attempt cannot have reached the service (the connection was never established), or when the
service said 429, which its rate limiter answers before creating anything. A 5xx or a timeout after the
request was sent leaves the task possibly created: retrying could pay twice, so the error is raised and
the caller decides (look for the task before submitting again).

How long: the server's `Retry-After` (seconds, or an HTTP date measured against the response's `Date`)
when it is between 0 and `max_retry_after`; a longer hint is not waited for at all, the error is raised
with `retry_after` set. Without a hint, `initial_delay * 2**n` capped at `max_delay`, scaled by a random
factor in [0.75, 1.0] so that many clients do not retry in lockstep. Whether a `Retry-After` was
honoured or refused is logged at DEBUG on the `apimart` logger (the client logs the retry itself).
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from ._constants import DEFAULT_MAX_RETRIES, INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._errors import InvalidArgumentError
from ._reading import DeadlineExceeded

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRYABLE_STATUSES = frozenset({408, 429, 499})
_UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport errors raised before a single byte of the request was written."""
_NOT_RETRYABLE_ERRORS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, DeadlineExceeded)
"""Our own mistakes (a bad URL scheme, an invalid header), and a server too slow to finish a response in
time: sending again cannot help."""
_JITTER = 0.25

logger = logging.getLogger("apimart")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried. The defaults live in `_constants.py`."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or self.max_retries < 0
        ):
            raise InvalidArgumentError(
                f"max_retries must be an int >= 0 (0 switches retrying off), got {self.max_retries!r}"
            )

    def next_delay(
        self,
        method: str,
        outcome: httpx.Response | Exception,
        retries_done: int,
        *,
        rng: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before sending again, or None to stop and report `outcome`."""
        if not self.should_retry(method, outcome, retries_done):
            return None
        headers = outcome.headers if isinstance(outcome, httpx.Response) else None
        return self.delay(retries_done, headers, rng=rng)

    def should_retry(self, method: str, outcome: httpx.Response | Exception, retries_done: int) -> bool:
        """Whether `outcome` of a `method` request may be retried after `retries_done` retries."""
        if retries_done >= self.max_retries:
            return False
        submit = method.upper() not in ("GET", "HEAD")
        if isinstance(outcome, Exception):
            if submit:
                return isinstance(outcome, _UNSENT_ERRORS)
            return isinstance(outcome, httpx.TransportError) and not isinstance(
                outcome, _NOT_RETRYABLE_ERRORS
            )
        status = outcome.status_code
        if status == 429 or (not submit and (status in _RETRYABLE_STATUSES or status >= 500)):
            hint = parse_retry_after(outcome.headers)
            if hint is not None and hint > self.max_retry_after:
                logger.debug("Retry-After %g s is longer than %g s: not waiting", hint, self.max_retry_after)
                return False
            return True
        return False

    def delay(
        self,
        retries_done: int,
        headers: Mapping[str, str] | None = None,
        *,
        rng: Callable[[], float] = random.random,
    ) -> float:
        """The wait before retry number `retries_done + 1`: the server's hint, else jittered backoff."""
        hint = None if headers is None else parse_retry_after(headers)
        if hint is not None and hint <= self.max_retry_after:
            logger.debug("Retry-After %g s: honoured", hint)
            return hint
        backoff = min(self.initial_delay * 2.0 ** min(retries_done, 64), self.max_delay)
        return backoff * (1.0 - _JITTER * rng())


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """`Retry-After` in seconds (from `120`, `1.5` or an HTTP date), or None when absent or unusable.

    A date is measured against the response's own `Date` header when there is one (both come from the
    server's clock), else against `now` (default: the local clock). A date in the past gives 0.
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value, headers.get("date"), now)
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _seconds_until(http_date: str, server_date: str | None, now: float | None) -> float | None:
    try:
        target = parsedate_to_datetime(http_date).timestamp()
    except (TypeError, ValueError, OverflowError):
        return None
    reference = now if now is not None else time.time()
    if server_date is not None:
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            reference = parsedate_to_datetime(server_date).timestamp()
    return max(0.0, target - reference)
