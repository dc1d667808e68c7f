"""State under load (issue 7): many clients submit and poll hundreds of tasks through several workers
while the clock moves, and the mock's state stays right.

Several poller threads (two per account) each submit their own tasks and poll them through both views
over fresh connections, so requests spread over the worker processes; a clock thread keeps advancing
the (frozen) clock through the control API meanwhile. Every assertion holds whatever the interleaving:

- the clock only moves forward and every worker reads one store, so a later read of a task can never
  show it less far along than an earlier one (status rank and progress never go backwards, across
  both views and all workers);
- after the load the clock is advanced past every task's end and frozen, so each task's final state is
  fixed by its scenario alone, and both views, and every worker, must show exactly that.

Bounded: a fixed number of tasks, polls and clock steps, and an overall deadline well under 60 s.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from deployments import Deployment, replica_of

from apimart_mj import MJ_STATUS_RANK, MJ_TO_UNIFIED, UNIFIED_STATUS_RANK, parse_progress, to_unified

pytestmark = [pytest.mark.http, pytest.mark.slow]

ACCOUNTS = 3
POLLERS_PER_ACCOUNT = 2
TASKS_PER_POLLER = 40
"""6 pollers x 40 = 240 tasks."""
POLL_ROUNDS = 3
CLOCK_STEP_S = 0.05
"""Clock seconds per advance: an imagine takes 4.5 clock seconds, so tasks cross every status."""
CLOCK_MIN_STEPS = 20
"""The clock thread advances at least this often, even if the pollers finish first."""
CLOCK_MAX_STEPS = 300
CLOCK_PAUSE_S = 0.01
DEADLINE_S = 45.0
"""The whole load phase must end by then; it takes a few seconds on a 2-core machine."""
FINAL_ADVANCE_S = 120.0
"""Past the end of every task's flow (4.5 s), far short of the retention period (3 days)."""
WORKER_HEADER = "X-Mock-Worker"


@dataclass(frozen=True)
class Planned:
    """A submitted task and the final state its scenario fixes."""

    task_id: str
    token: str
    mj_status: str
    fail_reason: str | None


@dataclass(frozen=True)
class Read:
    """One poll: which view, what it said (status rank on the unified scale, progress), which worker."""

    task_id: str
    view: str
    status: str
    unified_rank: int
    mj_rank: int | None
    progress: int


@dataclass
class Log:
    """Everything one thread saw, in the order it saw it."""

    planned: list[Planned] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    workers: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def seen(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        worker = response.headers.get(WORKER_HEADER)
        if worker:
            self.workers.add(worker)


def _scenario(n: int) -> tuple[dict[str, str], str, str | None]:
    """Headers for the n-th submit, its final MJ status and fail_reason: mostly success, some failures
    with a chosen reason, some stuck forever in SUBMITTED."""
    if n % 5 == 1:
        reason = f"load-test failure {n}"
        return {"X-Mock-Scenario": "failure", "X-Mock-Fail-Reason": reason}, "FAILURE", reason
    if n % 7 == 3:
        return {"X-Mock-Scenario": "stuck"}, "SUBMITTED", None
    return {}, "SUCCESS", None


class Poller:
    """One client of one account: submits its tasks, then polls them in rounds over fresh connections."""

    def __init__(self, base_url: str, token: str, first: int, deadline: float) -> None:
        self.base_url = base_url
        self.token = token
        self.first = first
        self.deadline = deadline
        self.log = Log()

    def run(self) -> Log:
        with self._client() as http:
            for n in range(self.first, self.first + TASKS_PER_POLLER):
                headers, final, reason = _scenario(n)
                response = self._call(
                    http.post, "/v1/midjourney/generations", json={"prompt": f"load {n}"}, headers=headers
                )
                if response.status_code != 200:
                    self.log.problems.append(f"submit {n}: {response.status_code} {response.text[:200]}")
                    continue
                task_id = response.json()["data"][0]["task_id"]
                self.log.planned.append(Planned(task_id, self.token, final, reason))
                self._poll(http, task_id)
        for _ in range(POLL_ROUNDS):
            with self._client() as http:  # a new connection each round: another worker may answer
                for planned in self.log.planned:
                    self._poll(http, planned.task_id)
        return self.log

    def _client(self) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.base_url, headers=auth, timeout=10.0)

    def _call(self, method: Callable[..., httpx.Response], path: str, **kwargs: Any) -> httpx.Response:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"the load phase overran its {DEADLINE_S:.0f} s deadline")
        response = method(path, **kwargs)
        self.log.seen(response)
        return response

    def _poll(self, http: httpx.Client, task_id: str) -> None:
        mj = self._call(http.get, f"/v1/midjourney/{task_id}")
        unified = self._call(http.get, f"/v1/tasks/{task_id}")
        for view, response in (("mj", mj), ("unified", unified)):
            if response.status_code != 200:
                self.log.problems.append(f"{view} {task_id}: {response.status_code} {response.text[:200]}")
                return
        body, data = mj.json(), unified.json()["data"]
        if body["id"] != task_id or data["id"] != task_id:
            self.log.problems.append(f"{task_id}: a view answered for another task")
            return
        status = body["status"]
        self.log.reads.append(
            Read(
                task_id,
                "mj",
                status,
                UNIFIED_STATUS_RANK[MJ_TO_UNIFIED[status]],
                MJ_STATUS_RANK[status],
                parse_progress(body["progress"]),
            )
        )
        self.log.reads.append(
            Read(
                task_id,
                "unified",
                data["status"],
                UNIFIED_STATUS_RANK[data["status"]],
                None,
                data["progress"],
            )
        )


def _advance_clock(base_url: str, stop: threading.Event, log: Log) -> Log:
    """Advance the clock in small steps until the pollers are done: at least CLOCK_MIN_STEPS times, at
    most CLOCK_MAX_STEPS. Counts its successful steps in `log.statuses[200]`."""
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        for step in range(CLOCK_MAX_STEPS):
            if stop.is_set() and step >= CLOCK_MIN_STEPS:
                break
            response = http.post("/__mock/clock/advance", json={"seconds": CLOCK_STEP_S})
            log.seen(response)
            if response.status_code != 200:
                log.problems.append(f"clock advance: {response.status_code} {response.text[:200]}")
            time.sleep(CLOCK_PAUSE_S)
    return log


def _backwards(reads: list[Read]) -> list[str]:
    """Reads of one task, in the order one thread made them, that show it less far along than before."""
    found: list[str] = []
    best_unified = best_mj = best_progress = -1
    for read in reads:
        if read.unified_rank < best_unified or read.progress < best_progress:
            found.append(
                f"{read.task_id}: {read.view} said {read.status} {read.progress}% after a later state"
            )
        if read.mj_rank is not None and read.mj_rank < best_mj:
            found.append(f"{read.task_id}: MJ status {read.status} after a later MJ status")
        best_unified = max(best_unified, read.unified_rank)
        best_progress = max(best_progress, read.progress)
        if read.mj_rank is not None:
            best_mj = max(best_mj, read.mj_rank)
    return found


@pytest.fixture(scope="module")
def loaded(served_mock: str) -> tuple[list[Log], Log]:
    """Run the load once: pollers and the clock thread together, bounded by DEADLINE_S."""
    with httpx.Client(base_url=served_mock, timeout=10.0) as http:
        assert http.post("/__mock/reset", json={}).status_code == 200
        assert http.post("/__mock/clock/freeze", json={}).status_code == 200
    deadline = time.monotonic() + DEADLINE_S
    tokens = [f"sk-load-{a}" for a in range(ACCOUNTS)]
    pollers = [
        Poller(served_mock, token, (a * POLLERS_PER_ACCOUNT + p) * TASKS_PER_POLLER, deadline)
        for a, token in enumerate(tokens)
        for p in range(POLLERS_PER_ACCOUNT)
    ]
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=len(pollers) + 1) as pool:
        clock = pool.submit(_advance_clock, served_mock, stop, Log())
        futures = [pool.submit(poller.run) for poller in pollers]
        try:
            logs = [future.result(timeout=DEADLINE_S + 10) for future in futures]
        finally:
            stop.set()
        clock_log = clock.result(timeout=30)
    return logs, clock_log


def test_no_5xx_and_every_call_answered_as_expected(loaded: tuple[list[Log], Log]) -> None:
    logs, clock_log = loaded
    statuses = sum((log.statuses for log in [*logs, clock_log]), Counter[int]())
    assert not [code for code in statuses if code >= 500], statuses
    assert set(statuses) == {200}, statuses
    assert [p for log in [*logs, clock_log] for p in log.problems] == []
    assert sum(len(log.planned) for log in logs) == ACCOUNTS * POLLERS_PER_ACCOUNT * TASKS_PER_POLLER


def test_no_status_or_progress_goes_backwards(loaded: tuple[list[Log], Log]) -> None:
    logs, _ = loaded
    problems: list[str] = []
    reads = 0
    for log in logs:
        by_task: dict[str, list[Read]] = {}
        for read in log.reads:
            by_task.setdefault(read.task_id, []).append(read)
            reads += 1
        for task_reads in by_task.values():
            problems.extend(_backwards(task_reads))
    assert problems == []
    expected = ACCOUNTS * POLLERS_PER_ACCOUNT * TASKS_PER_POLLER * (1 + POLL_ROUNDS) * 2
    assert reads == expected


def test_the_clock_really_moved(served_mock: str, loaded: tuple[list[Log], Log]) -> None:
    """Guards the test itself: the clock thread advanced (through the control API) while pollers ran."""
    _, clock_log = loaded
    assert CLOCK_MIN_STEPS <= clock_log.statuses[200] <= CLOCK_MAX_STEPS


def test_after_the_load_no_task_is_lost_and_both_views_and_all_workers_agree(
    deployment: Deployment, loaded: tuple[list[Log], Log]
) -> None:
    """Read back through the balancer, then from every replica directly: what one wrote, all read."""
    served_mock = deployment.url
    logs, clock_log = loaded
    planned = [p for log in logs for p in log.planned]
    workers = set().union(*(log.workers for log in [*logs, clock_log]))
    with httpx.Client(base_url=served_mock, timeout=10.0) as http:
        assert http.post("/__mock/clock/advance", json={"seconds": FINAL_ADVANCE_S}).status_code == 200
        assert http.post("/__mock/clock/freeze", json={}).status_code == 200
        for token in {p.token for p in planned}:
            listed = http.get("/__mock/tasks", params={"account": token}).json()["tasks"]
            assert sorted(t["id"] for t in listed) == sorted(p.task_id for p in planned if p.token == token)
    bodies: dict[tuple[str, str], set[str]] = {}
    # Twice, over new connections (other workers may answer the second time), then from each replica.
    rounds = [served_mock, served_mock, *(mock.url for mock in deployment.replicas[1:])]
    for round_, url in enumerate(rounds):
        for token in sorted({p.token for p in planned}):
            auth = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, headers=auth, timeout=10.0) as http:
                for p in [task for task in planned if task.token == token]:
                    mj = http.get(f"/v1/midjourney/{p.task_id}")
                    unified = http.get(f"/v1/tasks/{p.task_id}")
                    assert (mj.status_code, unified.status_code) == (200, 200), p
                    workers.update(r.headers[WORKER_HEADER] for r in (mj, unified))
                    bodies.setdefault((p.task_id, "mj"), set()).add(mj.text)
                    bodies.setdefault((p.task_id, "unified"), set()).add(unified.text)
                    if round_:
                        continue
                    view, data = mj.json(), unified.json()["data"]
                    assert view["status"] == p.mj_status, p
                    assert data["status"] == to_unified(view["status"]), p
                    assert parse_progress(view["progress"]) == data["progress"], p
                    assert view.get("fail_reason") == p.fail_reason, p
                    if p.mj_status == "SUCCESS":
                        assert len(view["image_urls"]) == 4, p
                        assert data["result"]["images"][0]["url"] == view["image_urls"], p
    assert [key for key, texts in bodies.items() if len(texts) != 1] == []  # same answer whoever served it
    assert len(workers) >= 2, f"every response came from one worker process: {workers}"
    assert {replica_of(worker, deployment.replicas) for worker in workers} == set(
        range(len(deployment.replicas))
    )
