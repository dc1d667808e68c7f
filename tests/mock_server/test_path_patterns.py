"""`path_pattern` without backtracking: the same answers as Python's `re` on the syntax it takes, in
time linear in the path whatever the pattern, and a 400 naming what it does not take."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apimart_mock.domain.errors import InvalidRequest
from apimart_mock.domain.patterns import MAX_STATES, PathPattern

ALPHABET = "ab/-."
ATOMS = st.sampled_from(["a", "b", "/", ".", r"\.", r"\d", r"\w", "[ab]", "[^/]", "[a-b/]", "-"])
ANCHORS = st.sampled_from(["^", "$"])


def _patterns(depth: int = 2) -> st.SearchStrategy[str]:
    quantified = st.tuples(ATOMS, st.sampled_from(["", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?"])).map(
        "".join
    )
    if depth == 0:
        return st.lists(st.one_of(quantified, ANCHORS), max_size=4).map("".join)
    group = st.tuples(
        st.sampled_from(["(", "(?:"]),
        st.lists(_patterns(depth - 1), min_size=1, max_size=3).map("|".join),
        st.sampled_from([")", ")*", ")+", ")?", "){1,2}"]),
    ).map("".join)
    return st.lists(st.one_of(quantified, ANCHORS, group), max_size=4).map("".join)


@given(pattern=_patterns(), paths=st.lists(st.text(ALPHABET + "1", max_size=8), min_size=1, max_size=8))
def test_the_same_answers_as_re(pattern: str, paths: list[str]) -> None:
    compiled = PathPattern(pattern)
    for path in paths:
        assert compiled.fullmatch(path) == (re.fullmatch(pattern, path) is not None), (pattern, path)


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        (
            r"/v1/midjourney/generations(/.*)?",
            ["/v1/midjourney/generations", "/v1/midjourney/generations/blend"],
            ["/v1/midjourney/generationsx"],
        ),
        (r"/v1/tasks/task_[0-9A-Z]{26}", ["/v1/tasks/task_01HF7YAT00439JRRJB7XXH7XA9"], ["/v1/tasks/task_x"]),
        (r"[]a]+|x\]", ["]a]", "x]"], ["x"]),
        (r"\s\S\D\W", [" a-/"], ["a a/"]),
    ],
)
def test_what_teams_write(pattern: str, matches: list[str], misses: list[str]) -> None:
    compiled = PathPattern(pattern)
    assert [compiled.fullmatch(path) for path in matches + misses] == [True] * len(matches) + [False] * len(
        misses
    )


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(", "path_pattern is not a valid regular expression"),
        ("a)", "path_pattern is not a valid regular expression"),
        ("[z-a]", "path_pattern is not a valid regular expression"),
        (r"(a)\1", r"path_pattern: \1 is not supported"),
        (r"\bword", r"path_pattern: \b is not supported"),
        ("(?=a)b", "path_pattern: only plain groups ( ) and (?: ) are supported"),
        ("(?i)a", "path_pattern: only plain groups ( ) and (?: ) are supported"),
        ("a++", "path_pattern: a quantifier must follow something to repeat, not another"),
        ("a{1001}", "path_pattern: a repeat count must be from 0 to 1000, min <= max"),
        ("a{3,2}", "path_pattern: a repeat count must be from 0 to 1000, min <= max"),
        ("((a{100}){100}){100}", f"path_pattern is too complex (more than {MAX_STATES} states)"),
    ],
)
def test_what_needs_backtracking_or_is_no_pattern_is_refused(pattern: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        PathPattern(pattern)
    assert refused.value.message == message


@pytest.mark.parametrize("pattern", ["/(a+)+b", "/(a|aa)*c", "/(.*a){12}x", "/(a?){30}a{30}b"])
def test_patterns_that_make_re_backtrack_take_linear_time(pattern: str) -> None:
    compiled = PathPattern(pattern)
    started = time.perf_counter()
    assert not compiled.fullmatch("/" + "a" * 50_000)
    assert time.perf_counter() - started < 5  # re: 2**50000 steps for the first
