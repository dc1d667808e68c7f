"""A project of a team that uses the toolkit, outside this repository (issue 21, "a good guest").

The wheel is installed with every extra a user installs (`[mock,contract]`) into a clean virtualenv, beside
pytest and anyio. The project has packages of its own named `contract_tests` and `mock_server` (common
names), a Hypothesis profile of its own, tests that use only the `apimart_mock` fixture (found through the
package's `pytest11` entry point: no conftest of ours, no imports of ours beyond `apimart`), and a failing
test. Installing the kit must change nothing but the fixture. A second virtualenv holds the client alone:
its three console scripts run or name the extra they need, in one line.
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
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_its_own_packages_win(apimart_mock):
    import contract_tests
    import mock_server

    assert (contract_tests.OWNER, mock_server.OWNER) == ("thumbnailer", "thumbnailer")


@given(st.integers())
def test_its_own_hypothesis_profile_is_in_force(number):
    assert settings().max_examples == 7


def test_served_over_http(apimart_mock):
    task = apimart_mock.create_task(status="SUCCESS", age=60)
    with apimart_mock.serve() as served:
        key = {"Authorization": f"Bearer {served.api_key}"}
        answer = httpx.get(f"{served.base_url}/v1/tasks/{task}", headers=key, timeout=10)
    assert answer.status_code == 200 and answer.json()["data"]["status"] == "completed"
"""


CONSUMER_CONFTEST = """
import os

from hypothesis import settings

settings.register_profile("thumbnails", max_examples=7)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
"""

FAILING_TEST = """
def test_that_fails():
    assert 1 == 2
"""


@pytest.fixture(scope="session")
def consumer_python(project_wheel: Path, make_venv: Callable[..., Path]) -> Path:
    """A clean virtualenv holding the project's wheel with `[mock,contract]`, pytest and anyio."""
    return make_venv(f"{project_wheel}[mock,contract]", "pytest", "anyio")


@pytest.fixture
def consumer_project(tmp_path: Path) -> Path:
    project = tmp_path / "thumbnailer"
    for own in ("contract_tests", "mock_server"):
        (project / own).mkdir(parents=True)
        (project / own / "__init__.py").write_text('OWNER = "thumbnailer"\n')
    (project / "tests").mkdir()
    (project / "tests" / "test_with_mock.py").write_text(textwrap.dedent(CONSUMER_TESTS))
    (project / "failing").mkdir()
    (project / "failing" / "test_fails.py").write_text(FAILING_TEST)
    (project / "conftest.py").write_text(CONSUMER_CONFTEST)
    return project


def _pytest(python: Path, project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "HOME": str(project.parent), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_consumer_project_tests_with_the_fixture_alone(
    consumer_python: Path, consumer_project: Path
) -> None:
    """Its own `contract_tests` and `mock_server` packages import as its own, its own Hypothesis profile is
    the one in force (`HYPOTHESIS_PROFILE` names it), and the fixture works."""
    done = _pytest(consumer_python, consumer_project, "tests", HYPOTHESIS_PROFILE="thumbnails")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "8 passed" in done.stdout
    assert "contract" not in done.stdout.lower().replace("contract_tests", "")


def test_its_failing_test_fails_as_plain_pytest(consumer_python: Path, consumer_project: Path) -> None:
    """No contract report, no violation, no Hypothesis replay line: pytest's failure, nothing of ours."""
    done = _pytest(consumer_python, consumer_project, "failing")
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-2000:]
    assert "assert 1 == 2" in done.stdout and "1 failed" in done.stdout
    for ours in ("contract", "violation", "apimart", "HYPOTHESIS_PROFILE", "replay"):
        assert ours not in done.stdout + done.stderr, ours


def test_installing_registers_only_the_mock_fixture(consumer_python: Path, consumer_project: Path) -> None:
    plugins = subprocess.run(
        [
            str(consumer_python),
            "-c",
            "from importlib.metadata import entry_points as e;"
            "print([p.value for p in e(group='pytest11') if p.dist and p.dist.name == 'apimart-midjourney'])",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert plugins.stdout.strip() == "['apimart_mock.testing.pytest_plugin']"
    fixtures = _pytest(consumer_python, consumer_project, "--fixtures", "tests")
    assert fixtures.returncode == 0, fixtures.stdout[-3000:]
    ours = {line.split()[0] for line in fixtures.stdout.splitlines() if "apimart" in line.split(" ")[0]}
    assert ours == {"apimart_mock", "apimart_mock_options"}, ours
    options = _pytest(consumer_python, consumer_project, "--help")
    assert "--target" not in options.stdout and "--report-dir" not in options.stdout


@pytest.fixture(scope="session")
def client_only_python(project_wheel: Path, make_venv: Callable[..., Path]) -> Path:
    """`pip install apimart-midjourney` (no extra), and pytest: a team that only imports the client."""
    return make_venv(str(project_wheel), "pytest")


@pytest.mark.parametrize(
    ("command", "extra"),
    [(["apimart-mock", "serve"], "mock"), (["apimart-contract", "--help"], "contract")],
    ids=["mock", "contract"],
)
def test_a_client_only_install_names_the_extra_a_script_needs(
    client_only_python: Path, command: list[str], extra: str, tmp_path: Path
) -> None:
    script, *args = command
    for argv in (
        [str(client_only_python.parent / script), *args],
        [str(client_only_python), "-m", script.replace("-", "_"), *args],
    ):
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stdout == "" and "Traceback" not in done.stderr
        (line,) = done.stderr.splitlines()
        assert f"pip install 'apimart-midjourney[{extra}]'" in line


def test_a_client_only_install_drives_a_mock_from_the_shell(client_only_python: Path, tmp_path: Path) -> None:
    """The control subcommands need httpx only: they run (here against nothing: one line, exit 6)."""
    from apimart_mock.testing import free_port

    script = str(client_only_python.parent / "apimart-mock")
    shown = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "reset" in shown.stdout and "serve" in shown.stdout
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([script, "health", "--url", url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 6 and done.stderr.startswith(f"apimart-mock: cannot reach {url}"), done.stderr
    assert "Traceback" not in done.stderr


def test_a_client_only_install_runs_the_client_and_pytest(client_only_python: Path, tmp_path: Path) -> None:
    for command in (
        [str(client_only_python.parent / "apimart"), "--version"],
        [str(client_only_python), "-m", "apimart", "--version"],
    ):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout.startswith("apimart "), done.stdout + done.stderr
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    done = _pytest(client_only_python, tmp_path, "test_plain.py")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert "Error while loading plugin" not in done.stdout + done.stderr
