"""Rules a run judges for free, before anything is spent (and again by the lifecycle, after): both
balances answer their documented shape, and an uploaded image is served back byte for byte."""

from __future__ import annotations

from apimart_mj import Kind, of_kind

from .probe import Probe
from .registry import BALANCE, REQUEST_REFUSED, UPLOAD_SERVED
from .strategies import A_PNG

__all__ = ["check_balances", "check_upload"]


def check_balances(probe: Probe) -> None:
    """Both balances answer the documented shape; an unlimited account says `remain_balance: -1`."""
    for path in (route.path for op in of_kind(Kind.ACCOUNT) for route in op.routes):
        exchange = probe.request("GET", path)
        body = exchange.body
        if exchange.status != 200:
            raise probe.violation(exchange, BALANCE, "$", "HTTP 200", body)
        if body.get("success") and body.get("unlimited_quota") and body.get("remain_balance") != -1:
            raise probe.violation(exchange, BALANCE, "$.remain_balance", "-1 (unlimited_quota)", body)
        probe.judged(BALANCE, exchange)


def check_upload(probe: Probe) -> None:
    """An uploaded image is served, byte for byte, at the URL the answer gives."""
    exchange = probe.request("POST", "/v1/uploads/images", files={"file": ("pixel.png", A_PNG, "image/png")})
    if exchange.status != 200:
        raise probe.violation(exchange, REQUEST_REFUSED, "$", "HTTP 200 for a PNG", exchange.body)
    served = probe.target.fetch(exchange.body["url"])
    if served != A_PNG:
        raise probe.violation(
            exchange, UPLOAD_SERVED, "$.url", "the uploaded bytes at the url", f"{len(served)} other bytes"
        )
    probe.judged(UPLOAD_SERVED, exchange)
