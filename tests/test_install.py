"""The project builds into one wheel that works when imported from outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_holds_every_package_and_the_spec(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "apimart/py.typed",
        "apimart_mj/py.typed",
        "apimart_mj/_custom_id.py",
        "apimart_mj_client/py.typed",
        "apimart_mj_client/api/midjourney/upscale.py",
        "mock_server/py.typed",
        "mock_server/assets/video.mp4",
        "apimart_mj/openapi.yaml",
    ):
        assert required in names, required
    assert not [name for name in names if name.startswith(("tests/", "generated/", "contract_tests/"))]
    spec = zipfile.ZipFile(wheel).read("apimart_mj/openapi.yaml")
    assert spec == (ROOT / "openapi.yaml").read_bytes()


def test_installed_packages_import_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import apimart, apimart_mj, apimart_mj_client, mock_server;"
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
