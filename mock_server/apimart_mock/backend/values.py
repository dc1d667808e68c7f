"""The typed values the backend takes: what the HTTP layer builds from a request once it has read and
checked it (http/bodies.py, http/submits.py). Each value holds its own rules, so a value that exists is
one the backend can act on: a bad one is refused with 400 where it is made."""

from __future__ import annotations

from dataclasses import dataclass

from apimart_mj import Operation, Parent, submits

from ..domain.errors import InvalidRequest
from ..domain.lifecycle import Scenario

__all__ = ["EXPIRED", "STATUSES", "DirectTask", "Submission", "TaskFilter", "creatable"]

STATUSES = ("NOT_START", "SUBMITTED", "IN_PROGRESS", "MODAL", "SUCCESS", "FAILURE")
"""Every status a task passes through (as the MJ view names them)."""
EXPIRED = "EXPIRED"
"""How the control API lists a task past retention (the API answers 404 for it)."""
_FILTER_CHARS = 200


@dataclass(frozen=True)
class Submission:
    """How the caller wants a submitted task to end (`X-Mock-Scenario`, `X-Mock-Fail-Reason`).

    `scenario` None means "not chosen": success, or for /modal whatever the inpaint call chose.
    """

    scenario: Scenario | None = None
    fail_reason: str | None = None


@dataclass(frozen=True)
class DirectTask:
    """A task the control API creates directly, for any account (a token or an account id), in any
    status, `age` seconds old; a MODAL task is an inpaint's and only an inpaint waits in MODAL."""

    account: str
    status: str = "SUCCESS"
    action: str = "IMAGINE"
    age: float = 0.0
    prompt: str = "a cat sitting on a windowsill"
    fail_reason: str | None = None

    def __post_init__(self) -> None:
        actions = [op.action for op in creatable()]
        if not self.account:
            raise InvalidRequest("account is required")
        if self.status not in STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
        if self.action not in actions or (self.status == "MODAL") != (self.action == "INPAINT"):
            raise InvalidRequest(
                f"action must be one of {', '.join(map(str, actions))}; MODAL goes with INPAINT"
            )


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a listing of the control API keeps (None: any): an account (a token or an account
    id), a status (EXPIRED past retention), an action, `search` (a part of the id or of the prompt, any
    case), the children of task `parent`."""

    account: str | None = None
    status: str | None = None
    action: str | None = None
    search: str | None = None
    parent: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in (*STATUSES, EXPIRED):
            raise InvalidRequest(f"status must be one of {', '.join((*STATUSES, EXPIRED))}")
        for name in ("account", "action", "search", "parent"):
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= _FILTER_CHARS:
                raise InvalidRequest(f"{name} must be 1 to {_FILTER_CHARS} characters")

    @property
    def narrows(self) -> bool:
        """Whether it keeps fewer tasks than the account's (or the scope's) all."""
        return any(value is not None for value in (self.status, self.action, self.search, self.parent))


def creatable() -> list[Operation]:
    """Operations whose tasks the control API creates directly: every submit that makes a new task."""
    return [op for op in submits() if op.parent is not Parent.MODAL]
