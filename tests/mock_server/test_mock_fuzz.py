"""Hostile input never gets a 5xx, HTML or a traceback: always a 4xx in the error envelope."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_helpers import KEY_A

from apimart_mj import submits

PATHS = [route.path for op in submits() for route in op.routes]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    ["prompt", "task_id", "index", "custom_id", "direction", "zoom_ratio", "mask_url", "x"]
)
BODIES = st.one_of(
    st.binary(max_size=64),
    JSONISH.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(FIELDS, JSONISH, max_size=4).map(lambda value: json.dumps(value).encode()),
)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    body=BODIES,
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", ""]),
)
def test_posts_never_fail_server_side(client: FlaskClient, path: str, body: bytes, content_type: str) -> None:
    headers = {"Authorization": f"Bearer {KEY_A}", "Content-Type": content_type}
    response = client.post(path, data=body, headers=headers)
    assert response.status_code < 500 and response.is_json
    if response.status_code >= 400:
        assert set(response.json["error"]) == {"code", "message", "type"}  # type: ignore[index]


@FUZZ
@given(
    segment=st.text(min_size=1, max_size=80).filter(lambda s: "/" not in s),
    view=st.sampled_from(["tasks", "midjourney"]),
)
def test_any_task_id_is_a_4xx(client: FlaskClient, segment: str, view: str) -> None:
    response = client.get(f"/v1/{view}/{segment}", headers={"Authorization": f"Bearer {KEY_A}"})
    assert 400 <= response.status_code < 500 and response.is_json
