"""Fixtures: a fresh, isolated in-process mock per test."""

from __future__ import annotations

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
