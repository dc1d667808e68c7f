"""The project builds into one wheel that works when imported from outside the repository."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from contract.test_cli import give_unicode_tables
from uv import find_uv_bin

from apimart_contract.cli import hypothesis_cache

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # a virtualenv, and the installed suite run against servers


def test_wheel_holds_every_package_and_the_spec(project_wheel: Path) -> None:
    wheel = zipfile.ZipFile(project_wheel)
    names = set(wheel.namelist())
    for required in (
        "apimart/py.typed",
        "apimart_mj/py.typed",
        "apimart_mj/_custom_id.py",
        "apimart_mj_client/py.typed",
        "apimart_mj_client/api/midjourney/upscale.py",
        "apimart_mock/py.typed",
        "apimart_mock/assets/video.mp4",
        "apimart_mj/openapi.yaml",
        "apimart_contract/cli.py",
        "apimart_contract/plugin.py",
        "apimart_contract/pytest.ini",
        "apimart_contract/properties/test_conformance.py",
    ):
        assert required in names, required
    assert not [name for name in names if name.startswith(("tests/", "generated/", "examples/"))]
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = next(wheel.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "apimart-contract = apimart_contract.__main__:main" in metadata
    pytest11 = metadata.split("[pytest11]")[1].split("[")[0].split()
    assert pytest11 == [
        "apimart_mock",
        "=",
        "apimart_mock.testing.pytest_plugin",
    ]  # the contract plugin: on request
    # The suite's own tests of itself (a self-check against broken servers, the decoding of spec bodies)
    # import the mock and respx: they judge this toolkit, and stay out of the wheel.
    self_tests = ("test_self_check.py", "broken.py", "test_decoding.py")
    assert not [name for name in names if name.endswith(self_tests)]
    spec = wheel.read("apimart_mj/openapi.yaml")
    assert spec == (ROOT / "openapi.yaml").read_bytes()


def test_installed_packages_import_outside_the_repo(project_wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [find_uv_bin(), "pip", "install", "--quiet", "--no-deps", "--target", str(target), project_wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import apimart, apimart_mj, apimart_mj_client, apimart_mock;"
        "from apimart_mj_client.models import MidjourneyTask;"
        "print(apimart_mj_client.__file__, apimart.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert all(path.startswith(str(target)) for path in result.stdout.split()), result.stdout


@pytest.fixture(scope="module")
def contract_cli(project_wheel: Path, make_venv: Callable[..., Path]) -> Path:
    """`apimart-contract` from the wheel with its `[contract]` extra, in a clean venv outside the repo."""
    return make_venv(f"{project_wheel}[contract]").parent / "apimart-contract"


def _run_contract(
    cli: Path, cwd: Path, base_url: str, *extra: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{cli.parent}:/usr/bin:/bin",
        "HOME": str(cwd),
        **({"APIMART_API_KEY": key} if key else {}),
    }
    give_unicode_tables(hypothesis_cache(env))
    return subprocess.run(
        [str(cli), "--base-url", base_url, "--rate-limit", "200", "--max-wall-time", "120", *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_installed_lean_extra_has_no_mock_server_and_no_dev_tools(contract_cli: Path) -> None:
    python = contract_cli.parent / "python"
    unwanted = "('flask', 'openapi_python_client', 'ruff', 'mypy')"
    probe = f"import importlib.util as u; print([m for m in {unwanted} if u.find_spec(m)])"
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
    shown = subprocess.run(
        [str(contract_cli), "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    for name in (
        "--base-url",
        "--report-dir",
        "--strict-warnings",
        "APIMART_API_KEY_2",
        "APIMART_MAX_WALL_TIME",
    ):
        assert name in shown.stdout


def test_the_installed_cli_passes_the_served_mock(contract_cli: Path, tmp_path: Path) -> None:
    """`make mock` (any token accepted) + `apimart-contract --base-url`: exit 0 with the three reports, the
    bad-key check skipped with its reason. Every test of the installed suite but the per-operation
    conformance of the submits (`make test` runs those against the served mock as the `served` target:
    the same code, and here the installed one runs the reads', the uploads' and the links' conformance)."""
    from apimart_mock.testing import serve

    options = ("--allow-spend", "--spend-budget", "6", "--", "-k", "not generations")
    with serve("--frozen", "--seed", "0") as mock:
        result = _run_contract(contract_cli, tmp_path, mock.url, *options)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    reports = tmp_path / "reports"
    assert {p.name for p in reports.iterdir()} >= {"junit.xml", "report.md", "report.json"}
    report = json.loads((reports / "report.json").read_text())
    assert report["verdict"] == "holds" and report["violations"] == []
    junit = (reports / "junit.xml").read_text()
    assert "test_operation_conforms[GET /v1/tasks/{task_id}]" in junit and "test_links_conform" in junit
    assert "bad-key-accepted" in report["skipped_checks"]
    assert "the contract **holds**" in (reports / "report.md").read_text()
    console = result.stdout + result.stderr  # quiet: no warnings of our packaging, no paths
    for noise in ("Warning", "configfile", "dev/null", "site-packages"):
        assert noise not in console, console[-3000:]


def test_the_installed_cli_names_the_broken_check(contract_cli: Path, tmp_path: Path) -> None:
    """Against a served mock that answers 403 for unknown tasks: exit 1, the check named in every report."""
    from contract.broken import served, unknown_task_forbidden

    from apimart_mock import MockConfig

    with served(unknown_task_forbidden(), MockConfig(frozen_at=1_763_000_000.0)) as url:
        result = _run_contract(contract_cli, tmp_path, url, "--", "-k", "not_found")
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    assert "task-not-found" in result.stdout
    reports = tmp_path / "reports"
    report = json.loads((reports / "report.json").read_text())
    assert {v["check"] for v in report["violations"]} == {"task-not-found"}
    assert "`task-not-found`" in (reports / "report.md").read_text()
    assert "task-not-found" in (reports / "junit.xml").read_text()


def test_an_unreachable_target_could_not_run(contract_cli: Path, tmp_path: Path) -> None:
    from apimart_mock.testing import free_port

    result = _run_contract(contract_cli, tmp_path, f"http://127.0.0.1:{free_port()}", key="sk-any")
    assert result.returncode == 2 and "cannot reach" in result.stderr, result.stderr
    unconfigured = _run_contract(contract_cli, tmp_path, f"http://127.0.0.1:{free_port()}")
    assert unconfigured.returncode == 2 and "APIMART_API_KEY" in unconfigured.stderr


def test_a_hanging_target_ends_the_whole_run_within_its_wall_time(contract_cli: Path, tmp_path: Path) -> None:
    """Tasks stuck in statuses the contract does not name (lower case), in real time: the whole run ends
    on its own, soon after APIMART_MAX_WALL_TIME, with a verdict naming the stuck task."""
    from contract.broken import served, stuck_in_lower_case

    from apimart_mock import MockConfig

    wall, poll = 12, 3
    options = ("--allow-spend", "--no-mock-clock", "--max-wall-time", str(wall))
    with served(stuck_in_lower_case(), MockConfig(seed=0)) as url:
        started = time.monotonic()
        result = _run_contract(contract_cli, tmp_path, url, *options, "--", "-k", "errors or lifecycle")
        elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout[-4000:]
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    stuck = [v for v in report["violations"] if v["check"] == "task-stuck"]
    assert stuck and "task task_" in stuck[0]["expected"] and "last seen" in stuck[0]["received"]
    # The wall time, one poll interval, and the suite's start (imports, collection: not in the budget).
    assert elapsed < wall + poll + 60, elapsed  # a generous start: the tight bound is the self-check's
