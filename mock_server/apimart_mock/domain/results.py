"""What a finished task holds, by the result its operation gives (`apimart_mj.Result`).

A grid holds four tiles (one fewer after moderation) and the grid's buttons; a single upscaled image
one tile and the single-image buttons; a describe result four prompts as text; a video result one to
four videos. A task remembers the result it ends in (`ends_as`: never MODAL). Adding a kind of result is
adding a member to `apimart_mj.Result`, its tiles here, its timing (`lifecycle.RESULT_TIMING`)
and how the views show it (`http/views.py`); its buttons are the faces of the operations table's rows.
"""

from __future__ import annotations

import hashlib

from apimart_mj import Result

__all__ = ["BATCH_SIZES", "describe_text", "ends_as", "tiles", "tiles_for"]


def ends_as(result: Result | None) -> Result:
    """The result a task of an operation giving `result` ends in: a task waiting in MODAL ends a grid."""
    if result is None:
        raise ValueError("only a submit operation has a result")
    return Result.GRID if result is Result.MODAL else result


def tiles(result: Result) -> tuple[int, ...]:
    """The images (for a video: the videos) a finished task of `result` shows, by index."""
    return _TILES[ends_as(result)]


def tiles_for(result: Result, batch_size: int | None) -> tuple[int, ...]:
    """`tiles`, except that a video submit makes `batch_size` videos (1, 2 or 4; anything else: 1)."""
    if result is Result.VIDEO and batch_size in BATCH_SIZES:
        return tuple(range(int(batch_size)))
    return tiles(result)


_TILES = {Result.GRID: (0, 1, 2, 3), Result.SINGLE: (0,), Result.TEXT: (), Result.VIDEO: (0,)}
BATCH_SIZES = (1, 2, 4)
"""How many videos one video submit may ask for; any other `batch_size` counts as 1."""

_SUBJECTS = (
    "a cat sitting on a windowsill",
    "a lighthouse on a cliff at dusk",
    "a bowl of ripe oranges on a wooden table",
    "a red vintage car on a rainy street",
    "an old man reading by a fireplace",
    "a mountain lake under a starry sky",
    "a bustling night market with lanterns",
    "a fox in a snowy forest",
)
_STYLES = (
    "soft natural light, photorealistic",
    "watercolor illustration, pastel palette",
    "cinematic lighting, shallow depth of field",
    "oil painting, impressionist brushwork",
    "flat vector art, bold colors",
    "35mm film photograph, grainy",
    "studio ghibli style, whimsical",
    "ultra detailed, 8k, dramatic shadows",
)
_RATIOS = ("1:1", "3:2", "2:3", "16:9")
_NUMBERS = ("1\ufe0f\u20e3", "2\ufe0f\u20e3", "3\ufe0f\u20e3", "4\ufe0f\u20e3")


def describe_text(job_hash: str) -> str:
    """The four numbered prompts of a describe result, drawn from its job hash (the same every read)."""
    digest = hashlib.sha256(job_hash.encode()).digest()
    subject = _SUBJECTS[digest[0] % len(_SUBJECTS)]
    lines = [
        f"{number} {subject}, {_STYLES[digest[1 + n] % len(_STYLES)]} --ar {_RATIOS[digest[5 + n] % 4]}"
        for n, number in enumerate(_NUMBERS)
    ]
    return "\n".join(lines)
