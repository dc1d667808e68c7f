"""`TaskLifecycle`: a `RuleBasedStateMachine` over a target's tasks, checked against a model.

Rules: submit any operation of the table that starts a task (its body from the spec's example), poll
both views, act by `custom_id` or by auto-matching inputs, take one image of a grid by index (remix,
video), complete a MODAL task, read the balance, upload an image, read with the other account, read an
id that never existed and, where the suite owns the clock, let time pass (phases, the 30-minute MODAL
timeout, the 3-day retention). Every response validates against `openapi.yaml` (the probe does it); the
invariants are the functions of `checks`, judged with the suite's own `oracle` data; the operations
table of `apimart_mj` only says what to send where.

`machine_for(target)` binds the machine to a target; a rule that needs what the target cannot give
(spending, a second account, the clock) has a precondition instead of a skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, precondition, rule

from apimart_mj import DIRECTIONS, Parent, Result, Selector, by_action, by_name, submits

from . import oracle
from .checks import (
    Reading,
    check_child_action,
    check_error,
    check_follow_up_answer,
    check_forbidden,
    judge_finished,
    reading,
)
from .flows import wait_until_done
from .free import check_balances, check_upload
from .probe import Exchange, Probe
from .registry import (
    AUTO_MATCHING,
    FOREIGN_FOLLOW_UP_ACCEPTED,
    FOREIGN_TASK_READABLE,
    MODAL_FLOW,
    REQUEST_REFUSED,
    TASK_NOT_FOUND,
    TASK_STUCK,
    VIEWS_DISAGREE,
)
from .spec import example_body, request_properties
from .strategies import prompts
from .targets import RETENTION, Target

__all__ = ["ACTION_PATHS", "TaskLifecycle", "machine_for"]

_GENERATIONS = "/v1/midjourney/generations"
ACTION_PATHS = {str(op.action): op.route.path for op in submits() if op.parent is Parent.BUTTON}
"""The endpoint that starts each follow-up action (from the operations table)."""
STARTS = sorted((op for op in submits() if op.parent in (Parent.NONE, Parent.FRAME)), key=lambda op: op.name)
"""Operations that start a task from nothing (a video from a first frame too)."""
PICKS = sorted((op for op in submits() if op.parent in (Parent.INDEX, Parent.FRAME)), key=lambda op: op.name)
"""Operations that take one image of a finished grid by index."""
VERSIONS = (None, "8.1", "6.1", "8.2")

_MARGIN = 120.0
"""Seconds either side of the retention boundary where the model does not predict expiry."""
_MODAL_TIMEOUT = 30 * 60.0
_MAX_STARTS = 4
"""Tasks started from nothing per run: steps are better spent following few tasks far than many."""


@dataclass
class Tracked:
    """What the model knows of one task."""

    task_id: str
    expected_action: str | None = None
    result: Result | None = None
    version: str | None = None
    """The version it was made with (`oracle.version_of_request` of what the suite sent, or its parent's;
    a given task's prompt flag), None when the suite cannot know it."""
    created: float | None = None
    """Server clock time of the submit (targets with a clock only)."""
    mj: Reading | None = None
    unified: Reading | None = None
    body: dict[str, Any] | None = None
    """The last Midjourney view."""
    submitted: tuple[str, dict[str, Any]] | None = None
    """The action of the endpoint it was submitted to and the inputs sent (None: a task given by id)."""
    finished_judged: bool = False

    def expired(self, now: float | None) -> bool | None:
        """True/False when the model can tell, None near the boundary or without a clock."""
        if now is None or self.created is None:
            return None
        age = now - self.created
        if age > RETENTION + _MARGIN:
            return True
        if age < RETENTION - _MARGIN:
            return False
        return None


def pressable(buttons: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Buttons with an endpoint, and the action each one's label names (`oracle.BUTTONS`)."""
    found = []
    for button in buttons:
        family = oracle.family_of(str(button.get("label", "")))
        if family is not None and family[0].action in ACTION_PATHS:
            found.append((button, family[0].action))
    return found


class TaskLifecycle(RuleBasedStateMachine):
    """The status flow of a target's tasks; bind it with `machine_for(target)`."""

    target: ClassVar[Target]
    tasks = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.probe = Probe(self.target)
        self.model: dict[str, Tracked] = {}
        self.now: float | None = self.target.clock_now() if self.target.has_clock else None
        self.polls = 0
        self.starts = 0
        self.unknown_read = False
        self.balance_read = False
        self.uploaded = False
        self.inpainted = False
        self.foreign_read: set[str] = set()
        self.foreign_follow_up = False

    @property
    def taskless(self) -> bool:
        """No task can come: none given, nothing to spend."""
        return not (self.target.task_ids or self.target.budget.limit)

    # ---- where tasks come from ----
    @initialize(target=tasks)
    def known_tasks(self) -> Any:
        for task_id in self.target.task_ids:
            self.model[task_id] = Tracked(task_id)
        return multiple(*self.target.task_ids)

    @precondition(lambda self: self.target.budget.remaining > 0 and self.starts < _MAX_STARTS)
    @rule(
        target=tasks,
        prompt=prompts,
        outcome=st.sampled_from(["success", "failure"]),
        version=st.sampled_from(VERSIONS),
        data=st.data(),
    )
    def start(self, prompt: str, outcome: str, version: str | None, data: st.DataObject) -> Any:
        """A task from nothing: imagine most often (its grids feed the follow-ups), any other start too."""
        self.starts += 1
        operation = data.draw(
            st.sampled_from(STARTS) if self.starts > 1 else st.just(by_name("imagine")), label="op"
        )
        body = example_body(str(operation.request))
        if "prompt" in body:
            body["prompt"] = prompt
        body.pop("version", None)
        if version is not None and "version" in request_properties(str(operation.request)):
            body["version"] = version
        headers = {"X-Mock-Scenario": outcome} if self.target.white_box else None
        route = data.draw(st.sampled_from(operation.routes), label="route")  # aliases too
        exchange = self.probe.submit(route.path, body, headers=headers)
        if exchange.status != 200:
            raise self.probe.violation(
                exchange,
                REQUEST_REFUSED,
                "$",
                f"HTTP 200 for the spec's own {operation.name} example",
                exchange.body,
            )
        version = oracle.version_of_request(body)
        task_id = self._track(exchange, str(operation.action), body, operation.result, version)
        if self.starts == 1:  # the run's first grid is waited for, so follow-ups have a parent early
            wait_until_done(self.probe, task_id)
            self.now = self.target.clock_now() if self.target.has_clock else None
            self.poll(task_id)
        return task_id

    def _track(
        self,
        exchange: Exchange,
        action: str,
        inputs: dict[str, Any],
        result: Result | None = None,
        version: str | None = None,
    ) -> str:
        """Track the task a submit of `action` with `inputs` created (its child's action: the oracle's)."""
        task_id: str = exchange.body["data"][0]["task_id"]
        self.model[task_id] = Tracked(
            task_id,
            oracle.child_action(action, inputs),
            result,
            version,
            created=self.now,
            submitted=(action, inputs),
        )
        return task_id

    # ---- reading ----
    @rule(task=tasks)
    def poll(self, task: str) -> None:
        tracked = self.model[task]
        if self.target.has_clock:  # pacing may have advanced it since
            self.now = self.target.clock_now()
        first = self.probe.mj(task)
        expired = tracked.expired(self.now)
        if expired or (expired is None and first.status == 404):
            self._expect_gone(task, first)
            return
        if first.status != 200:
            raise self.probe.violation(
                first, TASK_STUCK, "$", "HTTP 200: the caller's own live task", first.body
            )
        unified = self.probe.unified(task)  # MJ, unified, MJ: the Observer judges the views between
        if unified.status != 200:
            raise self.probe.violation(
                unified, VIEWS_DISAGREE, "$", "HTTP 200, as the MJ view answered", unified.body
            )
        second = self.probe.mj(task)
        if tracked.submitted is not None:  # judged by the submit that made it; once finished, in full
            endpoint, inputs = tracked.submitted
            if second.body.get("status") in oracle.MJ_TERMINAL and not tracked.finished_judged:
                tracked.finished_judged = True
                judge_finished(self.probe, second, endpoint, inputs)
            else:
                check_child_action(self.probe, second, endpoint, inputs)
        tracked.mj, tracked.unified = reading(second, "mj"), reading(unified, "unified")
        tracked.body = second.body
        if tracked.version is None:  # a task given by id says its version in its prompt only
            tracked.version = oracle.version_of_task(second.body)
        self.polls += 1

    def _expect_gone(self, task: str, first: Exchange) -> None:
        """Past the retention period: 404 `not_found_error` in both views."""
        check_error(self.probe, first, 404, "not_found_error", TASK_NOT_FOUND)
        check_error(self.probe, self.probe.unified(task), 404, "not_found_error", TASK_NOT_FOUND)

    @precondition(lambda self: len(self.target.api_keys) > 1)
    @rule(task=tasks)
    def read_as_other_account(self, task: str) -> None:
        tracked = self.model[task]
        if task in self.foreign_read or (self.target.has_clock and tracked.expired(self.now) is not False):
            return  # once per task; an expired foreign task may answer 403 or 404 (the docs do not say)
        self.foreign_read.add(task)
        for exchange in (self.probe.mj(task, account=1), self.probe.unified(task, account=1)):
            check_forbidden(self.probe, exchange, tracked.body or {}, FOREIGN_TASK_READABLE)

    @precondition(
        lambda self: (
            len(self.target.api_keys) > 1
            and not self.foreign_follow_up
            and self.target.budget.remaining > 0
            and any(t.result is Result.GRID for t in self._finished())
        )
    )
    @rule()
    def follow_up_as_other_account(self) -> None:
        """An upscale of the first account's grid, sent with the second account's key: 403, nothing
        created (the spend budget pays for it only if the target wrongly accepts it)."""
        self.foreign_follow_up = True
        grid = min((t for t in self._finished() if t.result is Result.GRID), key=lambda t: t.task_id)
        exchange = self.probe.submit(
            ACTION_PATHS["UPSCALE"], {"task_id": grid.task_id, "index": 1}, account=1
        )
        check_forbidden(self.probe, exchange, grid.body or {}, FOREIGN_FOLLOW_UP_ACCEPTED)

    @precondition(lambda self: not self.unknown_read)
    @rule(suffix=st.text("ABCDEFGHJKMNPQRSTVWXYZ0123456789", min_size=8, max_size=26))
    def read_unknown(self, suffix: str) -> None:
        self.unknown_read = True  # once per run is enough; the steps are better spent on tasks
        task_id = f"task_contract_never_{suffix}"
        check_error(self.probe, self.probe.mj(task_id), 404, "not_found_error", TASK_NOT_FOUND)
        check_error(self.probe, self.probe.unified(task_id), 404, "not_found_error", TASK_NOT_FOUND)

    # ---- time ----
    @precondition(lambda self: self.target.has_clock)
    @rule(seconds=st.sampled_from([2.0, 5.0, 10.0, 30.0, 60.0]))
    def time_passes(self, seconds: float) -> None:
        self.target.advance(seconds)
        self.now = self.target.clock_now()

    @precondition(lambda self: self.target.has_clock and self.polls >= 3)
    @rule(seconds=st.sampled_from([_MODAL_TIMEOUT + 60, RETENTION + 3600]))
    def long_time_passes(self, seconds: float) -> None:
        """The MODAL timeout, or the retention period: only once there is something to watch expire."""
        self.time_passes(seconds)

    # ---- follow-ups ----
    def _finished(self) -> list[Tracked]:
        return [
            t
            for t in self.model.values()
            if t.mj is not None and t.mj.status == "SUCCESS" and t.body and t.expired(self.now) is not True
        ]

    @precondition(lambda self: self.target.budget.remaining > 0 and bool(self._finished()))
    @rule(target=tasks, data=st.data())
    def act(self, data: st.DataObject) -> Any:
        """A follow-up: mostly on a parent of a result it acts on (the operations table says which),
        sometimes on any finished task, where the service must refuse it as the rules say."""
        return self._act(data, sorted(ACTION_PATHS))

    @precondition(
        lambda self: (
            self.target.budget.remaining > 0 and any(t.result is Result.SINGLE for t in self._finished())
        )
    )
    @rule(target=tasks, data=st.data())
    def act_on_an_upscale(self, data: st.DataObject) -> Any:
        """A follow-up of an upscaled image: the ones that need one (zoom, pan, vary, inpaint)."""
        return self._act(data, sorted(a for a in ACTION_PATHS if Result.SINGLE in by_action(a).acts_on))

    def _act(self, data: st.DataObject, actions: list[str]) -> Any:
        action = data.draw(st.sampled_from(actions), label="action")
        finished = sorted(self._finished(), key=lambda t: t.task_id)
        fitting = [t for t in finished if t.result in by_action(action).acts_on]
        anywhere = not fitting or data.draw(st.integers(0, 4), label="any parent") == 0
        parent = data.draw(st.sampled_from(finished if anywhere else fitting), label="parent")
        assert parent.body is not None
        buttons = pressable(parent.body.get("buttons") or [])
        by_custom_id = data.draw(st.booleans(), label="by custom_id") if buttons else False
        if by_custom_id:
            button, pressed = data.draw(st.sampled_from(buttons), label="button")
            # Sometimes beside another endpoint's auto-matching inputs: custom_id wins (decisions).
            if data.draw(st.integers(0, 2), label="custom_id beside inputs") == 0:
                beside = data.draw(_inputs(action), label="inputs")
                return self._press(parent, action, {"custom_id": button["customId"], **beside})
            return self._press(parent, pressed, {"custom_id": button["customId"]})
        inputs = data.draw(_inputs(action), label="inputs")
        upscaled = parent.body.get("action") == "UPSCALE"
        if upscaled and not parent.body.get("buttons"):
            # The live shape lists no buttons on an upscaled task, yet the service matches hidden ones:
            # nothing to predict from, so any documented answer is accepted.
            return self._press(parent, action, inputs)
        labels = [str(b.get("label", "")) for b in parent.body.get("buttons") or []]
        if oracle.expected_press(action, labels, inputs, upscaled=upscaled) is None:
            return self._rejected(parent, action, inputs, upscaled)
        return self._press(parent, action, inputs)  # auto-matched: the endpoint's action

    @precondition(
        lambda self: (
            self.target.budget.remaining > 0 and any(t.result is Result.GRID for t in self._finished())
        )
    )
    @rule(target=tasks, data=st.data())
    def pick(self, data: st.DataObject) -> Any:
        """One image of a finished grid by index: remix (v8.1/v8.2 parents only) or video."""
        grids = sorted((t for t in self._finished() if t.result is Result.GRID), key=lambda t: t.task_id)
        operation = data.draw(st.sampled_from(PICKS), label="op")
        remix = operation.action in ("REMIX_STRONG", "REMIX_SUBTLE")
        fitting = [t for t in grids if t.version in oracle.REMIX_VERSIONS] if remix else grids
        anywhere = not fitting or data.draw(st.integers(0, 3), label="any grid") == 0
        parent = data.draw(st.sampled_from(grids if anywhere else fitting), label="grid")
        index = request_properties(str(operation.request))["index"]
        chosen = data.draw(st.integers(index["minimum"], index["maximum"]), label="index")
        inputs: dict[str, Any] = {"task_id": parent.task_id, "index": chosen}
        if not remix:  # a video asks for 1, 2 or 4 videos; any other batch_size counts as 1
            batch = data.draw(st.sampled_from([None, 1, 2, 4, 3]), label="batch_size")
            inputs.update({} if batch is None else {"batch_size": batch})
        exchange = self.probe.submit(operation.route.path, inputs)
        assert parent.body is not None
        action = str(operation.action)
        if check_follow_up_answer(self.probe, exchange, action, inputs, parent.body, parent.version):
            return multiple()
        if exchange.status != 200:
            raise self.probe.violation(
                exchange,
                REQUEST_REFUSED,
                "$",
                f"HTTP 200 creating a {operation.action} task",
                exchange.body,
            )
        return self._track(exchange, action, inputs, operation.result, parent.version)

    # ---- the account ----
    # Once per run; again only where the machine can have no task (none given, nothing to spend) and its
    # other free rules have run: then it is the one step left, and a state machine must always have one.
    @precondition(
        lambda self: not self.balance_read or (self.taskless and self.uploaded and self.unknown_read)
    )
    @rule()
    def read_balance(self) -> None:
        """Both balances, again after what was spent (`free.check_balances`)."""
        self.balance_read = True
        check_balances(self.probe)

    @precondition(lambda self: not self.uploaded)
    @rule()
    def upload(self) -> None:
        """An upload served back (`free.check_upload`)."""
        self.uploaded = True
        check_upload(self.probe)

    def _press(self, parent: Tracked, action: str, inputs: dict[str, Any]) -> Any:
        """A follow-up the oracle says is taken: by `custom_id`, or auto-matched where the parent lists
        its buttons; on a parent that lists none (the live shape's upscale) a 400 is accepted too."""
        assert parent.body is not None
        exchange = self.probe.submit(ACTION_PATHS[action], {"task_id": parent.task_id, **inputs})
        if check_follow_up_answer(self.probe, exchange, action, inputs, parent.body, parent.version):
            return multiple()
        predicted = "custom_id" in inputs or bool(parent.body.get("buttons"))
        if not predicted and exchange.status == 400:
            return multiple()
        child = oracle.child_action(action, inputs) or action
        if exchange.status != 200:
            raise self.probe.violation(
                exchange, REQUEST_REFUSED, "$", f"HTTP 200 creating a {child} task", exchange.body
            )
        if "custom_id" not in inputs and predicted:
            self.probe.judged(AUTO_MATCHING, exchange)  # matched, as the reference predicted
        result = by_action(child).result
        return self._track(
            exchange,
            action,
            {"task_id": parent.task_id, **inputs},
            Result.GRID if result is Result.MODAL else result,
            parent.version,
        )

    def _rejected(self, parent: Tracked, action: str, inputs: dict[str, Any], upscaled: bool) -> Any:
        """No button matches (`oracle.expected_press`): 400, saying so for a grid where an upscaled task
        is needed."""
        exchange = self.probe.submit(ACTION_PATHS[action], {"task_id": parent.task_id, **inputs})
        assert parent.body is not None
        if check_follow_up_answer(self.probe, exchange, action, inputs, parent.body, parent.version):
            return multiple()
        check_error(self.probe, exchange, 400, "invalid_request_error", AUTO_MATCHING)
        received = exchange.body["error"]["message"]
        needs_upscaled, _ = oracle.AUTO_MATCH[action]
        if needs_upscaled and not upscaled and not received.startswith(oracle.REQUIRES_UPSCALED):
            raise self.probe.violation(
                exchange, AUTO_MATCHING, "$.error.message", f"{oracle.REQUIRES_UPSCALED}.", received
            )
        return multiple()

    @precondition(
        lambda self: (
            self.target.budget.remaining >= 3
            and not self.inpainted
            and any(t.result is Result.GRID and t.expected_action == "IMAGINE" for t in self._finished())
        )
    )
    @rule(target=tasks, prompt=prompts)
    def inpaint_flow(self, prompt: str) -> Any:
        """A client's whole Vary (Region) flow in one step: upscale a grid, inpaint the image, then give
        the task waiting in MODAL its prompt; the task keeps its id and ends a grid of candidates."""
        self.inpainted = True
        grid = min((t for t in self._finished() if t.expected_action == "IMAGINE"), key=lambda t: t.task_id)
        upscaled = self._submitted(
            self.probe.submit(ACTION_PATHS["UPSCALE"], {"task_id": grid.task_id, "index": 1})
        )
        self.model[upscaled] = Tracked(upscaled, "UPSCALE", Result.SINGLE, grid.version, created=self.now)
        if wait_until_done(self.probe, upscaled)["status"] != "SUCCESS":
            return upscaled
        inpaint = self.probe.submit(ACTION_PATHS["INPAINT"], {"task_id": upscaled})
        waiting = self._submitted(inpaint)
        modal = self.probe.mj(waiting)
        self.probe.judged(MODAL_FLOW, inpaint)
        if modal.body.get("status") != "MODAL":
            raise self.probe.violation(modal, MODAL_FLOW, "$.status", "MODAL after /inpaint", modal.body)
        exchange = self.probe.submit(f"{_GENERATIONS}/modal", {"task_id": waiting, "prompt": prompt})
        self.probe.judged(MODAL_FLOW, exchange)
        if exchange.status != 200 or exchange.body["data"][0]["task_id"] != waiting:
            raise self.probe.violation(
                exchange,
                MODAL_FLOW,
                "$.data[0].task_id",
                f"HTTP 200 naming the same task {waiting}",
                exchange.body,
            )
        modal_inputs = {"task_id": waiting, "prompt": prompt}
        self.model[waiting] = Tracked(
            waiting, "INPAINT", Result.GRID, grid.version, created=self.now, submitted=("MODAL", modal_inputs)
        )
        return multiple(upscaled, waiting)

    def _submitted(self, exchange: Exchange) -> str:
        if exchange.status != 200:
            raise self.probe.violation(exchange, REQUEST_REFUSED, "$", "HTTP 200", exchange.body)
        task_id: str = exchange.body["data"][0]["task_id"]
        return task_id

    @precondition(
        lambda self: (
            self.target.budget.remaining > 0
            and any(t.mj is not None and t.mj.status == "MODAL" for t in self.model.values())
        )
    )
    @rule(data=st.data(), prompt=prompts)
    def complete_modal(self, data: st.DataObject, prompt: str) -> None:
        waiting = sorted(
            t.task_id for t in self.model.values() if t.mj is not None and t.mj.status == "MODAL"
        )
        task = data.draw(st.sampled_from(waiting), label="modal task")
        self.poll(task)  # time may have passed since: a MODAL task left 30 minutes is cancelled
        tracked = self.model[task]
        if tracked.mj is None or tracked.mj.status != "MODAL":
            return
        if self.target.has_clock and tracked.expired(self.now) is not False:
            return  # past (or at) retention the task answers 404, as poll() has just checked
        exchange = self.probe.submit(f"{_GENERATIONS}/modal", {"task_id": task, "prompt": prompt})
        self.probe.judged(MODAL_FLOW, exchange)
        tracked.submitted = ("MODAL", {"task_id": task, "prompt": prompt})
        if exchange.status != 200 or exchange.body["data"][0]["task_id"] != task:
            raise self.probe.violation(
                exchange,
                MODAL_FLOW,
                "$.data[0].task_id",
                f"HTTP 200 naming the same task {task}",
                exchange.body,
            )


_SELECTED: dict[Selector, tuple[bool, st.SearchStrategy[Any]]] = {
    Selector.INDEX: (True, st.integers(1, 4)),
    Selector.DIRECTION: (True, st.sampled_from(DIRECTIONS)),
    Selector.ZOOM_RATIO: (False, st.sampled_from([1.5, 1.99, 2.0, 3.5, 1.0, 0.5])),  # <= 1: 400 (decisions)
}
"""What the suite sends for each auto-matching input: (required, values)."""


def _inputs(action: str) -> st.SearchStrategy[dict[str, Any]]:
    """The auto-matching inputs an endpoint takes (its row's `selects`): an index, a direction or a zoom
    ratio."""
    selected = [(s, *_SELECTED[s]) for s in sorted(by_action(action).selects) if s in _SELECTED]
    required = {str(s): values for s, needed, values in selected if needed}
    optional = {str(s): values for s, needed, values in selected if not needed}
    return st.fixed_dictionaries(required, optional=optional)


def machine_for(target: Target) -> type[TaskLifecycle]:
    """`TaskLifecycle` bound to `target`."""
    return type(f"TaskLifecycle_{target.name}", (TaskLifecycle,), {"target": target})
