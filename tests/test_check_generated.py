"""`make check-generated` fails, with the diff, on a hand edit or an unregenerated spec change."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the drift check reads: the spec, the generator config, the scripts and generated/."""
    for name in ("openapi.yaml", "openapi-python-client.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("scripts", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _check(checkout: Path) -> subprocess.CompletedProcess[str]:
    env = {"VENV_BIN": str(Path(sys.executable).parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "check-generated.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_clean_copy_passes(checkout: Path) -> None:
    result = _check(checkout)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hand_edit_fails_with_diff(checkout: Path) -> None:
    target = checkout / "generated" / "apimart_mj_client" / "models" / "button.py"
    target.write_text(target.read_text().replace("custom_id", "customid", 1))
    result = _check(checkout)
    assert result.returncode != 0
    assert "customid" in result.stdout and "make generate" in result.stderr


def test_spec_change_without_regeneration_fails(checkout: Path) -> None:
    spec = checkout / "openapi.yaml"
    spec.write_text(spec.read_text().replace("Text, or the emoji of an emoji-only button.", "Button text."))
    result = _check(checkout)
    assert result.returncode != 0
    assert "Button text." in result.stdout
