"""What a submit asks for, as one typed value the HTTP layer builds from a body the spec has checked.

One value for every submit operation: each uses the fields its request schema has, and the others stay
at their defaults. Fields the mock does not act on (`speed`, `nsfw_check`, `stylize`, ...) are not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["INPUT_URL_CHARS", "Inputs", "input_images", "prompt_of"]

_BLEND_RATIOS = {"SQUARE": "1:1", "PORTRAIT": "2:3", "LANDSCAPE": "3:2"}
INPUT_URL_CHARS = 2048
"""The longest image URL a task keeps (a submit may send one of `Limits.image_url_chars`)."""


@dataclass(frozen=True)
class Inputs:
    task_id: str | None = None
    prompt: str | None = None
    image_urls: tuple[str, ...] = ()
    index: int | None = None
    custom_id: str | None = None
    direction: str | None = None
    zoom_ratio: float | None = None
    mask_url: str | None = None
    version: str | None = None
    hd: bool = False
    dimensions: str | None = None
    size: str | None = None
    batch_size: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Inputs:
        """The fields of a (schema-valid) JSON body that the mock acts on."""
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in body.items() if name in known and value is not None}
        if "image_urls" in values:
            values["image_urls"] = tuple(values["image_urls"])
        return cls(**values)


def prompt_of(action: str, inputs: Inputs) -> str:
    """The prompt a new task shows: the one sent, or for a blend its images and aspect ratio, as
    Midjourney writes them (`<url> <url> --ar 2:3`; a data URI stands as `<image n>`)."""
    if action != "BLEND":
        return inputs.prompt or ""
    images = [
        url if url.startswith(("http://", "https://")) else f"<image {n}>"
        for n, url in enumerate(inputs.image_urls, 1)
    ]
    ratio = inputs.size or _BLEND_RATIOS[inputs.dimensions or "SQUARE"]
    return " ".join([*images, f"--ar {ratio}"])


def input_images(inputs: Inputs) -> tuple[str, ...]:
    """The image URLs a task keeps of what it was given: `http(s)` ones of at most `INPUT_URL_CHARS`
    (a data URI, or a longer URL, is the request's alone: the journal keeps its first bytes)."""
    return tuple(
        url
        for url in inputs.image_urls
        if url.startswith(("http://", "https://")) and len(url) <= INPUT_URL_CHARS
    )
