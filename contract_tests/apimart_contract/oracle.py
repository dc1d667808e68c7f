"""What the contract says, as data written from the API reference (`apimart-api.md`) and the project's
decisions (`docs/decisions.md`): the suite's own copy, never the code the mock builds its answers with.

- `MJ_TO_UNIFIED`, `MJ_RANK`, `UNIFIED_RANK`, `*_TERMINAL`: the two views' statuses (decisions, Statuses).
- `RESULTS`: what a finished task of each action holds (reference 2.2, decisions "the rest").
- `BUTTONS`: the customId family each button label names (reference 3.2-3.3, decisions "grid buttons").
- `AUTO_MATCH`: which labelled button a follow-up without `custom_id` presses (reference 3.4, decisions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AUTO_MATCH",
    "BUTTONS",
    "MJ_RANK",
    "MJ_TERMINAL",
    "MJ_TO_UNIFIED",
    "REQUIRES_UPSCALED",
    "RESULTS",
    "UNIFIED_RANK",
    "UNIFIED_TERMINAL",
    "ButtonFamily",
    "expected_press",
    "family_of",
    "progress_of",
    "refusal_allowed",
    "version_of_prompt",
]

# ---- statuses ----
MJ_TO_UNIFIED = {
    "NOT_START": "pending",
    "SUBMITTED": "pending",
    "MODAL": "pending",
    "IN_PROGRESS": "processing",
    "SUCCESS": "completed",
    "FAILURE": "failed",  # or `cancelled`: a MODAL task left 30 minutes
}
MJ_TERMINAL = frozenset({"SUCCESS", "FAILURE"})
UNIFIED_TERMINAL = frozenset({"completed", "failed", "cancelled"})
MJ_RANK = {"NOT_START": 0, "MODAL": 1, "SUBMITTED": 2, "IN_PROGRESS": 3, "SUCCESS": 4, "FAILURE": 4}
"""The flow NOT_START -> SUBMITTED -> IN_PROGRESS -> SUCCESS/FAILURE; an inpaint waits in MODAL before
the SUBMITTED its /modal call starts."""
UNIFIED_RANK = {"pending": 0, "processing": 1, "completed": 2, "failed": 2, "cancelled": 2}

_PERCENT = re.compile(r"^(\d{1,3})%?$")


def progress_of(value: Any) -> int | None:
    """`"45%"` (MJ view) or `45` (unified view) as a number; None when absent or not a percentage
    (the schema check reports a malformed one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    found = _PERCENT.match(value) if isinstance(value, str) else None
    return int(found[1]) if found else None


# ---- results of a finished task ----
GRID, SINGLE, TEXT, VIDEO = "grid", "single", "text", "video"
RESULTS = {
    **dict.fromkeys(
        ("IMAGINE", "BLEND", "EDITS", "VARIATION", "HIGH_VARIATION", "LOW_VARIATION", "REROLL", "ZOOM"), GRID
    ),
    **dict.fromkeys(("PAN", "INPAINT", "MODAL", "REMIX_STRONG", "REMIX_SUBTLE"), GRID),
    "UPSCALE": SINGLE,
    "DESCRIBE": TEXT,
    "VIDEO": VIDEO,
}
"""Action -> what its SUCCESS holds: a grid 3-4 `image_urls` (one may be removed by moderation) and a
`grid_image_url`; an upscale one image URL; a describe four prompts in `description` (or `prompt`); a
video `video_url` and `video_urls`."""


# ---- buttons ----
_HASH = r"(?P<hash>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


@dataclass(frozen=True)
class ButtonFamily:
    """Labels (a regex) and the customId they must carry (a regex; `{n}` is the label's number)."""

    label: str
    custom_id: str
    action: str
    """The follow-up endpoint pressing it creates a task of."""

    def label_match(self, label: str) -> re.Match[str] | None:
        return re.fullmatch(self.label, label)

    def id_pattern(self, label_match: re.Match[str]) -> str:
        groups = label_match.groupdict()
        return self.custom_id.replace("{n}", groups.get("n") or r"\d").replace("{hash}", _HASH)


_ARROWS = {"⬅": "left", "➡": "right", "⬆": "up", "⬇": "down"}
BUTTONS: tuple[ButtonFamily, ...] = (
    ButtonFamily(r"U(?P<n>[1-4])", r"MJ::JOB::upsample::{n}::{hash}", "UPSCALE"),
    ButtonFamily(r"V(?P<n>[1-4])", r"MJ::JOB::variation::{n}::{hash}", "VARIATION"),
    ButtonFamily("\U0001f504\ufe0f?", r"MJ::JOB::reroll::0::{hash}::SOLO", "REROLL"),
    *(
        ButtonFamily(f"{arrow}\ufe0f?", rf"MJ::JOB::pan_{direction}::[01]::{{hash}}::SOLO", "PAN")
        for arrow, direction in _ARROWS.items()
    ),
    ButtonFamily(r"Zoom Out 1\.5[x×]", r"MJ::Outpaint::(?:75::)?1::{hash}::SOLO", "ZOOM"),
    ButtonFamily(r"Zoom Out 2[x×]", r"MJ::Outpaint::50::1::{hash}::SOLO", "ZOOM"),
    ButtonFamily(r"Custom Zoom", r"MJ::CustomZoom::{hash}", "ZOOM"),
    ButtonFamily(r"Vary \(Region\)", r"MJ::Inpaint::1::{hash}::SOLO", "INPAINT"),
    ButtonFamily(r"Vary \(Subtle\)", r"MJ::JOB::low_variation::1::{hash}::SOLO", "LOW_VARIATION"),
    ButtonFamily(r"Vary \(Strong\)", r"MJ::JOB::high_variation::1::{hash}::SOLO", "HIGH_VARIATION"),
    ButtonFamily(r"Make Variations", r"MJ::JOB::variation::1::{hash}::SOLO", "VARIATION"),
    ButtonFamily(r"Upscale \(Subtle\)", r"MJ::JOB::upsample_v[67]_2x_subtle::1::{hash}::SOLO", "UPSCALE"),
    ButtonFamily(r"Upscale \(Creative\)", r"MJ::JOB::upsample_v[67]_2x_creative::1::{hash}::SOLO", "UPSCALE"),
    ButtonFamily(r"Upscale \((?P<n>[24])x\)", r"MJ::JOB::upsample_v5_{n}x::1::{hash}::SOLO", "UPSCALE"),
)
"""Reference 3.3: the live grid set (U1-U4, 🔄, V1-V4, the four pans, Zoom Out 1.5×, Vary (Region)) and
the single-image set (Upscale (Subtle)/(Creative) or v5's (2x)/(4x), Vary (Subtle)/(Strong)/(Region),
Zoom Out 2x/1.5x, Custom Zoom, Make Variations on older sets)."""

_JOB_HASH = re.compile(_HASH)


def family_of(label: str) -> tuple[ButtonFamily, re.Match[str]] | None:
    """The family a label names, or None for a label the reference does not know (drift)."""
    for family in BUTTONS:
        found = family.label_match(label)
        if found:
            return family, found
    return None


def job_hash(custom_id: str) -> str | None:
    found = _JOB_HASH.search(custom_id)
    return found["hash"] if found else None


# ---- auto-matching: which button a follow-up without custom_id presses ----
REQUIRES_UPSCALED = "This action requires an upscaled task"
"""The start of the 400 message for zoom, pan or inpaint by auto-matching on a grid (reference 5.3)."""

AUTO_MATCH: dict[str, tuple[bool, tuple[str, ...]]] = {
    "UPSCALE": (False, ("U{index}",)),
    "VARIATION": (False, ("V{index}",)),
    "HIGH_VARIATION": (False, ("Vary (Strong)", "Make Variations", "V{index}")),
    "LOW_VARIATION": (False, ("Vary (Subtle)", "Make Variations", "V{index}")),
    "REROLL": (False, ("🔄", "🔄\ufe0f")),
    "PAN": (True, ("⬅", "➡", "⬆", "⬇")),
    "ZOOM": (True, ("Zoom Out 1.5x", "Zoom Out 1.5×", "Zoom Out 2x", "Zoom Out 2×")),
    "INPAINT": (True, ("Vary (Region)",)),
}
"""Action -> (needs an upscaled parent, labels it presses in order of preference). Pan presses the arrow
of its `direction`; zoom `zoom_ratio` < 2 the 1.5x button, omitted or >= 2 the 2x one; high/low
variation on a grid fall back to its V{index} (decisions, Actions)."""


def expected_press(action: str, labels: list[str], inputs: dict[str, Any], *, upscaled: bool) -> str | None:
    """The label of the button the service presses, or None when it must answer 400."""
    needs_upscaled, wanted = AUTO_MATCH[action]
    if needs_upscaled and not upscaled:
        return None
    index = inputs.get("index")
    if action in ("UPSCALE", "VARIATION", "HIGH_VARIATION", "LOW_VARIATION") and index not in (1, 2, 3, 4):
        return None
    if action == "PAN":
        arrow = {v: k for k, v in _ARROWS.items()}.get(inputs.get("direction", ""))
        wanted = tuple(label for label in wanted if label == arrow)
    if action == "ZOOM":
        ratio = inputs.get("zoom_ratio")
        factor = "2" if ratio is None or ratio >= 2 else "1.5"
        wanted = tuple(label for label in wanted if label.startswith(f"Zoom Out {factor}"))
    if upscaled and action in ("HIGH_VARIATION", "LOW_VARIATION"):
        wanted = wanted[:2]  # a single image has no V{index}
    for label in (w.format(index=index) for w in wanted):
        if any(_same_label(label, present) for present in labels):
            return label
    return None


# ---- refusals a follow-up may meet without the suite knowing its parent (reference, error messages) ----
NOT_FINISHED = "is not in SUCCESS state"
"""`task ... is not in SUCCESS state`: a follow-up on a parent that has not finished."""
PAN_REFUSED = "invalid generation request"
"""Pan on a v8.x parent (reference, error messages; decisions, version rules)."""


def refusal_allowed(action: str, message: str, *, by_custom_id: bool) -> bool:
    """Whether a 400 to a follow-up of `action` is one the reference allows on a parent the suite knows
    nothing else of: not finished, a custom_id not taken from its buttons (any refusal: the reference
    names no message), an upscaled parent needed (only for the actions that need one: a refused high
    variation on a grid is no such case), or pan's version rule."""
    needs_upscaled = AUTO_MATCH.get(action, (False, ()))[0]
    return (
        NOT_FINISHED in message
        or by_custom_id
        or (needs_upscaled and message.startswith(REQUIRES_UPSCALED))
        or (action == "PAN" and PAN_REFUSED in message)
    )


_VERSION_FLAG = re.compile(r"--(?:v|version)\s+(?P<version>\d+(?:\.\d+)?)\b")


def version_of_prompt(prompt: Any) -> str | None:
    """The version a prompt's last `--v` / `--version` flag names (decisions, version rules): how a task
    the suite did not create says its version (`a castle --v 8.1` -> `8.1`)."""
    found = _VERSION_FLAG.findall(prompt) if isinstance(prompt, str) else []
    return found[-1] if found else None


def _same_label(wanted: str, present: str) -> bool:
    return present.removesuffix("\ufe0f") == wanted.removesuffix("\ufe0f")
