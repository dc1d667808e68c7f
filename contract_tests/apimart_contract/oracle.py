"""What the contract says, as data written from the API reference (`apimart-api.md`) and the project's
decisions (`docs/decisions.md`): the suite's own copy, never the code the mock builds its answers with.

- `MJ_TO_UNIFIED`, `MJ_RANK`, `UNIFIED_RANK`, `*_TERMINAL`: the two views' statuses (decisions, Statuses).
- `RESULTS`: what a finished task of each action holds (reference 2.2, decisions "the rest").
- `BUTTONS`: the customId family each button label names (reference 3.2-3.3, decisions "grid buttons").
- `AUTO_MATCH`: which labelled button a follow-up without `custom_id` presses (reference 3.4, decisions).
- `child_action`: the action of a follow-up's child (`custom_id` wins; decisions, reference 8.3).
- `version_allows`, `zoom_ratio_valid`, `VARIES_ANY`: which follow-ups a parent must take (decisions,
  version rules and actions; reference 4.2, 8.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = [
    "AUTO_INPUTS",
    "AUTO_MATCH",
    "BATCH_SIZES",
    "BUTTONS",
    "DEFAULT_VERSION",
    "MJ_RANK",
    "MJ_TERMINAL",
    "MJ_TO_UNIFIED",
    "MODERATED",
    "NUMBERS",
    "PAN_REFUSED_VERSIONS",
    "REMIX_VERSIONS",
    "REQUIRES_UPSCALED",
    "RESULTS",
    "UNIFIED_RANK",
    "UNIFIED_TERMINAL",
    "VARIES_ANY",
    "ButtonFamily",
    "Holds",
    "action_of_custom_id",
    "batch_of",
    "child_action",
    "expected_press",
    "family_of",
    "images_allowed",
    "needs_parent",
    "progress_of",
    "refusal_allowed",
    "version_allows",
    "version_of_prompt",
    "version_of_request",
    "version_of_task",
    "zoom_ratio_valid",
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
@dataclass(frozen=True)
class Holds:
    """What a finished task of one action holds."""

    images: tuple[int, ...] = (0,)
    """How many `image_urls` it may hold (0: the key absent or empty)."""
    grid: bool = False
    """A `grid_image_url`, the composite its `image_urls` are the tiles of."""
    prompts: bool = False
    """Four prompts, numbered `1️⃣` to `4️⃣`, in `description` (and `prompt`, the same text)."""
    videos: bool = False
    """`video_url` and `video_urls`: one per video asked for (`batch_of`)."""

    def __str__(self) -> str:
        low, high = min(self.images), max(self.images)
        parts = [
            *([f"{low if low == high else f'{low}-{high}'} image_urls"] if high else []),
            *(["a grid_image_url"] if self.grid else []),
            *(["four prompts in description"] if self.prompts else []),
            *(["video_url and video_urls"] if self.videos else []),
        ]
        return " and ".join(parts)


_GRID = Holds(images=(4,), grid=True)
RESULTS: dict[str, Holds] = {
    # Reference 2.2 `image_urls`: "the 4 cropped tiles" of the `grid_image_url`; 4.2: variation "new grid
    # + 4 image_urls", remix "4 images on SUCCESS", modal "SUCCESS gives 4 candidates"; decisions, "the
    # rest": blend, edits and remix results are grids.
    **dict.fromkeys(("IMAGINE", "BLEND", "VARIATION", "HIGH_VARIATION", "LOW_VARIATION", "REROLL"), _GRID),
    **dict.fromkeys(("ZOOM", "PAN", "INPAINT", "MODAL", "REMIX_STRONG", "REMIX_SUBTLE"), _GRID),
    "EDITS": Holds(
        images=(1, 2, 3, 4), grid=True
    ),  # reference 4.2 edits: "image_urls (1-4) + grid_image_url"
    "UPSCALE": Holds(images=(1,)),  # reference 2.2: "1 element after upscale"; 4.2: "image_urls length 1"
    "DESCRIBE": Holds(prompts=True),  # reference 2.2: the describe example, "no image_urls/grid_image_url"
    "VIDEO": Holds(videos=True),  # reference 2.2: "video_urls.length === batch_size"
}
"""Action -> what its SUCCESS holds."""
MODERATED = 1
"""Tiles a grid may lack: "one image missing from image_urls = moderation removed it" (reference 2.5)."""
NUMBERS = ("1\ufe0f\u20e3", "2\ufe0f\u20e3", "3\ufe0f\u20e3", "4\ufe0f\u20e3")
"""How a describe numbers its four prompts (reference 2.2: `1️⃣ …\\n2️⃣ …\\n3️⃣ …\\n4️⃣ …`)."""
BATCH_SIZES = (1, 2, 4)
"""Videos one video submit may ask for; "other batch values treated as 1" (reference 4.2, 8.3)."""


def images_allowed(holds: Holds) -> tuple[int, ...]:
    """How many `image_urls` a finished task may hold: its action's, or one fewer for a grid of 4."""
    return holds.images + ((4 - MODERATED,) if holds.grid and 4 in holds.images else ())


def batch_of(inputs: dict[str, Any]) -> int:
    """How many videos a video submit asked for (`batch_size` 1, 2 or 4; anything else counts as 1)."""
    size = inputs.get("batch_size")
    return size if size in BATCH_SIZES and not isinstance(size, bool) else 1


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
        return _compiled(self.label).fullmatch(label)

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
_compiled = cache(re.compile)


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


# ---- the child of a follow-up ----
AUTO_INPUTS = ("index", "direction", "zoom_ratio")
"""The inputs auto-matching presses a button by; sent beside a `custom_id`, they lose to it."""


def action_of_custom_id(custom_id: str) -> str | None:
    """The action a customId's family names (reference 3.2-3.3: `MJ::JOB::variation::2::<hash>` ->
    VARIATION), or None for a family the reference does not know."""
    for family in BUTTONS:
        if re.fullmatch(family.custom_id.replace("{n}", r"\d").replace("{hash}", _HASH), custom_id):
            return family.action
    return None


def child_action(action: str, inputs: dict[str, Any]) -> str | None:
    """The action of the task a submit of `action` with `inputs` creates (None: the suite cannot say).

    Decisions, "the child of a follow-up": pressed by `custom_id`, the action the customId names, also
    when `index` or another auto-matching input is sent beside it ("custom_id wins": reference 8.3, the
    upscale page); by auto-matching, the endpoint's own. `/modal` continues the inpaint task (reference
    4.1: "/modal keeps the same task_id")."""
    if action == "MODAL":
        return "INPAINT"
    custom_id = inputs.get("custom_id")
    return action_of_custom_id(custom_id) if isinstance(custom_id, str) else action


# ---- version rules (decisions, "Version rules"; reference 4.2, the pan and remix rows) ----
DEFAULT_VERSION = "7"
"""The version of a task that names none (decisions: "A task without one counts as 7")."""
PAN_REFUSED_VERSIONS = frozenset({"8", "8.1", "8.2"})
"""Pan was removed from v8 (reference 4.2, the English pan page: "v8/v8.1 removed pan"; decisions: v8,
v8.1 and v8.2 answer 400 `invalid generation request`)."""
REMIX_VERSIONS = frozenset({"8.1", "8.2"})
"""Remix needs a v8.1 or v8.2 parent (reference 4.2, the remix row: "non-v8 parent -> 400")."""
_VERSION_FLAG = re.compile(r"--(?:v|version)\s+(?P<version>\d+(?:\.\d+)?)\b")


def version_of_prompt(prompt: Any) -> str | None:
    """The version a prompt's last `--v` / `--version` flag names (decisions, version rules): how a task
    the suite did not create says its version (`a castle --v 8.1` -> `8.1`)."""
    found = _VERSION_FLAG.findall(prompt) if isinstance(prompt, str) else []
    return found[-1] if found else None


def version_of_task(task: dict[str, Any]) -> str | None:
    """The version a task's Midjourney view names: its prompt's flag, in `prompt` (the documented shape)
    or `prompt_en` (the live one, reference 2.3); None when neither names one. (A task sent a `version`
    field may not show it: a view without a flag says nothing of the version.)"""
    return version_of_prompt(task.get("prompt")) or version_of_prompt(task.get("prompt_en"))


def version_of_request(body: dict[str, Any]) -> str:
    """The version a task made from `body` has (decisions, version rules): the `version` field, else the
    prompt's last flag, else v8.1 when `hd: true` is sent, else 7."""
    version = body.get("version")
    if isinstance(version, str) and version:
        return version
    return version_of_prompt(body.get("prompt")) or ("8.1" if body.get("hd") is True else DEFAULT_VERSION)


def version_allows(action: str, version: str) -> bool | None:
    """Whether a parent of `version` may take a follow-up of `action`; None when no version rule names
    the action."""
    if action == "PAN":
        return version not in PAN_REFUSED_VERSIONS
    if action in ("REMIX_STRONG", "REMIX_SUBTLE"):
        return version in REMIX_VERSIONS
    return None


# ---- zoom ratios and variation strength (follow-up inputs the service must take) ----
def zoom_ratio_valid(ratio: Any) -> bool:
    """Zoom takes any `zoom_ratio` above 1, or none: below 2 the 1.5x button, omitted or 2 and above the 2x
    one (reference 3.4, 8.3 the zoom page: "≥ 2 or omitted uses CustomZoom (2×)"; decisions: 1 or less
    answers 400)."""
    return ratio is None or (isinstance(ratio, int | float) and not isinstance(ratio, bool) and ratio > 1)


VARIES_ANY = frozenset({"HIGH_VARIATION", "LOW_VARIATION"})
"""Vary (Strong)/(Subtle) by index act on an upscaled image (reference 4.2) and on a grid, where they fall
back to its V{index} (reference 8.3, the workflow page's flow B; decisions): never "requires an upscaled
task"."""


# ---- refusals a follow-up may meet without the suite knowing its parent (reference, error messages) ----
NOT_FINISHED = "is not in SUCCESS state"
"""`task ... is not in SUCCESS state`: a follow-up on a parent that has not finished."""
PAN_REFUSED = "invalid generation request"
"""Pan on a v8.x parent (reference, error messages; decisions, version rules)."""


def refusal_allowed(
    action: str, message: str, *, by_custom_id: bool, parent: dict[str, Any] | None = None
) -> bool:
    """Whether a 400 to a follow-up of `action` is one the reference allows: the parent not finished, a
    custom_id not taken from its buttons (any refusal: the reference names no message), an upscaled
    parent needed (only for the actions that need one: a refused high variation on a grid is no such
    case), or a version rule. `parent`, its Midjourney view when the suite read it, decides the version
    rules (`needs_parent` says when to read it); without it pan's message is taken at its word."""
    if NOT_FINISHED in message or by_custom_id:
        return True
    if AUTO_MATCH.get(action, (False, ()))[0] and message.startswith(REQUIRES_UPSCALED):
        return parent is None or parent.get("action") != "UPSCALE"
    if parent is None:
        return action == "PAN" and PAN_REFUSED in message
    holds = RESULTS.get(str(parent.get("action")))
    wrong_parent = action != "PAN" and not (holds is not None and holds.grid)  # remix takes a grid's image
    version = version_of_task(parent)
    return version is None or version_allows(action, version) is False or wrong_parent


def needs_parent(action: str, message: str, *, by_custom_id: bool) -> bool:
    """Whether judging a 400 to a follow-up of `action` takes its parent: a refusal only a version rule
    (pan, remix) can explain."""
    explained = NOT_FINISHED in message or by_custom_id
    return not explained and version_allows(action, DEFAULT_VERSION) is not None


def _same_label(wanted: str, present: str) -> bool:
    return present.removesuffix("\ufe0f") == wanted.removesuffix("\ufe0f")
