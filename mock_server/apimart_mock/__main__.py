"""`apimart-mock` and `python -m apimart_mock`: the mock's CLI, or, where the [mock] extra is not installed,
one line naming it (exit 2)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from apimart_mj._extras import require_extra

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    require_extra("apimart-mock", "mock")
    from .cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
