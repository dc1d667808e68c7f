"""One served mock, many accounts, over real HTTP and over either store: what one account does never
reaches another's state. Task ids are never reused after a reset, uploads cannot be guessed and no
account's uploads push out another's."""

from __future__ import annotations

import httpx
import pytest

from apimart_mock.testing import serve

pytestmark = pytest.mark.http

ALICE = {"Authorization": "Bearer sk-alice-shared"}
BOB = {"Authorization": "Bearer sk-bob-shared"}
SUBMIT = "/v1/midjourney/generations"


def _submit(http: httpx.Client, auth: dict[str, str]) -> str:
    answer = http.post(SUBMIT, json={"prompt": "a cat"}, headers=auth)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"][0]["task_id"])


def test_a_task_id_is_never_handed_out_again_after_a_frozen_reset(store: str) -> None:
    """With the clock frozen, a reset put the clock back where it was: the ids drawn after it must still
    be new, or another team's new task takes the old id and its owner reads 403."""
    with (
        serve("--frozen", "--store", store, workers=2, threads=2) as mock,
        httpx.Client(base_url=mock.url, timeout=10) as http,
    ):
        before = [_submit(http, ALICE) for _ in range(5)]
        assert http.post("/__mock/reset").status_code == 200
        after = [_submit(http, BOB) for _ in range(5)]
        assert not set(before) & set(after)
        for task_id in before:
            assert http.get(f"/v1/tasks/{task_id}", headers=ALICE).status_code == 404  # gone, not Bob's
