"""The contract the mock serves, loaded once from the `openapi.yaml` the shared package `apimart_mj` ships."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml

from apimart_mj import SPEC_PATH

__all__ = ["SPEC_PATH", "load_spec", "spec_json"]


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
