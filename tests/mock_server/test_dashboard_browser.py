"""The dashboard at /__mock/ in a real headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium) against the served mock: it loads without console errors, shows a task submitted through the
API, and advancing the clock from the page takes that task to SUCCESS.

Without the browser the test skips, naming what to install; CI sets APIMART_REQUIRE_BROWSER=1 (.ci/run),
which turns that skip into a failure (the `browser` fixture, conftest.py).
"""

from __future__ import annotations

import httpx
import pytest

from apimart_mock.testing import serve

pytestmark = pytest.mark.http

KEY = "sk-dashboard"
_WAIT_S = 20


def test_the_dashboard_shows_a_task_and_moves_it_to_success(browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    with serve("--frozen", workers=1) as mock:
        submitted = httpx.post(
            f"{mock.url}/v1/midjourney/generations",
            json={"prompt": "a cat on a windowsill"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        task_id = submitted.json()["data"][0]["task_id"]
        browser.get(f"{mock.url}/__mock/")
        wait = WebDriverWait(browser, _WAIT_S)
        row = f'tr[data-task-id="{task_id}"]'

        def text(css: str) -> str:  # read in one step: the page re-renders every second
            found = browser.execute_script("return document.querySelector(arguments[0])?.textContent", css)
            return str(found or "")

        wait.until(lambda _: text(f"{row} td.status") in ("SUBMITTED", "NOT_START"))
        assert "acct_" in text(row)  # the account, redacted
        assert KEY not in browser.page_source
        assert text(f'{row} a[href$="/tasks/{task_id}/midjourney"]') == "midjourney"
        wait.until(lambda _: "/v1/midjourney/generations" in text("#journal"))

        seconds = browser.find_element(By.ID, "advance-seconds")
        seconds.clear()
        seconds.send_keys("3600")
        browser.find_element(By.ID, "advance").click()
        wait.until(lambda _: text(f"{row} td.status") == "SUCCESS")
        assert text(f"{row} td.progress") == "100%"
        assert text("#error") == ""
        view = httpx.get(f"{mock.url}/__mock/tasks/{task_id}/midjourney").json()
        assert view["status"] == "SUCCESS"

        problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        assert problems == [], problems


def test_behind_an_admin_token_the_dashboard_asks_for_it(
    browser: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    monkeypatch.setenv("APIMART_MOCK_ADMIN_TOKEN", "t0ken")
    with serve("--frozen", workers=1) as mock:
        browser.get(f"{mock.url}/__mock/")
        wait = WebDriverWait(browser, _WAIT_S)
        wait.until(lambda driver: driver.find_element(By.ID, "login").is_displayed())
        assert "…" in browser.find_element(By.ID, "clock-now").text  # nothing shown without the token
        browser.find_element(By.ID, "admin-token").send_keys("t0ken")
        browser.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(lambda driver: "T" in driver.find_element(By.ID, "clock-now").text)  # an ISO time
        assert not browser.find_element(By.ID, "login").is_displayed()
        assert browser.find_element(By.ID, "error").text == ""


def test_the_freeze_and_resume_buttons_drive_the_clock(browser: object) -> None:
    """Both send no fields: the page still sends `{}` as JSON, which the control API requires."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    with serve(workers=1) as mock:
        browser.get(f"{mock.url}/__mock/")
        wait = WebDriverWait(browser, _WAIT_S)
        state = browser.find_element(By.ID, "clock-state")
        wait.until(lambda _: state.text.startswith("running"))
        browser.find_element(By.ID, "freeze").click()
        wait.until(lambda _: state.text.startswith("frozen"))
        assert httpx.get(f"{mock.url}/__mock/clock").json()["frozen"] is True
        browser.find_element(By.ID, "resume").click()
        wait.until(lambda _: state.text.startswith("running"))
        assert httpx.get(f"{mock.url}/__mock/clock").json()["frozen"] is False
        assert browser.find_element(By.ID, "error").text == ""


def test_a_team_sees_and_moves_its_own_scope_only(browser: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind an admin token, a team's key and scope (no token) show that scope's tasks and journal, not
    another team's; Advance on the page moves that scope's tasks only."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    monkeypatch.setenv("APIMART_MOCK_ADMIN_TOKEN", "t0ken")
    with serve("--frozen", workers=1) as mock:
        ours, theirs = ({"Authorization": f"Bearer {KEY}-{team}", "X-Mock-Scope": team} for team in "ab")
        tasks = [
            httpx.post(
                f"{mock.url}/v1/midjourney/generations", json={"prompt": "a cat"}, headers=headers
            ).json()["data"][0]["task_id"]
            for headers in (ours, theirs)
        ]
        browser.get(f"{mock.url}/__mock/")
        wait = WebDriverWait(browser, _WAIT_S)

        def text(css: str) -> str:
            found = browser.execute_script("return document.querySelector(arguments[0])?.textContent", css)
            return str(found or "")

        browser.find_element(By.ID, "team-key").send_keys(f"{KEY}-a")
        browser.find_element(By.ID, "team-scope").send_keys("a")
        browser.find_element(By.CSS_SELECTOR, "#team button").click()
        wait.until(lambda _: text(f'tr[data-task-id="{tasks[0]}"] td.status') == "NOT_START")
        assert text(f'tr[data-task-id="{tasks[1]}"]') == ""  # another team's task is not listed
        wait.until(lambda _: "/v1/midjourney/generations" in text("#journal"))
        assert text("#journal").count("/v1/midjourney/generations") == 1

        browser.find_element(By.ID, "advance").click()
        wait.until(lambda _: text(f'tr[data-task-id="{tasks[0]}"] td.status') == "SUCCESS")
        theirs_now = httpx.get(f"{mock.url}/v1/midjourney/{tasks[1]}", headers=theirs).json()
        assert theirs_now["status"] == "NOT_START"
        assert text("#error") == ""
