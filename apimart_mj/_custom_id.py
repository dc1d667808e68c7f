"""Midjourney button ids (`customId`) as values: the grammar of every family, parse and format.

A customId names an operation on one Midjourney job: `MJ::JOB::upsample::2::<job hash>` is "U2 of that
grid". Every family that section 3 of the API reference lists parses into a `CustomId` and formats back
to the identical string; anything else is rejected with `InvalidCustomId`. The `JOB` operations and the
task action each press starts are those of the operations table's buttons; which button the service
presses for an `index`, `direction` or `zoom_ratio` is `_matching`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import InvalidCustomId
from ._operations import DIRECTIONS, HD_UPSCALE_OPERATIONS, OPERATIONS, Family, Operation, keyed

__all__ = [
    "DIRECTIONS",
    "HD_UPSCALE_OPERATIONS",
    "JOB_OPERATIONS",
    "CustomId",
    "Family",
    "hd_upscale_id",
]


JOB_OPERATIONS = (
    *(job for op in OPERATIONS if op.button is not None for job in op.button.job),
    "video_virtual_upscale",
)
"""Operations of the `MJ::JOB::` family: those of the operations table's buttons, and one no endpoint
presses."""

_JOB_ACTIONS = keyed(
    ((job, op) for op in OPERATIONS if op.button is not None for job in op.button.job), "customId operation"
)
_FAMILY_ACTIONS = keyed(
    ((family, op) for op in OPERATIONS if op.button is not None for family in op.button.families),
    "customId family",
)

_OUTPAINT_ZOOM = {50: 2.0, 75: 1.5}

# Pieces of the grammar. A job hash is the Midjourney job UUID; the docs abbreviate it (`abc123def456`),
# so any 4-64 letters, digits and dashes are accepted, except the word SOLO.
_HASH = r"(?P<job_hash>(?!SOLO(?:::|$))[A-Za-z0-9][A-Za-z0-9-]{3,63})"
_INDEX = r"(?P<index>[0-9])"
_PATTERNS: dict[Family, re.Pattern[str]] = {
    family: re.compile(pattern)
    for family, pattern in {
        Family.JOB: rf"MJ::JOB::(?P<operation>[a-z0-9_]+)::{_INDEX}::{_HASH}(?P<solo>::SOLO)?",
        Family.OUTPAINT: rf"MJ::Outpaint::(?:(?P<percent>[1-9][0-9])::)?{_INDEX}::{_HASH}::SOLO",
        Family.INPAINT: rf"MJ::Inpaint::{_INDEX}::{_HASH}::SOLO",
        Family.CUSTOM_ZOOM: rf"MJ::CustomZoom::{_HASH}",
        Family.BOOKMARK: rf"MJ::BOOKMARK::{_HASH}",
        Family.PIC_READER: rf"MJ::Job::PicReader::{_INDEX}",
        Family.PICREAD_RETRY: r"MJ::Picread::Retry",
        Family.CANCEL_JOB: rf"MJ::CancelJob::ByJobid::{_HASH}",
        Family.PAN_MODAL: rf"MJ::PanModal::(?P<operation>{'|'.join(DIRECTIONS)})::{_HASH}::{_INDEX}",
        Family.REMIX_MODAL: rf"MJ::RemixModal::{_HASH}::{_INDEX}::(?P<extra>[0-9])",
        Family.ANIMATE_MODAL: rf"MJ::AnimateModal::{_HASH}::{_INDEX}::(?P<extra>(?:high|low)::[01])",
    }.items()
}


@dataclass(frozen=True)
class CustomId:
    """One parsed customId. `str(custom_id)` gives back the exact string it was parsed from.

    Fields a family does not have are `None` (or `False`, `()`): `operation` is the `JOB` operation
    (`upsample`, `pan_left`, ...) or a `PanModal` direction; `index` the tile (1-4 on grid buttons, 0 on
    whole-grid ones, 1 on single-image ones); `solo` the `::SOLO` suffix; `percent` the Discord zoom
    segment of `Outpaint` (50 = 2x, 75 = 1.5x); `extra` the trailing segments of modal-form ids.
    """

    family: Family
    job_hash: str | None = None
    operation: str | None = None
    index: int | None = None
    solo: bool = False
    percent: int | None = None
    extra: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CustomId:
        """Parse `text`, or raise `InvalidCustomId` saying why not."""
        if not isinstance(text, str):
            raise InvalidCustomId(f"a customId is a string, got {type(text).__name__}")
        if not text.startswith("MJ::"):
            raise InvalidCustomId(f"not a customId (must start with 'MJ::'): {text!r}")
        for family, pattern in _PATTERNS.items():
            found = pattern.fullmatch(text)
            if found is None:
                continue
            parts = found.groupdict()
            operation = parts.get("operation")
            if family is Family.JOB and operation not in JOB_OPERATIONS:
                raise InvalidCustomId(f"unknown operation {operation!r} in customId {text!r}")
            return cls(
                family=family,
                job_hash=parts.get("job_hash"),
                operation=operation,
                index=None if parts.get("index") is None else int(parts["index"]),
                solo=family in (Family.OUTPAINT, Family.INPAINT) or bool(parts.get("solo")),
                percent=None if parts.get("percent") is None else int(parts["percent"]),
                extra=tuple(parts["extra"].split("::")) if parts.get("extra") else (),
            )
        raise InvalidCustomId(f"not a customId of any known family: {text!r}")

    def __str__(self) -> str:
        return _FORMATS[self.family](self)

    @property
    def action(self) -> str | None:
        """The task action that pressing this button starts (`UPSCALE`, `PAN`, ...), or None."""
        pressed: Operation | None = (
            _JOB_ACTIONS.get(self.operation or "")
            if self.family is Family.JOB
            else _FAMILY_ACTIONS.get(self.family)
        )
        return None if pressed is None else pressed.action

    @property
    def direction(self) -> str | None:
        """`left`/`right`/`up`/`down` for pan buttons, else None."""
        if self.family is Family.PAN_MODAL:
            return self.operation
        if self.operation and self.operation.startswith("pan_"):
            return self.operation.removeprefix("pan_")
        return None

    @property
    def zoom_factor(self) -> float | None:
        """How far a Zoom Out button zooms: 2.0 or 1.5 (APIMart's grid `Outpaint` without percent is 1.5)."""
        if self.family is not Family.OUTPAINT:
            return None
        return 1.5 if self.percent is None else _OUTPAINT_ZOOM.get(self.percent)

    # Constructors for the ids a service emits; each result is checked by a round trip through parse.
    @classmethod
    def job(cls, operation: str, index: int, job_hash: str, *, solo: bool = False) -> CustomId:
        return cls(Family.JOB, job_hash, operation, index, solo)._checked()

    @classmethod
    def outpaint(cls, job_hash: str, *, percent: int | None = None, index: int = 1) -> CustomId:
        return cls(Family.OUTPAINT, job_hash, index=index, solo=True, percent=percent)._checked()

    @classmethod
    def inpaint(cls, job_hash: str, *, index: int = 1) -> CustomId:
        return cls(Family.INPAINT, job_hash, index=index, solo=True)._checked()

    @classmethod
    def custom_zoom(cls, job_hash: str) -> CustomId:
        return cls(Family.CUSTOM_ZOOM, job_hash)._checked()

    def _checked(self) -> CustomId:
        if CustomId.parse(str(self)) != self:
            raise InvalidCustomId(f"not a valid customId: {self!r}")
        return self


_FORMATS: dict[Family, Callable[[CustomId], str]] = {
    Family.JOB: lambda c: f"MJ::JOB::{c.operation}::{c.index}::{c.job_hash}{'::SOLO' if c.solo else ''}",
    Family.OUTPAINT: lambda c: (
        f"MJ::Outpaint::{'' if c.percent is None else f'{c.percent}::'}{c.index}::{c.job_hash}::SOLO"
    ),
    Family.INPAINT: lambda c: f"MJ::Inpaint::{c.index}::{c.job_hash}::SOLO",
    Family.CUSTOM_ZOOM: lambda c: f"MJ::CustomZoom::{c.job_hash}",
    Family.BOOKMARK: lambda c: f"MJ::BOOKMARK::{c.job_hash}",
    Family.PIC_READER: lambda c: f"MJ::Job::PicReader::{c.index}",
    Family.PICREAD_RETRY: lambda c: "MJ::Picread::Retry",
    Family.CANCEL_JOB: lambda c: f"MJ::CancelJob::ByJobid::{c.job_hash}",
    Family.PAN_MODAL: lambda c: f"MJ::PanModal::{c.operation}::{c.job_hash}::{c.index}",
    Family.REMIX_MODAL: lambda c: f"MJ::RemixModal::{c.job_hash}::{c.index}::{'::'.join(c.extra)}",
    Family.ANIMATE_MODAL: lambda c: f"MJ::AnimateModal::{c.job_hash}::{c.index}::{'::'.join(c.extra)}",
}


def hd_upscale_id(
    job_hash: str, operation: str = "upsample_v7_2x_subtle", *, index: int = 1, solo: bool = True
) -> CustomId:
    """An HD-upscale customId, which the service accepts on /upscale but never lists in `buttons`."""
    if operation not in HD_UPSCALE_OPERATIONS:
        raise InvalidCustomId(
            f"{operation!r} is not an HD upscale; use one of {', '.join(HD_UPSCALE_OPERATIONS)}"
        )
    return CustomId.job(operation, index, job_hash, solo=solo)
