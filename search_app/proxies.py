"""Forwarded headers, trusted only from the proxies named in ``VNARCHIVE_TRUSTED_PROXIES``.

The client address is what the login lockout and the export limits count by, so a
client must not be able to choose it.  By default no proxy is trusted and
``X-Forwarded-For`` / ``X-Forwarded-Proto`` are ignored, whoever sends them (also
from localhost).  ``VNARCHIVE_TRUSTED_PROXIES`` is a comma-separated list of
addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``): when the direct peer
is one of them, the client is the right-most address of ``X-Forwarded-For`` that is
not itself a trusted proxy, and the scheme is the one ``X-Forwarded-Proto`` says.

``vnarchive serve`` turns uvicorn's own proxy-header handling off (it trusts
127.0.0.1 by default), so this middleware is the only place that reads them.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

from starlette.types import ASGIApp, Receive, Scope, Send

ENV = "VNARCHIVE_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxySettingError(ValueError):
    """``VNARCHIVE_TRUSTED_PROXIES`` holds something that is not an address or network."""


@lru_cache(maxsize=8)
def parse_trusted(value: str) -> tuple[Network, ...]:
    """The networks of a ``VNARCHIVE_TRUSTED_PROXIES`` value (ProxySettingError if invalid)."""
    networks = []
    for item in value.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ProxySettingError(
                f"{ENV}: {item[:60]!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The trusted proxy networks configured now (none by default)."""
    return parse_trusted(os.environ.get(ENV, ""))


def _is_trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    return any(address in net for net in networks)


def _header(scope: Scope, name: bytes) -> str:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]
    return ",".join(values)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client address: ``peer``, or when it is a trusted proxy, the first untrusted hop."""
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop if _valid_address(hop) else peer
    return hops[0] if hops and _valid_address(hops[0]) else peer


def _valid_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


class TrustedProxyMiddleware:
    """ASGI middleware: take client and scheme from forwarded headers of trusted proxies only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        trusted_proxies()  # a bad setting fails at start, not on the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            networks = trusted_proxies()
            client = scope.get("client")
            if networks and client and _is_trusted(client[0], networks):
                scope = dict(scope)
                host = forwarded_client(client[0], _header(scope, b"x-forwarded-for"), networks)
                scope["client"] = (host, client[1] if host == client[0] else 0)
                proto = _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = (
                        proto if scope["type"] == "http" else proto.replace("http", "ws")
                    )
        await self.app(scope, receive, send)
