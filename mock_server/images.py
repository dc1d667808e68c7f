"""The images the mock hands out: small real PNGs, drawn deterministically from their file name.

Nothing is stored, so an image stays downloadable forever (also after its task has expired), on every
worker, and the same URL always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from functools import lru_cache

__all__ = ["IMAGE_NAME", "grid_image_name", "png_for", "tile_image_name"]

IMAGE_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:_[0-3])?\.png")
"""`<job hash>.png` (a grid's composite) or `<job hash>_<tile>.png`."""
_SIDE = 64


def grid_image_name(job_hash: str) -> str:
    return f"{job_hash}.png"


def tile_image_name(job_hash: str, tile: int) -> str:
    return f"{job_hash}_{tile}.png"


@lru_cache(maxsize=256)
def png_for(name: str) -> bytes:
    """A 64x64 RGB PNG whose colours come from `name`: four quadrants for a grid, one colour for a tile."""
    digest = hashlib.sha256(name.encode()).digest()
    colours = [digest[i : i + 3] for i in range(0, 12, 3)]
    if "_" in name:
        colours = [colours[0]] * 4
    half = _SIDE // 2
    rows = b"".join(
        b"\x00" + (colours[2 * (y >= half)] * half) + (colours[2 * (y >= half) + 1] * half)
        for y in range(_SIDE)
    )
    header = struct.pack(">IIBBBBB", _SIDE, _SIDE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
