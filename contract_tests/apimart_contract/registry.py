"""The one registry of the suite's checks: each has a name, a level and what it verifies.

Every finding the suite reports names a check of `CHECKS`; `test_self_check.py` holds, for every one of
them, a broken target that triggers it (a meta-test fails when one has none).

Levels (docs/contract-suite.md):
- `violation`: a break clients feel; fails the run.
- `warning`: HTTP hygiene no client depends on; reported, fails the run only with `--strict-warnings`.
- `drift`: a change within the contract a team should hear of; reported, never fails the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CHECKS", "Check", "Level", "check"]


class Level(StrEnum):
    VIOLATION = "violation"
    WARNING = "warning"
    DRIFT = "drift"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    verifies: str


_V, _W, _D = Level.VIOLATION, Level.WARNING, Level.DRIFT

CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        # ---- shapes and HTTP (every response) ----
        Check(
            "schema", _V, "every response validates against openapi.yaml (status code, body, content type)"
        ),
        Check(
            "conformance", _V, "schemathesis's checks: no 5xx, documented statuses, data accepted/rejected"
        ),
        Check("bad-key-accepted", _V, "a request with an invalid API key answers 401 authentication_error"),
        Check("undeclared-method", _W, "a method the spec does not declare for a path answers 405"),
        Check("allow-header", _W, "an `Allow` header lists exactly the methods the spec declares"),
        # ---- ownership ----
        Check("foreign-task-readable", _V, "another account's read answers 403 with nothing of the task"),
        Check(
            "foreign-follow-up-accepted", _V, "another account's follow-up answers 403 and creates nothing"
        ),
        Check("task-not-found", _V, "an unknown or expired task answers 404 not_found_error in both views"),
        # ---- the status flow ----
        Check("status-backwards", _V, "a task's status never moves back (the reference's flow)"),
        Check("terminal-changed", _V, "a terminal status (SUCCESS, FAILURE) never changes"),
        Check("progress-backwards", _V, "progress never decreases between two reads"),
        Check("views-disagree", _V, "the MJ and unified views agree (status mapping, progress, result URLs)"),
        Check("task-stuck", _V, "a task reaches a status the contract names as terminal within the wait"),
        Check("wrong-task", _V, "a read answers the task that was asked for"),
        Check("results-missing", _V, "a finished task holds what its action gives (images, text, videos)"),
        # ---- buttons and follow-ups ----
        Check(
            "button-label-mismatch", _V, "a button's customId is the family its label names (U2 -> tile 2)"
        ),
        Check("button-job-hash", _V, "a task's buttons name its own Midjourney job, and no other task's"),
        Check("request-refused", _V, "a valid request (the spec's own example, a listed button) answers 200"),
        Check("child-action", _V, "a follow-up creates a task of the action asked for"),
        Check("auto-matching", _V, "follow-ups without custom_id match a button as the reference says"),
        Check("version-rules", _V, "pan on v8.x and remix on other than v8.1/v8.2 answer 400"),
        Check("modal-flow", _V, "inpaint waits in MODAL and /modal continues the same task"),
        Check("balance", _V, "the balances answer 200, `remain_balance` -1 when unlimited"),
        Check("upload-served", _V, "an uploaded image is served, byte for byte, at its URL"),
        Check(
            "test-failed", _V, "a test of the suite failed without naming a check (its traceback says why)"
        ),
        # ---- drift ----
        Check("unknown-field", _D, "a field of a task the spec does not name"),
        Check("unknown-enum", _D, "a status or action value the spec does not name"),
        Check("button-family", _D, "a button label or customId family the reference does not name"),
        Check("error-without-code", _D, "an error envelope without `error.code` (a documented variant)"),
    )
}


def check(name: str) -> Check:
    """The registered check `name` (a KeyError names a check the suite forgot to register)."""
    return CHECKS[name]
