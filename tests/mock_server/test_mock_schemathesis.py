"""Schemathesis in-process over every operation: all checks, positive and negative data, zero failures.

The app runs with an allow-list, so the `ignored_auth` check sees invalid keys refused; derandomized and
bounded so the file runs in seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from mock_helpers import KEY_A, make_app

from contract_tests.properties.test_conformance import NOT_JUDGED
from mock_server.spec import load_spec

_STORE = tempfile.TemporaryDirectory(prefix="apimart-mock-schemathesis-")
APP = make_app(Path(_STORE.name), api_keys=frozenset({KEY_A}))
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    excluded = NOT_JUDGED.get(case.operation.definition.raw["operationId"], [])
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY_A}"}, excluded_checks=excluded)


def test_every_operation_of_the_spec_is_routed() -> None:
    urls = APP.url_map.bind("localhost")
    for path, operations in load_spec()["paths"].items():
        for method in operations:
            urls.match(path.replace("{task_id}", "task_x"), method.upper())
