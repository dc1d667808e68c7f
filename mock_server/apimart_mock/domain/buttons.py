"""The buttons a finished task carries: those each row of the operations table shows (`ButtonRule.faces`)
on the task's result, for its job hash.

Two sets exist (section 3.3 of the API reference and docs/decisions.md): the 15 buttons APIMart shows on
a grid, and Midjourney's single-image set behind an upscaled image, whose HD upscales follow the task's
version (v5: `Upscale (2x)`/`(4x)`; v6: `upsample_v6_*`; v7 and v8: `upsample_v7_*`). The live service
hides the second set (no `buttons` key), but the task keeps it, so auto-matching on an upscaled task
still finds `Vary (Strong)`, `Zoom Out 2x`, the pans and `Vary (Region)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from apimart_mj import OPERATIONS, CustomId, Face, Result, rules_for

__all__ = ["Button", "buttons_for"]

DISCORD_SECONDARY = 2
DISCORD_BUTTON = 2


@dataclass(frozen=True)
class Button:
    """One button; `custom_id` and `label` are what `match_button` reads."""

    custom_id: str
    label: str
    style: int = DISCORD_SECONDARY
    type: int = DISCORD_BUTTON


_HD_LABELS = {
    "upsample_v5_2x": "Upscale (2x)",
    "upsample_v5_4x": "Upscale (4x)",
    "upsample_v6_2x_subtle": "Upscale (Subtle)",
    "upsample_v6_2x_creative": "Upscale (Creative)",
    "upsample_v7_2x_subtle": "Upscale (Subtle)",
    "upsample_v7_2x_creative": "Upscale (Creative)",
}


def _faces(result: Result) -> tuple[Face, ...]:
    """The buttons of every row of the operations table on a finished task of `result`, in set order."""
    faces = (face for op in OPERATIONS if op.button is not None for face in op.button.faces)
    return tuple(sorted((face for face in faces if face.on is result), key=lambda face: face.place))


_SHOWN = {Result.GRID: _faces(Result.GRID), Result.SINGLE: _faces(Result.SINGLE)}


def _hd_upscales(job_hash: str, version: str | None) -> tuple[Button, ...]:
    """A single image's HD upscales, first in its set: those of its version."""
    return tuple(
        Button(str(CustomId.job(operation, 1, job_hash, solo=True)), _HD_LABELS[operation])
        for operation in rules_for(version).hd_upscales
    )


@lru_cache(maxsize=4096)
def buttons_for(result: Result, job_hash: str, version: str | None = None) -> tuple[Button, ...]:
    """The full button set of a finished task of `result` (cached: polling reads it on every GET)."""
    faces = _SHOWN.get(result, ())
    shown = tuple(Button(custom_id, label) for face in faces for custom_id, label in face.expand(job_hash))
    return (*_hd_upscales(job_hash, version), *shown) if result is Result.SINGLE else shown
