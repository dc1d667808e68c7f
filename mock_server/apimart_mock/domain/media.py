"""The media the mock hands out: small real PNGs drawn deterministically from their file name, and a
small real MP4 for every video.

Nothing is stored, so a result stays downloadable forever (also after its task has expired), on every
worker, and the same URL always gives the same bytes. Paths are relative to the server's base URL:
`images/<job hash>.png` (a grid's composite), `images/<job hash>_<tile>.png`,
`videos/<job hash>_<n>.mp4`. The video (`assets/video.mp4`, 96x96, 2 s, H.264, 5 KB) was made once with
`ffmpeg -f lavfi -i testsrc2=size=96x96:rate=8:duration=2 -c:v libx264 -crf 38 -pix_fmt yuv420p`.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from functools import cache, lru_cache
from importlib.resources import files

__all__ = [
    "IMAGE_NAME",
    "VIDEO_NAME",
    "grid_image_path",
    "png_for",
    "tile_image_path",
    "video_bytes",
    "video_path",
]

_JOB = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
IMAGE_NAME = re.compile(rf"{_JOB}(?:_[0-3])?\.png")
"""`<job hash>.png` (a grid's composite) or `<job hash>_<tile>.png`."""
VIDEO_NAME = re.compile(rf"{_JOB}_[0-3]\.mp4")
_SIDE = 64


def grid_image_path(job_hash: str) -> str:
    return f"images/{job_hash}.png"


def tile_image_path(job_hash: str, tile: int) -> str:
    return f"images/{job_hash}_{tile}.png"


def video_path(job_hash: str, n: int) -> str:
    return f"videos/{job_hash}_{n}.mp4"


@cache
def video_bytes() -> bytes:
    """The MP4 every video URL serves."""
    return files("apimart_mock").joinpath("assets/video.mp4").read_bytes()


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
