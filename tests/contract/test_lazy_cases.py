"""The suite's schemathesis tests are collected without their coverage cases and run with all of those
schemathesis builds (`apimart_contract.lazy_cases`): the same cases, in the same order, as a test
collected by schemathesis alone. Each collection in a process of its own: schemathesis probes a path's
undeclared methods once per schema and process, with the first test it builds for that path."""

from __future__ import annotations

import json

import pytest

from apimart_contract import lazy_cases

from .test_cli import give_unicode_tables

CONFORMANCE = "apimart_contract.properties.test_conformance"
OPERATION = "test_operation_conforms[POST /v1/midjourney/generations]"
CONFTEST = f"""
import json

from apimart_contract.lazy_cases import build_in_full


def _cases(item):
    examples = getattr(item.obj, "hypothesis_explicit_examples", ())
    return [example.kwargs["case"].as_curl_command() for example in examples]


def pytest_collection_finish(session):
    item = next(item for item in session.items if item.name.startswith({OPERATION!r}))
    collected = _cases(item)
    build_in_full(item)
    with open("cases.json", "w") as file:
        json.dump({{"collected": collected, "set_up": _cases(item)}}, file)
"""


def _cases(pytester: pytest.Pytester, *plugins: str) -> dict[str, list[str]]:
    """The explicit examples (the spec's examples, then the coverage cases) of the operation's test once
    collected, and once set up."""
    options = ("-p", "no:cacheprovider", "-p", "no:asyncio", "--collect-only", "-q", *plugins)
    result = pytester.runpytest_subprocess("--pyargs", CONFORMANCE, *options)
    assert result.ret == 0, result.stdout.str()[-2000:]
    cases: dict[str, list[str]] = json.loads((pytester.path / "cases.json").read_text())
    return cases


def test_a_test_is_collected_without_coverage_cases_and_set_up_with_all_of_them(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    give_unicode_tables(pytester.path / ".hypothesis")  # a plain pytest run's
    eager = _cases(pytester)  # schemathesis's own collection: the suite's plugin not loaded
    assert eager["set_up"] == eager["collected"]
    assert any(case.startswith("curl -X DELETE") for case in eager["collected"])  # a method probed
    deferred = _cases(pytester, "-p", "apimart_contract.plugin", "--target=inprocess")
    assert len(deferred["collected"]) < len(eager["collected"]) // 2
    assert deferred["set_up"] == eager["collected"]


def test_a_schemathesis_without_its_builder_or_coverage_phase_builds_at_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another layout of schemathesis's internals: nothing is deferred, nothing breaks."""
    built: list[object] = []

    def build(**kwargs: object) -> object:
        built.append(kwargs["config"])
        return lambda: None

    def ours() -> None:
        """A test of the suite's package."""

    ours.__module__ = CONFORMANCE
    test = lazy_cases._collected(build)(config=object(), operation=None, test_func=ours)  # no phases
    assert len(built) == 1 and not hasattr(test, lazy_cases._FULL)
    monkeypatch.setattr(lazy_cases, "_builder", lambda: None)
    with lazy_cases.deferring():
        pass
