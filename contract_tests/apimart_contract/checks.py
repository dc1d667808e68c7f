"""The invariants of the contract, as functions over exchanges, judged by the suite's own `oracle` data.

`Observer` runs the timing-dependent ones (status and progress never going back, the two views agreeing,
results present, buttons matching their labels and their task) on **every** task read the probe makes,
wherever it comes from: the state machine, the waits, the property tests. `drift` notes what the spec
does not name yet. The state machine, the property tests and the self-check call these, so a check proven
to fail on a broken server is the same check that passes on a good one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import oracle
from .coverage import operation_of_action
from .exchange import Exchange, Judge
from .registry import (
    BUTTON_FAMILY,
    BUTTON_JOB_HASH,
    BUTTON_LABEL_MISMATCH,
    CHILD_ACTION,
    CUSTOM_ID_WINS,
    DESCRIBE_PROMPTS,
    ERROR_WITHOUT_CODE,
    GRID_TILES,
    MODAL_FLOW,
    PROGRESS_BACKWARDS,
    RESULTS_MISSING,
    STATUS_BACKWARDS,
    TERMINAL_CHANGED,
    UNKNOWN_ENUM,
    UNKNOWN_FIELD,
    VARY_ACCEPTED,
    VERSION_RULES,
    VIDEO_BATCH,
    VIEWS_DISAGREE,
    WRONG_TASK,
    ZOOM_RATIO,
    Check,
)
from .spec import enum_of, request_properties

__all__ = [
    "Observer",
    "Reading",
    "check_child_action",
    "check_error",
    "check_follow_up_answer",
    "check_forbidden",
    "drift",
    "judge_finished",
    "reading",
]

MJ_VIEW, UNIFIED_VIEW = "GET /v1/midjourney/{task_id}", "GET /v1/tasks/{task_id}"


@dataclass(frozen=True)
class Reading:
    """What one read of a task says about its progress, in one view (`mj` or `unified`)."""

    view: str
    status: str
    progress: int | None

    @property
    def rank(self) -> int | None:
        return (oracle.MJ_RANK if self.view == "mj" else oracle.UNIFIED_RANK).get(self.status)

    @property
    def terminal(self) -> bool:
        return self.status in (oracle.MJ_TERMINAL if self.view == "mj" else oracle.UNIFIED_TERMINAL)

    @property
    def known(self) -> bool:
        return self.rank is not None

    @property
    def unified_status(self) -> str:
        return self.status if self.view == "unified" else oracle.MJ_TO_UNIFIED.get(self.status, self.status)


def reading(exchange: Exchange, view: str) -> Reading:
    """The `Reading` of a 200 task response (the schema was validated already)."""
    task = exchange.body if view == "mj" else exchange.body["data"]
    return Reading(view, task["status"], oracle.progress_of(task.get("progress")))


def check_progression(judge: Judge, exchange: Exchange, before: Reading | None, after: Reading) -> None:
    """Status never moves backwards, a terminal status stays, progress never decreases."""
    if before is None:
        return
    for check in (TERMINAL_CHANGED, STATUS_BACKWARDS, PROGRESS_BACKWARDS):
        judge.judged(check, exchange)
    field = "$.status" if after.view == "mj" else "$.data.status"
    if before.terminal and after.status != before.status:
        raise judge.violation(
            exchange, TERMINAL_CHANGED, field, f"{before.status} (terminal, stays)", after.status
        )
    if before.rank is not None and after.rank is not None and after.rank < before.rank:
        raise judge.violation(exchange, STATUS_BACKWARDS, field, f"{before.status} or later", after.status)
    if before.progress is not None and after.progress is not None and after.progress < before.progress:
        progress_field = "$.progress" if after.view == "mj" else "$.data.progress"
        raise judge.violation(
            exchange,
            PROGRESS_BACKWARDS,
            progress_field,
            f">= {before.progress}% (read before)",
            f"{after.progress}%",
        )


def check_views_agree(
    judge: Judge, mj_before: Reading, unified: Exchange, unified_reading: Reading, mj_after: Reading
) -> None:
    """The unified view, read between two reads of the MJ view, sits between them.

    When both MJ reads agree the unified status must be their mapping exactly; when the task moved on
    between them, any status between the two. FAILURE shows as `failed` or, for a cancelled MODAL task,
    `cancelled`. A status the oracle does not know is drift (noted elsewhere), not judged here.
    """
    if not (mj_before.known and mj_after.known and unified_reading.known):
        return
    judge.judged(VIEWS_DISAGREE, unified)
    low, high = mj_before.unified_status, mj_after.unified_status
    allowed = {low, high}
    if "failed" in allowed:
        allowed.add("cancelled")
    ranks = oracle.UNIFIED_RANK
    if low != high and ranks[low] <= ranks[unified_reading.status] <= ranks[high]:
        allowed.add(unified_reading.status)
    if unified_reading.status not in allowed:
        raise judge.violation(
            unified,
            VIEWS_DISAGREE,
            "$.data.status",
            f"{' or '.join(sorted(allowed))} (the MJ view said {mj_before.status}, then {mj_after.status})",
            unified_reading.status,
        )
    settled = mj_before == mj_after and None not in (mj_before.progress, unified_reading.progress)
    if settled and unified_reading.progress != mj_before.progress:
        raise judge.violation(
            unified,
            VIEWS_DISAGREE,
            "$.data.progress",
            f"{mj_before.progress} (the MJ view's progress, read before and after)",
            unified_reading.progress,
        )


def check_buttons(judge: Judge, exchange: Exchange, owners: dict[str, str]) -> None:
    """Every button's customId is the family its label names (reference 3.3), all of a task's buttons
    name one Midjourney job, and no two tasks share a job. A label the reference does not know is drift."""
    task: dict[str, Any] = exchange.body
    hashes: Counter[str] = Counter()
    if task.get("buttons"):
        for check in (BUTTON_LABEL_MISMATCH, BUTTON_JOB_HASH, BUTTON_FAMILY):
            judge.judged(check, exchange)
    for index, button in enumerate(task.get("buttons") or []):
        label, custom_id = str(button.get("label", "")), str(button["customId"])
        path = f"$.buttons[{index}].customId"
        found = oracle.family_of(label)
        if found is None:
            judge.notice(
                exchange, BUTTON_FAMILY, f"$.buttons[{index}]", "a label of reference 3.3", button, label
            )
        else:
            family, matched = found
            pattern = family.id_pattern(matched)
            if not re.fullmatch(pattern, custom_id):
                raise judge.violation(
                    exchange, BUTTON_LABEL_MISMATCH, path, f"{pattern} (the label {label!r})", custom_id
                )
        job = oracle.job_hash(custom_id)
        if job:
            hashes[job] += 1
    if not hashes:
        return
    own, _ = hashes.most_common(1)[0]
    for index, button in enumerate(task.get("buttons") or []):
        job = oracle.job_hash(str(button["customId"]))
        if job not in (None, own):
            raise judge.violation(
                exchange,
                BUTTON_JOB_HASH,
                f"$.buttons[{index}].customId",
                f"a customId naming this task's job {own} (as its other buttons do)",
                button["customId"],
            )
    owner = owners.setdefault(own, task["id"])
    if owner != task["id"]:
        raise judge.violation(
            exchange,
            BUTTON_JOB_HASH,
            "$.buttons[*].customId",
            f"customIds naming task {task['id']}'s own job",
            f"job {own}, which is task {owner}'s",
        )


def check_results(judge: Judge, mj: Exchange) -> None:
    """A SUCCESS task of a known action holds what the action gives (`oracle.RESULTS`): its images (a
    grid's distinct tiles), its four numbered prompts, its videos."""
    task: dict[str, Any] = mj.body
    holds = oracle.RESULTS.get(str(task.get("action")))
    kind = operation_of_action(str(task.get("action")))
    if holds is None or kind is None:
        return
    images, videos = task.get("image_urls") or [], task.get("video_urls") or []
    missing = [
        *([] if len(images) in oracle.images_allowed(holds) else ["$.image_urls"]),
        *(["$.grid_image_url"] if holds.grid and not task.get("grid_image_url") else []),
        *(["$.description"] if holds.prompts and not (task.get("description") or task.get("prompt")) else []),
        *(["$.video_urls"] if holds.videos and not (videos and task.get("video_url")) else []),
    ]
    judge.judged(RESULTS_MISSING, kind, not missing)
    if missing:
        raise judge.violation(
            mj, RESULTS_MISSING, missing[0], f"a finished {task['action']} task: {holds}", task
        )
    if holds.grid:
        _check_tiles(judge, mj, kind)
    if holds.prompts:
        _check_prompts(judge, mj, kind)


def _check_tiles(judge: Judge, mj: Exchange, kind: str) -> None:
    """The tiles of a grid: distinct, and none the composite itself (reference 2.2, "the cropped tiles")."""
    task: dict[str, Any] = mj.body
    tiles = list(task.get("image_urls") or [])
    distinct = len(set(tiles)) == len(tiles) and task.get("grid_image_url") not in tiles
    judge.judged(GRID_TILES, kind, distinct)
    if not distinct:
        raise judge.violation(
            mj, GRID_TILES, "$.image_urls", "distinct tile URLs, none the grid_image_url", tiles
        )


def _check_prompts(judge: Judge, mj: Exchange, kind: str) -> None:
    """A describe: four prompts numbered 1️⃣ to 4️⃣, `prompt` the same text when present, and no images
    (reference 2.2, the describe example)."""
    task: dict[str, Any] = mj.body
    text = str(task.get("description") or task.get("prompt"))
    lines = text.splitlines()
    numbered = len(lines) == 4 and all(
        line.startswith(n) for line, n in zip(lines, oracle.NUMBERS, strict=False)
    )
    same = task.get("prompt") in (None, "", text)
    images = [key for key in ("image_urls", "grid_image_url") if task.get(key)]
    field = (
        "$.description" if not numbered else "$.prompt" if not same else f"$.{images[0]}" if images else ""
    )
    judge.judged(DESCRIBE_PROMPTS, kind, not field)
    if field:
        raise judge.violation(
            mj, DESCRIBE_PROMPTS, field, "four prompts 1️⃣-4️⃣ in description (prompt the same), no images", task
        )


def judge_finished(judge: Judge, mj: Exchange, action: str, inputs: dict[str, Any]) -> None:
    """Judge a finished task's Midjourney view (`mj`, a 200 read) by the submit that made it: `action`
    (the endpoint's, `apimart_mj`'s: `IMAGINE`, `UPSCALE`, `MODAL`, ...) and the `inputs` it was sent.

    Its action (the endpoint's, a pressed customId's, `custom_id` winning over index), `/modal` keeping
    the inpaint task's id, what the result holds (`check_results`, also judged on every read), and a
    video's count per `batch_size`. A FAILURE is judged for its action only."""
    task: dict[str, Any] = mj.body
    check_child_action(judge, mj, action, inputs)
    if action == "MODAL":
        judge.judged(MODAL_FLOW, operation_of_action("MODAL") or mj, task["id"] == inputs.get("task_id"))
        if task["id"] != inputs.get("task_id"):
            raise judge.violation(
                mj, MODAL_FLOW, "$.id", f"the inpaint task {inputs.get('task_id')}", task["id"]
            )
    if task.get("status") != "SUCCESS":
        return
    check_results(judge, mj)
    if action == "VIDEO":
        videos, wanted = list(task.get("video_urls") or []), oracle.batch_of(inputs)
        ok = len(videos) == wanted and task.get("video_url") == videos[0]
        judge.judged(VIDEO_BATCH, operation_of_action("VIDEO") or mj, ok)  # the rule is the submit's
        if not ok:
            raise judge.violation(
                mj, VIDEO_BATCH, "$.video_urls", f"{wanted} videos (batch_size), video_url the first", task
            )


def check_child_action(judge: Judge, mj: Exchange, action: str, inputs: dict[str, Any]) -> None:
    """A task read (any status) has the action its submit gives (`oracle.child_action`): `custom-id-wins`
    judges a follow-up sent a custom_id beside auto-matching inputs, `child-action` any other."""
    expected = oracle.child_action(action, inputs)
    received = mj.body.get("action")
    kind = operation_of_action(action if action != "MODAL" else "INPAINT")
    if expected is None or kind is None or received not in enum_of("TaskAction"):
        return  # an action the spec does not name is drift (`drift` notes it), not a wrong one
    both = "custom_id" in inputs and any(key in inputs for key in oracle.AUTO_INPUTS)
    check = CUSTOM_ID_WINS if both else CHILD_ACTION
    judge.judged(check, kind, received == expected)
    if received != expected:
        raise judge.violation(mj, check, "$.action", expected, received)


def check_follow_up_answer(
    judge: Judge,
    submitted: Exchange,
    action: str,
    inputs: dict[str, Any],
    parent: dict[str, Any],
    version: str | None = None,
) -> bool:
    """The rules that say whether a follow-up of `action` (its endpoint's) with `inputs` on the finished
    task `parent` (its Midjourney view) is taken or refused: the version rules (`version`: the parent's,
    when the suite made it, `oracle.version_of_request`; else its prompt's flag, and without one they are
    not judged), the zoom ratios, high/low variation on a grid or an
    upscale. Only the rules that decide the answer are judged; a 402 or 429 says nothing of them.

    True when a rule refuses it (and the answer is that rule's 400): nothing was created."""
    if submitted.status not in (200, 400):
        return False
    pressed = oracle.child_action(action, inputs)
    by_custom_id = "custom_id" in inputs
    upscaled = parent.get("action") == "UPSCALE"
    holds = oracle.RESULTS.get(str(parent.get("action")))
    grid = holds is not None and holds.grid
    version = version or oracle.version_of_task(parent)  # unknown: the version rules are not judged
    rules: list[tuple[Check, bool, str]] = []
    allows = None if version is None else oracle.version_allows(str(pressed), version)
    takeable = (
        (by_custom_id or upscaled)  # pan by direction needs an upscaled parent
        if pressed == "PAN"
        else grid and not upscaled and inputs.get("index") in (1, 2, 3, 4)  # remix: one image of a grid
    )
    if allows is False or (allows and takeable):
        rules.append(
            (VERSION_RULES, allows, f"{str(pressed).lower()} on a v{version} {parent.get('action')} task")
        )
    if action == "ZOOM" and not by_custom_id:
        ratio = inputs.get("zoom_ratio")
        valid = oracle.zoom_ratio_valid(ratio)
        if upscaled or not valid:
            rules.append((ZOOM_RATIO, valid, f"zoom_ratio {ratio} on a {parent.get('action')} task"))
    varies = action in oracle.VARIES_ANY and not by_custom_id and inputs.get("index") in (1, 2, 3, 4)
    if varies and (upscaled or grid):
        rules.append((VARY_ACCEPTED, True, f"index {inputs['index']} on a {parent.get('action')} task"))
    refused = submitted.status == 400
    for check, allowed, why in rules:
        judge.judged(check, submitted, allowed != refused)
        if allowed == refused:
            expected = f"HTTP 200 ({why})" if allowed else f"HTTP 400 invalid_request_error ({why})"
            raise judge.violation(
                submitted, check, "$", expected, f"HTTP {submitted.status}: {submitted.body}"
            )
        if not allowed:
            check_error(judge, submitted, 400, "invalid_request_error", check)
    return refused and not all(allowed for _, allowed, _ in rules)


def check_result_urls(judge: Judge, unified: Exchange, mj_task: dict[str, Any]) -> None:
    """A completed unified view shows the same URLs as the MJ view's SUCCESS."""
    data: dict[str, Any] = unified.body["data"]
    urls = mj_task.get("image_urls") or mj_task.get("video_urls") or []
    kind = "videos" if mj_task.get("video_urls") else "images"
    shown = [u for item in (data.get("result") or {}).get(kind, []) for u in _urls(item)]
    judge.judged(VIEWS_DISAGREE, unified)
    if sorted(shown) != sorted(urls):
        raise judge.violation(
            unified, VIEWS_DISAGREE, f"$.data.result.{kind}", f"the MJ view's {urls}", shown
        )


def _urls(item: dict[str, Any]) -> list[str]:
    url = item.get("url")
    return [url] if isinstance(url, str) else list(url or [])


@dataclass
class _Seen:
    mj: Reading | None = None
    unified: Reading | None = None
    mj_body: dict[str, Any] | None = None
    pending: tuple[Reading, Exchange, Reading] | None = None
    """(MJ reading before, unified exchange, its reading): judged at the next MJ read."""


@dataclass
class Observer:
    """Every 200 task read of one target, judged against the reads of the same task before it."""

    tasks: dict[str, _Seen] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    """Midjourney job hash -> the task it belongs to."""

    def last(self, task_id: str) -> _Seen:
        return self.tasks.setdefault(task_id, _Seen())

    def observe(self, judge: Judge, exchange: Exchange) -> None:
        if exchange.status != 200 or exchange.operation not in (MJ_VIEW, UNIFIED_VIEW):
            return
        asked = exchange.response.request.url.path.rsplit("/", 1)[1]
        mj = exchange.operation == MJ_VIEW
        task = exchange.body if mj else exchange.body["data"]
        judge.judged(WRONG_TASK, exchange)
        if task["id"] != asked:
            raise judge.violation(exchange, WRONG_TASK, "$.id" if mj else "$.data.id", asked, task["id"])
        seen = self.last(asked)
        now = reading(exchange, "mj" if mj else "unified")
        if mj:
            check_progression(judge, exchange, seen.mj, now)
            if seen.pending is not None:
                before, unified, between = seen.pending
                seen.pending = None
                check_views_agree(judge, before, unified, between, now)
            seen.mj, seen.mj_body = now, exchange.body
            check_buttons(judge, exchange, self.owners)
            if now.status == "SUCCESS":
                check_results(judge, exchange)
        else:
            check_progression(judge, exchange, seen.unified, now)
            seen.unified = now
            if seen.mj is not None:
                seen.pending = (seen.mj, exchange, now)
            if now.status == "completed" and seen.mj is not None and seen.mj.status == "SUCCESS":
                assert seen.mj_body is not None
                check_result_urls(judge, exchange, seen.mj_body)


def drift(judge: Judge, exchange: Exchange) -> None:
    """Drift notices: fields and enum values of a task the spec does not name, error envelopes without
    `code`."""
    body = exchange.body
    if not isinstance(body, dict):
        return
    if exchange.status >= 400 and isinstance(body.get("error"), dict):
        judge.judged(ERROR_WITHOUT_CODE, exchange)
    if exchange.status >= 400 and isinstance(body.get("error"), dict) and "code" not in body["error"]:
        judge.notice(
            exchange, ERROR_WITHOUT_CODE, "$.error.code", "the HTTP status", body, exchange.operation
        )
    if exchange.status != 200 or exchange.operation not in (MJ_VIEW, UNIFIED_VIEW):
        return
    mj = exchange.operation == MJ_VIEW
    task, prefix = (body, "$") if mj else (body.get("data") or {}, "$.data")
    known = _fields("MidjourneyTask" if mj else "UnifiedTask")
    judge.judged(UNKNOWN_FIELD, exchange)
    judge.judged(UNKNOWN_ENUM, exchange)
    for name in sorted(set(task) - known):
        judge.notice(exchange, UNKNOWN_FIELD, f"{prefix}.{name}", "a field of the spec", task[name], name)
    statuses = enum_of("MidjourneyTaskStatus" if mj else "UnifiedTaskStatus")
    values = [("status", statuses), *([("action", enum_of("TaskAction"))] if mj else [])]
    for name, allowed in values:
        value = task.get(name)
        if isinstance(value, str) and value not in allowed:
            judge.notice(
                exchange, UNKNOWN_ENUM, f"{prefix}.{name}", f"one of {sorted(allowed)}", value, value
            )


@cache
def _fields(schema: str) -> frozenset[str]:
    return frozenset(request_properties(schema))


def check_error(judge: Judge, exchange: Exchange, status: int, error_type: str, check: Check) -> None:
    """`exchange` is a `status` answer with the `{"error": {"type": error_type}}` envelope."""
    body = exchange.body
    judge.judged(check, exchange)
    received_type = body.get("error", {}).get("type") if isinstance(body, dict) else None
    if exchange.status != status or received_type != error_type:
        raise judge.violation(
            exchange,
            check,
            "$.error.type",
            f"HTTP {status} with error type {error_type}",
            f"HTTP {exchange.status}: {exchange.response.text[:200]}",
        )


def check_forbidden(judge: Judge, exchange: Exchange, task: dict[str, Any], check: Check) -> None:
    """Another account's request: 403 `permission_error`, and nothing of the task in the body: no prompt,
    result URL, description or button of it. A field the spec does not name (a request id, say) is no
    leak; task data is."""
    check_error(judge, exchange, 403, "permission_error", check)
    candidates = (
        task.get("prompt_en"),
        task.get("prompt"),
        task.get("description"),
        task.get("grid_image_url"),
        task.get("video_url"),
        *(task.get("image_urls") or []),
        *(task.get("video_urls") or []),
        *(str(button.get("customId")) for button in task.get("buttons") or [] if isinstance(button, dict)),
    )
    # Only values distinctive enough that finding them is no coincidence (a prompt "0" is in "403").
    leaked = [v for v in candidates if isinstance(v, str) and len(v) >= 12 and v in exchange.response.text]
    if leaked:
        raise judge.violation(exchange, check, "$", "nothing of the task", f"also: {leaked[:3]}")
