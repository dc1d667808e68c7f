"""The bench's WireMock stubs are the served mock's own answers, and `check_stubs` notices any difference.

A real `apimart-mock serve` on loopback (one worker, so its `X-Mock-Worker` header is one value) with a
few tasks per request class; WireMock itself runs in `make bench` (`python -m bench.wiremock`), which
checks every stub against it with the same `check_stubs` before loading it.
"""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from apimart_mock.testing import serve
from bench.state import BenchState
from bench.wiremock import StubMismatch, check_stubs, stub_mappings


def _state(url: str) -> BenchState:
    live: dict[str, list[str]] = {}
    expired: dict[str, list[str]] = {}
    with httpx.Client(base_url=url, timeout=10.0) as http:
        for account in ("bench-a", "bench-b"):
            create = [{"status": "SUCCESS"}, {"status": "SUCCESS", "age": 4 * 86400}]
            made = [
                http.post("/__mock/tasks", json={"account": account, **body}).json()["id"] for body in create
            ]
            live[account], expired[account] = made[:1], made[1:]
    return BenchState(live, expired)


def test_one_stub_per_request_class_made_of_the_mocks_answer_and_checked_against_it() -> None:
    with serve(workers=1) as mock:
        pools = _state(mock.url).pools()
        mappings = stub_mappings(mock.url, dict(reversed(pools.items())))  # the order is the stubs' own
        tried = ["mj_view_200", "unified_view_200", "other_account_403", "expired_404", "unknown_404"]
        assert [m["name"] for m in mappings] == tried
        assert [m["priority"] for m in mappings] == [1, 2, 3, 4, 5]  # WireMock tries them in this order
        by_name = {m["name"]: m for m in mappings}
        first = pools["mj_view_200"][0]
        answer = httpx.get(
            mock.url + first.path, headers={"Authorization": f"Bearer {first.token}", "Prefer": "code=200"}
        )
        stub = by_name["mj_view_200"]["response"]
        assert (stub["status"], base64.b64decode(stub["base64Body"])) == (200, answer.content)
        assert stub["headers"]["content-type"] == "application/json" and "date" not in stub["headers"]
        check_stubs(mock.url, pools, mappings)  # the mock answers as its stubs say

        expired = by_name["expired_404"]["request"]["urlPathPattern"]
        assert all(re.fullmatch(expired, p.path) for p in pools["expired_404"])
        assert not any(re.fullmatch(expired, p.path) for p in pools["unknown_404"])

        by_name["other_account_403"]["response"]["base64Body"] = base64.b64encode(b"{}").decode()
        with pytest.raises(StubMismatch, match=r"other_account_403: .* answered body"):
            check_stubs(mock.url, pools, mappings)
