"""The submit endpoints, routed from the operations table: one view serves every submit operation.

The view checks the body against the operation's request schema, turns it into typed `Inputs`, reads
the scenario headers and calls the service; the service decides everything else.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, request

from apimart_mj import Operation, submits

from ..backend.values import Submission
from ..domain.errors import InvalidRequest
from ..domain.inputs import Inputs
from ..domain.lifecycle import Scenario
from .bodies import check_submit
from .context import account, json_response, mock, now, scope
from .validation import read_json_object
from .views import submitted

__all__ = ["FAIL_REASON_HEADER", "SCENARIO_HEADER", "blueprint"]

blueprint = Blueprint("submits", __name__)

SCENARIO_HEADER = "X-Mock-Scenario"
FAIL_REASON_HEADER = "X-Mock-Fail-Reason"
_FAIL_REASON_LIMIT = 500


def _submit(operation: Operation) -> Response:
    state = mock()
    body = state.validators.check(str(operation.request), read_json_object(request), operation.cli_name)
    check_submit(body, state.config.limits)
    task = state.service.submit(operation, account(), scope(), now(), Inputs.from_body(body), _submission())
    return json_response(submitted(task))


for _operation in submits():
    for _route in _operation.routes:
        blueprint.add_url_rule(
            _route.path,
            endpoint=_route.operation_id,
            view_func=partial(_submit, _operation),
            methods=[_route.method],
        )


def _submission() -> Submission:
    name = request.headers.get(SCENARIO_HEADER)
    reason = request.headers.get(FAIL_REASON_HEADER)
    if reason is not None and not 0 < len(reason) <= _FAIL_REASON_LIMIT:
        raise InvalidRequest(f"{FAIL_REASON_HEADER} must be 1-{_FAIL_REASON_LIMIT} characters")
    if name is None:
        return Submission(None, reason)
    try:
        return Submission(Scenario(name.strip().lower()), reason)
    except ValueError:
        raise InvalidRequest(f"{SCENARIO_HEADER} must be one of {', '.join(Scenario)}") from None
