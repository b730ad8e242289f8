"""Admin access control: every admin route and state-changing API needs a login and a CSRF token.

The routes are enumerated from the app itself, so a route added later cannot slip
through: anything under /admin or /api/admin, and every non-GET route anywhere,
must refuse an anonymous request (only the login form is public, and a short list
of public non-GET routes that change nothing must be named here on purpose).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from admin_helpers import (
    PASSWORD,
    add_user,
    fresh_app,
    login_token,
    sign_in,
)
from fastapi.testclient import TestClient

# Public routes that accept non-GET methods: none changes state.  A new one must be
# added here deliberately (and say why), or the enumeration test fails.
PUBLIC_NON_GET: dict[str, str] = {
    "/admin/login": "the login form itself (protected by its own CSRF cookie and rate limit)",
}
STATE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PARAM_VALUES = {"portal": "sample-sp2010", "job_id": "1"}


@pytest.fixture()
def admin_app(tmp_path, monkeypatch, samples_url):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    admin.set_schedule("sample-sp2010", "0 2 * * *")
    job_id = admin.store.start_job("sample-sp2010", status="running", pid=999_999_999)
    return fresh_app(tmp_path), admin, job_id


def _all_routes(app: Any) -> list[tuple[str, set[str]]]:
    """(path, methods) of every HTTP route of the app, through included routers."""
    try:  # FastAPI ≥ 0.16x includes routers lazily; this walks them
        from fastapi.routing import iter_route_contexts

        contexts = list(iter_route_contexts(app.routes))
    except ImportError:
        contexts = list(app.routes)
    return [(c.path, set(c.methods)) for c in contexts if getattr(c, "methods", None)]


def _protected_routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for path, methods in _all_routes(app):
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            admin_path = path.startswith(("/admin", "/api/admin"))
            if admin_path or method in STATE_METHODS:
                if path in PUBLIC_NON_GET:
                    continue
                out.append((method, path))
    return out


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAM_VALUES.get(m.group(1), "x"), path)


def test_routes_are_enumerated(admin_app) -> None:  # type: ignore[no-untyped-def]
    app, _admin, _job = admin_app
    routes = _protected_routes(app)
    paths = {p for _m, p in routes}
    # the routes are all there (a refactoring that drops one fails here)
    for expected in (
        "/admin",
        "/admin/portals",
        "/admin/schedules",
        "/admin/jobs",
        "/admin/portals/{portal}/run",
        "/admin/jobs/{job_id}/cancel",
    ):
        assert expected in paths, expected
    assert len(routes) >= 20


def test_every_admin_route_refuses_anonymous(admin_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app, admin, job_id = admin_app
    before = (admin.schedules_signature(), admin.store.list_jobs(limit=100))
    portals_before = sorted((tmp_path / "portals").glob("*.toml"))
    with TestClient(app, raise_server_exceptions=True) as client:
        for method, path in _protected_routes(app):
            url = _fill(path)
            for accept in ("application/json", "text/html"):
                response = client.request(
                    method,
                    url,
                    headers={"accept": accept},
                    data={"cron": "* * * * *", "enabled": "1", "id": "evil", "max_pages": "1"}
                    if method != "GET"
                    else None,
                    follow_redirects=False,
                )
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/admin/login"), (method, url)
                    assert method == "GET" and accept == "text/html", (method, url)
                else:
                    assert response.status_code == 401, (method, url, response.status_code)
                    if url.startswith("/api/"):
                        assert response.json()["error"]["code"] == "unauthorized"
    assert (admin.schedules_signature(), admin.store.list_jobs(limit=100)) == before
    assert sorted((tmp_path / "portals").glob("*.toml")) == portals_before
    assert admin.store.get_job(job_id)["status"] == "running"


def test_every_state_change_needs_the_csrf_token(admin_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app, admin, job_id = admin_app
    with TestClient(app) as client:
        sign_in(client)
        before = (admin.schedules_signature(), admin.store.list_jobs(limit=100))
        changing = [(m, p) for m, p in _protected_routes(app) if m in STATE_METHODS]
        assert len(changing) >= 10
        for method, path in changing:
            url = _fill(path)
            for token in (None, "wrong-token"):
                data = {"cron": "* * * * *", "enabled": "0", "id": "evil", "max_pages": "1"}
                headers = {}
                if token:
                    data["csrf_token"] = token
                    headers["X-CSRF-Token"] = token
                response = client.request(
                    method, url, data=data, headers=headers, follow_redirects=False
                )
                assert response.status_code == 403, (method, url, token, response.status_code)
        assert (admin.schedules_signature(), admin.store.list_jobs(limit=100)) == before
        assert not (tmp_path / "portals").exists() or not list((tmp_path / "portals").glob("*"))
        assert admin.store.get_job(job_id)["status"] == "running"


def test_every_rendered_form_carries_the_token(admin_app) -> None:  # type: ignore[no-untyped-def]
    app, _admin, job_id = admin_app
    with TestClient(app) as client:
        csrf = sign_in(client)
        pages = [
            "/admin",
            "/admin/portals",
            "/admin/portals/new",
            "/admin/portals/sample-sp2010/edit",
            "/admin/schedules",
            "/admin/jobs",
            f"/admin/jobs/{job_id}",
        ]
        forms = 0
        for page in pages:
            html = client.get(page).text
            for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S):
                if re.search(r'method="get"', form):
                    continue
                forms += 1
                assert f'name="csrf_token" value="{csrf}"' in form, (page, form[:200])
        assert forms >= 20


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(admin_app) -> None:  # type: ignore[no-untyped-def]
    app, admin, _job = admin_app
    with TestClient(app) as client:
        token = login_token(client)
        response = client.post(
            "/admin/login",
            data={
                "name": "admin",
                "password": PASSWORD,
                "csrf_token": token,
                "next": "/admin/jobs",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/jobs"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("vnarchive_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert client.get("/admin/jobs").status_code == 200
        session_cookie = client.cookies.get("vnarchive_session")
        csrf = client.get("/api/admin/session").json()["csrf_token"]
        assert (
            client.post(
                "/admin/logout", data={"csrf_token": csrf}, follow_redirects=False
            ).status_code
            == 303
        )
    # the old cookie is dead on the server, not only forgotten by the browser
    with TestClient(app) as other:
        other.cookies.set("vnarchive_session", session_cookie)
        assert other.get("/api/admin/jobs").status_code == 401
    assert admin.get_user("admin")["password_hash"].startswith("$argon2id$")


def test_login_needs_its_csrf_cookie_and_an_open_redirect_is_refused(admin_app) -> None:  # type: ignore[no-untyped-def]
    app, _admin, _job = admin_app
    with TestClient(app) as client:
        token = login_token(client)
        client.cookies.delete("vnarchive_login_csrf", path="/admin/login")
        client.cookies.clear()
        refused = client.post(
            "/admin/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}
        )
        assert refused.status_code == 403
        assert "vnarchive_session" not in refused.cookies
        token = login_token(client)
        response = client.post(
            "/admin/login",
            data={
                "name": "admin",
                "password": PASSWORD,
                "csrf_token": token,
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin"


def test_failed_logins_are_rate_limited(admin_app) -> None:  # type: ignore[no-untyped-def]
    app, _admin, _job = admin_app
    with TestClient(app) as client:
        for _ in range(5):
            token = login_token(client)
            bad = client.post(
                "/admin/login", data={"name": "admin", "password": "nope", "csrf_token": token}
            )
            assert bad.status_code == 401
            assert "vnarchive_session" not in client.cookies
        token = login_token(client)
        blocked = client.post(
            "/admin/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert client.get("/api/admin/session").status_code == 401
