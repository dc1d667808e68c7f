"""The submit helpers, written once for both clients.

`Client` and `AsyncClient` differ only in how they send: one returns values, the other coroutines. This
mixin is generic over those two result types (`S` for a submit, `W` for a submit-and-wait), builds each
request with `_requests` and hands it to the client's `_submit` / `_submit_and_wait`, so the two dozen
helpers exist once. On `AsyncClient` every helper returns an awaitable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar, Unpack

from ._requests import build_action, build_imagine
from ._types import Action, ButtonRef, ProgressCallback, RequestSpec, TaskRef, WaitOptions

__all__ = ["ActionsMixin"]

S = TypeVar("S")
W = TypeVar("W")
Meta = Mapping[str, Any] | None


class ActionsMixin(Generic[S, W]):
    """Imagine and every follow-up action, each with an `..._and_wait` twin.

    A follow-up takes the parent as a task id or any task object, then what selects the image: an
    `index` (1-4), a `direction`, a `zoom_ratio`, or a `button` (a customId string, a `CustomId`, or a
    button from `task.buttons`; see `pick_button`). A button is sent as `custom_id`, which the service
    prefers to auto-matching. `speed` is `relax` (default), `fast` or `turbo`; `metadata` is stored with
    the task.

    `..._and_wait` submits, then `wait_for_task`s the new task on the Midjourney view, so the answer
    carries its buttons for the next step. Submits are never retried in a way that could pay twice
    (see `_retry`).
    """

    def _submit(self, spec: RequestSpec) -> S:
        raise NotImplementedError

    def _submit_and_wait(self, spec: RequestSpec, *, return_on_modal: bool, wait: WaitOptions) -> W:
        raise NotImplementedError

    def imagine(self, prompt: str, *, speed: str | None = None, metadata: Meta = None, **options: Any) -> S:
        """Submit an imagine (a 2x2 grid). `options` are the structured fields of `ImagineRequest`
        (`size="16:9"`, `version="7"`, `seed=1234`, `image_urls=[...]`, ...); they win over prompt flags."""
        return self._submit(build_imagine(prompt, speed=speed, metadata=metadata, options=options))

    def imagine_and_wait(
        self,
        prompt: str,
        *,
        speed: str | None = None,
        metadata: Meta = None,
        interval: float | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        **options: Any,
    ) -> W:
        """`imagine`, then wait until the grid is done."""
        wait = _wait_options(interval, timeout, on_progress)
        spec = build_imagine(prompt, speed=speed, metadata=metadata, options=options)
        return self._submit_and_wait(spec, return_on_modal=True, wait=wait)

    def act(
        self,
        action: Action,
        task: TaskRef,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        direction: str | None = None,
        zoom_ratio: float | None = None,
        prompt: str | None = None,
        mask_url: str | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Submit any follow-up `action` by name; arguments the action does not take are refused."""
        return self._submit(
            build_action(
                action,
                task,
                index=index,
                button=button,
                direction=direction,
                zoom_ratio=zoom_ratio,
                prompt=prompt,
                mask_url=mask_url,
                speed=speed,
                metadata=metadata,
            )
        )

    def act_and_wait(
        self,
        action: Action,
        task: TaskRef,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        direction: str | None = None,
        zoom_ratio: float | None = None,
        prompt: str | None = None,
        mask_url: str | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`act`, then wait. After `inpaint` the wait ends at MODAL: the answer needs the `modal` call."""
        spec = build_action(
            action,
            task,
            index=index,
            button=button,
            direction=direction,
            zoom_ratio=zoom_ratio,
            prompt=prompt,
            mask_url=mask_url,
            speed=speed,
            metadata=metadata,
        )
        return self._submit_and_wait(spec, return_on_modal=action != "modal", wait=wait)

    def upscale(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """U1-U4 of a grid by `index`, or any upscale by `button` (also the HD ids of `hd_upscale_id`)."""
        return self.act("upscale", task, index=index, button=button, speed=speed, metadata=metadata)

    def upscale_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`upscale`, then wait for the single image."""
        return self.act_and_wait(
            "upscale", task, index=index, button=button, speed=speed, metadata=metadata, **wait
        )

    def variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """V1-V4 of a grid: a new grid from one image."""
        return self.act("variation", task, index=index, button=button, speed=speed, metadata=metadata)

    def variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`variation`, then wait for the new grid."""
        return self.act_and_wait(
            "variation", task, index=index, button=button, speed=speed, metadata=metadata, **wait
        )

    def high_variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Vary (Strong) of an upscaled image (the service wants an `index` even though it ignores it)."""
        return self.act("high_variation", task, index=index, button=button, speed=speed, metadata=metadata)

    def high_variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`high_variation`, then wait."""
        return self.act_and_wait(
            "high_variation", task, index=index, button=button, speed=speed, metadata=metadata, **wait
        )

    def low_variation(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Vary (Subtle) of an upscaled image (the service wants an `index` even though it ignores it)."""
        return self.act("low_variation", task, index=index, button=button, speed=speed, metadata=metadata)

    def low_variation_and_wait(
        self,
        task: TaskRef,
        index: int | None = None,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`low_variation`, then wait."""
        return self.act_and_wait(
            "low_variation", task, index=index, button=button, speed=speed, metadata=metadata, **wait
        )

    def reroll(
        self,
        task: TaskRef,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Run the prompt of an imagine or reroll grid again."""
        return self.act("reroll", task, button=button, speed=speed, metadata=metadata)

    def reroll_and_wait(
        self,
        task: TaskRef,
        *,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`reroll`, then wait for the new grid."""
        return self.act_and_wait("reroll", task, button=button, speed=speed, metadata=metadata, **wait)

    def zoom(
        self,
        task: TaskRef,
        zoom_ratio: float | None = None,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Zoom Out an upscaled image: `zoom_ratio` < 2 gives 1.5x, omitted or >= 2 gives 2x."""
        return self.act(
            "zoom", task, zoom_ratio=zoom_ratio, index=index, button=button, speed=speed, metadata=metadata
        )

    def zoom_and_wait(
        self,
        task: TaskRef,
        zoom_ratio: float | None = None,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`zoom`, then wait."""
        return self.act_and_wait(
            "zoom",
            task,
            zoom_ratio=zoom_ratio,
            index=index,
            button=button,
            speed=speed,
            metadata=metadata,
            **wait,
        )

    def pan(
        self,
        task: TaskRef,
        direction: str | None = None,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Extend an upscaled image `left`, `right`, `up` or `down`."""
        return self.act(
            "pan", task, direction=direction, index=index, button=button, speed=speed, metadata=metadata
        )

    def pan_and_wait(
        self,
        task: TaskRef,
        direction: str | None = None,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`pan`, then wait."""
        return self.act_and_wait(
            "pan",
            task,
            direction=direction,
            index=index,
            button=button,
            speed=speed,
            metadata=metadata,
            **wait,
        )

    def inpaint(
        self,
        task: TaskRef,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Vary (Region) of an upscaled image. The task then waits in MODAL for `modal` (30 min at most)."""
        return self.act("inpaint", task, index=index, button=button, speed=speed, metadata=metadata)

    def inpaint_and_wait(
        self,
        task: TaskRef,
        *,
        index: int | None = None,
        button: ButtonRef | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`inpaint`, then wait until the task reaches MODAL; pass the answer to `modal_and_wait`."""
        return self.act_and_wait(
            "inpaint", task, index=index, button=button, speed=speed, metadata=metadata, **wait
        )

    def modal(
        self,
        task: TaskRef,
        *,
        prompt: str | None = None,
        mask_url: str | None = None,
        speed: str | None = None,
        metadata: Meta = None,
    ) -> S:
        """Give a MODAL (inpaint) task its input: with `mask_url` the masked region is repainted, without
        it the image is extended. The task keeps its id; an empty `prompt` reuses the parent's."""
        return self.act("modal", task, prompt=prompt, mask_url=mask_url, speed=speed, metadata=metadata)

    def modal_and_wait(
        self,
        task: TaskRef,
        *,
        prompt: str | None = None,
        mask_url: str | None = None,
        speed: str | None = None,
        metadata: Meta = None,
        **wait: Unpack[WaitOptions],
    ) -> W:
        """`modal`, then wait for the four candidates."""
        return self.act_and_wait(
            "modal", task, prompt=prompt, mask_url=mask_url, speed=speed, metadata=metadata, **wait
        )


def _wait_options(
    interval: float | None, timeout: float | None, on_progress: ProgressCallback | None
) -> WaitOptions:
    wait = WaitOptions(on_progress=on_progress)
    if interval is not None:
        wait["interval"] = interval
    if timeout is not None:
        wait["timeout"] = timeout
    return wait
