"""Schemathesis in-process over the control API's own document (`/__mock/openapi.json`), as the contract
suite's `inprocess` target does over the public spec: every check, zero failures.

The document's `format: path-pattern` (the mock's linear-time subset of regular expressions) is generated
by `_path_patterns` below, registered for this process. Under `format: regex`, schemathesis's own
generator made patterns of at most about 40 characters that cannot be steered to a length, so for each
length beside `path_pattern`'s maxLength (499 to 501) its coverage phase searched in vain: 2 s each, 13 s
in all, in every pytest process collecting this module, and sent no pattern of those lengths."""

from __future__ import annotations

import string
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from mock_helpers import make_app
from openapi_spec_validator import validate

from apimart_mock.http.spec import load_control_spec

# What the mock's pattern language takes (the document's `path_pattern`): characters, `.`, classes,
# `\d \w \s`, quantifiers and anchors; each piece is an atom with an optional quantifier, so each compiles.
_PATTERN = r"\^?(?:(?:[a-z0-9/_-]|\.|\\[dws]|\[a-z0-9\])(?:[*+?]|\{[0-3],[3-6]\})?){1,6}\$?"


def _bounds(node: Any) -> Iterator[int]:
    """Every minLength and maxLength of a `format: path-pattern` string in the control document."""
    if isinstance(node, dict):
        if node.get("format") == "path-pattern":
            yield from (node[key] for key in ("minLength", "maxLength") if key in node)
        for value in node.values():
            yield from _bounds(value)
    elif isinstance(node, list):
        for value in node:
            yield from _bounds(value)


def _path_patterns() -> st.SearchStrategy[str]:
    """Patterns of the shapes above, and literal ones at and beside each bound: the lengths coverage wants."""
    lengths = sorted({max(0, bound + step) for bound in _bounds(load_control_spec()) for step in (-1, 0, 1)})
    letters = string.ascii_lowercase + "/"
    literal = st.sampled_from(lengths).flatmap(lambda n: st.text(letters, min_size=n, max_size=n))
    return st.from_regex(_PATTERN, fullmatch=True) | literal


schemathesis.openapi.format("path-pattern", _path_patterns())

_STORE = tempfile.TemporaryDirectory(prefix="apimart-mock-control-schemathesis-")
APP = make_app(Path(_STORE.name), control_from_anywhere=True)  # its WSGI calls name no client address
schema = schemathesis.openapi.from_wsgi("/__mock/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_control_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_document_is_valid_and_every_operation_is_routed() -> None:
    validate(load_control_spec())  # type: ignore[arg-type]
    urls = APP.url_map.bind("localhost")
    for path, operations in load_control_spec()["paths"].items():
        for method in operations:
            urls.match(path, method.upper())
