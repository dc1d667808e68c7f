"""Build a realistic state in a served mock through its control API, and the probes that read it.

Several accounts each get tasks in every status (NOT_START ... SUCCESS, FAILURE, MODAL) and of
different ages, plus a few past the retention period. The clock keeps running in real time, as under
`make mock`: unfinished tasks move on during the load, which changes their bodies but never the
status code a poll must get, so every expectation below holds for the whole run.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import httpx

from .mix import Probe
from .settings import SEED, STATE_ACCOUNTS, STATE_TASKS_PER_ACCOUNT

__all__ = ["BenchState", "audit_state", "build_state"]

_DAY = 24 * 3600.0
_EXPIRED_AGE = 4 * _DAY
"""Past the default retention (3 days) by a full day, so no task crosses the line during a run."""
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_KINDS: tuple[tuple[str, str, float], ...] = (
    # (status, action, highest age in seconds): ages stay well inside the retention period.
    ("SUCCESS", "IMAGINE", 2 * _DAY),
    ("SUCCESS", "UPSCALE", 2 * _DAY),
    ("SUCCESS", "VARIATION", _DAY),
    ("FAILURE", "IMAGINE", _DAY),
    ("IN_PROGRESS", "IMAGINE", 60.0),
    ("SUBMITTED", "IMAGINE", 30.0),
    ("NOT_START", "IMAGINE", 5.0),
    ("MODAL", "INPAINT", 600.0),
)


@dataclass(frozen=True)
class BenchState:
    """What was created: live task ids per account token, and ids past retention."""

    live: dict[str, list[str]]
    expired: dict[str, list[str]]

    @property
    def task_count(self) -> int:
        return sum(map(len, self.live.values())) + sum(map(len, self.expired.values()))

    def pools(self) -> dict[str, list[Probe]]:
        """Every probe of each request class (bench/settings.py MIX_SHARES names the classes)."""
        rng = random.Random(SEED)
        tokens = sorted(self.live)
        pools: dict[str, list[Probe]] = defaultdict(list)
        for k, token in enumerate(tokens):
            other = tokens[(k + 1) % len(tokens)]
            for n, task_id in enumerate(self.live[token]):
                pools["mj_view_200"].append(Probe("mj_view_200", f"/v1/midjourney/{task_id}", token, 200))
                pools["unified_view_200"].append(
                    Probe("unified_view_200", f"/v1/tasks/{task_id}", token, 200)
                )
                path = f"/v1/midjourney/{task_id}" if n % 2 else f"/v1/tasks/{task_id}"
                pools["other_account_403"].append(Probe("other_account_403", path, other, 403))
            for n, task_id in enumerate(self.expired[token]):
                path = f"/v1/midjourney/{task_id}" if n % 2 else f"/v1/tasks/{task_id}"
                pools["expired_404"].append(Probe("expired_404", path, token, 404))
            for n in range(10):
                unknown = "task_" + "".join(rng.choice(_CROCKFORD) for _ in range(26))
                path = f"/v1/midjourney/{unknown}" if n % 2 else f"/v1/tasks/{unknown}"
                pools["unknown_404"].append(Probe("unknown_404", path, token, 404))
        return dict(pools)


def build_state(base_url: str) -> BenchState:
    """Reset the mock and create the tasks through `POST /__mock/tasks` (loopback, bounded count)."""
    rng = random.Random(SEED)
    live: dict[str, list[str]] = {}
    expired: dict[str, list[str]] = {}
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        http.post("/__mock/reset", json={}).raise_for_status()
        for a in range(STATE_ACCOUNTS):
            token = f"bench-account-{a}"
            live[token] = []
            for n in range(STATE_TASKS_PER_ACCOUNT):
                status, action, max_age = _KINDS[n % len(_KINDS)]
                body = {"account": token, "status": status, "action": action, "age": rng.uniform(0, max_age)}
                live[token].append(_create(http, body))
            expired[token] = [
                _create(http, {"account": token, "status": "SUCCESS", "age": _EXPIRED_AGE + n * 3600})
                for n in range(max(1, STATE_TASKS_PER_ACCOUNT // 10))
            ]
    return BenchState(live, expired)


def audit_state(base_url: str, state: BenchState) -> list[str]:
    """After the load: every task still listed for its owner, and both views agree on each live task.

    Returns the problems found (empty when the state came through intact).
    """
    problems: list[str] = []
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        for token, ids in state.live.items():
            listed = {
                task["id"] for task in http.get("/__mock/tasks", params={"account": token}).json()["tasks"]
            }
            missing = (set(ids) | set(state.expired[token])) - listed
            if missing:
                problems.append(f"{token}: {len(missing)} tasks missing from /__mock/tasks")
            headers = {"Authorization": f"Bearer {token}"}
            for task_id in ids:
                mj = http.get(f"/v1/midjourney/{task_id}", headers=headers)
                unified = http.get(f"/v1/tasks/{task_id}", headers=headers)
                if mj.status_code != 200 or unified.status_code != 200:
                    problems.append(f"{task_id}: {mj.status_code}/{unified.status_code} after the load")
                elif mj.json()["id"] != task_id or unified.json()["data"]["id"] != task_id:
                    problems.append(f"{task_id}: a view answered another task")
    return problems


def _create(http: httpx.Client, body: dict[str, object]) -> str:
    response = http.post("/__mock/tasks", json=body)
    if response.status_code != 201:
        raise RuntimeError(
            f"POST /__mock/tasks {body} answered {response.status_code}: {response.text[:300]}"
        )
    task_id: str = response.json()["id"]
    return task_id
