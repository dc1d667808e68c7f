"""Balance: charges subtract, refunds give back, a submit above what is left answers 402 and creates
nothing; `--balance` sets every account's starting amount (default unlimited, `used_balance` counting)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from mock_helpers import KEY_A, KEY_B, Api, error_of, make_app

from apimart_mock.domain.accounts import account_id

PATHS = ("/v1/balance", "/balance", "/v1/user/balance", "/user/balance")


def balance(api: Api, path: str = "/v1/balance") -> dict[str, Any]:
    response = api.request("GET", path)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[return-value]


@pytest.fixture
def limited(store: str) -> Api:
    return Api(make_app(store, balance=0.12).test_client())


def test_unlimited_by_default_and_used_balance_counts(api: Api) -> None:
    assert balance(api) == {"success": True, "remain_balance": -1, "used_balance": 0, "unlimited_quota": True}
    grid = api.finished()
    api.create("upscale", {"task_id": grid, "index": 1})
    for path in PATHS:  # the token's and the account's balance are one number in the mock
        assert balance(api, path) == {
            "success": True,
            "remain_balance": -1,
            "used_balance": 0.07,
            "unlimited_quota": True,
        }
    assert balance(api.as_(KEY_B))["used_balance"] == 0


def test_a_submit_above_the_balance_is_402_and_creates_nothing(limited: Api) -> None:
    limited.create()
    limited.create()
    assert balance(limited) == {
        "success": True,
        "remain_balance": 0.02,
        "used_balance": 0.1,
        "unlimited_quota": False,
    }
    before = limited.tasks()
    assert error_of(limited.submit()) == (
        402,
        "payment_required",
        "Insufficient account balance, please top up",
    )
    assert limited.tasks() == before


def test_a_refund_is_observable_and_can_be_spent_again(limited: Api) -> None:
    failing = limited.create(**{"X-Mock-Scenario": "failure"})  # charged now, refunded when it fails
    limited.create()
    assert balance(limited)["used_balance"] == 0.1
    assert error_of(limited.submit())[0] == 402
    limited.advance(60)
    assert limited.mj(failing)["status"] == "FAILURE" and limited.mj(failing)["quota"] == 0
    assert balance(limited) == {
        "success": True,
        "remain_balance": 0.07,
        "used_balance": 0.05,
        "unlimited_quota": False,
    }
    limited.create()


def test_inpaint_is_billed_at_modal(limited: Api) -> None:
    grid = limited.finished()
    upscaled = limited.create("upscale", {"task_id": grid, "index": 1})
    waiting = limited.create("inpaint", {"task_id": upscaled})
    assert balance(limited)["used_balance"] == 0.07  # the inpaint costs nothing while it waits
    limited.create()  # 0.12 used: the modal call cannot be paid
    assert error_of(limited.submit("modal", {"task_id": waiting}))[0] == 402
    assert limited.mj(waiting)["status"] == "MODAL"  # nothing changed


def test_the_control_api_sets_one_accounts_balance(api: Api) -> None:
    answer = api.client.post("/__mock/balance", json={"account": KEY_A, "amount": 0.05}).json
    assert answer == {
        "account": account_id(KEY_A),
        "success": True,
        "remain_balance": 0.05,
        "used_balance": 0,
        "unlimited_quota": False,
    }
    api.create()
    assert error_of(api.submit())[0] == 402
    assert api.client.post("/__mock/balance", json={"account": KEY_A, "unlimited": True}).status_code == 200
    api.create()
    assert api.client.post("/__mock/balance", json={"account": KEY_A, "amount": -1}).status_code == 400
    assert balance(api.as_(KEY_B))["unlimited_quota"] is True


def test_concurrent_submits_never_overspend(store: str) -> None:
    app = make_app(store, balance=0.5)

    def submit(_: int) -> int:
        return Api(app.test_client()).submit().status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(submit, range(40)))
    assert sorted(set(statuses)) == [200, 402] and statuses.count(200) == 10
    assert balance(Api(app.test_client())) == {
        "success": True,
        "remain_balance": 0,
        "used_balance": 0.5,
        "unlimited_quota": False,
    }


def test_balance_needs_a_key(api: Api) -> None:
    for path in PATHS:
        assert error_of(api.client.get(path))[:2] == (401, "authentication_error")
