"""The happy paths against the mock server: in-process (its clock advanced instead of slept on), and
the CLI against the mock served over real HTTP (granian, as `make mock` serves it) on a free port.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import apimart
import apimart_mock
from apimart.cli import main
from apimart_mock.testing import serve

START = 1_000_000.0
MASK = "https://example.com/mask.png"


def _advancer(control: httpx.Client) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        control.post("/__mock/clock/advance", json={"seconds": seconds}).raise_for_status()

    return sleep


@pytest.fixture
def mock_client() -> Iterator[apimart.Client]:
    app = apimart_mock.create_app(apimart_mock.MockConfig(frozen_at=START))
    transport = httpx.WSGITransport(app=app)
    with (
        httpx.Client(transport=transport, base_url="http://localhost") as control,
        apimart.Client(
            api_key="sk-test", base_url="http://localhost", transport=transport, sleep=_advancer(control)
        ) as client,
    ):
        yield client


def test_imagine_wait_upscale_by_index_and_by_custom_id(mock_client: apimart.Client) -> None:
    seen: list[int] = []
    grid = mock_client.imagine_and_wait("a cat on a windowsill", on_progress=lambda p, s: seen.append(p))
    assert grid.status == "SUCCESS" and seen == sorted(seen) and seen[-1] == 100
    assert len(grid.image_urls or []) == 4
    for button in grid.buttons or []:
        assert str(apimart.CustomId.parse(button.custom_id)) == button.custom_id

    by_index = mock_client.upscale_and_wait(grid, 2)
    assert (
        by_index.status == "SUCCESS" and by_index.action == "UPSCALE" and len(by_index.image_urls or []) == 1
    )

    button = apimart.pick_button(grid, "upscale", index=3)
    by_button = mock_client.upscale_and_wait(grid, button=button)
    assert by_button.status == "SUCCESS" and by_button.id != by_index.id


def test_inpaint_then_modal(mock_client: apimart.Client) -> None:
    grid = mock_client.imagine_and_wait("a cat")
    image = mock_client.upscale_and_wait(grid, 1)
    waiting = mock_client.inpaint_and_wait(image)
    assert waiting.status == "MODAL"
    done = mock_client.modal_and_wait(waiting, prompt="a red hat", mask_url=MASK)
    assert done.id == waiting.id and done.status == "SUCCESS"
    assert mock_client.get_task(done, view="unified").status == "completed"


def test_errors_from_the_mock_are_typed(mock_client: apimart.Client) -> None:
    with pytest.raises(apimart.NotFoundError):
        mock_client.get_task("task_01KV52C0TEJSYZMCG0NCS4YWKX")
    grid = mock_client.imagine_and_wait("a cat")
    with pytest.raises(apimart.BadRequestError, match="upscaled"):
        mock_client.pan(grid, "left")


@pytest.fixture
def served_mock() -> Iterator[str]:
    """The mock as `make mock` serves it (granian), with a frozen clock the CLI's sleeps advance."""
    with serve("--frozen") as mock:
        yield mock.url


@pytest.mark.http
def test_cli_over_http(served_mock: str, capsys: pytest.CaptureFixture[str]) -> None:
    with httpx.Client(base_url=served_mock) as control:
        options = {"sleep": _advancer(control)}
        base = ["--base-url", served_mock, "--api-key", "sk-test"]
        assert main([*base, "imagine", "a cat", "--wait", "--json"], client_options=options) == 0
        grid = json.loads(capsys.readouterr().out)
        assert grid["status"] == "SUCCESS"

        assert main([*base, "upscale", grid["id"], "--index", "2"], client_options=options) == 0
        child_id, status = capsys.readouterr().out.split()
        assert status == "submitted"
        assert main([*base, "wait", child_id], client_options=options) == 0
        assert "status      SUCCESS" in capsys.readouterr().out

        assert main([*base, "get", "task_01KV52C0TEJSYZMCG0NCS4YWKX"]) == 4
        assert capsys.readouterr().err.startswith("apimart: error: 404")

    # The installed console script itself, in a subprocess, with the key from the environment.
    script = Path(sys.executable).with_name("apimart")
    done = subprocess.run(
        [str(script), "--base-url", served_mock, "get", grid["id"], "--view", "unified"],
        env={"APIMART_API_KEY": "sk-test", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "status      completed" in done.stdout
