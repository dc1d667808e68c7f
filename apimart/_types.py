"""Type aliases shared by the client, the polling loop and the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, Literal, TypedDict

from apimart_mj import CustomId

from ._models import Button, MidjourneyTask, SubmittedTask, UnifiedTask

__all__ = [
    "Action",
    "ButtonRef",
    "Headers",
    "ProgressCallback",
    "RequestSpec",
    "Task",
    "TaskRef",
    "Upload",
    "View",
    "WaitOptions",
]

View = Literal["mj", "unified"]
"""`mj`: `GET /v1/midjourney/{id}` (buttons, MODAL, fail_reason); `unified`: `GET /v1/tasks/{id}`."""

Task = MidjourneyTask | UnifiedTask
TaskRef = str | MidjourneyTask | UnifiedTask | SubmittedTask
"""A task id, or anything the API returned that names a task."""
ButtonRef = str | CustomId | Button
"""A customId string, a parsed `CustomId`, or a button of a task."""
Upload = bytes | str | os.PathLike[str] | BinaryIO
"""What `upload_image` sends: the bytes, a path to the file, or a file opened in binary mode."""

Action = str
"""The name of a submit operation of `apimart_mj.OPERATIONS` (`upscale`, `high_variation`, ...)."""

ProgressCallback = Callable[[int, str], None]
"""Called after a poll with the task's progress (0-100) and its status as the polled view spells it."""

Headers = Mapping[str, str]
"""Extra HTTP headers of one call (`extra_headers=`): they are sent after, so over, the client's own."""

RequestSpec = Mapping[str, Any]
"""Keyword arguments for `httpx.Client.build_request`: method, url, and json or params."""


class WaitOptions(TypedDict, total=False):
    """The knobs of `wait_for_task` that the `..._and_wait` helpers pass through."""

    interval: float
    """Seconds between polls (default: the client's `poll_interval`, never below 1)."""
    timeout: float
    """Seconds to wait at most (default 600)."""
    on_progress: ProgressCallback | None
    """Called with (percent, status) after every poll."""
    extra_headers: Headers | None
    """HTTP headers sent with this call's requests."""
