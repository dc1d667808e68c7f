"""The buttons a finished task carries, built from its job hash with the shared `CustomId` constructors.

Two sets exist (section 3.3 of the API reference and docs/decisions.md): the 15 buttons APIMart shows on
a grid, and Midjourney's single-image set behind an upscaled image, whose HD upscales follow the task's
version (v5: `Upscale (2x)`/`(4x)`; v6: `upsample_v6_*`; v7 and v8: `upsample_v7_*`). The live service
hides the second set (no `buttons` key), but the task keeps it, so auto-matching on an upscaled task
still finds `Vary (Strong)`, `Zoom Out 2x`, the pans and `Vary (Region)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from apimart_mj import DIRECTIONS, CustomId, rules_for

from .shapes import Shape

__all__ = ["Button", "buttons_for"]

DISCORD_SECONDARY = 2
DISCORD_BUTTON = 2
_GRID_ARROWS = {"left": "⬅", "right": "➡", "up": "⬆", "down": "⬇"}
_SINGLE_ARROWS = {"left": "⬅️", "right": "➡️", "up": "⬆️", "down": "⬇️"}


@dataclass(frozen=True)
class Button:
    """One button; `custom_id` and `label` are what `match_button` reads."""

    custom_id: str
    label: str
    style: int = DISCORD_SECONDARY
    type: int = DISCORD_BUTTON


def _button(custom_id: CustomId, label: str) -> Button:
    return Button(str(custom_id), label)


def _grid(job_hash: str) -> tuple[Button, ...]:
    return (
        *(_button(CustomId.job("upsample", i, job_hash), f"U{i}") for i in range(1, 5)),
        _button(CustomId.job("reroll", 0, job_hash, solo=True), "\U0001f504"),
        *(_button(CustomId.job("variation", i, job_hash), f"V{i}") for i in range(1, 5)),
        *(_button(CustomId.job(f"pan_{d}", 0, job_hash, solo=True), _GRID_ARROWS[d]) for d in DIRECTIONS),
        _button(CustomId.outpaint(job_hash), "Zoom Out 1.5×"),
        _button(CustomId.inpaint(job_hash), "Vary (Region)"),
    )


_HD_LABELS = {
    "upsample_v5_2x": "Upscale (2x)",
    "upsample_v5_4x": "Upscale (4x)",
    "upsample_v6_2x_subtle": "Upscale (Subtle)",
    "upsample_v6_2x_creative": "Upscale (Creative)",
    "upsample_v7_2x_subtle": "Upscale (Subtle)",
    "upsample_v7_2x_creative": "Upscale (Creative)",
}


def _single(job_hash: str, version: str | None) -> tuple[Button, ...]:
    return (
        *(
            _button(CustomId.job(operation, 1, job_hash, solo=True), _HD_LABELS[operation])
            for operation in rules_for(version).hd_upscales
        ),
        _button(CustomId.job("low_variation", 1, job_hash, solo=True), "Vary (Subtle)"),
        _button(CustomId.job("high_variation", 1, job_hash, solo=True), "Vary (Strong)"),
        _button(CustomId.inpaint(job_hash), "Vary (Region)"),
        _button(CustomId.outpaint(job_hash, percent=50), "Zoom Out 2x"),
        _button(CustomId.outpaint(job_hash, percent=75), "Zoom Out 1.5x"),
        _button(CustomId.custom_zoom(job_hash), "Custom Zoom"),
        *(_button(CustomId.job(f"pan_{d}", 1, job_hash, solo=True), _SINGLE_ARROWS[d]) for d in DIRECTIONS),
    )


@lru_cache(maxsize=4096)
def buttons_for(shape: Shape, job_hash: str, version: str | None = None) -> tuple[Button, ...]:
    """The full button set of a finished task of `shape` (cached: polling reads it on every GET)."""
    if shape is Shape.GRID:
        return _grid(job_hash)
    return _single(job_hash, version) if shape is Shape.SINGLE else ()
