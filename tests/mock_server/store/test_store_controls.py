"""`ControlStore`, on both backends: settings per scope over the global ones, the first claim owns a
scope, clock changes and the id sequence, faults drawn and counted, rate counters per window, and what
a reset of one scope or of all forgets."""

from __future__ import annotations

from store_helpers import T0, make_task

from apimart_mock.domain.clock import FOLLOWING, ClockState
from apimart_mock.domain.faults import Fault, FaultKind
from apimart_mock.domain.scopes import GLOBAL
from apimart_mock.store import ControlStore, ScopeSettings, Store


def test_a_scope_no_one_used_follows_the_global_settings(opened: ControlStore) -> None:
    settings = opened.settings("s")
    assert settings.clock == ClockState.start(T0, frozen_at=T0)
    assert (settings.rate_limit, settings.faults_active, settings.scope) == (None, False, ScopeSettings())
    assert opened.settings(GLOBAL).scope == ScopeSettings()


def test_the_first_claim_owns_a_scope(opened: ControlStore) -> None:
    assert opened.claim_scope("s", "acct_a") == "acct_a"
    assert opened.claim_scope("s", "acct_b") == "acct_a"
    assert opened.settings("s").scope.owner == "acct_a"


def test_clock_changes_apply_to_their_scope_only(opened: ControlStore) -> None:
    opened.change_clock(GLOBAL, lambda clock: clock.advanced(10, 0))
    ahead = opened.change_clock("s", lambda own: own.advanced(5, T0 + 10))
    assert opened.settings("s").scope.clock == ahead != FOLLOWING
    assert opened.settings("s").now(0) == T0 + 15
    assert opened.settings("t").now(0) == T0 + 10


def test_rate_limits_and_their_counters_per_scope_and_window(opened: ControlStore) -> None:
    opened.set_rate_limit("s", 5)
    opened.set_rate_limit(GLOBAL, 50)
    assert opened.settings("s").scope.rate_limit == 5 and opened.settings("s").rate_limit == 50
    assert [opened.count_request("s", "acct_a", 7) for _ in range(3)] == [1, 2, 3]
    assert opened.count_request("t", "acct_a", 7) == 1
    assert opened.count_request("s", "acct_b", 7) == 1
    assert opened.count_request("s", "acct_a", 8) == 1  # a new window starts again


def test_faults_are_numbered_drawn_counted_and_cleared(opened: ControlStore) -> None:
    first = opened.add_fault(GLOBAL, Fault(0, FaultKind.SERVER_ERROR, remaining=1, path="/v1/tasks"))
    own = opened.add_fault("s", Fault(0, FaultKind.BAD_GATEWAY))
    assert (first.id, own.id) == (1, 1)
    assert opened.settings("s").faults_active and opened.settings("s").scope.faults_active
    assert opened.draw_fault("s", "/v1/midjourney/generations", None, 7) == own.drawn(7)[0]
    assert opened.draw_fault("s", "/v1/tasks/x", None, 7) == first.drawn(7)[0]  # the global one first
    assert opened.faults(GLOBAL) == [first.drawn(7)[0]] and not opened.settings(GLOBAL).faults_active
    assert opened.faults("s")[0].seen == 1  # the global one fired first: the own one was not drawn
    opened.clear_faults("s")
    assert opened.faults("s") == [] and not opened.settings("s").scope.faults_active
    assert opened.draw_fault("s", "/v1/tasks/x", None, 7) is None


def test_the_sequence_never_repeats_even_across_resets(opened: ControlStore) -> None:
    seen = [opened.next_sequence() for _ in range(3)]
    opened.reset(GLOBAL, ClockState.start(T0, frozen_at=T0), None)
    opened.reset("s", FOLLOWING, None)
    seen += [opened.next_sequence() for _ in range(3)]
    assert len(set(seen)) == 6


def test_a_scope_reset_forgets_that_scope_only(opened: Store) -> None:
    for scope in ("s", "t"):
        opened.claim_scope(scope, "acct_a")
        opened.add_task(make_task(1 if scope == "s" else 2, scope=scope))
        opened.add_fault(scope, Fault(0, FaultKind.SERVER_ERROR))
        opened.set_starting_balance(scope, "acct_a", 3.0)
        opened.change_clock(scope, lambda own: own.advanced(60, T0))
    generation = opened.settings("s").scope.journal
    opened.reset("s", FOLLOWING, None)
    assert opened.tasks("s") == [] and opened.faults("s") == []
    assert opened.starting_balance("s", "acct_a") is None
    after = opened.settings("s").scope
    assert (after.clock, after.owner, after.journal) == (FOLLOWING, "acct_a", generation + 1)
    assert len(opened.tasks("t")) == 1 and len(opened.faults("t")) == 1
    assert opened.starting_balance("t", "acct_a") == 3.0
    assert opened.settings("t").now(0) == T0 + 60


def test_a_global_reset_forgets_everything_and_restarts_the_clock(opened: Store) -> None:
    opened.claim_scope("s", "acct_a")
    opened.add_task(make_task(1))
    opened.add_fault(GLOBAL, Fault(0, FaultKind.SERVER_ERROR))
    opened.set_rate_limit(GLOBAL, 9)
    start = ClockState.start(T0 + 500, frozen_at=T0 + 500)
    opened.reset(GLOBAL, start, 3)
    assert opened.tasks(None) == [] and opened.faults(GLOBAL) == []
    settings = opened.settings("s")
    assert (settings.clock, settings.rate_limit, settings.scope.owner) == (start, 3, None)


def test_room_is_reported_and_other_errors_are_no_full_store(opened: ControlStore) -> None:
    assert opened.has_room()
    assert not opened.no_room(ValueError("something else"))
