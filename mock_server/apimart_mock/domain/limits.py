"""What one submit may store: the server's `Limits` on metadata, images and prompts, checked before
anything else looks at the body (a body nested 500 deep must never reach code that recurses)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..config import Limits
from .errors import InvalidRequest

__all__ = ["check_submit", "depth_of"]


def check_submit(body: Mapping[str, Any], limits: Limits) -> None:
    """400 naming the first limit `body` passes."""
    metadata = body.get("metadata")
    if metadata is not None:
        if depth_of(metadata) > limits.metadata_depth:
            raise InvalidRequest(f"metadata must be nested at most {limits.metadata_depth} levels deep")
        if len(json.dumps(metadata, separators=(",", ":")).encode()) > limits.metadata_bytes:
            raise InvalidRequest(f"metadata must be at most {limits.metadata_bytes} bytes as JSON")
    prompt = body.get("prompt")
    if isinstance(prompt, str) and len(prompt) > limits.prompt_chars:
        raise InvalidRequest(f"prompt must be at most {limits.prompt_chars} characters")
    images = body.get("image_urls")
    if isinstance(images, list):
        if len(images) > limits.image_urls:
            raise InvalidRequest(f"image_urls must hold at most {limits.image_urls} items")
        if any(isinstance(url, str) and len(url) > limits.image_url_chars for url in images):
            raise InvalidRequest(f"each of image_urls must be at most {limits.image_url_chars} characters")


def depth_of(value: Any) -> int:
    """How deeply `value` nests objects and lists (a scalar: 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest
