"""Shared strategies: bodies the spec allows (derived from its own schemas), drifted bodies, prompts.

Never hand-copy a schema here: `spec_body("MidjourneyTask")` follows `openapi.yaml` as it changes.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from .spec import component_schema, load_spec

__all__ = [
    "A_PNG",
    "drifted_mj_task",
    "json_values",
    "prompts",
    "spec_body",
    "unknown_word",
]


@cache
def spec_body(schema: str) -> st.SearchStrategy[Any]:
    """Any instance of `#/components/schemas/<schema>` (extra properties included where allowed)."""
    return from_schema(component_schema(schema))


def _known(schema: str) -> frozenset[str]:
    spec = load_spec()["components"]["schemas"]
    values: set[str] = set(spec[schema].get("properties", {}))
    for enum in ("MidjourneyTaskStatus", "UnifiedTaskStatus", "TaskAction"):
        values |= set(spec[enum]["enum"])
    return frozenset(values)


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)
"""Any JSON value without floats (a float may not survive a JSON round trip bit for bit)."""


def unknown_word(schema: str) -> st.SearchStrategy[str]:
    """A word that is no property of `schema` and no known status or action: what drift looks like."""
    known = _known(schema)
    return st.text(string.ascii_uppercase + "_", min_size=3, max_size=16).filter(lambda w: w not in known)


@st.composite
def drifted_mj_task(draw: st.DrawFn) -> dict[str, Any]:
    """A Midjourney-view task from tomorrow: unknown status and action values and fields nobody knows."""
    body: dict[str, Any] = draw(spec_body("MidjourneyTask"))
    body["status"] = draw(unknown_word("MidjourneyTask"))
    body["action"] = draw(unknown_word("MidjourneyTask"))
    extras = draw(
        st.dictionaries(unknown_word("MidjourneyTask").map(str.lower), json_values, min_size=1, max_size=3)
    )
    return {**body, **extras}


prompts: st.SearchStrategy[str] = st.text(
    string.ascii_letters + string.digits + " ,.-", min_size=1, max_size=40
).filter(str.strip)
"""Short, harmless prompts (a live API bills each imagine; keep them boring)."""


A_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8dfc0"
    "000004010180c52a185d0000000049454e44ae426082"
)
"""A valid 1x1 PNG: the service takes JPEG, PNG, WebP and GIF uploads, judged from the bytes."""
