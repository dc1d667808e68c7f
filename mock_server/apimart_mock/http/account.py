"""The balance endpoints, routed from the operations table: `GET /v1/balance`, `/v1/user/balance` and
their legacy paths. One token per account in the mock, so the token's and the account's balance are
the same number."""

from __future__ import annotations

from flask import Blueprint, Response

from apimart_mj import Kind, of_kind

from .context import account, json_response, mock, now, scope
from .views import balance_view

__all__ = ["blueprint"]

blueprint = Blueprint("account", __name__)


def _balance() -> Response:
    return json_response(balance_view(mock().service.balance_of(scope(), account(), now())))


for _operation in of_kind(Kind.ACCOUNT):
    for _route in _operation.routes:
        blueprint.add_url_rule(
            _route.path, endpoint=_route.operation_id, view_func=_balance, methods=[_route.method]
        )
