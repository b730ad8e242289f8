"""HTTP rules of the whole app: HEAD wherever GET is, no redirect built from Host,
integer path parameters bounded, forwarded headers only from trusted proxies.

Routes are enumerated from the app itself, so a route added later is covered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from admin_helpers import add_user, fresh_app, sign_in
from fastapi.testclient import TestClient

from search_app.proxies import ProxySettingError, forwarded_client, parse_trusted
from vnarchive.commands.serve import server_config

HUGE = "99999999999999999999"


def _routes(app: Any) -> list[tuple[str, set[str], Any]]:
    from fastapi.routing import iter_route_contexts

    return [
        (c.path, set(c.methods), c)
        for c in iter_route_contexts(app.routes)
        if getattr(c, "methods", None)
    ]


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def test_head_is_answered_wherever_get_is(client: TestClient, app, web_archive) -> None:  # type: ignore[no-untyped-def]
    values = {
        "article_id": web_archive.ids["attachments"],
        "number": "1",
        "portal": "daknong_krongno",
        "job_id": "1",
    }
    checked = 0
    for path, methods, _route in _routes(app):
        if "GET" not in methods:
            continue
        url = _fill(path, values)
        get = client.get(url, follow_redirects=False)
        head = client.head(url, follow_redirects=False)
        assert head.status_code != 405, url
        assert head.status_code == get.status_code, (url, head.status_code, get.status_code)
        assert head.content == b"", url
        assert head.headers.get("content-type") == get.headers.get("content-type"), url
        checked += 1
    assert checked >= 15
    # static files and a streamed download keep their headers, without the body
    assert client.head("/static/app.css").status_code == 200
    export = client.head("/api/export?format=csv&q=uy+ban")
    assert export.status_code == 200 and export.content == b""
    assert "attachment" in export.headers["content-disposition"]
    # a route that does not allow GET does not allow HEAD either
    assert client.head("/admin/logout").status_code == 405


@pytest.fixture()
def admin_app(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    admin.store.start_job("sample-sp2010", status="finished")
    return fresh_app(tmp_path)


def test_slash_redirect_ignores_the_host_header(admin_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(admin_app) as client:
        for host in ("evil.example", "evil.example:8080", "127.0.0.1"):
            response = client.get("/admin/", headers={"Host": host}, follow_redirects=False)
            assert response.status_code in (307, 308), response.status_code
            location = response.headers["location"]
            assert location == "/admin", location
        kept = client.get(
            "/portals/?lang=en", headers={"Host": "evil.example"}, follow_redirects=False
        )
        assert kept.headers["location"] == "/portals?lang=en"
        # a path that starts with // must not become a protocol-relative redirect
        sneaky = client.get("//evil.example/admin/", follow_redirects=False)
        assert not sneaky.headers.get("location", "/").startswith("//")
        assert "evil.example" not in sneaky.headers.get("location", "").split("/")[2:3]
        assert client.get("/no-such-page/", follow_redirects=False).status_code == 404


def test_huge_integer_path_parameters_are_404(admin_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(admin_app, raise_server_exceptions=False) as client:
        csrf = sign_in(client)
        int_routes = []
        for path, methods, route in _routes(admin_app):
            dependant = getattr(route, "dependant", None)
            params = dependant.path_params if dependant is not None else []
            ints = [p.name for p in params if p.field_info.annotation is int]
            if ints:
                int_routes.append((path, methods, ints))
        assert {"/api/admin/jobs/{job_id}", "/admin/jobs/{job_id}/cancel"} <= {
            p for p, _m, _i in int_routes
        }
        for path, methods, ints in int_routes:
            url = _fill(path, dict.fromkeys(ints, HUGE) | {"article_id": "x" * 16})
            for method in sorted(methods - {"HEAD"}):
                response = client.request(
                    method, url, headers={"X-CSRF-Token": csrf, "accept": "application/json"}
                )
                assert response.status_code == 404, (method, url, response.status_code)
        for url in (f"/api/admin/jobs/{HUGE}", f"/admin/jobs/{HUGE}"):
            assert client.get(url).status_code == 404
        cancel = client.post(f"/api/admin/jobs/{HUGE}/cancel", headers={"X-CSRF-Token": csrf})
        assert cancel.status_code == 404
        assert cancel.json()["error"]["code"] == "not_found"
        negative = client.get("/api/admin/jobs/-1")
        assert negative.status_code == 404


def test_trusted_proxy_setting_is_parsed_strictly() -> None:
    nets = parse_trusted("127.0.0.1, 10.0.0.0/8,::1")
    assert forwarded_client("10.1.2.3", "203.0.113.9, 10.9.9.9", nets) == "203.0.113.9"
    assert forwarded_client("198.51.100.1", "203.0.113.9", nets) == "198.51.100.1"
    assert forwarded_client("127.0.0.1", "not-an-ip", nets) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"
    with pytest.raises(ProxySettingError, match="VNARCHIVE_TRUSTED_PROXIES"):
        parse_trusted("localhost")


def _failed_logins(base: str, forwarded: list[str], names: list[str] | None = None) -> list[int]:
    """Failed logins, one per forwarded address (as ``names[i]``, default ``admin``)."""
    import httpx

    statuses = []
    with httpx.Client(base_url=base) as http:
        for i, address in enumerate(forwarded):
            page = http.get("/admin/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            response = http.post(
                "/admin/login",
                data={
                    "name": names[i] if names else "admin",
                    "password": "wrong-password",
                    "csrf_token": token,
                },
                headers={"X-Forwarded-For": address},
            )
            statuses.append(response.status_code)
    return statuses


def test_forwarded_for_from_localhost_is_not_trusted_by_default(
    tmp_path, monkeypatch, serve_app
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.delenv("VNARCHIVE_TRUSTED_PROXIES", raising=False)
    monkeypatch.setenv("VNARCHIVE_LOGIN_MAX_FAILURES", "2")  # an address: 4 × 2 failures
    add_user(tmp_path)
    # one address sprays names while rotating X-Forwarded-For: still one address
    rotated = [f"203.0.113.{i}" for i in range(1, 10)]
    names = [f"user{i}" for i in range(9)]
    with serve_app(fresh_app(tmp_path), server_config) as base:
        statuses = _failed_logins(base, rotated, names)
    assert statuses[:8] == [401] * 8 and statuses[8] == 429, statuses


def test_forwarded_for_is_read_from_a_trusted_proxy(tmp_path, monkeypatch, serve_app) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.setenv("VNARCHIVE_TRUSTED_PROXIES", "127.0.0.1")
    add_user(tmp_path)
    with serve_app(fresh_app(tmp_path), server_config) as base:
        # five failures from one client behind the proxy lock that client only
        blocked = _failed_logins(base, ["203.0.113.7"] * 6)
        other = _failed_logins(base, ["203.0.113.8"])
    assert blocked[-1] == 429 and other == [401], (blocked, other)
