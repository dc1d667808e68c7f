"""Path patterns: the regular expressions `path_pattern` takes, matched in time linear in the path.

Python's `re` backtracks: `(a+)+b` against a path of thirty `a`s runs for minutes, and one request to
the control API would hold a worker that long. A path pattern is parsed here into a small automaton
(Thompson's construction) and run over the path one character at a time on the set of states it can be
in, so a match costs at most (path length x pattern size) steps, whatever the pattern. The sets met are
remembered with their moves (a lazily built DFA, as RE2 does), so over a journal of paths most steps are
one dictionary look-up.

The syntax is the common part of regular expressions: characters, `.`, classes (`[a-z0-9_-]`, `[^/]`),
`\\d \\w \\s \\D \\W \\S`, escaped punctuation (`\\.`), groups `( )` and `(?: )`, `|`, the quantifiers
`* + ? {m} {m,} {m,n}` (a lazy `?` after one is allowed and changes nothing, as the whole path must
match), and `^` / `$`. What needs backtracking (backreferences, lookaround, possessive quantifiers,
inline flags) is refused with a 400 that names it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import InvalidRequest

__all__ = ["PathPattern"]

MAX_STATES = 5000
"""States one pattern's automaton may have (`{m,n}` copies what it repeats); more answers 400."""
_CACHED_MOVES = 10_000
"""Moves of the lazy DFA remembered; past it they are forgotten and built again (memory stays bounded)."""
_REPEAT_LIMIT = 1000
_INVALID = "path_pattern is not a valid regular expression"

Accepts = Callable[[str], bool]
_CLASS_ESCAPES: dict[str, Accepts] = {
    "d": str.isdecimal,
    "D": lambda c: not c.isdecimal(),
    "w": lambda c: c.isalnum() or c == "_",
    "W": lambda c: not (c.isalnum() or c == "_"),
    "s": str.isspace,
    "S": lambda c: not c.isspace(),
}
_CHARACTER_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}


@dataclass
class _State:
    """One state of the automaton: it reads a character `accepts` takes (then goes to `out`), or, with
    no `accepts`, moves without reading to each of `out` (`assertion`: only at the path's start or end)."""

    accepts: Accepts | None = None
    out: list[int] = field(default_factory=list)
    assertion: str | None = None


_START, _END = "^", "$"
_MATCH = -1
"""Where a finished match goes (no state)."""


@dataclass(frozen=True)
class _Fragment:
    """A piece of the automaton: where it starts, and the states whose `out` its end still has to join."""

    start: int
    ends: tuple[int, ...]


class _Parser:
    """Recursive descent over the pattern, building the automaton's states as it goes."""

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0
        self.states: list[_State] = []

    def parse(self) -> tuple[list[_State], int]:
        fragment = self._alternation()
        if self.at != len(self.text):  # an unmatched `)`
            raise InvalidRequest(_INVALID)
        self._join(fragment, _MATCH)
        return self.states, fragment.start

    # ---- building ----
    def _state(self, state: _State) -> int:
        if len(self.states) >= MAX_STATES:
            raise InvalidRequest(f"path_pattern is too complex (more than {MAX_STATES} states)")
        self.states.append(state)
        return len(self.states) - 1

    def _join(self, fragment: _Fragment, target: int) -> None:
        for end in fragment.ends:
            self.states[end].out.append(target)

    def _empty(self) -> _Fragment:
        node = self._state(_State())
        return _Fragment(node, (node,))

    def _copy(self, fragment: _Fragment, first: int, last: int) -> _Fragment:
        """A fresh copy of the fragment built as states first..last-1 (for `{m,n}`)."""
        offset = len(self.states) - first
        for index in range(first, last):
            state = self.states[index]
            out = [target + offset if first <= target < last else target for target in state.out]
            self._state(_State(state.accepts, out, state.assertion))
        return _Fragment(fragment.start + offset, tuple(end + offset for end in fragment.ends))

    # ---- grammar ----
    def _peek(self) -> str | None:
        return self.text[self.at] if self.at < len(self.text) else None

    def _alternation(self) -> _Fragment:
        branches = [self._concatenation()]
        while self._peek() == "|":
            self.at += 1
            branches.append(self._concatenation())
        if len(branches) == 1:
            return branches[0]
        fork = self._state(_State(out=[branch.start for branch in branches]))
        return _Fragment(fork, tuple(end for branch in branches for end in branch.ends))

    def _concatenation(self) -> _Fragment:
        pieces: list[_Fragment] = []
        while self._peek() not in (None, "|", ")"):
            pieces.append(self._repetition())
        return self._chain(pieces)

    def _chain(self, pieces: list[_Fragment]) -> _Fragment:
        """The pieces one after the other."""
        if not pieces:
            return self._empty()
        for before, after in itertools.pairwise(pieces):
            self._join(before, after.start)
        return _Fragment(pieces[0].start, pieces[-1].ends)

    def _repetition(self) -> _Fragment:
        first = len(self.states)
        fragment = self._atom()
        last = len(self.states)
        bounds = self._quantifier()
        if bounds is None:
            return fragment
        if self._peek() == "?":  # lazy: the same set of matches
            self.at += 1
        if self._peek() in ("*", "+", "{"):
            raise InvalidRequest("path_pattern: a quantifier must follow something to repeat, not another")
        least, most = bounds
        return self._repeated(fragment, first, last, least, most)

    def _repeated(
        self, fragment: _Fragment, first: int, last: int, least: int, most: int | None
    ) -> _Fragment:
        """`least` copies in a row, then up to `most` (each one may end the repeat) or a loop on the last."""
        if most == 0:
            return self._empty()  # the fragment's states stay, unreachable
        copies = [fragment] + [self._copy(fragment, first, last) for _ in range(max(least, most or 1) - 1)]
        pieces = copies[:least]
        if most is None:
            looping = copies[-1]
            loop = self._state(_State(out=[looping.start]))
            self._join(looping, loop)
            looped = _Fragment(looping.start if least else loop, (loop,))
            pieces = [*copies[: least - 1], looped] if least else [looped]
        else:
            for copy in copies[least:]:
                skip = self._state(_State(out=[copy.start]))
                pieces.append(_Fragment(skip, (skip, *copy.ends)))
        return self._chain(pieces)

    def _quantifier(self) -> tuple[int, int | None] | None:
        sign = self._peek()
        if sign in ("*", "+", "?"):
            self.at += 1
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[sign]
        if sign != "{":
            return None
        close = self.text.find("}", self.at)
        inside = self.text[self.at + 1 : close] if close > 0 else ""
        least, comma, most = inside.partition(",")
        if not least.isdigit() or not (most.isdigit() or most == ""):
            raise InvalidRequest(_INVALID)  # `re` would take a lone `{` as a character; refuse it
        self.at = close + 1
        bounds = (int(least), int(most) if most else (None if comma else int(least)))
        if bounds[0] > _REPEAT_LIMIT or (
            bounds[1] is not None and not bounds[0] <= bounds[1] <= _REPEAT_LIMIT
        ):
            raise InvalidRequest(
                f"path_pattern: a repeat count must be from 0 to {_REPEAT_LIMIT}, min <= max"
            )
        return bounds

    def _atom(self) -> _Fragment:
        char = self.text[self.at]
        self.at += 1
        if char == "(":
            if self.text.startswith("?:", self.at):
                self.at += 2
            elif self._peek() == "?":
                raise InvalidRequest("path_pattern: only plain groups ( ) and (?: ) are supported")
            inner = self._alternation()
            if self._peek() != ")":
                raise InvalidRequest(_INVALID)
            self.at += 1
            return inner
        if char in "*+?{":
            raise InvalidRequest(_INVALID)
        if char in (_START, _END):
            node = self._state(_State(assertion=char))
            return _Fragment(node, (node,))
        if char == "[":
            return self._reading(self._class())
        if char == ".":
            return self._reading(lambda c: c != "\n")
        if char == "\\":
            return self._reading(self._escape(in_class=False))
        return self._reading(char.__eq__)

    def _reading(self, accepts: Accepts) -> _Fragment:
        node = self._state(_State(accepts))
        return _Fragment(node, (node,))

    def _escape(self, *, in_class: bool) -> Accepts:
        if self.at == len(self.text):
            raise InvalidRequest(_INVALID)
        char = self.text[self.at]
        self.at += 1
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char in _CHARACTER_ESCAPES:
            return _CHARACTER_ESCAPES[char].__eq__
        if char.isalnum() and not (in_class and char == "b"):
            raise InvalidRequest(f"path_pattern: \\{char} is not supported")
        return ("\b" if char == "b" else char).__eq__

    def _class(self) -> Accepts:
        negated = self._peek() == "^"
        self.at += negated
        parts: list[Accepts] = []
        first = True
        while True:
            char = self._peek()
            if char is None:
                raise InvalidRequest(_INVALID)
            if char == "]" and not first:
                self.at += 1
                break
            first = False
            if char == "\\":
                self.at += 1
                single = self._escape(in_class=True)
                parts.append(single)
                continue
            self.at += 1
            if self._peek() == "-" and self.at + 1 < len(self.text) and self.text[self.at + 1] != "]":
                high = self.text[self.at + 1]
                if high == "\\" or high < char:
                    raise InvalidRequest(_INVALID)
                self.at += 2
                parts.append(_between(char, high))
            else:
                parts.append(char.__eq__)
        if negated:
            return lambda c: not any(part(c) for part in parts)
        return lambda c: any(part(c) for part in parts)


def _between(low: str, high: str) -> Accepts:
    return lambda c: low <= c <= high


class PathPattern:
    """A compiled path pattern; `fullmatch(path)` says whether the whole path matches."""

    def __init__(self, pattern: str) -> None:
        """Parse `pattern`; 400 (`InvalidRequest`) naming what is wrong or not supported."""
        self.pattern = pattern
        self._states, self._first = _Parser(pattern).parse()
        self._forget()

    def __repr__(self) -> str:
        return f"PathPattern({self.pattern!r})"

    def fullmatch(self, path: str) -> bool:
        if self._cached > _CACHED_MOVES:  # between matches: one match adds at most len(path)
            self._forget()
        if not path:
            return _MATCH in self._closure(self._members[0], at_start=True, at_end=True)
        current = 0
        moves = self._moves
        for char in path:
            found = moves[current].get(char)
            current = self._move(current, char) if found is None else found
        accepting = self._accepting.get(current)
        if accepting is None:
            accepting = self._accepting[current] = _MATCH in self._closure(
                self._members[current], at_end=True
            )
        return accepting

    def _forget(self) -> None:
        """Start the lazy DFA again from its start set alone."""
        start = self._closure([self._first], at_start=True)
        self._sets: dict[frozenset[int], int] = {start: 0}
        self._members: list[frozenset[int]] = [start]
        self._moves: list[dict[str, int]] = [{}]
        self._accepting: dict[int, bool] = {}
        """Whether a set reached by reading at least one character holds a finished match."""
        self._cached = 0

    def _move(self, current: int, char: str) -> int:
        """The set of states after reading `char` in set `current`, numbered and remembered."""
        targets = [
            out
            for index in self._members[current]
            if index != _MATCH and (accepts := self._states[index].accepts) is not None and accepts(char)
            for out in self._states[index].out
        ]
        members = self._closure(targets)
        found = self._sets.get(members)
        if found is None:
            found = self._sets[members] = len(self._members)
            self._members.append(members)
            self._moves.append({})
        self._moves[current][char] = found
        self._cached += 1
        return found

    def _closure(
        self, indices: list[int] | frozenset[int], *, at_start: bool = False, at_end: bool = False
    ) -> frozenset[int]:
        """`indices` and every state reached from them without reading (through `^` only at the start,
        through `$` only at the end)."""
        seen: set[int] = set()
        stack = list(indices)
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            if index == _MATCH:
                continue
            state = self._states[index]
            if state.accepts is not None:
                continue
            if (state.assertion == _START and not at_start) or (state.assertion == _END and not at_end):
                continue
            stack.extend(state.out)
        return frozenset(seen)
