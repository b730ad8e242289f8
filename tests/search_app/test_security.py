"""Security in-process: CSP and headers on every response, escaping, the XSS article, replay."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from search_app.replay import sanitize_capture
from search_app.security import PAGE_CSP, REPLAY_CSP
from search_app.templating import safe_snippet

PAYLOAD_MARKERS = ("<script", "onerror=", "onload=", "javascript:", "<svg on", "<img src=x")


def _paths(ids: dict[str, str]) -> list[str]:
    xss = ids["xss"]
    return [
        "/",
        "/?q=uy+ban",
        "/?q=th%C3%B4ng+b%C3%A1o",
        "/portals",
        "/docs",
        "/openapi.json",
        "/api/search?q=uy+ban",
        "/api/portals",
        f"/api/articles/{xss}",
        f"/articles/{xss}",
        f"/articles/{xss}/original",
        "/articles/0000000000000000",
        "/api/articles/nope",
        "/no-such-page",
        "/static/app.css",
        "/?from=bad",
    ]


def test_every_response_has_security_headers(client: TestClient, web_archive) -> None:
    for path in _paths(web_archive.ids):
        response = client.get(path)
        assert response.headers["content-security-policy"] == PAGE_CSP, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["referrer-policy"] == "no-referrer", path


def test_page_csp_allows_nothing_from_outside() -> None:
    assert "default-src 'none'" in PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline" not in PAGE_CSP
    assert "frame-ancestors 'none'" in PAGE_CSP
    assert "http" not in PAGE_CSP  # no CDN anywhere


def test_pages_load_nothing_from_outside(client: TestClient, web_archive) -> None:
    for path in ("/", "/?q=uy+ban", "/portals", "/docs", f"/articles/{web_archive.ids['plain']}"):
        html = client.get(path).text
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            assert not re.search(r'(src|href)="(https?:)?//', tag), (path, tag)


def test_xss_article_is_escaped_everywhere(client: TestClient, web_archive) -> None:
    xss = web_archive.ids["xss"]
    pages = {
        "search": client.get("/", params={"q": "thong bao noi dung"}).text,
        "search-xss-query": client.get("/", params={"q": "<script>alert(1)</script>"}).text,
        "article": client.get(f"/articles/{xss}", params={"q": "script alert"}).text,
        "original": client.get(f"/articles/{xss}/original").text,
    }
    assert xss in pages["search"], "the XSS article must be among the results"
    for name, html in pages.items():
        for marker in ("<script>alert", "<img src=x", "<svg onload", '"><img'):
            assert marker not in html, (name, marker)
        assert not re.search(r"<[a-z]+[^>]*\son\w+=", html), name  # no event handler attribute
    article = pages["article"]
    assert "&lt;script&gt;" in article  # shown as text, not dropped
    assert "&lt;img src=x onerror=alert(&#34;xss-att&#34;)&gt;" in article  # attachment name
    assert 'href="javascript:' not in article
    assert "xss-att-url" not in article  # a javascript: attachment URL is never linked


def test_xss_in_json_stays_data(client: TestClient, web_archive) -> None:
    body = client.get(f"/api/articles/{web_archive.ids['xss']}").json()
    assert "<script>" in body["title"]  # the API returns the text as archived
    assert (
        client.get(f"/api/articles/{web_archive.ids['xss']}")
        .headers["content-type"]
        .startswith("application/json")
    )


def test_xss_attachment_download_is_inert(client: TestClient, web_archive) -> None:
    response = client.get(f"/articles/{web_archive.ids['xss']}/attachments/1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"  # never text/html
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    ascii_name = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", ascii_name)
    assert "sandbox" in response.headers["content-security-policy"]


def test_replay_is_inert_and_offline(client: TestClient, web_archive) -> None:
    response = client.get(f"/replay/{web_archive.ids['xss']}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == REPLAY_CSP
    assert "sandbox" in REPLAY_CSP and "script-src" not in REPLAY_CSP
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    html = response.text
    lowered = html.lower()
    for marker in ("<script", "<iframe", "http-equiv", "<form", '="javascript:', "<object"):
        assert marker not in lowered, marker
    for tag in re.findall(r"<[a-z][^>]*>", lowered):
        assert not re.search(r"\son\w+=", tag), tag  # no event handler survives
    # every remaining URL-bearing attribute points at our archive (or is a data: image)
    for attr, value in re.findall(r'\s(src|href|action|background|srcset)="([^"]*)"', html):
        assert value.startswith("/replay/") or value.startswith("#"), (attr, value)
    assert "evil.example/bg.png" not in re.sub(r'data-original-\w+="[^"]*"', "", html)


def test_sanitize_capture_handles_tricks() -> None:
    def lookup(url: str) -> str | None:
        return "/replay/x/asset?url=ok" if url == "http://site/ok.png" else None

    page = b"""<html><head><base href="http://site/"><style>@import "http://evil/x.css";
    body{background:url(ok.png)} p{background:url('http://evil/y.png')} .e{width:expression(alert(1))}</style>
    <link rel="preload" href="http://evil/p.js"></head><body>
    <img src="ok.png" srcset="http://evil/big.png 2x"><img src="data:image/png;base64,AAAA">
    <img src="data:text/html;base64,PHNjcmlwdD4="><a href="JaVaScRiPt:alert(1)">x</a>
    <a href="#top">top</a><object data="http://evil/o.swf"></object><embed src="http://evil/e">
    <!--[if IE]><script>alert(1)</script><![endif]--><video src="http://evil/v.mp4"></video>
    <button formaction="http://evil/">b</button><math><a xlink:href="javascript:alert(2)">m</a></math>
    <div style="background-image:url(http://evil/z.png)">d</div></body></html>"""
    out = sanitize_capture(page, "http://site/a.html", lookup)
    assert 'src="/replay/x/asset?url=ok"' in out
    assert 'url("/replay/x/asset?url=ok")' in out
    assert "data:image/png;base64,AAAA" in out
    kept = re.sub(r'(data-original-\w+|title)="[^"]*"', "", out).lower()
    for bad in ("evil/", "expression(", "data:text/html", "javascript", "<script", "formaction"):
        assert bad not in kept, bad
    assert 'href="#top"' in out
    assert "<base" not in out


def test_safe_snippet_keeps_only_mark() -> None:
    raw = 'a <mark>ủy ban</mark> <script>alert(1)</script> &lt;b&gt; <mark onclick="x">y</mark></mark>'
    out = str(safe_snippet(raw))
    assert "<mark>ủy ban</mark>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<b>" not in out and "onclick" not in out.replace("&#34;", "").split("<mark>")[0]
    assert out.count("<mark>") == out.count("</mark>")


def test_query_and_lang_are_escaped(client: TestClient) -> None:
    html = client.get("/", params={"q": '"><script>alert(1)</script>', "lang": "<x>"}).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html or "&#34;&gt;&lt;script" in html
    response = client.get("/", params={"lang": '"; Path=/; Domain=evil'})
    assert "evil" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", ["/replay/0000000000000000", "/replay/nope/asset?url=x"])
def test_replay_unknown(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404
