"""The served mock the load tests run against: over SQLite, over Redis, and as two Redis-backed replicas
behind haproxy (deployments.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deployments import Deployment, deploy


@pytest.fixture(scope="module", params=["sqlite", "redis", "two-replicas"])
def deployment(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """A freshly served mock (or two replicas behind haproxy); stopped when the module is done."""
    with deploy(request, request.param) as served:
        yield served


@pytest.fixture(scope="module")
def served_mock(deployment: Deployment) -> str:
    return deployment.url
