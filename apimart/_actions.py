"""The submit helpers, written once for both clients.

`Client` and `AsyncClient` differ only in how they send: one returns values, the other coroutines. This
mixin is generic over those two result types (`S` for a submit, `W` for a submit-and-wait), builds each
request with `_requests.build_submit` from the operations table and hands it to the client's `_submit` /
`_submit_and_wait`. On `AsyncClient` every helper returns an awaitable.

Each operation of the table has a helper and an `..._and_wait` twin here; `submit(name, ...)` and
`submit_and_wait(name, ...)` reach any of them by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, Unpack, cast

from ._options import (
    BlendOptions,
    BlendWait,
    Direction,
    ImagineOptions,
    ImagineWait,
    ModalOptions,
    ModalWait,
    PointedOptions,
    PointedWait,
    PromptOptions,
    PromptWait,
    RemixOptions,
    RemixWait,
    SubmitOptions,
    SubmitWait,
    VideoOptions,
    VideoWait,
)
from ._requests import build_submit
from ._types import Action, ButtonRef, Headers, RequestSpec, TaskRef, WaitOptions

__all__ = ["ActionsMixin"]

S = TypeVar("S")
W = TypeVar("W")
_WAIT_KEYS = frozenset(WaitOptions.__annotations__)


class ActionsMixin(Generic[S, W]):
    """Every submit operation, each with an `..._and_wait` twin.

    A follow-up takes its parent as a task id or any task object, then what selects the image: an
    `index` (1-4), a `direction`, a `zoom_ratio`, or a `button` (a customId string, a `CustomId`, or a
    button from `task.buttons`; see `pick_button`). A button is sent as `custom_id`, which the service
    prefers to auto-matching. Every helper also takes the other body fields of its request schema as typed
    keyword arguments (`_options`): `speed` (`"relax"`, `"fast"` or `"turbo"`), `metadata` (stored with
    the task), `nsfw_check`, and for imagine and edits the structured fields (`size="16:9"`,
    `version="7"`, ...). A field the operation does not take, or a value of the wrong type or outside an
    enum, raises `InvalidArgumentError` before any request (and is a type error for mypy).

    `..._and_wait` submits, then `wait_for_task`s the task on the Midjourney view, so the answer carries
    its buttons for the next step; it takes `interval`, `timeout` and `on_progress` as well. Every helper
    takes `extra_headers={...}`, sent with this call's requests (a submit-and-wait's polls too). Submits
    are never retried in a way that could pay twice (see `_retry`).
    """

    def _submit(self, spec: RequestSpec, headers: Headers | None) -> S:
        raise NotImplementedError

    def _submit_and_wait(self, spec: RequestSpec, *, return_on_modal: bool, wait: WaitOptions) -> W:
        raise NotImplementedError

    def submit(
        self,
        operation: Action,
        task: TaskRef | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Any,
    ) -> S:
        """Submit any operation of the table by name (`"upscale"`, `"high_variation"`, ...)."""
        headers = fields.pop("extra_headers", None)
        return self._submit(build_submit(operation, task, button=button, **fields), headers)

    def submit_and_wait(
        self,
        operation: Action,
        task: TaskRef | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Any,
    ) -> W:
        """`submit`, then wait. After `inpaint` the wait ends at MODAL: the answer needs the `modal` call."""
        wait = cast(WaitOptions, {key: fields.pop(key) for key in _WAIT_KEYS & set(fields)})
        spec = build_submit(operation, task, button=button, **fields)
        return self._submit_and_wait(spec, return_on_modal=operation != "modal", wait=wait)

    def imagine(self, prompt: str, **fields: Unpack[ImagineOptions]) -> S:
        """Imagine: a 2x2 grid from `prompt`. The structured fields of `ImagineRequest` (`size="16:9"`,
        `version="7"`, `seed=1234`, `image_urls=[...]`, ...) win over the same flags in the prompt."""
        return self.submit("imagine", prompt=prompt, **fields)

    def imagine_and_wait(self, prompt: str, **fields: Unpack[ImagineWait]) -> W:
        """`imagine`, then wait until the grid is done."""
        return self.submit_and_wait("imagine", prompt=prompt, **fields)

    def blend(self, image_urls: Sequence[str], **fields: Unpack[BlendOptions]) -> S:
        """Blend two to four images (URLs or base64 data URIs) into a grid; `dimensions` is `SQUARE`
        (default), `PORTRAIT` or `LANDSCAPE`, and `size="16:9"` wins over it."""
        return self.submit("blend", image_urls=image_urls, **fields)

    def blend_and_wait(self, image_urls: Sequence[str], **fields: Unpack[BlendWait]) -> W:
        """`blend`, then wait until the grid is done."""
        return self.submit_and_wait("blend", image_urls=image_urls, **fields)

    def describe(self, image_url: str, **fields: Unpack[SubmitOptions]) -> S:
        """Describe an image (a URL or a base64 data URI) as four prompts, in `prompt` and `description`."""
        return self.submit("describe", image_urls=[image_url], **fields)

    def describe_and_wait(self, image_url: str, **fields: Unpack[SubmitWait]) -> W:
        """`describe`, then wait for the four prompts (seconds, but still asynchronous)."""
        return self.submit_and_wait("describe", image_urls=[image_url], **fields)

    def edits(self, prompt: str, image_urls: Sequence[str], **fields: Unpack[PromptOptions]) -> S:
        """Edit images by `prompt` into a grid; the structured fields are those of `imagine`."""
        return self.submit("edits", prompt=prompt, image_urls=image_urls, **fields)

    def edits_and_wait(self, prompt: str, image_urls: Sequence[str], **fields: Unpack[PromptWait]) -> W:
        """`edits`, then wait until the grid is done."""
        return self.submit_and_wait("edits", prompt=prompt, image_urls=image_urls, **fields)

    def upscale(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitOptions],
    ) -> S:
        """U1-U4 of a grid by `index`, or any upscale by `button` (also the HD ids of `hd_upscale_id`)."""
        return self.submit("upscale", task, index=index, button=button, **fields)

    def upscale_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitWait],
    ) -> W:
        """`upscale`, then wait for the single image."""
        return self.submit_and_wait("upscale", task, index=index, button=button, **fields)

    def variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitOptions],
    ) -> S:
        """V1-V4 of a grid: a new grid from one image."""
        return self.submit("variation", task, index=index, button=button, **fields)

    def variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitWait],
    ) -> W:
        """`variation`, then wait for the new grid."""
        return self.submit_and_wait("variation", task, index=index, button=button, **fields)

    def high_variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitOptions],
    ) -> S:
        """Vary (Strong) of an upscaled image, or of one image of a grid (its V{index})."""
        return self.submit("high_variation", task, index=index, button=button, **fields)

    def high_variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitWait],
    ) -> W:
        """`high_variation`, then wait for the new grid."""
        return self.submit_and_wait("high_variation", task, index=index, button=button, **fields)

    def low_variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitOptions],
    ) -> S:
        """Vary (Subtle) of an upscaled image, or of one image of a grid (its V{index})."""
        return self.submit("low_variation", task, index=index, button=button, **fields)

    def low_variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[SubmitWait],
    ) -> W:
        """`low_variation`, then wait for the new grid."""
        return self.submit_and_wait("low_variation", task, index=index, button=button, **fields)

    def reroll(self, task: TaskRef, *, button: ButtonRef | None = None, **fields: Unpack[SubmitOptions]) -> S:
        """Run the prompt of an imagine or reroll grid again."""
        return self.submit("reroll", task, button=button, **fields)

    def reroll_and_wait(
        self, task: TaskRef, *, button: ButtonRef | None = None, **fields: Unpack[SubmitWait]
    ) -> W:
        """`reroll`, then wait for the new grid."""
        return self.submit_and_wait("reroll", task, button=button, **fields)

    def zoom(
        self,
        task: TaskRef,
        zoom_ratio: float | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[PointedOptions],
    ) -> S:
        """Zoom Out an upscaled image: `zoom_ratio` below 2 gives 1.5x, omitted or 2 and above gives 2x."""
        return self.submit("zoom", task, zoom_ratio=zoom_ratio, button=button, **fields)

    def zoom_and_wait(
        self,
        task: TaskRef,
        zoom_ratio: float | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[PointedWait],
    ) -> W:
        """`zoom`, then wait for the new grid."""
        return self.submit_and_wait("zoom", task, zoom_ratio=zoom_ratio, button=button, **fields)

    def pan(
        self,
        task: TaskRef,
        direction: Direction | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[PointedOptions],
    ) -> S:
        """Extend an upscaled image `left`, `right`, `up` or `down` (not on v8.x tasks)."""
        return self.submit("pan", task, direction=direction, button=button, **fields)

    def pan_and_wait(
        self,
        task: TaskRef,
        direction: Direction | None = None,
        *,
        button: ButtonRef | None = None,
        **fields: Unpack[PointedWait],
    ) -> W:
        """`pan`, then wait for the new grid."""
        return self.submit_and_wait("pan", task, direction=direction, button=button, **fields)

    def inpaint(
        self, task: TaskRef, *, button: ButtonRef | None = None, **fields: Unpack[PointedOptions]
    ) -> S:
        """Vary (Region) of an upscaled image. The task then waits in MODAL for `modal` (30 min at most)."""
        return self.submit("inpaint", task, button=button, **fields)

    def inpaint_and_wait(
        self, task: TaskRef, *, button: ButtonRef | None = None, **fields: Unpack[PointedWait]
    ) -> W:
        """`inpaint`, then wait until the task reaches MODAL; pass the answer to `modal_and_wait`."""
        return self.submit_and_wait("inpaint", task, button=button, **fields)

    def video(
        self,
        task: TaskRef | None = None,
        index: int | None = None,
        *,
        image_url: str | None = None,
        **fields: Unpack[VideoOptions],
    ) -> S:
        """Animate one image of a finished grid (`task`, `index` 0-3) or a first frame (`image_url` with a
        `prompt`) into `batch_size` videos (1, 2 or 4); also `video_type`, `motion`, `animate_mode`,
        `end_url`."""
        return self.submit(
            "video", task, index=index, image_urls=None if image_url is None else [image_url], **fields
        )

    def video_and_wait(
        self,
        task: TaskRef | None = None,
        index: int | None = None,
        *,
        image_url: str | None = None,
        **fields: Unpack[VideoWait],
    ) -> W:
        """`video`, then wait for the videos."""
        return self.submit_and_wait(
            "video", task, index=index, image_urls=None if image_url is None else [image_url], **fields
        )

    def remix_strong(self, task: TaskRef, index: int, **fields: Unpack[RemixOptions]) -> S:
        """Remix (Strong) image `index` of a finished v8.1 or v8.2 grid; `prompt=` changes the prompt."""
        return self.submit("remix_strong", task, index=index, **fields)

    def remix_strong_and_wait(self, task: TaskRef, index: int, **fields: Unpack[RemixWait]) -> W:
        """`remix_strong`, then wait for the new grid."""
        return self.submit_and_wait("remix_strong", task, index=index, **fields)

    def remix_subtle(self, task: TaskRef, index: int, **fields: Unpack[RemixOptions]) -> S:
        """Remix (Subtle) image `index` of a finished v8.1 or v8.2 grid; `prompt=` changes the prompt."""
        return self.submit("remix_subtle", task, index=index, **fields)

    def remix_subtle_and_wait(self, task: TaskRef, index: int, **fields: Unpack[RemixWait]) -> W:
        """`remix_subtle`, then wait for the new grid."""
        return self.submit_and_wait("remix_subtle", task, index=index, **fields)

    def modal(self, task: TaskRef, **fields: Unpack[ModalOptions]) -> S:
        """Give a MODAL (inpaint) task its input: with `mask_url` the masked region is repainted, without
        it the image is extended. The task keeps its id; an empty `prompt` reuses the parent's."""
        return self.submit("modal", task, **fields)

    def modal_and_wait(self, task: TaskRef, **fields: Unpack[ModalWait]) -> W:
        """`modal`, then wait for the four candidates."""
        return self.submit_and_wait("modal", task, **fields)
