"""The dashboard at /__mock/ in a real headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium) against the served mock: tasks submitted through the API show with their images (loaded),
prompt, failure reason and lineage; filters narrow the list; a journal row opens without the token; the
controls send JSON and show their curl; reset empties the list; no console errors; axe-core (npm, pinned,
installed under .bench/) finds nothing serious; the screenshot in docs/mock-server.md is taken here
(`APIMART_UPDATE_SCREENSHOT=1` writes it into docs/img/).

Without the browser the test skips, naming what to install; CI sets APIMART_REQUIRE_BROWSER=1 (.ci/run),
which turns that skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from apimart_mock.testing import serve

pytestmark = pytest.mark.http

KEY = "sk-dashboard"
_WAIT_S = 20
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "img" / "dashboard.png"
AXE = "axe-core@4.14.1"
AXE_PREFIX = ROOT / ".bench" / "axe-core"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
_FETCH_RECORDER = """
window.__calls = [];
const original = window.fetch;
window.fetch = (url, options) => {
  const {method, headers, body} = options;
  window.__calls.push({url: String(url), method, headers: {...headers}, body});
  return original(url, options);
};
"""
"""Records every call of the page's one fetch wrapper (method, headers, body) for the test to read."""


def _missing(what: str) -> None:
    if os.environ.get("APIMART_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what}, and APIMART_REQUIRE_BROWSER=1")
    pytest.skip(what)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed with npm into .bench/axe-core once (as the bench installs Prism)."""
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing(f"npm is not installed: install Node.js, or run npm install --prefix {AXE_PREFIX} {AXE}")
        AXE_PREFIX.mkdir(parents=True, exist_ok=True)
        command = [str(npm), "install", "--prefix", str(AXE_PREFIX), "--no-audit", "--no-fund", AXE]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not AXE_SCRIPT.exists():
            _missing(f"npm could not install {AXE}: {done.stderr.strip()[-400:]}")
    return AXE_SCRIPT.read_text()


def _api(mock_url: str, path: str, body: dict[str, Any], **headers: str) -> str:
    answer = httpx.post(f"{mock_url}{path}", json=body, headers={"Authorization": f"Bearer {KEY}", **headers})
    assert answer.status_code == 200, answer.text
    task_id: str = answer.json()["data"][0]["task_id"]
    return task_id


def _advance(mock_url: str, seconds: float) -> None:
    assert httpx.post(f"{mock_url}/__mock/clock/advance", json={"seconds": seconds}).status_code == 200


class Page:
    """The dashboard in the browser: reads in one script step each (the page re-renders live)."""

    def __init__(self, browser: Any) -> None:
        from selenium.webdriver.support.wait import WebDriverWait

        self.browser = browser
        self.wait = WebDriverWait(browser, _WAIT_S)

    def js(self, script: str, *args: object) -> Any:
        return self.browser.execute_script(script, *args)

    def text(self, css: str) -> str:
        return str(self.js("return document.querySelector(arguments[0])?.textContent ?? ''", css))

    def texts(self, css: str) -> list[str]:
        return list(
            self.js("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css)
        )

    def until(self, check: Callable[[], object], message: str) -> None:
        self.wait.until(lambda _: check(), message)

    def card_ids(self) -> list[str]:
        return list(
            self.js("return [...document.querySelectorAll('#tasks li.task')].map(e => e.dataset.taskId)")
        )

    def click(self, css: str) -> None:
        self.js("document.querySelector(arguments[0]).click()", css)

    def fill(self, css: str, value: str) -> None:
        """Set a field as typing would (selects too), then fire the events the page listens to."""
        self.js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
            "e.dispatchEvent(new Event('input', {bubbles: true}));",
            css,
            value,
        )

    def filter_tasks(self, **fields: str) -> None:
        for name in ("account", "status", "action", "search"):
            self.fill(f"#filter-{name}", fields.get(name, ""))
        self.click("#task-filters button[type=submit]")


def test_the_dashboard_shows_tasks_lineage_requests_and_drives_the_mock(
    browser: object, axe_source: str, tmp_path: Path
) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    with serve("--frozen", workers=1) as mock:
        url = mock.url
        grid = _api(url, "/v1/midjourney/generations", {"prompt": "a lighthouse at dusk"})
        failed = _api(
            url,
            "/v1/midjourney/generations",
            {"prompt": "a teapot <img src=x onerror=window.__pwned=1>"},
            **{"X-Mock-Scenario": "failure", "X-Mock-Fail-Reason": "the upstream melted"},
        )
        _advance(url, 3600)
        upscaled = _api(url, "/v1/midjourney/generations/upscale", {"task_id": grid, "index": 2})
        varied = _api(url, "/v1/midjourney/generations/variation", {"task_id": grid, "index": 1})
        _advance(url, 3600)

        browser.get(f"{url}/__mock/")
        page = Page(browser)
        page.js(_FETCH_RECORDER)
        page.until(lambda: set(page.card_ids()) == {grid, failed, upscaled, varied}, "the four tasks")

        # Thumbnails that load: every image answered 200 and decoded to a real size.
        page.until(
            lambda: page.js(
                "const imgs = [...document.querySelectorAll('#tasks img')];"
                "return imgs.length >= 3 && imgs.every(i => i.complete && i.naturalWidth > 0)"
            ),
            "the thumbnails load",
        )
        statuses = page.js(
            "return performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'img').map(e => [e.name, e.responseStatus])"
        )
        assert statuses and all(status == 200 for _, status in statuses), statuses
        assert (
            page.js(f"return document.querySelector('[data-task-id=\"{grid}\"] img').alt")
            == f"grid of {grid}"
        )

        card = f'#tasks li[data-task-id="{failed}"]'
        assert page.text(f"{card} .fail-reason") == "the upstream melted"
        assert page.text(f"{card} .status") == "FAILURE"
        assert (
            page.text(f"{card} .prompt") == "a teapot <img src=x onerror=window.__pwned=1>"
        )  # text, not markup
        assert page.js("return document.querySelector('img[src=\"x\"]') === null && !window.__pwned")
        assert page.text(f'#tasks li[data-task-id="{grid}"] .prompt') == "a lighthouse at dusk"
        assert page.js(f"return document.querySelector('[data-task-id=\"{grid}\"] progress').value") == 100
        assert page.text(f'#tasks li[data-task-id="{upscaled}"] .button-label') == "U2"

        # The lineage: the grid's children, each labelled with the button pressed.
        page.click(f'#tasks li[data-task-id="{grid}"] .open-task')
        page.until(lambda: len(page.texts("#lineage li.child")) == 2, "the grid's two children")
        children = page.js(
            "return [...document.querySelectorAll('#lineage li.child')]"
            ".map(e => [e.dataset.taskId, e.querySelector('.button-label').textContent])"
        )
        assert children == [[upscaled, "U2"], [varied, "V1"]]
        tiles = page.js("return [...document.querySelectorAll('#panel-body img')].map(i => i.alt)")
        assert tiles == [f"grid of {grid}", *(f"image {n} of {grid}" for n in range(1, 5))]
        page.click(f'#lineage li.child[data-task-id="{upscaled}"] button')
        page.until(lambda: grid in page.text("#panel-body"), "the child's page names its parent")
        assert "pressed U2" in page.text("#panel-body") and "null" not in page.text("#panel-body")

        # Filters narrow the list.
        page.filter_tasks(status="FAILURE")
        page.until(lambda: page.card_ids() == [failed], "only the failed task")
        page.filter_tasks(action="UPSCALE")
        page.until(lambda: page.card_ids() == [upscaled], "only the upscale")
        page.filter_tasks(search="LIGHTHOUSE")
        page.until(lambda: set(page.card_ids()) == {grid, upscaled, varied}, "the lighthouse's tasks")
        page.filter_tasks(search=failed[-10:])
        page.until(lambda: page.card_ids() == [failed], "a task by a part of its id")
        page.filter_tasks()
        page.until(lambda: len(page.card_ids()) == 4, "all four again")

        # A journal row opens: the request body, the answer, the curl, no token anywhere.
        rows = page.js(
            "return [...document.querySelectorAll('#journal details')]"
            ".filter(d => d.querySelector('.request-body').textContent.includes('teapot')).length"
        )
        assert rows == 1
        page.js(
            "[...document.querySelectorAll('#journal details')]"
            ".find(d => d.querySelector('.request-body').textContent.includes('teapot'))"
            ".querySelector('summary').click()"
        )
        opened = "#journal details[open]"
        page.until(lambda: page.text(f"{opened} .response-body") != "", "the row opens")
        assert json.loads(page.text(f"{opened} .request-body"))["prompt"].startswith("a teapot")
        assert json.loads(page.text(f"{opened} .response-body"))["data"][0]["task_id"] == failed
        assert "X-Mock-Scenario" in page.text(f"{opened} dl.headers")
        curl = page.text(f"{opened} pre.curl")
        assert '-H "Authorization: Bearer $APIMART_API_KEY"' in curl and "/v1/midjourney/generations" in curl
        assert KEY not in browser.page_source

        # The journal's filters narrow it: by path prefix, then by status.
        page.fill("#journal-path", "/v1/midjourney/generations/")
        page.click("#journal-filters button[type=submit]")
        page.until(lambda: len(page.texts("#journal li")) == 2, "the two follow-ups")
        assert all("/v1/midjourney/generations/" in text for text in page.texts("#journal summary"))
        page.fill("#journal-path", "")
        page.fill("#journal-status", "404")
        page.click("#journal-filters button[type=submit]")
        page.until(lambda: page.texts("#journal li") == [], "no 404 was answered")
        page.fill("#journal-status", "")
        page.click("#journal-filters button[type=submit]")
        page.until(lambda: len(page.texts("#journal li")) > 2, "every request again")

        # Controls: each shows its curl and sends a JSON body with Content-Type: application/json.
        page.fill("#fault-kind", "500")
        page.fill("#fault-path", "/v1/tasks/")
        page.click("#add-fault button[type=submit]")
        page.until(lambda: len(page.texts("#faults tr")) == 1, "the fault listed")
        assert "-X POST" in page.text("#last-call") and "Content-Type: application/json" in page.text(
            "#last-call"
        )
        assert httpx.get(f"{url}/__mock/faults").json()["faults"][0]["path"] == "/v1/tasks/"
        page.click("#clear-faults")
        page.until(lambda: page.texts("#faults tr") == [], "the faults cleared")
        page.fill("#balance-account", "sk-team-b")
        page.fill("#balance-amount", "7")
        page.click("#set-balance button[type=submit]")
        page.until(lambda: "7 left" in page.text("#balance-result"), "the balance set")
        page.fill("#create-account", "sk-team-b")
        page.fill("#create-status", "FAILURE")
        page.fill("#create-fail-reason", "made from the page")
        page.click("#create-task button[type=submit]")
        page.until(lambda: "made from the page" in page.texts("#tasks .fail-reason"), "the created task")
        page.click("#freeze")
        page.until(lambda: "clock/freeze" in page.text("#last-call"), "the freeze call shown")
        calls = page.js("return window.__calls")
        changing = [c for c in calls if c["method"] != "GET"]
        assert {c["url"].rsplit("/__mock/", 1)[1] for c in changing} == {
            "faults",
            "balance",
            "tasks",
            "clock/freeze",
        }
        for sent in changing:
            assert sent["headers"]["Content-Type"] == "application/json", sent
            assert isinstance(json.loads(sent["body"]), dict), sent
        assert page.text("#error") == ""

        # A look at it (docs/mock-server.md shows this), then axe-core on the whole page.
        page.filter_tasks()
        page.click(f'#tasks li[data-task-id="{grid}"] .open-task')
        page.until(lambda: len(page.texts("#lineage li.child")) == 2, "the lineage again")
        page.until(
            lambda: page.js("return [...document.images].every(i => i.complete && i.naturalWidth > 0)"),
            "every image loaded",
        )
        browser.set_window_size(1400, 1900)
        page.js("window.scrollTo(0, 0)")
        # docs/img/dashboard.png is this screenshot: rewritten on request only (a test run leaves the tree
        # clean), else kept beside the test's own files.
        update = os.environ.get("APIMART_UPDATE_SCREENSHOT") == "1"
        shot = SCREENSHOT if update else tmp_path / SCREENSHOT.name
        shot.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        assert "](img/dashboard.png)" in (ROOT / "docs" / "mock-server.md").read_text()
        page.js(axe_source)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations), e => done(String(e)));"
        )
        assert isinstance(result, list), result
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious

        # Reset from the page, confirmed: the list empties.
        page.click("#reset")
        assert page.js("return document.getElementById('reset-confirm').hidden") is False
        assert len(page.card_ids()) == 5  # nothing happens before the confirmation
        page.click("#reset-yes")
        page.until(lambda: page.card_ids() == [], "the list empties")
        assert httpx.get(f"{url}/__mock/tasks").json()["tasks"] == []

        problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        assert problems == [], problems


def test_live_refresh_keeps_the_scroll_and_the_open_row(browser: object) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    with serve("--frozen", workers=1) as mock:
        for n in range(24):
            httpx.post(
                f"{mock.url}/__mock/tasks",
                json={"account": KEY, "prompt": f"a cat number {n}", "age": 100 + n},
            )
        snail = _api(mock.url, "/v1/midjourney/generations", {"prompt": "a slow snail"})
        browser.set_window_size(1000, 600)
        browser.get(f"{mock.url}/__mock/")
        page = Page(browser)
        page.until(lambda: len(page.card_ids()) == 24, "a full page")
        assert page.js("return document.getElementById('page-older').disabled") is False
        status = f'#tasks li[data-task-id="{snail}"] .status'
        first = page.text(status)
        page.js("document.querySelector('#journal details summary').click()")
        page.js("window.scrollTo(0, 900)")
        before = page.js("return window.scrollY")
        assert before > 0
        _advance(mock.url, 3600)  # the snail finishes: its card changes at the next refresh
        page.until(lambda: page.text(status) == "SUCCESS" != first, "a refresh with a change")
        page.until(lambda: len(page.texts(f'#tasks li[data-task-id="{snail}"] img')) == 1, "its image shown")
        assert page.js("return window.scrollY") == before
        assert page.js("return document.querySelectorAll('#journal details[open]').length") == 1
        page.click("#page-older")
        page.until(lambda: len(page.card_ids()) == 1, "the older page")
        page.click("#page-newer")
        page.until(lambda: len(page.card_ids()) == 24, "back to the newest")


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
        browser.execute_script(_FETCH_RECORDER)
        browser.find_element(By.CSS_SELECTOR, "#connection button").click()
        wait.until(lambda driver: "T" in driver.find_element(By.ID, "clock-now").text)  # an ISO time
        assert not browser.find_element(By.ID, "login").is_displayed()
        assert browser.find_element(By.ID, "error").text == ""
        sent = browser.execute_script("return window.__calls")[-1]["headers"]
        assert sent["X-Mock-Admin-Token"] == "t0ken"  # the owner's global view: no key, no scope
        assert "Authorization" not in sent and "X-Mock-Scope" not in sent


def test_a_team_sees_and_moves_its_own_scope_only(browser: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind an admin token, a team's key and scope (no token) show that scope's tasks and journal, not
    another team's, and Advance on the page moves that scope's tasks only (docs/mock-server.md, *Scopes*)."""
    monkeypatch.setenv("APIMART_MOCK_ADMIN_TOKEN", "t0ken")
    with serve("--frozen", workers=1) as mock:
        teams = [{"Authorization": f"Bearer {KEY}-{team}", "X-Mock-Scope": team} for team in "ab"]
        ours, theirs = (_api(mock.url, "/v1/midjourney/generations", {"prompt": "a cat"}, **h) for h in teams)
        browser.get(f"{mock.url}/__mock/")  # type: ignore[attr-defined]
        page = Page(browser)
        page.fill("#team-key", f"{KEY}-a")
        page.fill("#scope", "a")
        page.js(_FETCH_RECORDER)
        page.click("#connection button")
        page.until(lambda: page.card_ids() == [ours], "our scope's task, and only it, listed")
        sent = page.js("return window.__calls")[-1]["headers"]
        assert (sent["Authorization"], sent["X-Mock-Scope"]) == (f"Bearer {KEY}-a", "a")
        assert "X-Mock-Admin-Token" not in sent
        page.until(lambda: "/v1/midjourney/generations" in page.text("#journal"), "our submit journaled")
        page.click("#advance")  # 60 s of our scope's clock
        status = f'#tasks li[data-task-id="{ours}"] .status'
        page.until(lambda: page.text(status) == "SUCCESS", "our task finished on our scope's clock")
        theirs_now = httpx.get(f"{mock.url}/v1/midjourney/{theirs}", headers=teams[1], timeout=10).json()
        assert theirs_now["status"] == "NOT_START"
        assert page.text("#error") == ""


def test_a_search_reads_on_past_the_part_one_call_examines(browser: object) -> None:
    """One filtered call examines at most SCANNED_PER_PAGE tasks; the page reads on (a few calls) to
    find a match further back."""
    from selenium.webdriver.remote.webdriver import WebDriver

    from apimart_mock.backend.service import SCANNED_PER_PAGE

    assert isinstance(browser, WebDriver)
    with serve("--frozen", workers=1) as mock, httpx.Client(base_url=mock.url) as http:
        http.post("/__mock/tasks", json={"account": KEY, "prompt": "the needle", "age": 5000})
        for n in range(SCANNED_PER_PAGE + 50):
            http.post("/__mock/tasks", json={"account": KEY, "prompt": f"hay {n}", "age": 4000 - n})
        first = http.get("/__mock/tasks", params={"search": "needle", "order": "newest"}).json()
        assert first["tasks"] == [] and first["next_cursor"] is not None  # one call does not reach it
        browser.get(f"{mock.url}/__mock/")
        page = Page(browser)
        page.until(lambda: len(page.card_ids()) == 24, "the newest page")
        page.filter_tasks(search="needle")
        page.until(lambda: page.texts("#tasks .prompt") == ["the needle"], "the needle found")


def test_the_page_is_one_self_contained_file_that_renders_data_as_text() -> None:
    """No markup from data (no innerHTML and the like), no external asset, one fetch wrapper (so a
    header every control call needs is added in one place)."""
    from apimart_mock.http.spec import DASHBOARD_PATH

    page = DASHBOARD_PATH.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in page, sink
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert page.count("fetch(") == 1


def test_a_task_shows_the_uploaded_images_it_was_given(browser: object) -> None:
    """A blend's two uploads and an imagine's uploaded reference image show on their cards; another
    site's URL is kept by the control API but not loaded by the page."""
    from selenium.webdriver.remote.webdriver import WebDriver

    from apimart_mock.domain.media import png_for

    assert isinstance(browser, WebDriver)
    with serve("--frozen", workers=1) as mock:
        urls = []
        for name in ("left", "right"):
            uploaded = httpx.post(
                f"{mock.url}/v1/uploads/images",
                files={"file": (f"{name}.png", png_for(name), "image/png")},
                headers={"Authorization": f"Bearer {KEY}"},
            )
            assert uploaded.status_code == 200, uploaded.text
            urls.append(uploaded.json()["url"])
        blend = _api(mock.url, "/v1/midjourney/generations/blend", {"image_urls": urls})
        browser.get(f"{mock.url}/__mock/")
        page = Page(browser)
        card = f'#tasks li[data-task-id="{blend}"]'
        page.until(
            lambda: page.js(
                f"const imgs = [...document.querySelectorAll('{card} .inputs img')];"
                "return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0)"
            ),
            "the two uploaded images load",
        )
        shown = page.js(
            f"return [...document.querySelectorAll('{card} .inputs img')].map(i => [i.src, i.alt])"
        )
        assert shown == [[url, f"input {n} of {blend}"] for n, url in enumerate(urls, 1)]
        elsewhere = "https://images.example/ref.png"
        body = {"prompt": "a lighthouse", "image_urls": [urls[0], elsewhere, "data:image/png;base64,AAAA"]}
        imagined = _api(mock.url, "/v1/midjourney/generations/imagine", body)
        listed = httpx.get(f"{mock.url}/__mock/tasks", params={"action": "IMAGINE"}, timeout=10).json()
        assert listed["tasks"][0]["input_images"] == [urls[0], elsewhere]  # no data URI kept
        card = f'#tasks li[data-task-id="{imagined}"]'
        page.until(
            lambda: page.js(
                f"const imgs = [...document.querySelectorAll('{card} .inputs img')];"
                "return imgs.length === 1 && imgs[0].complete && imgs[0].naturalWidth > 0"
            ),
            "the imagine's uploaded reference image loads",
        )
        problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        assert problems == [], problems
