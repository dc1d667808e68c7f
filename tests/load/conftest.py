"""The mock served as `make mock` serves it (`apimart-mock serve`) on a free port, with several workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server.testing import serve

WORKERS = 3
"""Several worker processes: state must be shared through the store, not live in one process."""
THREADS = 4


@pytest.fixture(scope="module")
def served_mock() -> Iterator[str]:
    """The base URL of a freshly served mock; stopped (whole process group) when the module is done."""
    with serve(workers=WORKERS, threads=THREADS) as mock:
        yield mock.url
