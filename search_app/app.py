"""The web app: ``create_app()`` builds the FastAPI application.

Routes are grouped by page, one router module each (see :data:`ROUTERS`); a
module that is not installed yet (admin, export) is simply skipped.  Every
module exposes ``router`` (an ``APIRouter``) and may expose ``setup(app)`` to
register nav links, strings or state.  Errors share one shape
(``search_app.errors``); every response carries the security headers
(``search_app.security``).  HEAD is answered wherever GET is (``search_app.head``),
forwarded headers count only from trusted proxies (``search_app.proxies``) and
slash redirects never use the ``Host`` header (``search_app.redirects``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from search_app.context import AppContext
from search_app.errors import install_error_handlers
from search_app.head import HeadAsGetMiddleware
from search_app.proxies import TrustedProxyMiddleware
from search_app.redirects import install_slash_redirects
from search_app.security import SecurityHeadersMiddleware

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Router modules, in the order their routes are matched.
ROUTERS: list[str] = [
    "search_app.api",
    "search_app.pages.search",
    "search_app.pages.article",
    "search_app.pages.replay",
    "search_app.pages.permalink",
    "search_app.pages.feed",
    "search_app.pages.portals",
    "search_app.pages.docs",
    "search_app.admin.routes",
    "search_app.export",
]

API_DESCRIPTION = """\
The JSON API of the vnarchive web app.  Every HTML page has a JSON twin.
Errors always answer `{"error": {"code": "...", "message": "..."}}` with status
400 (a query that cannot run), 404 (unknown id), 422 (invalid parameter) or
429 (too many exports at once).

The `/api/admin` routes need the session cookie
of a signed-in admin (401 without it) and, to change anything, the session's
CSRF token in the `X-CSRF-Token` header (403 without it).
"""

SECURITY_SCHEMES = {
    "adminSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "vnarchive_session",
        "description": "Session cookie set by signing in at /admin/login",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The session's CSRF token (GET /api/admin/session gives it)",
    },
}


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of every API route",
    "required": ["error"],
    "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
}
ERROR_DETAIL_SCHEMA = {
    "type": "object",
    "description": "What went wrong: a stable code and a message for people",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "examples": ["invalid_parameter"]},
        "message": {"type": "string"},
    },
}


def _openapi_with_error_shape(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` whose error responses (4xx/5xx) all document the one error shape."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        schemas["ErrorDetail"] = ERROR_DETAIL_SCHEMA
        spec["components"]["securitySchemes"] = SECURITY_SCHEMES
        ref = {"$ref": "#/components/schemas/Error"}
        for path, methods in spec.get("paths", {}).items():
            for method, op in methods.items():
                if path.startswith("/api/admin/"):
                    _document_admin_auth(method, op)
                if "requestBody" in op:
                    op["responses"].setdefault("400", {"description": "The body is not valid JSON"})
                for status, response in op.get("responses", {}).items():
                    if status[:1] in ("4", "5"):
                        if status == "422" and response.get("description") == "Validation Error":
                            response["description"] = "A parameter has an invalid value"
                        body = response.get("content", {}).get("application/json", {})
                        response["content"] = {"application/json": {**body, "schema": ref}}
        app.openapi_schema = spec
        return spec

    return openapi


def _document_admin_auth(method: str, op: dict[str, Any]) -> None:
    """An admin operation: the session cookie (and CSRF header to change state), 401/403."""
    changes = method.lower() not in ("get", "head", "options")
    op["security"] = [{"adminSession": [], "csrfToken": []} if changes else {"adminSession": []}]
    responses = op.setdefault("responses", {})
    responses.setdefault("401", {"description": "Not signed in as an admin"})
    if changes:
        responses.setdefault("403", {"description": "Missing or wrong CSRF token"})


def create_app(data_dir: str | Path | None = None) -> FastAPI:
    """Build the web app over ``data_dir`` (default: ``$VNARCHIVE_DATA``)."""
    app = FastAPI(
        title="vnarchive",
        version="1",
        description=API_DESCRIPTION,
        docs_url=None,  # /docs is our own offline page (search_app.pages.docs)
        redoc_url=None,
    )
    app.openapi = _openapi_with_error_shape(app)  # type: ignore[method-assign]
    app.state.ctx = AppContext.from_data_dir(data_dir)
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadAsGetMiddleware)  # HEAD wherever GET is allowed
    app.add_middleware(TrustedProxyMiddleware)  # forwarded headers from trusted proxies only
    install_slash_redirects(app)  # relative slash redirects, never from the Host header
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for name in ROUTERS:
        if not _module_exists(name):
            continue
        module = importlib.import_module(name)
        if hasattr(module, "setup"):
            module.setup(app)
        app.include_router(module.router)
    return app
