"""A project of a team that uses the toolkit, outside this repository: the wheel installed with `[mock]`
into a clean virtualenv (with pytest and anyio, nothing else of ours), and tests that use only the
`apimart_mock` fixture, found through the package's `pytest11` entry point (no conftest, no imports of
ours beyond `apimart`). One virtualenv for the session; its tests run in one pytest subprocess.
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a virtualenv, and a pytest run in it

CONSUMER_TESTS = """
import httpx
import pytest

import apimart


def test_sync_happy_path(apimart_mock):
    grid = apimart_mock.client.imagine_and_wait("a lighthouse at dusk")
    image = apimart_mock.client.upscale_and_wait(grid, 3)
    assert image.status == "SUCCESS" and len(image.image_urls) == 1


@pytest.mark.anyio
async def test_async_happy_path(apimart_mock):
    async with apimart_mock.async_client as client:
        grid = await client.imagine_and_wait("a lighthouse")
        image = await client.upscale_and_wait(grid, 1)
    assert image.action == "UPSCALE"


def test_a_failure_scenario(apimart_mock):
    with apimart_mock.scenario("failure", fail_reason="upstream down"):
        with pytest.raises(apimart.TaskFailedError) as failed:
            apimart_mock.client.imagine_and_wait("a lighthouse")
    assert failed.value.fail_reason == "upstream down"


def test_a_429_is_retried(apimart_mock):
    apimart_mock.fault("429", count=1, retry_after=1)
    assert apimart_mock.client.balance().success
    assert [r.status for r in apimart_mock.requests(path="/v1/balance")] == [429, 200]


def test_the_journal(apimart_mock):
    apimart_mock.client.imagine("a lighthouse", size="16:9")
    (sent,) = apimart_mock.requests(method="POST")
    assert (sent.path, sent.account, sent.status) == ("/v1/midjourney/generations/imagine", "sk-test", 200)
    assert sent.body == {"prompt": "a lighthouse", "size": "16:9"}


def test_served_over_http(apimart_mock):
    task = apimart_mock.create_task(status="SUCCESS", age=60)
    with apimart_mock.serve() as served:
        key = {"Authorization": f"Bearer {served.api_key}"}
        answer = httpx.get(f"{served.base_url}/v1/tasks/{task}", headers=key, timeout=10)
    assert answer.status_code == 200 and answer.json()["data"]["status"] == "completed"
"""


@pytest.fixture(scope="session")
def consumer_python(project_wheel: Path, make_venv: Callable[..., Path]) -> Path:
    """A clean virtualenv holding the project's wheel with `[mock]`, pytest and anyio."""
    return make_venv(f"{project_wheel}[mock]", "pytest", "anyio")


def test_a_consumer_project_tests_with_the_fixture_alone(consumer_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "thumbnailer"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_with_mock.py").write_text(textwrap.dedent(CONSUMER_TESTS))
    done = subprocess.run(
        [str(consumer_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "6 passed" in done.stdout
    plugins = subprocess.run(
        [
            str(consumer_python),
            "-c",
            "from importlib.metadata import entry_points; print(entry_points(group='pytest11'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "mock_server.pytest_plugin" in plugins.stdout
