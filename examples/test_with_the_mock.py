"""Testing your own code against the mock with the `apimart_mock` pytest fixture.

`pip install 'apimart-midjourney[mock]'` registers the fixture; no conftest is needed. Copy this file into
your project's tests and run `pytest`: each test gets a fresh mock in-process, and waits take
milliseconds (the client's sleeps advance the mock's clock).
"""

from __future__ import annotations

import pytest

import apimart


def make_thumbnail(client: apimart.Client, prompt: str) -> str:
    """The code under test: imagine a grid, upscale its first image, answer that image's URL."""
    grid = client.imagine_and_wait(prompt)
    image = client.upscale_and_wait(grid, 1)
    return image.image_urls[0]


def test_a_thumbnail_is_the_first_image_upscaled(apimart_mock) -> None:
    url = make_thumbnail(apimart_mock.client, "a cat on a windowsill")

    assert url.endswith(".png")
    imagine, upscale = apimart_mock.requests(method="POST")
    assert imagine.body == {"prompt": "a cat on a windowsill"}
    assert upscale.body["index"] == 1


def test_a_failed_generation_reaches_the_caller(apimart_mock) -> None:
    failing = apimart_mock.scenario("failure", fail_reason="No available upstream")
    with failing, pytest.raises(apimart.TaskFailedError, match="No available upstream"):
        make_thumbnail(apimart_mock.client, "a cat on a windowsill")
