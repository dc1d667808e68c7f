"""The invariants of the contract, as functions over exchanges that raise `ContractViolation`.

The state machine, the property tests and the self-check against broken servers all call these, so a
check proven to fail on a broken server is the same check that passes on a good one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from apimart_mj import (
    MJ_STATUS_RANK,
    MJ_TERMINAL,
    UNIFIED_STATUS_RANK,
    UNIFIED_TERMINAL,
    CustomId,
    InvalidCustomId,
    InvalidProgress,
    Result,
    parse_progress,
    to_unified,
)

from .probe import Exchange, Probe

__all__ = [
    "JobRegistry",
    "Reading",
    "check_buttons",
    "check_error",
    "check_forbidden",
    "check_progression",
    "check_results",
    "check_views_agree",
    "reading",
]


@dataclass(frozen=True)
class Reading:
    """What one read of a task says about its progress, in one view (`mj` or `unified`)."""

    view: str
    status: str
    progress: int | None

    @property
    def rank(self) -> int | None:
        ranks = MJ_STATUS_RANK if self.view == "mj" else UNIFIED_STATUS_RANK
        return ranks.get(self.status)

    @property
    def terminal(self) -> bool:
        return self.status in (MJ_TERMINAL if self.view == "mj" else UNIFIED_TERMINAL)

    @property
    def unified_status(self) -> str:
        return self.status if self.view == "unified" else to_unified(self.status)


def reading(probe: Probe, exchange: Exchange, view: str) -> Reading:
    """The `Reading` of a 200 task response (the schema was validated already)."""
    task = exchange.body if view == "mj" else exchange.body["data"]
    raw = task.get("progress")
    try:
        progress = None if raw is None else parse_progress(raw)
    except InvalidProgress:
        raise probe.violation(exchange, "progress", "$.progress", "a percentage from 0 to 100", raw) from None
    return Reading(view, task["status"], progress)


def check_progression(probe: Probe, exchange: Exchange, before: Reading | None, after: Reading) -> None:
    """Status never moves backwards, a terminal status stays, progress never decreases."""
    if before is None:
        return
    field = "$.status" if after.view == "mj" else "$.data.status"
    if before.terminal and after.status != before.status:
        raise probe.violation(
            exchange, "terminal-changed", field, f"{before.status} (terminal, stays)", after.status
        )
    if before.rank is not None and after.rank is not None and after.rank < before.rank:
        raise probe.violation(exchange, "status-backwards", field, f"{before.status} or later", after.status)
    if before.progress is not None and after.progress is not None and after.progress < before.progress:
        progress_field = "$.progress" if after.view == "mj" else "$.data.progress"
        raise probe.violation(
            exchange,
            "progress-backwards",
            progress_field,
            f">= {before.progress}% (read before)",
            f"{after.progress}%",
        )


def check_views_agree(
    probe: Probe, mj_before: Reading, unified: Exchange, unified_reading: Reading, mj_after: Reading
) -> None:
    """The unified view, read between two reads of the MJ view, sits between them.

    On a frozen clock the three reads see one state and must agree exactly; on a running one the task
    may move on between reads, so the unified status may be any status between the two MJ readings.
    FAILURE shows as `failed` or, for a cancelled MODAL task, `cancelled`.
    """
    low, high = mj_before.unified_status, mj_after.unified_status
    allowed = {low, high}
    if "failed" in allowed:
        allowed.add("cancelled")
    ranks = UNIFIED_STATUS_RANK
    between = low in ranks and high in ranks and unified_reading.status in ranks and low != high
    if between and ranks[low] <= ranks[unified_reading.status] <= ranks[high]:
        allowed.add(unified_reading.status)
    if unified_reading.status not in allowed:
        raise probe.violation(
            unified,
            "views-disagree",
            "$.data.status",
            f"{' or '.join(sorted(allowed))} (the MJ view said {mj_before.status}, then {mj_after.status})",
            unified_reading.status,
        )
    settled = mj_before == mj_after and None not in (mj_before.progress, unified_reading.progress)
    if settled and unified_reading.progress != mj_before.progress:
        raise probe.violation(
            unified,
            "views-disagree",
            "$.data.progress",
            f"{mj_before.progress} (the MJ view's progress, read before and after)",
            unified_reading.progress,
        )


@dataclass
class JobRegistry:
    """Which task each Midjourney job hash belongs to: a job hash names exactly one task."""

    owners: dict[str, str] = field(default_factory=dict)


def check_buttons(probe: Probe, exchange: Exchange, registry: JobRegistry) -> list[CustomId]:
    """Every button parses, formats back to the same string and names the task's own job."""
    task: dict[str, Any] = exchange.body
    parsed: list[tuple[int, CustomId]] = []
    for index, button in enumerate(task.get("buttons") or []):
        text = button["customId"]
        path = f"$.buttons[{index}].customId"
        try:
            custom_id = CustomId.parse(text)
        except InvalidCustomId as exc:
            raise probe.violation(
                exchange, "button-custom-id", path, "a customId of a known family", text
            ) from exc
        if str(custom_id) != text:
            raise probe.violation(exchange, "button-round-trip", path, text, str(custom_id))
        parsed.append((index, custom_id))
    hashes = Counter(c.job_hash for _, c in parsed if c.job_hash)
    if not hashes:
        return [c for _, c in parsed]
    own, _ = hashes.most_common(1)[0]
    for index, custom_id in parsed:
        if custom_id.job_hash not in (None, own):
            raise probe.violation(
                exchange,
                "button-job-hash",
                f"$.buttons[{index}].customId",
                f"a customId naming this task's job {own} (as its other buttons do)",
                str(custom_id),
            )
    owner = registry.owners.setdefault(own, task["id"])
    if owner != task["id"]:
        raise probe.violation(
            exchange,
            "button-job-hash",
            "$.buttons[*].customId",
            f"customIds naming task {task['id']}'s own job",
            f"job {own}, which is task {owner}'s",
        )
    return [c for _, c in parsed]


def check_error(probe: Probe, exchange: Exchange, status: int, error_type: str, check: str) -> None:
    """`exchange` is a `status` answer with the `{"error": {"type": error_type}}` envelope."""
    body = exchange.body
    received_type = body.get("error", {}).get("type") if isinstance(body, dict) else None
    if exchange.status != status or received_type != error_type:
        raise probe.violation(
            exchange,
            check,
            "$.error.type",
            f"HTTP {status} with error type {error_type}",
            f"HTTP {exchange.status}: {exchange.response.text[:200]}",
        )


def check_forbidden(probe: Probe, exchange: Exchange, task: dict[str, Any]) -> None:
    """Another account's read: 403 `permission_error`, and nothing of the task in the body."""
    check_error(probe, exchange, 403, "permission_error", "foreign-task-readable")
    leaked = [key for key in exchange.body if key != "error"]
    # Only values distinctive enough that finding them is no coincidence (a prompt "0" is in "403").
    candidates = (
        task.get("prompt_en"),
        task.get("prompt"),
        task.get("grid_image_url"),
        *(task.get("image_urls") or []),
    )
    secrets = [v for v in candidates if isinstance(v, str) and len(v) >= 12]
    leaked += [value for value in secrets if value in exchange.response.text]
    if leaked:
        raise probe.violation(
            exchange, "foreign-task-leaked", "$", "only the error envelope", f"also: {leaked[:3]}"
        )


def check_results(probe: Probe, mj: Exchange, unified: Exchange, result: Result) -> None:
    """A finished task shows what its operation gives, in both views (the reference, section 2.2):
    a grid 4 image URLs (3 after moderation) and a grid image; an upscale 1; a describe its four prompts
    in `description`; a video `video_url` and `video_urls`; and the unified view the same URLs."""
    task: dict[str, Any] = mj.body
    data: dict[str, Any] = unified.body["data"] if isinstance(unified.body, dict) else {}
    images, videos = task.get("image_urls") or [], task.get("video_urls") or []
    expected = {
        Result.GRID: (
            "$.image_urls",
            3 <= len(images) <= 4 and bool(task.get("grid_image_url")),
            "3-4 image URLs and a grid",
        ),
        Result.SINGLE: ("$.image_urls", len(images) == 1, "one image URL"),
        Result.TEXT: (
            "$.description",
            len(str(task.get("description") or task.get("prompt") or "").splitlines()) == 4,
            "four prompts",
        ),
        Result.VIDEO: (
            "$.video_urls",
            bool(videos) and task.get("video_url") == videos[0],
            "video_url and video_urls",
        ),
    }
    field, ok, wanted = expected[result]
    if not ok:
        raise probe.violation(mj, "results-missing", field, f"a finished {result} task: {wanted}", task)
    if data.get("status") != "completed":
        return  # read before the MJ view saw it finish: nothing to compare yet
    urls = images or videos
    shown = [
        u
        for item in (data.get("result") or {}).get("videos" if videos else "images", [])
        for u in _urls(item)
    ]
    if urls and sorted(shown) != sorted(urls):
        raise probe.violation(unified, "views-disagree", "$.data.result", f"the MJ view's URLs {urls}", shown)


def _urls(item: dict[str, Any]) -> list[str]:
    url = item.get("url")
    return [url] if isinstance(url, str) else list(url or [])
