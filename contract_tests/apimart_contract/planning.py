"""The paid phase, planned: which tasks a run submits, chosen to cover the most unexercised rules per
submit within the spend budget.

`STEPS` is every paid flow as a tree: a step submits one operation, on the task of its parent step (an
upscale needs an imagine first: 2 submits; inpaint then /modal: 4). A step either creates a task (it
costs one submit and exercises the rules `claims` names: the submit's answer, the finished task's
content, the child's action, auto-matching, the modal flow) or is a refusal the reference documents
(remix of a v6.1 grid, pan of a v8.1 image: 400, nothing created, nothing spent; it only needs its
parent). `plan` picks steps greedily: the path whose new rules, weighed by how long ago the ledger
(`--state`) saw them, are most per submit it adds, until the budget is spent. `rotation` plays the plan
run after run on a fresh ledger: every rule the steps claim is covered within that many runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from apimart_mj import Result, by_name

from .coverage import Rule, rules
from .ledger import Ledger
from .registry import (
    AUTO_MATCHING,
    BUTTON_FAMILY,
    BUTTON_JOB_HASH,
    BUTTON_LABEL_MISMATCH,
    CHILD_ACTION,
    MODAL_FLOW,
    PROGRESS_BACKWARDS,
    REQUEST_REFUSED,
    RESULTS_MISSING,
    SCHEMA,
    STATUS_BACKWARDS,
    TASK_STUCK,
    TERMINAL_CHANGED,
    UNKNOWN_ENUM,
    UNKNOWN_FIELD,
    VERSION_RULES,
    VIEWS_DISAGREE,
    WRONG_TASK,
    Check,
)
from .spec import operation_for

__all__ = ["STEPS", "Plan", "Step", "plan", "promise", "reachable", "rotation"]

_GENERATIONS = "/v1/midjourney/generations"
_READ_CHECKS = (
    SCHEMA,
    STATUS_BACKWARDS,
    TERMINAL_CHANGED,
    PROGRESS_BACKWARDS,
    VIEWS_DISAGREE,
    TASK_STUCK,
    WRONG_TASK,
    UNKNOWN_FIELD,
    UNKNOWN_ENUM,
)
"""What polling any task to its end judges, in both views."""
_BUTTON_CHECKS = (BUTTON_LABEL_MISMATCH, BUTTON_JOB_HASH, BUTTON_FAMILY)
_READS = ("GET /v1/midjourney/{task_id}", "GET /v1/tasks/{task_id}")


@dataclass(frozen=True)
class Step:
    """One submit of a paid flow: `operation` (by its name in `apimart_mj`) on the task of `parent`."""

    name: str
    operation: str
    body: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    refusal: Check | None = None
    """The check a documented 400 to this request exercises (nothing created, nothing spent); None: the
    request creates a task."""
    path: str = ""
    """Where it is sent (default: the operation's canonical route)."""

    @property
    def route(self) -> str:
        return self.path or by_name(self.operation).route.path

    @property
    def label(self) -> str:
        found = operation_for("POST", self.route)
        assert found is not None, self.route
        return found.label

    @property
    def cost(self) -> int:
        return 0 if self.refusal else 1

    @property
    def waits(self) -> bool:
        """Whether the runner waits for its task to end (an inpaint waits in MODAL for its /modal)."""
        return self.refusal is None and by_name(self.operation).result is not Result.MODAL

    def claims(self) -> frozenset[Rule]:
        """The rules this step exercises on a target that honours the contract."""
        label, operation = self.label, by_name(self.operation)
        if self.refusal is not None:
            found = {(SCHEMA, label), (self.refusal, label)}
        else:
            found = {(SCHEMA, label), (REQUEST_REFUSED, label)}
            found |= {(check, read) for check in _READ_CHECKS for read in _READS}
            if operation.parent.value == "button" and self.operation != "modal":
                found |= {(CHILD_ACTION, label), (AUTO_MATCHING, label)}
            elif self.parent is not None and self.operation != "modal":
                found.add((CHILD_ACTION, label))
            if operation.result in (Result.GRID, Result.SINGLE):
                found |= {(check, _READS[0]) for check in _BUTTON_CHECKS}
            if self.operation in ("inpaint", "modal"):
                found.add((MODAL_FLOW, label))
            finished = "inpaint" if self.operation == "modal" else self.operation  # /modal ends the inpaint
            if self.waits:
                found.add((RESULTS_MISSING, _label_of(finished)))
        known = set(rules())
        return frozenset(rule for rule in ((c.name, op) for c, op in found) if rule in known)


def _label_of(operation: str) -> str:
    return Step(operation, operation).label


_PROMPT = "a lighthouse at dusk"
_STEPS = (
    # The version in the prompt's flag, as a task given by id shows it (`oracle.version_of_prompt`).
    Step("grid", "imagine", {"prompt": f"{_PROMPT} --v 6.1"}, path=_GENERATIONS),
    Step("grid-8.1", "imagine", {"prompt": f"{_PROMPT} --v 8.1"}),
    Step("blend", "blend", {"image_urls": ["https://example.com/a.png", "https://example.com/b.png"]}),
    Step("describe", "describe", {"image_urls": ["https://example.com/photo.png"]}),
    Step(
        "edits", "edits", {"prompt": "make the sky a sunset", "image_urls": ["https://example.com/photo.png"]}
    ),
    Step("upscale", "upscale", {"index": 1}, "grid"),
    Step("variation", "variation", {"index": 2}, "grid"),
    Step("high-variation", "high_variation", {"index": 3}, "grid"),
    Step("low-variation", "low_variation", {"index": 4}, "grid"),
    Step("reroll", "reroll", {}, "grid"),
    Step("video", "video", {"index": 1, "prompt": "the waves roll in slowly"}, "grid"),
    Step("remix-strong", "remix_strong", {"index": 1, "prompt": "in winter"}, "grid-8.1"),
    Step("remix-subtle", "remix_subtle", {"index": 2, "prompt": "in winter"}, "grid-8.1"),
    Step("remix-strong-of-6.1", "remix_strong", {"index": 1, "prompt": "in winter"}, "grid", VERSION_RULES),
    Step("remix-subtle-of-6.1", "remix_subtle", {"index": 1, "prompt": "in winter"}, "grid", VERSION_RULES),
    Step("zoom", "zoom", {"zoom_ratio": 2}, "upscale"),
    Step("pan", "pan", {"direction": "left"}, "upscale"),
    Step("inpaint", "inpaint", {}, "upscale"),
    Step(
        "modal", "modal", {"prompt": "a red balloon", "mask_url": "https://example.com/mask.png"}, "inpaint"
    ),
    Step("upscale-8.1", "upscale", {"index": 1}, "grid-8.1"),
    Step("pan-of-8.1", "pan", {"direction": "left"}, "upscale-8.1", VERSION_RULES),
)
STEPS = {step.name: step for step in _STEPS}
"""Every step of the paid flows, parents before children."""


def _path(name: str) -> list[Step]:
    """`name`'s step and its ancestors, root first."""
    found: list[Step] = []
    step: Step | None = STEPS[name]
    while step is not None:
        found.insert(0, step)
        step = STEPS[step.parent] if step.parent else None
    return found


@dataclass(frozen=True)
class Plan:
    """The steps a run takes, in the order to take them (parents first; a refusal right after its
    parent, while there is still budget to reserve for it), and the rules they claim."""

    steps: tuple[Step, ...]
    budget: int

    @property
    def cost(self) -> int:
        return sum(step.cost for step in self.steps)

    def claims(self) -> frozenset[Rule]:
        return frozenset(rule for step in self.steps for rule in step.claims())


def plan(budget: int, last: dict[Rule, int] | None = None, runs: int = 0) -> Plan:
    """The steps covering the most rules per submit within `budget`. A rule's weight grows with the runs
    since the ledger last saw it exercised (`last`: rule -> run; `runs`: runs so far), by a factor of
    the number of rules per run: one rule left out longer outweighs every rule seen more recently."""
    last = last or {}
    base = len(rules()) + 1

    def weight(rule: Rule) -> int:
        age: int = runs + 1 - last.get(rule, 0)
        return int(base**age)

    chosen: list[Step] = []
    covered: set[Rule] = set()
    left = budget
    while True:
        best: tuple[Fraction, list[Step]] | None = None
        for name in STEPS:
            new = [step for step in _path(name) if step not in chosen]
            cost = sum(step.cost for step in new)
            gained = {rule for step in new for rule in step.claims()} - covered
            if not new or not gained or cost > left or not _reservable(chosen, new, budget):
                continue
            score = Fraction(sum(map(weight, gained)), max(cost, 1)) * (1 if cost else base)
            if best is None or score > best[0]:
                best = (score, new)
        if best is None:
            return Plan(tuple(_ordered(chosen)), budget)
        chosen += best[1]
        covered |= {rule for step in best[1] for rule in step.claims()}
        left -= sum(step.cost for step in best[1])


def _ordered(steps: list[Step]) -> list[Step]:
    """Parents first; among the steps a parent enables, refusals first (each reserves a unit of the
    budget while it is sent, so it goes while one is left)."""
    done: list[Step] = []
    pending = list(steps)
    while pending:
        ready = [s for s in pending if s.parent is None or STEPS[s.parent] in done]
        step = min(ready, key=lambda s: (s.refusal is None, pending.index(s)))
        done.append(step)
        pending.remove(step)
    return done


def _reservable(chosen: list[Step], new: list[Step], budget: int) -> bool:
    """Whether every refusal of the steps, in their order, is sent while a unit of budget is left."""
    spent = 0
    for step in _ordered(chosen + new):
        if step.refusal is not None and spent >= budget:
            return False
        spent += step.cost
    return True


def reachable(budget: int) -> frozenset[Rule]:
    """The rules some plan within `budget` claims."""
    return frozenset(
        rule
        for name in STEPS
        if sum(step.cost for step in _path(name)) <= budget and _reservable([], _path(name), budget)
        for rule in STEPS[name].claims()
    )


def rotation(budget: int, last: dict[Rule, int] | None = None, runs: int = 0) -> list[Plan]:
    """The plans of the runs from the ledger's state (`last`, `runs`) until every rule a plan within
    `budget` can claim has been claimed, each run's claims recorded as exercised: the runs to full
    coverage (empty when nothing can be spent)."""
    last = dict(last or {})
    wanted = set(reachable(budget))
    plans: list[Plan] = []
    while wanted and budget > 0:
        runs += 1
        planned = plan(budget, last, runs - 1)
        if not wanted & planned.claims():
            break  # no progress: never loop
        plans.append(planned)
        last.update(dict.fromkeys(planned.claims(), runs))
        wanted -= planned.claims()
    return plans


def promise(budget: int, exercised: set[Rule], ledger: Ledger | None) -> str:
    """What the paid phase promises at `budget`, what this run covered of it and (with a ledger) what
    no run has covered yet: the report's rotation line."""
    if budget <= 0:
        return "paid rules not exercised: spending not allowed (--allow-spend, --spend-budget)"
    wanted, plans = reachable(budget), rotation(budget)
    covered = frozenset().union(*(p.claims() for p in plans))
    every = "every rule is" if covered == wanted else f"{len(covered)} rules are"
    line = (
        f"{every} covered within {len(plans)} runs at a budget of {budget} "
        f"({len(wanted)} rules the planned flows reach, rotating with --state); "
        f"this run covered {len(wanted & exercised)} of them"
    )
    beyond = reachable(max(sum(s.cost for s in _path(name)) for name in STEPS)) - wanted
    if beyond:
        line += f"; {len(beyond)} more need a larger budget"
    if ledger is None:
        return line + "; without --state every run plans the same"
    remaining = wanted - set(ledger.last)
    return line + f"; {len(remaining)} not yet covered in {ledger.runs} runs of the ledger"
