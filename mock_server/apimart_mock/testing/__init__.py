"""Test support: the `apimart_mock` pytest fixture (`pytest_plugin`), the in-process `MockHarness` behind
it (`harness`), and `serve()`, which serves the mock for a test run exactly as `make mock` does
(`served`).

Names are imported on first use, so loading the pytest plugin imports nothing of the mock, and pytest
runs where the `[mock]` extra is not installed.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .harness import MockHarness
    from .served import (
        ServedMock,
        Trickle,
        free_port,
        probe_polls,
        serve,
        stop_group,
        trickling_clients,
        until_closed,
    )

__all__ = [
    "MockHarness",
    "ServedMock",
    "Trickle",
    "free_port",
    "probe_polls",
    "serve",
    "stop_group",
    "trickling_clients",
    "until_closed",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'apimart_mock.testing' has no attribute {name!r}")
    module = "harness" if name == "MockHarness" else "served"
    return getattr(import_module(f".{module}", __name__), name)
