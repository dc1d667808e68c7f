"""One served mock, many accounts, over real HTTP and over either store: what one account does never
reaches another's state. Task ids are never reused after a reset, uploads cannot be guessed and no
account's uploads push out another's."""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from apimart_mock.domain.media import png_for
from apimart_mock.domain.uploads import MAX_UPLOAD_BYTES
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
        assert http.post("/__mock/reset", json={}).status_code == 200
        after = [_submit(http, BOB) for _ in range(5)]
        assert not set(before) & set(after)
        for task_id in before:
            assert http.get(f"/v1/tasks/{task_id}", headers=ALICE).status_code == 404  # gone, not Bob's


T0 = 1_700_000_000.0
PNG = png_for("3eaa7c0c-9825-4110-9c89-02c4e463a8d0_0.png")
BIG = PNG + bytes(MAX_UPLOAD_BYTES - len(PNG))


def _upload(http: httpx.Client, auth: dict[str, str], data: bytes = PNG) -> str:
    """Upload `data` as `cat.png`; the path it is served at."""
    answer = http.post("/v1/uploads/images", files={"file": ("cat.png", data)}, headers=auth)
    assert answer.status_code == 200, answer.text
    return urlsplit(answer.json()["url"]).path


def test_upload_names_cannot_be_guessed_from_the_seed_or_another_upload(store: str, tmp_path: Path) -> None:
    """Two mocks started alike (seed 0, the clock frozen at the same time) hand out different names for
    the same file, and names drawn from the seed (what `Random(f"{seed}:{n}")` gave) find nothing."""
    served: list[str] = []
    for run, location in enumerate((store, str(tmp_path / "second.sqlite"))):
        with (
            serve("--frozen", "--seed", "0", "--store", location, workers=1, threads=2) as mock,
            httpx.Client(base_url=mock.url, timeout=10) as http,
        ):
            http.post("/__mock/clock/freeze", json={"at": T0})
            path = _upload(http, ALICE)
            served.append(path)
            assert http.get(path).status_code == 200  # served to whoever has the URL, as live
            if run == 0:
                mallory = _upload(http, BOB)
                millis = mallory.rsplit("/", 1)[1].split("-")[0]
                guesses = [
                    f"/f/image/{millis}-{random.Random(f'0:{n}').getrandbits(32):08x}-cat.png"
                    for n in range(64)
                ]
                assert {http.get(guess).status_code for guess in guesses} == {404}
    assert served[0] != served[1]


def test_one_account_uploading_much_never_removes_another_accounts_upload(store: str) -> None:
    """Bob's 13 uploads of 20 MB (260 MB, past what all accounts keep together) push out Bob's own
    oldest, never Alice's one file."""
    with (
        serve("--store", store, workers=1, threads=2) as mock,
        httpx.Client(base_url=mock.url, timeout=30) as http,
    ):
        alice = _upload(http, ALICE)
        bob = [_upload(http, BOB, BIG) for _ in range(13)]
        assert http.get(alice).content == PNG
        assert http.get(bob[-1]).status_code == 200
        assert http.get(bob[0]).status_code == 404  # Bob's own oldest made room
