"""Fixtures: a fresh, isolated in-process mock per test; a headless Chromium."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from mock_helpers import Api, make_app


@pytest.fixture
def app(store: str) -> Flask:
    return make_app(store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Iterator[Api]:
    yield Api(client)


_BROWSER, _DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
_PAGE_LOAD_S = 20


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium (Debian's chromium + chromium-driver, via Selenium); skips without one unless
    APIMART_REQUIRE_BROWSER=1."""
    if _BROWSER is None or _DRIVER is None:
        missing = "apt-get install chromium chromium-driver (Debian's packages) and pip install selenium"
        if os.environ.get("APIMART_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no headless browser, and APIMART_REQUIRE_BROWSER=1: {missing}")
        pytest.skip(f"no headless browser here: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _BROWSER
    with tempfile.TemporaryDirectory(prefix="apimart-dashboard-chromium-") as profile:
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1500",  # the dashboard's screenshot
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(_DRIVER))
        driver.set_page_load_timeout(_PAGE_LOAD_S)
        try:
            yield driver
        finally:
            driver.quit()
