"""The suite's schemathesis tests, collected without their coverage cases and built in full at set-up.

schemathesis builds a test's coverage cases (the boundary values of every parameter and body field, each
a Hypothesis example) while pytest collects it: for all 24 operations in every run, whether the run
selects them or not. That is about 1.3 s of CPU in each `apimart-contract -- -k ...` run and in each
pytest process, most of a run narrowed to one test. Here each operation's test is collected without them
and built again, as schemathesis builds it, when the test is set up: once per operation and process, and
only for the tests that run. What runs is what an eager build runs; a malformed definition that the
coverage cases trip over fails its test at set-up instead of at collection.

Only tests of this package are deferred (`deferring` around collection); schemathesis's own builder is
used as it is, so another schemathesis test in the same session is collected as it always was. The
builder is schemathesis's internal (`schemathesis.pytest._test_builder`, 4.32): a version without it, or
with a configuration laid out otherwise, gets its tests built at collection, as it builds them.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

__all__ = ["build_in_full", "deferring"]

_FULL = "_apimart_contract_full_test"
"""The attribute of a test collected without coverage cases: builds the full test (memoized)."""


def _collected(build: Callable[..., Any]) -> Callable[..., Any]:
    def collect(*, config: Any, operation: Any, test_func: Callable[..., Any], **kwargs: Any) -> Any:
        coverage: Any = getattr(getattr(config, "phases", None), "coverage", None)
        if not test_func.__module__.startswith(__package__ + ".") or not hasattr(coverage, "enabled"):
            return build(config=config, operation=operation, test_func=test_func, **kwargs)
        enabled, coverage.enabled = coverage.enabled, False
        try:
            cheap = build(config=config, operation=operation, test_func=test_func, **kwargs)
        finally:
            coverage.enabled = enabled
        full = functools.partial(build, config=config, operation=operation, test_func=test_func, **kwargs)
        setattr(cheap, _FULL, functools.cache(full))
        return cheap

    return collect


def _builder() -> Any:
    """schemathesis's test builder, where this version of it has one."""
    try:
        return importlib.import_module("schemathesis.pytest._test_builder")
    except ImportError:
        return None


@contextmanager
def deferring() -> Iterator[None]:
    """While collecting: the suite's tests are built without coverage cases."""
    builder = _builder()
    build = getattr(builder, "build_operation_test", None)
    if build is None:
        yield
        return
    builder.build_operation_test = _collected(build)
    try:
        yield
    finally:
        builder.build_operation_test = build


def build_in_full(item: pytest.Item) -> None:
    """At set-up: the test `item` runs is the one schemathesis builds, coverage cases included."""
    full = getattr(getattr(item, "obj", None), _FULL, None)
    if full is not None:
        item.obj = full()  # type: ignore[attr-defined]
