"""`TaskStore`, on both backends: tasks written once per id, replaced only as read (compare and swap),
read by id or with the settings in one poll, listed by scope and account in creation order with cursors."""

from __future__ import annotations

from dataclasses import replace

from store_helpers import make_task

from apimart_mock.store import Store, TaskStore, Write, task_cursor


def test_a_task_is_stored_once_and_read_back_by_id(opened: TaskStore) -> None:
    task = make_task(1, metadata={"run": "7"}, input_images=("https://x.test/a.png",))
    assert opened.add_task(task) is Write.DONE
    assert opened.add_task(replace(task, prompt="another")) is Write.TAKEN
    assert opened.task(task.id) == task
    assert opened.task("task_none") is None


def test_a_poll_reads_the_scope_settings_and_the_task(opened: Store) -> None:
    task = make_task(1)
    opened.add_task(task)
    settings, found = opened.poll("s", task.id)
    assert found == task and settings == opened.settings("s")
    assert opened.poll("s", "task_none")[1] is None


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
