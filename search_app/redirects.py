"""Trailing-slash redirects built from the configured root path and the requested path.

Starlette's own ``redirect_slashes`` answers ``GET /admin/`` with an absolute URL
made from the request's ``Host`` header, so ``Host: evil.example`` got a redirect
to ``http://evil.example/admin``.  :func:`install_slash_redirects` turns that off
and puts in a fallback that redirects to a *relative* location: the requested path
(which already holds the configured ``root_path``, e.g. ``uvicorn --root-path``)
with its trailing slash toggled, percent-encoded, never a host.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import FastAPI
from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

_LEADING_SLASHES = re.compile(r"^/{2,}")


def relative_location(path: str, query: bytes | str = b"") -> str:
    """A same-site location for ``path`` (never ``//host``) with the query string."""
    location = _LEADING_SLASHES.sub("/", "/" + path.replace("\\", "/").lstrip("/"))
    location = quote(location, safe="/:@!$&'()*+,;=-._~")
    query = query.decode("latin-1") if isinstance(query, bytes) else query
    return location + ("?" + query if query else "")


def install_slash_redirects(app: FastAPI) -> None:
    """Replace the app router's Host-based slash redirect with a relative one."""
    router = app.router
    router.redirect_slashes = False
    fallback = router.not_found

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path not in ("", "/"):
            other = dict(scope)
            other["path"] = path.rstrip("/") if path.endswith("/") else path + "/"
            if other["path"] and any(
                route.matches(other)[0] is not Match.NONE for route in router.routes
            ):
                target = relative_location(other["path"], scope.get("query_string", b""))
                await RedirectResponse(URL(target), status_code=307)(scope, receive, send)
                return
        await fallback(scope, receive, send)

    router.default = default
