"""What each extra of the distribution installs, for the console scripts to say which one is missing.

A client-only install (`pip install apimart-midjourney`) ships all three scripts; `apimart-mock` and
`apimart-contract` need an extra. Without it they print one line naming it and exit 2 (could not run),
never a traceback.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec

__all__ = ["DISTRIBUTION", "EXTRAS", "require_extra"]

DISTRIBUTION = "apimart-midjourney"
EXTRAS: dict[str, tuple[str, ...]] = {
    "mock": ("flask", "granian", "jsonschema", "yaml", "redis"),
    "contract": (
        "pytest",
        "respx",
        "hypothesis",
        "hypothesis_jsonschema",
        "openapi_core",
        "yaml",
        "schemathesis",
        "werkzeug",
        "granian",
        "httptools",
    ),
}
"""Extra -> the top-level modules its requirements provide (a test holds this equal to pyproject.toml)."""

COULD_NOT_RUN = 2


def require_extra(prog: str, extra: str) -> None:
    """Return when every module of `extra` is importable; else print one line naming the extra and what is
    missing, and exit 2."""
    missing = [module for module in EXTRAS[extra] if find_spec(module) is None]
    if missing:
        print(
            f"{prog}: needs the [{extra}] extra ({', '.join(missing)} not installed): "
            f"pip install '{DISTRIBUTION}[{extra}]'",
            file=sys.stderr,
        )
        raise SystemExit(COULD_NOT_RUN)
