"""The one error shape of the web app, and the handlers that produce it.

Every error answers ``{"error": {"code": ..., "message": ...}}`` on the JSON
API (paths under ``/api`` and ``/openapi.json``) and a friendly HTML page
elsewhere, with the right status: 400 for a request we cannot run (bad query
syntax, query too long), 404 for what does not exist, 422 for a parameter with
an invalid value.  Unexpected errors are logged and answered with a 500 that
carries no stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("search_app")

# Standard codes per status for errors raised without an explicit code.
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_parameter",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error to answer with a status, a stable code and a human message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}  # e.g. Retry-After on a 429


def not_found(what: str) -> ApiError:
    """The 404 for a thing that does not exist (``what`` names it)."""
    return ApiError(404, "not_found", f"{what} not found")


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON body of an error."""
    return {"error": {"code": code, "message": message}}


def wants_json(request: Request) -> bool:
    """Whether this request is answered in JSON (API paths) rather than an HTML page."""
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    """Answer an error in the request's format (JSON for the API, an HTML page otherwise)."""
    if wants_json(request):
        return JSONResponse(error_body(code, message), status_code=status)
    from search_app.templating import render  # late: templating imports i18n/errors

    return render(
        request,
        "error.html",
        {"status": status, "code": code, "message": message},
        status_code=status,
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        response = error_response(request, exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path[:200]}"
        response = error_response(request, exc.status_code, code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, "invalid_parameter", _validation_message(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(request, 500, "internal_error", "internal error; see the server log")
