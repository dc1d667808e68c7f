"""What a finished task holds, by the result its operation gives (`apimart_mj.Result`).

A grid holds four tiles (one fewer after moderation) and the grid's buttons; a single upscaled image
one tile and the single-image buttons; a describe result four prompts as text; a video result one to
four videos. A task remembers the result it ends in (`ends_as`: never MODAL). What a kind of result ends
as, how many tiles it holds and how long it takes are its row of `apimart_mj.FINISHES`; adding one is a
member of `apimart_mj.Result`, that row, and how the views show it (`http/views.py`).
"""

from __future__ import annotations

import hashlib

from apimart_mj import FINISHES, Result

__all__ = ["BATCH_SIZES", "describe_text", "ends_as", "tiles", "tiles_for"]


def ends_as(result: Result | None) -> Result:
    """The result a task of an operation giving `result` ends in (`apimart_mj.FINISHES`: a task waiting in
    MODAL ends a grid)."""
    if result is None:
        raise ValueError("only a submit operation has a result")
    return FINISHES[result].ends_as


def tiles(result: Result) -> tuple[int, ...]:
    """The images (for a video: the videos) a finished task of `result` shows, by index."""
    return tuple(range(FINISHES[result].tiles))


def tiles_for(result: Result, batch_size: int | None) -> tuple[int, ...]:
    """`tiles`, except that a video submit makes `batch_size` videos (1, 2 or 4; anything else: 1)."""
    if result is Result.VIDEO and batch_size in BATCH_SIZES:
        return tuple(range(int(batch_size)))
    return tiles(result)


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
