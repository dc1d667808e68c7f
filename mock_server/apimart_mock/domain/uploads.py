"""Uploaded images: what the mock accepts (judged from the bytes, not the name), and the names it
serves them under, as the live service does (`f/image/<n>-<hex>-<file name>`).

The URL is the only secret of an upload (it is served to anyone who has it, as live), so the hex part
is 128 bits from `secrets`, never from the mock's seed: one account's names tell nothing of another's,
on this server or on any other started alike.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

__all__ = ["MAX_UPLOAD_BYTES", "UPLOAD_PATH", "Upload", "new_upload", "sniff"]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""At most 20 MB (the uploads page); a larger file answers 413."""
UPLOAD_PATH = "f/image/"
"""Where uploads are served, below the server's base URL."""
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_LIMIT = 100
_SECRET_BYTES = 16
"""128 bits of an upload's name that nobody can guess."""


@dataclass(frozen=True)
class Upload:
    name: str
    """The last segment of its URL: `<millis>-<32 hex>-<file name>`."""
    filename: str
    account: str
    content_type: str
    data: bytes
    created_at: float


def sniff(data: bytes) -> tuple[str, str] | None:
    """The content type and usual extension of a JPEG, PNG, GIF or WebP image, from its first bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    return None


def new_upload(account: str, filename: str | None, data: bytes, now: float) -> Upload | None:
    """The upload of `data` (None when it is no image the service takes), under a name safe in a URL."""
    kind = sniff(data)
    if kind is None:
        return None
    content_type, extension = kind
    safe = _UNSAFE.sub("-", filename or "").strip("-.")[-_NAME_LIMIT:] or f"image.{extension}"
    name = f"{int(now * 1000)}-{secrets.token_hex(_SECRET_BYTES)}-{safe}"
    return Upload(name, safe, account, content_type, data, now)
