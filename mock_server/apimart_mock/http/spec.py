"""The contract the mock serves, loaded once from the `openapi.yaml` the shared package `apimart_mj` ships,
and the control API's own document (`assets/control-openapi.yaml`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from apimart_mj import SPEC_PATH

__all__ = [
    "CONTROL_SPEC_PATH",
    "DASHBOARD_PATH",
    "SPEC_PATH",
    "control_spec_json",
    "load_control_spec",
    "load_spec",
    "spec_json",
]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: the spec in 12 ms of CPU instead of 110 ms, in
every worker process the mock starts."""

CONTROL_SPEC_PATH = Path(__file__).parent.parent / "assets" / "control-openapi.yaml"
DASHBOARD_PATH = Path(__file__).parent.parent / "assets" / "dashboard.html"


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (shared, do not mutate)."""
    text = SPEC_PATH.read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.load(text, Loader=_LOADER)
    return spec


@cache
def spec_json() -> bytes:
    """The spec as JSON, for `GET /openapi.json`."""
    return json.dumps(load_spec()).encode()


@cache
def load_control_spec() -> dict[str, Any]:
    """The control API's OpenAPI document (shared, do not mutate)."""
    spec: dict[str, Any] = yaml.load(CONTROL_SPEC_PATH.read_text(encoding="utf-8"), Loader=_LOADER)
    return spec


@cache
def control_spec_json() -> bytes:
    """The control API's document as JSON, for `GET /__mock/openapi.json`."""
    return json.dumps(load_control_spec()).encode()
