"""The contract suite against a shared mock: a run moves no other team (its clock, tasks, faults)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from apimart_contract.cli import hypothesis_cache
from apimart_mock.testing import serve

from .test_cli import give_unicode_tables

pytestmark = pytest.mark.http

SUITE_KEY = "sk-contract-first"
"""The key the suite picks on our mock when given none: every team running it has the same one."""
ADMIN = "the-owners-token"


def test_a_contract_run_leaves_the_global_clock_and_other_scopes_untouched(
    store: str, tmp_path: Path
) -> None:
    """Another team, with the suite's very key in a scope of its own, has a task and a fault; the
    installed `apimart-contract --base-url` runs checks that submit, advance the clock and use a second
    key, with no admin token (the mock has one). Afterwards the global clock, the other team's clock, task
    and fault are as they were; the suite's own scope did move."""
    with ExitStack() as stack:
        mock = stack.enter_context(serve("--frozen", "--seed", "0", "--store", store, "--admin-token", ADMIN))
        other = stack.enter_context(
            httpx.Client(
                base_url=mock.url,
                headers={"Authorization": f"Bearer {SUITE_KEY}", "X-Mock-Scope": "other-team"},
                timeout=10,
            )
        )
        owner = stack.enter_context(
            httpx.Client(base_url=mock.url, headers={"X-Mock-Admin-Token": ADMIN}, timeout=10)
        )
        task_id = other.post("/v1/midjourney/generations", json={"prompt": "a cat"}).json()["data"][0][
            "task_id"
        ]
        other.post("/__mock/faults", json={"kind": "500", "path": "/v1/balance"})

        def other_state() -> tuple[object, ...]:
            task = other.get(f"/v1/midjourney/{task_id}").json()
            faults = [(f["kind"], f["seen"]) for f in other.get("/__mock/faults").json()["faults"]]
            return other.get("/__mock/clock").json(), task["status"], task["progress"], faults

        before, clock = other_state(), owner.get("/__mock/clock").json()
        give_unicode_tables(hypothesis_cache({"HOME": str(tmp_path)}))
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "apimart-contract"),
                *("--base-url", mock.url, "--allow-spend", "--spend-budget", "8", "--rate-limit", "200"),
                *(
                    "--max-wall-time",
                    "120",
                    "--",
                    "-k",
                    "test_errors",
                    "-p",
                    "no:cacheprovider",
                ),
            ],
            cwd=tmp_path,
            env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "using keys sk-contract-first" in result.stdout

        assert owner.get("/__mock/clock").json() == clock
        assert other_state() == before
        scopes = {entry["scope"] for entry in owner.get("/__mock/requests").json()["requests"]}
        (suite,) = {scope for scope in scopes if scope and scope.startswith("contract-")}
        moved = httpx.get(
            f"{mock.url}/__mock/clock",
            headers={"Authorization": f"Bearer {SUITE_KEY}", "X-Mock-Scope": suite},
        )
        assert moved.json()["now"] > clock["now"]
