"""The contract the mock serves, loaded once from the `openapi.yaml` shipped inside the package."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

__all__ = ["SPEC_PATH", "load_spec", "spec_json"]

SPEC_PATH = Path(str(files("mock_server").joinpath("openapi.yaml")))
"""The packaged spec (in a checkout, a link to the repository's `openapi.yaml`)."""


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (shared, do not mutate)."""
    text = SPEC_PATH.read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


@cache
def spec_json() -> bytes:
    """The spec as JSON, for `GET /openapi.json`."""
    return json.dumps(load_spec()).encode()
