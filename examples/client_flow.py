"""A client flow: imagine a grid, wait for it, upscale its second image, print the image's URL.

Reads APIMART_BASE_URL and APIMART_API_KEY. Against the mock (`make mock` serves it):

    APIMART_BASE_URL=http://127.0.0.1:4010 APIMART_API_KEY=sk-test python examples/client_flow.py

Against the live API it spends (one imagine, one upscale). Progress goes to stderr, the URL to stdout;
an error is one line on stderr and exit status 1.
"""

from __future__ import annotations

import sys

import apimart


def show_progress(percent: int, status: str) -> None:
    print(f"{status} {percent}%", file=sys.stderr)


def main() -> int:
    try:
        with apimart.Client() as client:
            grid = client.imagine_and_wait("a lighthouse at dusk", size="16:9", on_progress=show_progress)
            print(f"grid {grid.id}: {len(grid.image_urls or [])} images", file=sys.stderr)
            image = client.upscale_and_wait(grid, 2)  # U2
    except apimart.ApimartError as exc:
        print(f"client_flow: {exc}", file=sys.stderr)
        return 1
    for url in image.image_urls or []:
        print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
