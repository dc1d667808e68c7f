"""APIMart's auto-matching: which button a follow-up presses when it is sent without `custom_id`.

The rules of section 3.4 of the API reference, with the calls of `docs/decisions.md` (high- and
low-variation on a grid fall back to the grid's V{index}). The mock answers with them and the client
layer picks buttons with them, so both follow one set of rules. The contract suite keeps its own
expectations as data, never these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from ._custom_id import DIRECTIONS, CustomId, Family
from ._errors import InvalidCustomId, NoMatchingButton

__all__ = ["REQUIRES_UPSCALED", "REROLL_LABELS", "ButtonLike", "match_button"]

REQUIRES_UPSCALED = "This action requires an upscaled task."
REROLL_LABELS = frozenset({"\U0001f504", "\U0001f504\ufe0f"})
_VARY = {
    "HIGH_VARIATION": ("high_variation", "Vary (Strong)"),
    "LOW_VARIATION": ("low_variation", "Vary (Subtle)"),
}


class ButtonLike(Protocol):
    """What matching reads of a button: the generated model and the mock's button both have these."""

    @property
    def custom_id(self) -> str: ...

    @property
    def label(self) -> str: ...


B = TypeVar("B", bound=ButtonLike)


def match_button(
    buttons: Iterable[B],
    action: str,
    *,
    index: int | None = None,
    direction: str | None = None,
    zoom_ratio: float | None = None,
    upscaled: bool,
) -> B:
    """The button the service presses for a follow-up of `action` sent without `custom_id`.

    `action` is the task action of the endpoint (`UPSCALE` for /upscale, ...); `upscaled` says whether the
    parent is a single upscaled image: zoom, pan and inpaint need one. The task the press creates has the
    endpoint's action (a high-variation that falls back to a grid's V2 is a HIGH_VARIATION). Raises
    `NoMatchingButton` with the service's 400 message when nothing matches.
    """
    action = action.upper()
    candidates = [(button, _parse_or_none(button.custom_id)) for button in buttons]

    def first(rule: Callable[[B, CustomId | None], bool], wanted: str) -> B:
        for button, custom_id in candidates:
            if rule(button, custom_id):
                return button
        raise NoMatchingButton(f"no {wanted} button on this task")

    def job_op(operation: str, *, at: int | None = None) -> Callable[[B, CustomId | None], bool]:
        return lambda _, c: (
            c is not None and c.family is Family.JOB and c.operation == operation and at in (None, c.index)
        )

    if action in ("UPSCALE", "VARIATION", "HIGH_VARIATION", "LOW_VARIATION"):
        tile = _required_index(index, action)
        if action == "UPSCALE":
            return first(job_op("upsample", at=tile), f"U{tile}")
        if action == "VARIATION":
            return first(job_op("variation", at=tile), f"V{tile}")
        operation, label = _VARY[action]
        try:
            return first(job_op(operation), label)
        except NoMatchingButton:  # older single-image sets: one "Make Variations"; a grid: its V{index}
            return first(
                lambda b, c: b.label == "Make Variations" or _is_variation(c, tile if not upscaled else None),
                label,
            )
    if action == "REROLL":
        return first(lambda b, c: "::reroll::" in b.custom_id or b.label in REROLL_LABELS, "reroll")
    if action == "PAN":
        if direction is None:
            raise NoMatchingButton("direction or custom_id is required for pan")
        if direction not in DIRECTIONS:
            raise NoMatchingButton(f"direction must be one of {', '.join(DIRECTIONS)}")
        _require_upscaled(upscaled)
        return first(lambda b, _: f"pan_{direction}" in b.custom_id, f"pan {direction}")
    if action == "ZOOM":
        _require_upscaled(upscaled)
        factor = 2.0 if zoom_ratio is None or zoom_ratio >= 2 else 1.5
        return first(lambda _, c: c is not None and c.zoom_factor == factor, f"Zoom Out {factor:g}x")
    if action == "INPAINT":
        _require_upscaled(upscaled)
        return first(
            lambda b, c: b.label == "Vary (Region)" or (c is not None and c.family is Family.INPAINT),
            "Vary (Region)",
        )
    raise NoMatchingButton(f"{action} is not a follow-up action that matches a button")


def _is_variation(custom_id: CustomId | None, tile: int | None) -> bool:
    """A variation button: the single-image one (`::SOLO`), or on a grid the V button of `tile`."""
    if custom_id is None or custom_id.operation != "variation":
        return False
    return custom_id.solo if tile is None else custom_id.index == tile and not custom_id.solo


def _required_index(index: int | None, action: str) -> int:
    if index is None:
        raise NoMatchingButton(f"index or custom_id is required for {action.lower().replace('_', '-')}")
    if not 1 <= index <= 4:
        raise NoMatchingButton(f"index must be between 1 and 4, got {index}")
    return index


def _require_upscaled(upscaled: bool) -> None:
    if not upscaled:
        raise NoMatchingButton(REQUIRES_UPSCALED)


def _parse_or_none(text: str) -> CustomId | None:
    try:
        return CustomId.parse(text)
    except InvalidCustomId:
        return None
