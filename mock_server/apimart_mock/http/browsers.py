"""What keeps a web page from driving the mock: the Host allow-list and same-origin JSON control calls.

- **Host allow-list (every request).** A page on a name its author controls can point that name at
  127.0.0.1 (DNS rebinding) and then read and drive the mock as its own origin; its requests still
  carry that name in `Host`. So the server answers only the names of `MockConfig.allowed_hosts`
  (loopback names by default, with any port) and its public URL's host; any other `Host` gets 403. A
  request without `Host` (HTTP/1.0, a load balancer's health check) comes from no browser: answered.
- **Control calls that change state (POST, PUT, DELETE under `/__mock/`).** A page on another origin
  may send a form or a `no-cors` fetch without asking anyone, but neither can say `Content-Type:
  application/json`: that takes a CORS preflight, which the mock never grants. So such a call must send
  a JSON object with that header (400 otherwise: the control API's guard), and one the browser marks as
  from another origin (`Origin` other than the server's own, or `Sec-Fetch-Site` other than
  `same-origin`) is refused with 403 before that (`refuse_cross_site`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request

from ..config import MockConfig
from ..domain.errors import Forbidden
from .context import EXTENSION

__all__ = ["allowed_hosts", "host_allowed", "init_app", "refuse_cross_site"]

_OWN_SITE = frozenset({"same-origin", "none"})
"""`Sec-Fetch-Site` values of a request the page itself made, or the user typed."""
_NAME_CHARS = 255


def allowed_hosts(config: MockConfig) -> frozenset[str]:
    """The host names the server answers: the configured ones and the public URL's."""
    public = urlsplit(config.public_url).hostname if config.public_url else None
    return (config.allowed_hosts | {public}) if public else config.allowed_hosts


def host_allowed(environ: dict[str, Any], allowed: frozenset[str]) -> bool:
    """Whether the request's `Host` names an allowed host (any port), or is absent."""
    header: str | None = environ.get("HTTP_HOST")
    return header is None or _host_name(header) in allowed


def _host_name(header: str) -> str:
    """The name in a `Host` value, lower case, an IPv6 address without its brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[1:end] if end > 0 else header
    return header.partition(":")[0]


def init_app(app: Flask) -> None:
    """Refuse a foreign `Host` before anything else runs (register before the request pipeline)."""
    hosts = allowed_hosts(app.extensions[EXTENSION].config)

    def refuse_foreign_host() -> None:
        if not host_allowed(request.environ, hosts):
            name = _host_name(request.environ["HTTP_HOST"])[:_NAME_CHARS]
            raise Forbidden(
                f"Host {name!r} is not one this server answers (DNS rebinding guard); allow it with"
                " apimart-mock serve --allowed-host NAME (in-process: MockConfig.allowed_hosts)"
            )

    app.before_request(refuse_foreign_host)


def refuse_cross_site() -> None:
    """403 for a request the browser marks as sent by another site's page."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if (site is not None and site not in _OWN_SITE) or (
        origin is not None and _netloc(origin) != request.host.lower()
    ):
        raise Forbidden("The control API refuses calls from another site's web page")


def _netloc(origin: str) -> str:
    """`host[:port]` of an `Origin` value, lower case; empty for `null` or one that is no URL."""
    try:
        return urlsplit(origin).netloc.lower()
    except ValueError:  # an unclosed IPv6 bracket, say
        return ""
