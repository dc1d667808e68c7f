"""The one registry of the suite's checks: each has a name, a level and what it verifies.

Every finding the suite reports names a check of `CHECKS`; `test_self_check.py` holds, for every one of
them, a broken target that triggers it (a meta-test fails when one has none).

Levels (docs/contract-suite.md):
- `violation`: a break clients feel; fails the run.
- `warning`: HTTP hygiene no client depends on; reported, fails the run only with `--strict-warnings`.
- `drift`: a change within the contract a team should hear of; reported, never fails the run.

Each check says which operations of the spec it applies to (by operationId; None: every one): a rule of
the contract is one check on one operation, and `coverage` reports every rule of every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ALLOW_HEADER",
    "AUTO_MATCHING",
    "BAD_KEY_ACCEPTED",
    "BALANCE",
    "BUTTON_FAMILY",
    "BUTTON_JOB_HASH",
    "BUTTON_LABEL_MISMATCH",
    "CHECKS",
    "CHILD_ACTION",
    "CONFORMANCE",
    "CUSTOM_ID_WINS",
    "DESCRIBE_PROMPTS",
    "ERROR_WITHOUT_CODE",
    "FOREIGN_FOLLOW_UP_ACCEPTED",
    "FOREIGN_TASK_READABLE",
    "GRID_TILES",
    "MODAL_FLOW",
    "PROGRESS_BACKWARDS",
    "REQUEST_REFUSED",
    "RESULTS_MISSING",
    "SCHEMA",
    "STATUS_BACKWARDS",
    "TASK_NOT_FOUND",
    "TASK_STUCK",
    "TERMINAL_CHANGED",
    "TEST_FAILED",
    "UNDECLARED_METHOD",
    "UNKNOWN_ENUM",
    "UNKNOWN_FIELD",
    "UPLOAD_SERVED",
    "VARY_ACCEPTED",
    "VERSION_RULES",
    "VIDEO_BATCH",
    "VIEWS_DISAGREE",
    "WRONG_TASK",
    "ZOOM_RATIO",
    "Check",
    "Level",
    "check",
]

# The operations a check applies to, by the spec's operationIds.
READS = ("getMidjourneyTask", "getTask")
MJ_READ = ("getMidjourneyTask",)
BALANCES = ("getBalance", "getUserBalance", "getBalanceLegacy", "getUserBalanceLegacy")
STARTS = ("imagine", "blend", "describe", "edits")
BY_BUTTON = ("upscale", "variation", "highVariation", "lowVariation", "reroll", "zoom", "pan", "inpaint")
BY_INDEX = ("video", "remixStrong", "remixSubtle")
TASK_KINDS = STARTS + BY_BUTTON + BY_INDEX
"""Every kind of task (its submit operation): what a finished one must hold."""
FOLLOW_UPS = BY_BUTTON + BY_INDEX
GRIDS = tuple(kind for kind in TASK_KINDS if kind not in ("describe", "upscale", "video"))
"""The kinds of task whose result is a grid (reference 2.2, 4.2; the inpaint task finished by /modal)."""
SUBMITS = ("createGeneration", *TASK_KINDS, "modal", "uploadImage")


class Level(StrEnum):
    VIOLATION = "violation"
    WARNING = "warning"
    DRIFT = "drift"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    verifies: str
    applies_to: tuple[str, ...] | None = None
    """The operationIds of the spec it judges; None: every operation."""


_V, _W, _D = Level.VIOLATION, Level.WARNING, Level.DRIFT

CHECKS: dict[str, Check] = {}
"""Every check by name, in the order defined below."""


def _register(check: Check) -> Check:
    """Register `check` where it is defined: a module constant, so a misspelt check is an import error."""
    if check.name in CHECKS:
        raise ValueError(f"check {check.name} registered twice")
    CHECKS[check.name] = check
    return check


# ---- shapes and HTTP (every response) ----
SCHEMA = _register(
    Check("schema", _V, "every response validates against openapi.yaml (status code, body, content type)")
)
CONFORMANCE = _register(
    Check("conformance", _V, "schemathesis's checks: no 5xx, documented statuses, data accepted/rejected")
)
BAD_KEY_ACCEPTED = _register(
    Check("bad-key-accepted", _V, "a request with an invalid API key answers 401 authentication_error")
)
UNDECLARED_METHOD = _register(
    Check("undeclared-method", _W, "a method the spec does not declare for a path answers 405")
)
ALLOW_HEADER = _register(
    Check("allow-header", _W, "an `Allow` header lists exactly the methods the spec declares")
)

# ---- ownership ----
FOREIGN_TASK_READABLE = _register(
    Check("foreign-task-readable", _V, "another account's read answers 403 with nothing of the task", READS)
)
FOREIGN_FOLLOW_UP_ACCEPTED = _register(
    Check(
        "foreign-follow-up-accepted",
        _V,
        "another account's follow-up answers 403 and creates nothing",
        (*FOLLOW_UPS, "modal"),
    )
)
TASK_NOT_FOUND = _register(
    Check("task-not-found", _V, "an unknown or expired task answers 404 not_found_error in both views", READS)
)

# ---- the status flow ----
STATUS_BACKWARDS = _register(
    Check("status-backwards", _V, "a task's status never moves back (the reference's flow)", READS)
)
TERMINAL_CHANGED = _register(
    Check("terminal-changed", _V, "a terminal status (SUCCESS, FAILURE) never changes", READS)
)
PROGRESS_BACKWARDS = _register(
    Check("progress-backwards", _V, "progress never decreases between two reads", READS)
)
VIEWS_DISAGREE = _register(
    Check(
        "views-disagree",
        _V,
        "the MJ and unified views agree (status mapping, progress, result URLs)",
        ("getTask",),
    )
)
TASK_STUCK = _register(
    Check("task-stuck", _V, "a task reaches a status the contract names as terminal within the wait", MJ_READ)
)
WRONG_TASK = _register(Check("wrong-task", _V, "a read answers the task that was asked for", READS))
RESULTS_MISSING = _register(
    Check(
        "results-missing",
        _V,
        "a finished task holds what its action gives (images, grid, prompts, videos: reference 2.2)",
        TASK_KINDS,
    )
)
GRID_TILES = _register(
    Check(
        "grid-tiles",
        _V,
        "a finished grid's image_urls are its distinct tiles, none the grid_image_url (reference 2.2)",
        GRIDS,
    )
)
DESCRIBE_PROMPTS = _register(
    Check(
        "describe-prompts",
        _V,
        "a describe gives four prompts numbered 1️⃣-4️⃣ (description = prompt), no images (reference 2.2)",
        ("describe",),
    )
)
VIDEO_BATCH = _register(
    Check(
        "video-batch",
        _V,
        "a video gives batch_size videos (1, 2, 4; else 1), video_url the first (reference 2.2, 8.3)",
        ("video",),
    )
)

# ---- buttons and follow-ups ----
BUTTON_LABEL_MISMATCH = _register(
    Check(
        "button-label-mismatch",
        _V,
        "a button's customId is the family its label names (U2 -> tile 2)",
        MJ_READ,
    )
)
BUTTON_JOB_HASH = _register(
    Check("button-job-hash", _V, "a task's buttons name its own Midjourney job, and no other task's", MJ_READ)
)
REQUEST_REFUSED = _register(
    Check(
        "request-refused",
        _V,
        "a valid request (the spec's own example, a listed button) answers 200",
        SUBMITS,
    )
)
CHILD_ACTION = _register(
    Check(
        "child-action",
        _V,
        "a submit creates a task of its action; a follow-up's child the action pressed (reference 2.4)",
        TASK_KINDS,
    )
)
CUSTOM_ID_WINS = _register(
    Check(
        "custom-id-wins",
        _V,
        "sent with index, direction or zoom_ratio, custom_id wins: the child is its button's action",
        BY_BUTTON,
    )
)
AUTO_MATCHING = _register(
    Check("auto-matching", _V, "follow-ups without custom_id match a button as the reference says", BY_BUTTON)
)
VERSION_RULES = _register(
    Check(
        "version-rules",
        _V,
        "pan on v8.x and remix on other than v8.1/v8.2 answer 400; on other versions they are taken",
        ("pan", "remixStrong", "remixSubtle"),
    )
)
ZOOM_RATIO = _register(
    Check(
        "zoom-ratio",
        _V,
        "zoom takes any zoom_ratio above 1 (above 2 too) and answers 400 to 1 or less (reference 8.3)",
        ("zoom",),
    )
)
VARY_ACCEPTED = _register(
    Check(
        "vary-accepted",
        _V,
        "high/low variation by index is taken on a grid (its V{index}) and on an upscale (reference 8.3)",
        ("highVariation", "lowVariation"),
    )
)
MODAL_FLOW = _register(
    Check("modal-flow", _V, "inpaint waits in MODAL and /modal continues the same task", ("inpaint", "modal"))
)
BALANCE = _register(
    Check("balance", _V, "the balances answer 200, `remain_balance` -1 when unlimited", BALANCES)
)
UPLOAD_SERVED = _register(
    Check("upload-served", _V, "an uploaded image is served, byte for byte, at its URL", ("uploadImage",))
)
TEST_FAILED = _register(
    Check("test-failed", _V, "a test of the suite failed without naming a check (its traceback says why)", ())
)

# ---- drift ----
UNKNOWN_FIELD = _register(Check("unknown-field", _D, "a field of a task the spec does not name", READS))
UNKNOWN_ENUM = _register(Check("unknown-enum", _D, "a status or action value the spec does not name", READS))
BUTTON_FAMILY = _register(
    Check("button-family", _D, "a button label or customId family the reference does not name", MJ_READ)
)
ERROR_WITHOUT_CODE = _register(
    Check("error-without-code", _D, "an error envelope without `error.code` (a documented variant)")
)


def check(name: str) -> Check:
    """The registered check `name` (a KeyError names a check the suite forgot to register)."""
    return CHECKS[name]
