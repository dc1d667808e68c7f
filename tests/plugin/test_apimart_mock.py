"""The `apimart_mock` fixture, as a test of one's own code uses it (the plugin is registered by the
package's `pytest11` entry point, not by a conftest)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import apimart
from apimart_mock.testing.harness import MockHarness


def test_a_flow_takes_milliseconds_and_advances_the_clock(apimart_mock: MockHarness) -> None:
    start_clock, start = apimart_mock.now, time.perf_counter()
    grid = apimart_mock.client.imagine_and_wait("a cat on a windowsill")
    image = apimart_mock.client.upscale_and_wait(grid, 2)
    assert (grid.status, image.status, image.action) == ("SUCCESS", "SUCCESS", "UPSCALE")
    assert time.perf_counter() - start < 2.0  # the mock's clock moved instead, a poll interval a wait
    assert apimart_mock.now - start_clock >= 2 * apimart.DEFAULT_POLL_INTERVAL


@pytest.mark.anyio
async def test_async_client_under_anyio(apimart_mock: MockHarness) -> None:
    grid = await apimart_mock.async_client.imagine_and_wait("a cat")
    image = await apimart_mock.async_client.upscale_and_wait(grid, 1)
    assert image.status == "SUCCESS"


@pytest.mark.asyncio
async def test_async_client_under_pytest_asyncio(apimart_mock: MockHarness) -> None:
    async with apimart_mock.async_client as client:
        grid = await client.imagine_and_wait("a cat")
    assert grid.status == "SUCCESS"


def test_each_test_gets_a_fresh_mock(apimart_mock: MockHarness) -> None:
    assert apimart_mock.requests() == []
    with pytest.raises(apimart.NotFoundError):
        apimart_mock.client.get_task("task_01M8RYTVM8CD7VA7GRRKEFYHPA")


def test_advance_freeze_and_now(apimart_mock: MockHarness) -> None:
    frozen = apimart_mock.freeze(at=1_800_000_000)
    assert frozen == apimart_mock.now == 1_800_000_000
    assert apimart_mock.advance(90) == 1_800_000_090 == apimart_mock.now
    task = apimart_mock.client.imagine("a cat")
    assert apimart_mock.client.get_task(task).status != "SUCCESS"
    apimart_mock.advance(300)
    assert apimart_mock.client.get_task(task).status == "SUCCESS"
    with pytest.raises(ValueError, match="seconds"):
        apimart_mock.advance(-1)


def test_scenario_for_the_next_submits_and_as_a_context_manager(apimart_mock: MockHarness) -> None:
    with apimart_mock.scenario("failure", fail_reason="upstream gone"):
        with pytest.raises(apimart.TaskFailedError) as failed:
            apimart_mock.client.imagine_and_wait("a cat")
        assert failed.value.fail_reason == "upstream gone"
    assert apimart_mock.client.imagine_and_wait("a cat").status == "SUCCESS"  # undone on exit
    apimart_mock.scenario("banned")
    with pytest.raises(apimart.ModerationError):
        apimart_mock.client.imagine("a cat")
    with pytest.raises(ValueError, match="expected one of"):
        apimart_mock.scenario("nope")


def test_a_429_fault_is_retried_and_journaled(apimart_mock: MockHarness) -> None:
    apimart_mock.fault("429", count=1, retry_after=2, path="/v1/midjourney/generations")
    start = apimart_mock.now
    apimart_mock.client.imagine("a cat")
    posts = apimart_mock.requests(method="POST")
    assert [r.status for r in posts] == [429, 200]
    assert apimart_mock.now - start >= 2  # the client waited Retry-After on the mock's clock
    with pytest.raises(ValueError, match="kinds"):
        apimart_mock.fault("meteor")


def test_a_dropped_connection_is_a_connection_error(apimart_mock: MockHarness) -> None:
    apimart_mock.fault("drop", path="/v1/midjourney/generations")
    with pytest.raises(apimart.APIConnectionError):
        apimart_mock.client.imagine("a cat")
    assert [r.status for r in apimart_mock.requests(method="POST")] == [0]


def test_requests_are_filterable_by_each_attribute(apimart_mock: MockHarness) -> None:
    task = apimart_mock.client.imagine("a cat", size="16:9")
    apimart_mock.client.get_task(task)
    (post,) = apimart_mock.requests(method="POST", path="/v1/midjourney/generations/imagine")
    assert (post.account, post.status, post.body) == ("sk-test", 200, {"prompt": "a cat", "size": "16:9"})
    (get,) = apimart_mock.requests(method="GET", account="sk-test", status=200)
    assert get.path == f"/v1/midjourney/{task.task_id}" and get.body is None
    assert apimart_mock.requests(body={"prompt": "a cat", "size": "16:9"}) == [post]
    with pytest.raises(TypeError, match="unknown filters"):
        apimart_mock.requests(colour="red")


def test_create_task_in_any_state(apimart_mock: MockHarness) -> None:
    done = apimart_mock.create_task(status="SUCCESS", age=3600)
    assert apimart_mock.client.upscale_and_wait(done, 4).status == "SUCCESS"
    failed = apimart_mock.create_task(status="FAILURE", fail_reason="gone")
    assert apimart_mock.client.get_task(failed).fail_reason == "gone"
    modal = apimart_mock.create_task(status="MODAL", action="INPAINT")
    assert apimart_mock.client.get_task(modal).status == "MODAL"
    other = apimart_mock.create_task(account="sk-other")
    with pytest.raises(apimart.PermissionDeniedError):
        apimart_mock.client.get_task(other)
    with pytest.raises(ValueError, match="status must be one of"):
        apimart_mock.create_task(status="LOST")


def test_serve_is_the_same_mock_over_real_http(apimart_mock: MockHarness) -> None:
    task = apimart_mock.create_task()
    with apimart_mock.serve() as served:
        assert served.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=served.base_url, timeout=10) as http:
            answer = http.get(f"/v1/midjourney/{task}", headers={"Authorization": f"Bearer {served.api_key}"})
    assert answer.status_code == 200 and answer.json()["id"] == task
    assert apimart_mock.requests(path=f"/v1/midjourney/{task}")[0].status == 200


def test_a_drop_over_served_http_closes_the_connection(apimart_mock: MockHarness) -> None:
    apimart_mock.fault("drop", count=1)
    with apimart_mock.serve() as served:
        client = apimart.Client(api_key=served.api_key, base_url=served.base_url, max_retries=0, timeout=10)
        with client, pytest.raises(apimart.APIConnectionError):
            client.balance()
    assert [r.status for r in apimart_mock.requests()] == [0]


@pytest.mark.apimart_mock(api_keys=["sk-a", "sk-b"], shape="docs", retention=60)
def test_the_marker_sets_keys_shape_and_retention(apimart_mock: MockHarness) -> None:
    assert apimart_mock.api_key == "sk-a"
    task = apimart_mock.create_task(age=30)
    assert apimart_mock.client.get_task(task).id == task
    apimart_mock.advance(31)
    with pytest.raises(apimart.NotFoundError):
        apimart_mock.client.get_task(task)
    with apimart_mock.serve() as served, httpx.Client(base_url=served.base_url, timeout=10) as http:
        assert http.get("/v1/balance", headers={"Authorization": "Bearer sk-c"}).status_code == 401
    assert apimart_mock.requests(status=401)[0].account is None


@pytest.mark.apimart_mock(frozen=True, client={"poll_interval": 5})
def test_the_marker_freezes_and_passes_client_options(apimart_mock: MockHarness) -> None:
    before = apimart_mock.now
    time.sleep(0.01)
    assert apimart_mock.now == before
    assert apimart_mock.client.poll_interval == 5


class TestModuleDefaults:
    @pytest.fixture
    def apimart_mock_options(self) -> dict[str, Any]:
        return {"api_key": "sk-team", "balance": 0}

    def test_the_options_fixture_sets_defaults(self, apimart_mock: MockHarness) -> None:
        assert apimart_mock.api_key == "sk-team"
        with pytest.raises(apimart.PaymentRequiredError):
            apimart_mock.client.imagine("a cat")

    @pytest.mark.apimart_mock(balance=None)
    def test_a_marker_overrides_them(self, apimart_mock: MockHarness) -> None:
        assert apimart_mock.client.imagine("a cat").task_id


@pytest.mark.parametrize("apimart_mock", [{"shape": "docs"}, {"shape": "live"}], indirect=True)
def test_indirect_parameters_choose_options(apimart_mock: MockHarness) -> None:
    task = apimart_mock.create_task()
    answer = apimart_mock.client.get_task(task).to_dict()
    assert ("prompt_en" in answer) == (apimart_mock.config.shape == "live")


def test_unknown_options_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.apimart_mock(colour="red")
        def test_x(apimart_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.stdout.fnmatch_lines(["*unknown apimart_mock options: colour*"])
    assert result.ret != 0


def test_the_plugin_loads_without_the_mock_extra() -> None:
    """pytest loads every registered plugin: without Flask, ours must load and only the fixture fail."""
    probe = (
        "import sys; sys.modules['flask'] = None\n"
        "import pytest, apimart_mock.testing.pytest_plugin as plugin\n"
        "try:\n"
        "    plugin.harness_from_options({})\n"
        "except pytest.UsageError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "pip install 'apimart-midjourney[mock]'" in done.stdout


def test_an_app_used_again_is_reset_first() -> None:
    first = MockHarness()
    task = first.create_task()
    first.fault("500")
    first.freeze(at=1_800_000_000)
    again = MockHarness(first.config, app=first.app)
    assert again.app is first.app and again.requests() == []
    with pytest.raises(apimart.NotFoundError):  # no 500 either: the fault is gone
        again.client.get_task(task)
    assert again.now != 1_800_000_000


def test_the_examples_of_the_docs_run(pytester: pytest.Pytester) -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "testing-with-the-mock.md"
    sync, async_, *_ = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    pytester.makepyfile(test_examples=sync + "\n\n" + async_)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    outcomes = result.parseoutcomes()  # the async example runs once per anyio backend installed
    assert set(outcomes) == {"passed"}, outcomes
    assert outcomes["passed"] >= len(re.findall(r"^(?:async )?def test_", sync + async_, re.M))
