"""The pytest plugin the package registers (entry point `pytest11`): the `apimart_mock` fixture.

```
def test_upscale(apimart_mock):
    grid = apimart_mock.client.imagine_and_wait("a cat")       # milliseconds: waits advance the clock
    image = apimart_mock.client.upscale_and_wait(grid, 2)
    assert apimart_mock.requests(method="POST")[0].body == {"prompt": "a cat"}
```

Each test gets a fresh `MockHarness` (`apimart_mock.testing.harness`). Its options come from the
`apimart_mock_options` fixture (override it in a conftest or module for everyone there), then from an
indirect parametrization (`@pytest.mark.parametrize("apimart_mock", [{...}], indirect=True)`), then
from the closest `@pytest.mark.apimart_mock(...)` marker (on the test, its class or `pytestmark`): the
fields of `MockConfig` (`shape`, `retention`, `api_keys`, `frozen_at`, `balance`, `seed`, ...), plus
`api_key` (what the clients send: default the first of `api_keys`, else `sk-test`), `frozen` (start
with the clock frozen) and `client` (more `apimart.Client` arguments). Loading this module imports
nothing of the mock, so pytest runs where the `[mock]` extra is not installed; only the fixture needs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .harness import MockHarness

__all__ = ["apimart_mock", "apimart_mock_options", "harness_from_options"]

MARKER = "apimart_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): apimart_mock options (MockConfig fields, api_key, frozen, client)",
    )


@pytest.fixture
def apimart_mock_options() -> dict[str, Any]:
    """Defaults of `apimart_mock` for the tests that see this fixture; override it to change them."""
    return {}


_IDLE_APPS = pytest.StashKey[dict[Any, list[Any]]]()
"""Mock apps of finished tests, by config, for later tests of the session to reset and use again."""


@pytest.fixture
def apimart_mock(
    request: pytest.FixtureRequest, apimart_mock_options: dict[str, Any]
) -> Iterator[MockHarness]:
    """A fresh mock for this test, in-process: `.client`, `.async_client`, `.advance()`, `.freeze()`,
    `.now`, `.scenario()`, `.fault()`, `.requests()`, `.create_task()`, `.serve()`."""
    options = dict(apimart_mock_options)
    options.update(getattr(request, "param", None) or {})  # parametrize("apimart_mock", [...], indirect=True)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword options only")
        options.update(marker.kwargs)
    idle = request.config.stash.setdefault(_IDLE_APPS, {})
    harness = harness_from_options(options, idle)
    try:
        yield harness
    finally:
        harness.close()
        idle.setdefault(harness.config, []).append(harness.app)


def harness_from_options(options: dict[str, Any], apps: dict[Any, list[Any]] | None = None) -> MockHarness:
    """A `MockHarness` from the fixture's options; unknown options are a usage error naming the known.
    An app of `apps` made for the same config is reset and used (and taken out), else a new one."""
    try:
        from ..config import MockConfig, ViewShape
        from .harness import DEFAULT_API_KEY, MockHarness
    except ImportError as exc:  # only without the extra
        raise pytest.UsageError(
            f"apimart_mock needs the mock server: pip install 'apimart-midjourney[mock]' ({exc})"
        ) from None
    options = dict(options)
    api_key = options.pop("api_key", None)
    frozen = options.pop("frozen", False)
    client = options.pop("client", None) or {}
    known = {f.name for f in dataclasses.fields(MockConfig)}
    if unknown := set(options) - known:
        raise pytest.UsageError(
            f"unknown apimart_mock options: {', '.join(sorted(unknown))}; known: "
            f"{', '.join(sorted(known | {'api_key', 'frozen', 'client'}))}"
        )
    keys = options.get("api_keys") or ()
    keys = [keys] if isinstance(keys, str) else list(keys)
    if "api_keys" in options:
        options["api_keys"] = frozenset(keys)
    if "shape" in options:
        options["shape"] = ViewShape(options["shape"])
    config = MockConfig(**options)
    idle = (apps or {}).get(config)
    key = api_key or (keys[0] if keys else DEFAULT_API_KEY)
    harness = MockHarness(config, api_key=key, client_options=client, app=idle.pop() if idle else None)
    if frozen:
        harness.freeze()
    return harness
