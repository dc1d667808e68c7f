"""Schemathesis in-process over the control API's own document (`/__mock/openapi.json`), as the contract
suite's `inprocess` target does over the public spec: every check, zero failures."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from mock_helpers import make_app
from openapi_spec_validator import validate

from apimart_mock.http.spec import load_control_spec

_STORE = tempfile.TemporaryDirectory(prefix="apimart-mock-control-schemathesis-")
APP = make_app(Path(_STORE.name), control_from_anywhere=True)  # its WSGI calls name no client address
schema = schemathesis.openapi.from_wsgi("/__mock/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_control_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_document_is_valid_and_every_operation_is_routed() -> None:
    validate(load_control_spec())  # type: ignore[arg-type]
    urls = APP.url_map.bind("localhost")
    for path, operations in load_control_spec()["paths"].items():
        for method in operations:
            urls.match(path, method.upper())
