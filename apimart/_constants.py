"""Every tunable of the client layer, in one place.

The numbers come from the API reference: the service asks for polling every 3-5 s, an imagine takes
30-90 s (an HD upscale up to 120 s, a modal 60-90 s) and a task sits in MODAL for at most 30 minutes.
"""

from __future__ import annotations

import httpx

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "MIN_POLL_INTERVAL",
]

ENV_API_KEY = "APIMART_API_KEY"
ENV_BASE_URL = "APIMART_BASE_URL"
DEFAULT_BASE_URL = "https://api.apimart.ai"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""Per request. The generated client's default is no timeout at all, which can hang forever."""

DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""The most body a response may have (decoded); a task is a few KiB, so this only stops a broken or
hostile server from filling memory."""

DEFAULT_MAX_RETRIES = 2
"""Retries after the first attempt; 0 switches retrying off."""
INITIAL_RETRY_DELAY = 0.5
"""Seconds before the first retry when the server gives no `Retry-After`; doubles on every retry."""
MAX_RETRY_DELAY = 8.0
"""Cap on the exponential backoff."""
MAX_RETRY_AFTER = 120.0
"""A `Retry-After` longer than this is not waited for: the error is raised with `retry_after` set."""

DEFAULT_POLL_INTERVAL = 3.0
"""Seconds between two polls of one task: the low end of the service's recommended 3-5 s."""
MIN_POLL_INTERVAL = 1.0
"""No interval below this is used, whatever the caller asks: polling is free but rate-limited."""
DEFAULT_WAIT_TIMEOUT = 600.0
"""How long `wait_for_task` waits by default: a slow relax-mode imagine with a queue ahead of it."""
