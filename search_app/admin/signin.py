"""Admin sign-in and sign-out pages."""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from search_app.admin.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    clear_session_cookie,
    client_ip,
    get_admin_store,
    get_rate_limiter,
    login,
    safe_next,
    set_session_cookie,
    tokens_match,
)
from search_app.admin.base import Admin, _page, _redirect, pages, public
from search_app.admin.passwords import MAX_PASSWORD_LENGTH

# -- login ---------------------------------------------------------------------------


def _login_form(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    retry: int = 0,
    target: str | None = None,
) -> Response:
    token = secrets.token_urlsafe(24)
    admin = get_admin_store(request)
    headers = {"Retry-After": str(retry)} if retry else None
    response = _page(
        request,
        "admin/login.html",
        None,
        {
            "login_csrf": token,
            "error": error,
            "next": safe_next(target or request.query_params.get("next")),
            "no_users": not admin.list_users(),
            "retry": retry,
            "max_password": MAX_PASSWORD_LENGTH,
        },
        status_code=status_code,
        headers=headers,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/admin/login",
    )
    return response


@public.get("/admin/login")
def login_page(request: Request) -> Response:
    """The sign-in form (a signed-in admin goes straight to the overview)."""
    from search_app.admin.auth import current_session

    if current_session(request) is not None:
        return _redirect(safe_next(request.query_params.get("next")))
    return _login_form(request)


@public.post("/admin/login")
async def login_submit(request: Request) -> Response:
    """Check the CSRF cookie, the rate limit, then the password; start a session."""
    form = await request.form()
    name = str(form.get("name") or "").strip()[:64]
    password = str(form.get("password") or "")[:MAX_PASSWORD_LENGTH]
    target = safe_next(str(form.get("next") or ""))
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
        return _login_form(request, error="login_csrf", status_code=403, target=target)
    limiter = get_rate_limiter(request)
    address = client_ip(request)
    wait = limiter.retry_after(name, address)
    if wait:
        return _login_form(
            request, error="login_rate_limited", status_code=429, retry=wait, target=target
        )
    admin = get_admin_store(request)
    result = await run_in_threadpool(login, admin, name, password)
    if result is None:
        limiter.record_failure(name, address)
        return _login_form(request, error="login_failed", status_code=401, target=target)
    limiter.reset(name, address)
    token, _session = result
    response = _redirect(target)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin/login")
    return response


@pages.post("/admin/logout")
def logout(request: Request, admin: Admin) -> Response:
    """End the session (server-side) and clear the cookie."""
    from search_app.admin.auth import SESSION_COOKIE

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        admin.delete_session(token)
    response = _redirect("/admin/login")
    clear_session_cookie(response)
    return response
