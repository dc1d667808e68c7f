"""APIMart's auto-matching: which button a follow-up presses when it is sent without `custom_id`.

The rules of section 3.4 of the API reference, with the calls of `docs/decisions.md` (high- and
low-variation on a grid fall back to the grid's V{index}). Each follow-up's row of the operations table
says which buttons are its own and how they are picked (its `ButtonRule`); this module applies the rule.
The mock answers with it and the client layer picks buttons with it, so both follow one set of rules.
The contract suite keeps its own expectations as data, never these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ._custom_id import CustomId
from ._errors import InvalidCustomId, NoMatchingButton
from ._operations import DIRECTIONS, REROLL_LABELS, ButtonRule, Family, Match, Operation, by_action

__all__ = ["REQUIRES_UPSCALED", "REROLL_LABELS", "ButtonLike", "match_button"]

REQUIRES_UPSCALED = "This action requires an upscaled task."
_MAKE_VARIATIONS = "Make Variations"


class ButtonLike(Protocol):
    """What matching reads of a button: the generated model and the mock's button both have these."""

    @property
    def custom_id(self) -> str: ...

    @property
    def label(self) -> str: ...


B = TypeVar("B", bound=ButtonLike)
_Test = Callable[[ButtonLike, CustomId | None], bool]
"""Whether a button (and its parsed customId, None when it does not parse) is the one wanted."""


@dataclass(frozen=True)
class _Request:
    operation: Operation
    rule: ButtonRule
    match: Match
    index: int | None
    direction: str | None
    zoom_ratio: float | None
    upscaled: bool


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
    request = _request(action, index, direction, zoom_ratio, upscaled)
    tests, wanted = _MATCHES[request.match](request)
    if request.rule.upscaled and not upscaled:
        raise NoMatchingButton(REQUIRES_UPSCALED)
    candidates = [(button, _parse_or_none(button.custom_id)) for button in buttons]
    for test in tests:
        for button, custom_id in candidates:
            if test(button, custom_id):
                return button
    raise NoMatchingButton(f"no {wanted} button on this task")


def _request(
    action: str, index: int | None, direction: str | None, zoom_ratio: float | None, upscaled: bool
) -> _Request:
    try:
        operation = by_action(action.upper())
    except KeyError:
        operation = None
    rule = None if operation is None else operation.button
    if operation is None or rule is None or rule.match is None:
        raise NoMatchingButton(f"{action.upper()} is not a follow-up action that matches a button")
    return _Request(operation, rule, rule.match, index, direction, zoom_ratio, upscaled)


def _tile(request: _Request) -> tuple[tuple[_Test, ...], str]:
    tile = _required_index(request)
    return (_job(request.rule.job[0], at=tile),), request.rule.label.format(index=tile)


def _vary(request: _Request) -> tuple[tuple[_Test, ...], str]:
    """Its own single-image button; else an older set's one `Make Variations`, or a grid's V{index}."""
    tile = _required_index(request)
    on_grid = None if request.upscaled else tile

    def fallback(button: ButtonLike, custom_id: CustomId | None) -> bool:
        return button.label == _MAKE_VARIATIONS or _is_variation(custom_id, on_grid)

    return (_job(request.rule.job[0]), fallback), request.rule.label


def _one(request: _Request) -> tuple[tuple[_Test, ...], str]:
    rule = request.rule

    def test(button: ButtonLike, custom_id: CustomId | None) -> bool:
        return (
            button.label in rule.labels
            or any(f"::{job}::" in button.custom_id for job in rule.job)
            or (custom_id is not None and custom_id.family in rule.families)
        )

    return (test,), rule.label


def _direction(request: _Request) -> tuple[tuple[_Test, ...], str]:
    direction = request.direction
    if direction is None:
        raise NoMatchingButton(f"direction or custom_id is required for {request.operation.cli_name}")
    if direction not in DIRECTIONS:
        raise NoMatchingButton(f"direction must be one of {', '.join(DIRECTIONS)}")
    jobs = [job for job in request.rule.job if job.endswith(f"_{direction}")]

    def test(button: ButtonLike, _: CustomId | None) -> bool:
        return any(job in button.custom_id for job in jobs)

    return (test,), request.rule.label.format(direction=direction)


def _zoom(request: _Request) -> tuple[tuple[_Test, ...], str]:
    ratio = request.zoom_ratio
    factor = 2.0 if ratio is None or ratio >= 2 else 1.5

    def test(_: ButtonLike, custom_id: CustomId | None) -> bool:
        return custom_id is not None and custom_id.zoom_factor == factor

    return (test,), request.rule.label.format(factor=factor)


_MATCHES: dict[Match, Callable[[_Request], tuple[tuple[_Test, ...], str]]] = {
    Match.TILE: _tile,
    Match.VARY: _vary,
    Match.ONE: _one,
    Match.DIRECTION: _direction,
    Match.ZOOM: _zoom,
}


def _job(operation: str, *, at: int | None = None) -> _Test:
    """The `MJ::JOB::<operation>` button (of tile `at`, when given)."""
    return lambda _, c: (
        c is not None and c.family is Family.JOB and c.operation == operation and at in (None, c.index)
    )


def _is_variation(custom_id: CustomId | None, tile: int | None) -> bool:
    """A variation button: the single-image one (`::SOLO`), or on a grid the V button of `tile`."""
    if custom_id is None or custom_id.operation != "variation":
        return False
    return custom_id.solo if tile is None else custom_id.index == tile and not custom_id.solo


def _required_index(request: _Request) -> int:
    index = request.index
    if index is None:
        raise NoMatchingButton(f"index or custom_id is required for {request.operation.cli_name}")
    if not 1 <= index <= 4:
        raise NoMatchingButton(f"index must be between 1 and 4, got {index}")
    return index


def _parse_or_none(text: str) -> CustomId | None:
    try:
        return CustomId.parse(text)
    except InvalidCustomId:
        return None
