"""Test helpers for the mock: an app factory (frozen clock, seeded ids) and an `Api` client whose
every `/v1/` response is validated against openapi.yaml with openapi-core."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from apimart_mock import MockConfig, create_app
from apimart_mock.http.spec import load_spec

T0 = 1_700_000_000.0
KEY_A, KEY_B = "sk-alice", "sk-bob"


def _openapi() -> OpenAPI:
    spec = copy.deepcopy(load_spec())
    spec["servers"] = [{"url": "http://localhost"}]
    return OpenAPI.from_dict(spec)


OPENAPI = _openapi()


def make_app(store: Path | str, **options: Any) -> Flask:
    """An app over `store`: a store location (see the `store` fixture), or a folder for a SQLite file."""
    location = str(store / "store.sqlite") if isinstance(store, Path) else store
    config = MockConfig(store=location, frozen_at=T0, seed=7, **options)
    app = create_app(config)
    app.testing = True
    return app


class Api:
    """Calls the mock as one account; every API response must conform to the spec."""

    def __init__(self, client: FlaskClient, key: str = KEY_A) -> None:
        self.client = client
        self.key = key

    def as_(self, key: str) -> Api:
        return Api(self.client, key)

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        validate(response)
        return response

    def submit(self, endpoint: str = "", body: dict[str, Any] | None = None, **headers: str) -> TestResponse:
        path = "/v1/midjourney/generations" + (f"/{endpoint}" if endpoint else "")
        return self.request("POST", path, json={"prompt": "a cat"} if body is None else body, headers=headers)

    def create(self, endpoint: str = "", body: dict[str, Any] | None = None, **headers: str) -> str:
        response = self.submit(endpoint, body, **headers)
        assert response.status_code == 200, response.json
        task_id: str = response.json["data"][0]["task_id"]  # type: ignore[index]
        return task_id

    def mj(self, task_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/v1/midjourney/{task_id}")
        assert response.status_code == 200, response.json
        return response.json  # type: ignore[return-value]

    def unified(self, task_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/v1/tasks/{task_id}")
        assert response.status_code == 200, response.json
        return response.json["data"]  # type: ignore[index,no-any-return]

    def advance(self, seconds: float) -> None:
        assert self.client.post("/__mock/clock/advance", json={"seconds": seconds}).status_code == 200

    def finished(self, endpoint: str = "", body: dict[str, Any] | None = None) -> str:
        """A task submitted and then run to its end by advancing the clock."""
        task_id = self.create(endpoint, body)
        self.advance(3600)
        return task_id

    def tasks(self, key: str | None = None) -> dict[str, Any]:
        """The account's tasks, all on one page (its `next_cursor` None, left out)."""
        response = self.client.get("/__mock/tasks", query_string={"account": key or self.key})
        listed: dict[str, Any] = response.json  # type: ignore[assignment]
        assert listed.pop("next_cursor") is None
        return listed


def validate(response: TestResponse) -> None:
    """Validate an API response (status, headers, body) against openapi.yaml."""
    sent = response.request
    if sent.path.startswith("/v1/"):
        # A body-less copy of the request: the original's stream was consumed by the app.
        bare = Request(
            EnvironBuilder(
                sent.path, method=sent.method, query_string=sent.query_string.decode()
            ).get_environ()
        )
        OPENAPI.validate_response(WerkzeugOpenAPIRequest(bare), WerkzeugOpenAPIResponse(response))


def error_of(response: TestResponse) -> tuple[int, str, str]:
    body = response.json
    assert body is not None and set(body) == {"error"}, body
    return response.status_code, body["error"]["type"], body["error"]["message"]
