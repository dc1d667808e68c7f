"""`TaskStore`, on both backends: tasks written once per id, replaced only as read (compare and swap),
read by id or with the settings in one poll, listed by scope and account in creation order with cursors."""

from __future__ import annotations

from dataclasses import replace

from store_helpers import JOURNAL_BYTES, T0, make_task

from apimart_mock.domain.clock import ClockState
from apimart_mock.domain.journal import JournalEntry, RequestMatcher
from apimart_mock.domain.scopes import GLOBAL
from apimart_mock.domain.task import Task
from apimart_mock.store import Answering, Settings, Store, TaskStore, Write, open_store, task_cursor


def test_a_task_is_stored_once_and_read_back_by_id(opened: TaskStore) -> None:
    task = make_task(1, metadata={"run": "7"}, input_images=("https://x.test/a.png",))
    assert opened.add_task(task) is Write.DONE
    assert opened.add_task(replace(task, prompt="another")) is Write.TAKEN
    assert opened.task(task.id) == task
    assert opened.task("task_none") is None


def test_a_poll_is_answered_from_the_scope_settings_and_the_task_and_journaled_once(opened: Store) -> None:
    task = make_task(1)
    opened.add_task(task)
    for task_id, expected in [(task.id, task), ("task_none", None), (None, None)] * 2:
        read, result = polled(opened, "s", task_id)
        assert read == [(opened.settings("s"), expected)] and result == entry(task_id, read[0])
    journaled = opened.journal(RequestMatcher(), limit=10).entries
    assert [e.path for e in journaled] == [f"/v1/tasks/{i}" for i in [task.id, "task_none", None]] * 2


def test_a_poll_answers_from_what_another_replica_changed(opened: Store, store: str) -> None:
    """A store may answer first from what it read for the poll before (`RedisStore`): whatever another
    replica changed meanwhile (the task, the scope's clock, a reset), the answer and the entry journaled
    are the ones of what is stored."""
    other = open_store(store, journal_bytes=JOURNAL_BYTES)
    task = make_task(1)
    opened.add_task(task)
    changes = [
        lambda: other.replace_task(task, replace(task, prompt="changed")),
        lambda: other.change_clock("s", lambda clock: clock.advanced(60, T0)),
        lambda: other.change_clock(GLOBAL, lambda clock: clock.advanced(60, T0)),
        lambda: other.claim_scope("s", "acct_a"),
        lambda: other.clear_journal("s"),
        lambda: other.reset(GLOBAL, ClockState.start(T0 + 5, frozen_at=T0 + 5), None),
    ]
    for change in changes:
        polled(opened, "s", task.id)
        change()
        read, result = polled(opened, "s", task.id)
        fresh = (opened.settings("s"), opened.task(task.id))
        assert read[-1] == fresh and result == entry(task.id, fresh)
        assert opened.newest_requests(RequestMatcher(), limit=1).entries == [result]


def test_polls_answered_together_each_read_what_is_stored_and_are_journaled_once(
    opened: Store, store: str
) -> None:
    """Several polls at once (the RSGI loop's turn; over Redis one round trip for those the store read
    before): each answer is the one of what is stored, a task another replica changed since included, and
    each poll is journaled once, by the store or by its caller."""
    other = open_store(store, journal_bytes=JOURNAL_BYTES)
    tasks = [make_task(n) for n in range(3)]
    for task in tasks:
        opened.add_task(task)
        polled(opened, "s", task.id)  # a store may keep what it read for the next poll
    other.replace_task(tasks[1], replace(tasks[1], prompt="changed"))
    journaled = opened.count_requests(RequestMatcher())

    def answer_of(task_id: str | None) -> Answering[JournalEntry]:
        def answer(settings: Settings, task: Task | None) -> tuple[JournalEntry, JournalEntry]:
            made = entry(task_id, (settings, task))
            return made, made

        return answer

    ids = [task.id for task in tasks] + [None, tasks[0].id]
    answered = opened.polls([("s", task_id, answer_of(task_id)) for task_id in ids])
    opened.record_all([left for _, left in answered if left is not None])
    expected = [entry(task_id, (opened.settings("s"), task_id and opened.task(task_id))) for task_id in ids]
    assert [result for result, _ in answered] == expected
    assert opened.count_requests(RequestMatcher()) == journaled + len(ids)
    newest = opened.newest_requests(RequestMatcher(), limit=len(ids)).entries
    assert sorted(newest, key=repr) == sorted(expected, key=repr)


def test_a_poll_is_answered_once_from_settings_that_switch_checks_on(opened: Store, store: str) -> None:
    """With a rate limit or faults on, answering a poll writes (a count, a fault drawn): a poll is never
    answered from such settings but once, from what is stored."""
    other = open_store(store, journal_bytes=JOURNAL_BYTES)
    task = make_task(1)
    opened.add_task(task)
    polled(opened, "s", task.id)
    other.set_rate_limit("s", 10.0)
    for _ in range(3):
        other.change_clock("s", lambda clock: clock.advanced(1, T0))  # what was read is no longer stored
        read, _ = polled(opened, "s", task.id)
        assert read[-1] == (opened.settings("s"), task) and read[-1][0].checked
        assert not any(settings.checked for settings, _ in read[:-1])


def test_a_replace_wins_only_over_what_it_read(opened: TaskStore) -> None:
    old = make_task(1)
    opened.add_task(old)
    new = replace(old, prompt="changed")
    assert opened.replace_task(old, new) is Write.DONE
    assert opened.replace_task(old, replace(old, prompt="late")) is Write.CHANGED
    assert opened.task(old.id) == new
    assert opened.replace_task(make_task(2), make_task(2)) is Write.CHANGED  # never stored


def test_listings_by_scope_and_account_in_creation_order_with_cursors(opened: TaskStore) -> None:
    tasks = [
        make_task(n, scope="s" if n % 3 else "t", account="acct_a" if n % 2 else "acct_b") for n in range(12)
    ]
    for task in reversed(tasks):  # stored out of order: listed by creation time
        opened.add_task(task)
    in_s = [task for task in tasks if task.scope == "s"]
    assert opened.tasks("s") == in_s
    assert opened.tasks(None) == tasks
    assert opened.tasks("s", "acct_a") == [task for task in in_s if task.account == "acct_a"]
    assert opened.tasks(None, "acct_b", newest=True) == [t for t in tasks if t.account == "acct_b"][::-1]
    first = opened.tasks("s", limit=3)
    assert first == in_s[:3]
    assert opened.tasks("s", after=task_cursor(first[-1]), limit=100) == in_s[3:]
    assert opened.tasks("s", after=task_cursor(in_s[4]), newest=True) == in_s[:4][::-1]
    assert opened.tasks("s", after=task_cursor(tasks[3]), limit=100) == [
        t for t in in_s if t.created_at > tasks[3].created_at
    ]


def entry(task_id: str | None, read: tuple[Settings, Task | None]) -> JournalEntry:
    """The journal entry of a poll of `task_id` that read `read` (its clock and the task's prompt)."""
    at, prompt = read[0].now(T0), read[1].prompt if read[1] else ""
    return JournalEntry(at, "GET", f"/v1/tasks/{task_id}", "acct_a", 200, 1, body=prompt, scope="s")


def polled(
    store: Store, scope: str, task_id: str | None
) -> tuple[list[tuple[Settings, Task | None]], JournalEntry]:
    """Poll `task_id`: what each call of the answer read, and the entry journaled (recorded here when
    the store leaves it to its caller). The answer is the entry of what was read."""
    read: list[tuple[Settings, Task | None]] = []

    def answer(settings: Settings, task: Task | None) -> tuple[JournalEntry, JournalEntry]:
        read.append((settings, task))
        made = entry(task_id, (settings, task))
        return made, made

    ((result, left),) = store.polls([(scope, task_id, answer)])
    if left is not None:
        store.record(left)
    return read, result
