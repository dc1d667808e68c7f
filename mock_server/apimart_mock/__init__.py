"""A stateful mock of the APIMart Midjourney task service.

`create_app(MockConfig(...))` builds one isolated mock (a Flask app); `apimart-mock serve` serves it
with granian, all workers sharing one SQLite store. The pytest fixture `apimart_mock`
(`apimart_mock.testing.pytest_plugin`) gives each test its own mock in-process.

`create_app` is imported on first use, so that the pytest plugin the package registers loads (and
says what to install) where the `[mock]` extra, Flask, is not installed.
"""

from typing import TYPE_CHECKING, Any

from .config import MockConfig, ViewShape

if TYPE_CHECKING:
    from .http.app import create_app

__all__ = ["MockConfig", "ViewShape", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .http.app import create_app

        return create_app
    raise AttributeError(f"module 'apimart_mock' has no attribute {name!r}")
