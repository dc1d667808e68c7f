"""The keyword arguments of each submit helper, typed: what an editor completes and `mypy` checks.

One `TypedDict` per request schema of `openapi.yaml` (its body fields, less what the helper takes as its
own parameters: the parent task, the button, the prompt...), shared by `Client` and `AsyncClient` through
`**fields: Unpack[...]`. The spec's enums are `Literal`s here and its free strings are `str` (`version="7"`,
`size="16:9"`); tests hold both equal to the spec, so they cannot drift apart. The `...Wait` forms add the
knobs of `wait_for_task` (`WaitOptions`) for the `..._and_wait` helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from ._types import Headers, WaitOptions

__all__ = [
    "AnimateMode",
    "BlendOptions",
    "BlendWait",
    "Dimensions",
    "Direction",
    "ImagineOptions",
    "ImagineWait",
    "Language",
    "ModalOptions",
    "ModalWait",
    "Motion",
    "PointedOptions",
    "PointedWait",
    "PromptOptions",
    "PromptWait",
    "RemixOptions",
    "RemixWait",
    "Speed",
    "SubmitOptions",
    "SubmitWait",
    "VideoOptions",
    "VideoType",
    "VideoWait",
]

Speed = Literal["relax", "fast", "turbo"]
"""The queue of a task; `relax` when omitted."""
Dimensions = Literal["SQUARE", "PORTRAIT", "LANDSCAPE"]
"""The aspect ratio of a blend: 1:1, 2:3, 3:2."""
Direction = Literal["left", "right", "up", "down"]
"""Where a pan extends the image."""
Language = Literal["zh", "en", "ko", "ja"]
"""The language of a unified task's messages."""
VideoType = Literal[
    "vid_1.1_i2v_480", "vid_1.1_i2v_720", "vid_1.1_i2v_start_end_480", "vid_1.1_i2v_start_end_720"
]
"""The video model and resolution; `vid_1.1_i2v_480` when omitted."""
AnimateMode = Literal["manual", "auto"]
"""`manual` (the default) follows the prompt; `auto` needs a grid task and index."""
Motion = Literal["low", "high"]
"""How much moves in a video; `high` when omitted."""


class _Call(TypedDict, total=False):
    metadata: Mapping[str, Any]
    """Free-form data stored with the task."""
    model: str
    """Tolerated; the route sets `midjourney`."""
    nsfw_check: bool
    """Ask the service to screen the result."""
    extra_headers: Headers | None
    """HTTP headers sent with this call's requests (a submit-and-wait's polls too)."""


class SubmitOptions(_Call, total=False):
    """The fields of every queued submit (describe, the follow-ups)."""

    speed: Speed


class PromptOptions(SubmitOptions, total=False):
    """The structured fields of a prompt-driven submit (edits, imagine): each wins over the same flag
    in the prompt (`size="16:9"` turns `--ar 1:1` into `--ar 16:9`)."""

    size: str
    """An aspect ratio `w:h`, e.g. `"16:9"`."""
    quality: str
    style: str
    version: str
    """A Midjourney version, e.g. `"7"`, `"6.1"`; not checked at submit, an unsupported one fails the task."""
    seed: int
    negative_prompt: str
    stylize: int
    chaos: int
    weird: int
    tile: bool
    niji: bool
    iw: float
    cw: int
    sw: int
    cref: str
    sref: str
    dref: str
    dw: float
    repeat: int
    raw: bool
    draft: bool
    hd: bool
    stop: int
    extra: str
    """Appended to the prompt verbatim."""


class ImagineOptions(PromptOptions, total=False):
    image_urls: Sequence[str]
    """Reference images (URLs or base64 data URIs)."""


class BlendOptions(SubmitOptions, total=False):
    dimensions: Dimensions
    size: str
    """An aspect ratio `w:h`; wins over `dimensions`."""


class PointedOptions(SubmitOptions, total=False):
    """Zoom, pan and inpaint: a button picked by `index` as well as by their own selector."""

    index: int


class RemixOptions(SubmitOptions, total=False):
    prompt: str
    """The new prompt; the parent's when omitted."""


class ModalOptions(SubmitOptions, total=False):
    prompt: str
    """The prompt of the repainted region; an empty one reuses the parent's."""
    mask_url: str
    """The mask of the region to repaint; without it the image is extended."""


class VideoOptions(_Call, total=False):
    prompt: str
    """What happens in the video; required with `image_url`, the parent's when omitted."""
    video_type: VideoType
    animate_mode: AnimateMode
    motion: Motion
    batch_size: int
    """Videos made: 1 (default), 2 or 4."""
    end_url: str
    """The last frame (a URL or a base64 data URI)."""


class SubmitWait(SubmitOptions, WaitOptions, total=False):
    pass


class PromptWait(PromptOptions, WaitOptions, total=False):
    pass


class ImagineWait(ImagineOptions, WaitOptions, total=False):
    pass


class BlendWait(BlendOptions, WaitOptions, total=False):
    pass


class PointedWait(PointedOptions, WaitOptions, total=False):
    pass


class RemixWait(RemixOptions, WaitOptions, total=False):
    pass


class ModalWait(ModalOptions, WaitOptions, total=False):
    pass


class VideoWait(VideoOptions, WaitOptions, total=False):
    pass
