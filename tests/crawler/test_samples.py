"""The sample portals: content, ground truth, hard cases, server behaviour and control API."""

from __future__ import annotations

import html
import http.client
import json
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from crawler.samples import model, portal_state, specs, truth
from crawler.samples.render import render
from indexer.text import fold_lower, normalize

BASE = "http://127.0.0.1:8765"
PORTALS = specs.PORTAL_IDS
ALL_CASES = {
    "attachment_only",
    "video_only",
    "nfd",
    "old_tone",
    "entities",
    "malformed",
    "duplicate_url",
    "flaky",
    "redirect",
    "attachments",
}


def _truth(portal_id: str) -> dict:
    return truth.load_truth(portal_id)


def _page_text(body: str) -> str:
    """Visible-ish text of a page: tags dropped, entities decoded, normalised."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", body)
    body = re.sub(r"<[^>]+>", " ", body)
    return normalize(html.unescape(body))


def _get(base: str, path: str, headers: dict | None = None, method: str = "GET"):
    """One HTTP request to the sample server: (status, headers, body bytes)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _post(base: str, path: str, data: dict) -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(
            "POST", path, body=json.dumps(data), headers={"Content-Type": "application/json"}
        )
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


# ---------------------------------------------------------------- content and truth


@pytest.mark.parametrize("portal_id", PORTALS)
def test_portal_has_enough_articles_over_years_and_categories(portal_id):
    data = _truth(portal_id)
    articles = data["articles"]
    assert len(articles) >= 150
    years = Counter(a["published"][:4] for a in articles)
    assert len(years) >= 5, years
    categories = Counter(a["category"] for a in articles)
    assert len(categories) >= 5, categories
    assert len({a["url"] for a in articles}) == len(articles)
    assert len({a["id"] for a in articles}) == len(articles)
    assert len(data["listings"]) >= 15


@pytest.mark.parametrize("portal_id", PORTALS)
def test_every_hard_case_present(portal_id):
    data = _truth(portal_id)
    cases = {c for a in data["articles"] for c in a["cases"]}
    assert cases >= ALL_CASES, ALL_CASES - cases
    special = data["special"]
    assert (
        special["not_found"] and special["flaky"] and special["redirects"] and special["duplicates"]
    )
    assert special["robots_disallow"]


def test_family_specific_cases():
    cases = {pid: {c for a in _truth(pid)["articles"] for c in a["cases"]} for pid in PORTALS}
    assert "windows1258" in cases["sample-sp2010"]
    assert "wrong_charset" in cases["sample-liferayqb"]
    assert "xss" in cases["sample-wordpress"]
    assert _truth("sample-sp2010")["special"]["broken_next_links"] is True


@pytest.mark.parametrize("portal_id", PORTALS)
def test_shipped_truth_equals_generator(portal_id):
    shipped = (truth.TRUTH_DIR / f"{portal_id}.json").read_text(encoding="utf-8")
    assert shipped == truth.dumps(truth.generate(portal_id)), "run `vnarchive samples generate`"


def test_truth_text_is_normalised_and_special_articles_are_empty():
    for pid in PORTALS:
        for art in _truth(pid)["articles"]:
            assert art["title"] == normalize(art["title"])
            assert art["body_text"] == normalize(art["body_text"], multiline=True)
            assert unicodedata.is_normalized("NFC", art["body_text"])
            if "attachment_only" in art["cases"]:
                assert art["body_text"] == "" and art["attachments"]
            elif "video_only" in art["cases"]:
                assert art["body_text"] == "" and art["media"]
            else:
                assert len(art["body_text"]) > 150


def test_xss_truth_keeps_payloads_as_text():
    art = next(a for a in _truth("sample-wordpress")["articles"] if "xss" in a["cases"])
    assert "<script>alert(1)</script>" in art["title"]
    assert "<img src=x onerror=alert(1)>" in art["body_text"]
    assert "javascript:alert(1)" in art["body_text"]
    assert any("<script>" in att["name"] for att in art["attachments"])


def test_search_words_occur_in_the_corpus():
    text = "\n".join(
        f"{a['title']}\n{a['body_text']}" for pid in PORTALS for a in _truth(pid)["articles"]
    )
    folded = fold_lower(text)
    assert "tuyen hoa" in folded and "dak nong" in folded
    assert "Đắk R’lấp" in text
    for phrase in ("ủy ban nhân dân", "cán bộ", "hội nghị giao ban"):
        assert phrase in text.lower(), phrase
    for word in ("năm", "nam", "bán", "bạn"):
        assert re.search(rf"(?<!\w){word}(?!\w)", text.lower()), word
    titles = [a["title"].lower() for pid in PORTALS for a in _truth(pid)["articles"]]
    assert any("hội nghị giao ban" in t for t in titles)
    assert any("tuyên hóa" in t for t in titles)


def test_generation_is_deterministic():
    again = model.build_portal("sample-liferayqb")
    first = model.get_portal("sample-liferayqb")
    assert [a.title for a in again.articles] == [a.title for a in first.articles]
    art = first.articles[3]
    one = render("sample-liferayqb", art.url, base_url=BASE).body
    two = render("sample-liferayqb", art.url, base_url=BASE).body
    assert one == two


# ---------------------------------------------------------------- pages (in-process)


@pytest.mark.parametrize("portal_id", PORTALS)
def test_article_pages_carry_truth_and_boilerplate(portal_id):
    data = _truth(portal_id)
    for art in data["articles"]:
        resp = render(portal_id, art["url"], base_url=BASE)
        assert resp.status == 200, art["url"]
        assert 20_000 < len(resp.body) < 120_000, (art["url"], len(resp.body))
        # the wrong_charset page is UTF-8 whatever its header says
        raw = resp.text if "windows1258" in art["cases"] else resp.body.decode("utf-8")
        text = _page_text(raw)
        assert art["title"] in text, art["url"]
        for para in filter(None, art["body_text"].split("\n\n")):
            assert para in text, (art["url"], para[:60])
        for boiler in art["must_not_contain"]:
            assert boiler in text, (art["url"], boiler)
        for att in art["attachments"]:
            assert html.escape(_unquote(att["url"]), quote=True) in raw, att
        for src in art["images"] + art["media"]:
            assert html.escape(_unquote(src), quote=True) in raw, src
        if art["author"]:
            assert art["author"] in text
        if art["credit"]:
            assert art["credit"] in text


def _unquote(url: str) -> str:
    from urllib.parse import unquote

    return unquote(url)


def test_text_cases_are_really_in_the_markup():
    sp = _truth("sample-sp2010")["articles"]
    nfd = next(a for a in sp if "nfd" in a["cases"])
    raw = render("sample-sp2010", nfd["url"], base_url=BASE).text
    assert unicodedata.normalize("NFD", nfd["title"]) in raw
    assert nfd["title"] not in raw
    old = next(a for a in sp if "old_tone" in a["cases"])
    raw = render("sample-sp2010", old["url"], base_url=BASE).text
    assert "hoá" in raw and "hóa" in old["title"]
    ent = next(a for a in sp if "entities" in a["cases"])
    raw = render("sample-sp2010", ent["url"], base_url=BASE).text
    assert re.search(r"&[a-z]+(grave|acute|circ|tilde);", raw)
    mal = next(a for a in _truth("sample-wordpress")["articles"] if "malformed" in a["cases"])
    raw = render("sample-wordpress", mal["url"], base_url=BASE).text
    content = raw.split('<div class="entry-content">', 1)[1].split('<div class="sharedaddy">', 1)[0]
    assert content.count("<p>") > content.count("</p>") and "<div><span>" in content


def test_windows1258_page_decodes_to_truth():
    art = next(a for a in _truth("sample-sp2010")["articles"] if "windows1258" in a["cases"])
    resp = render("sample-sp2010", art["url"], base_url=BASE)
    assert resp.headers["Content-Type"] == "text/html; charset=windows-1258"
    with pytest.raises(UnicodeDecodeError):
        resp.body.decode("utf-8")
    decoded = resp.body.decode("cp1258")
    assert "charset=windows-1258" in decoded
    text = _page_text(decoded)
    assert art["title"] in text
    for para in art["body_text"].split("\n\n"):
        assert para in text


def test_wrong_charset_header_page():
    art = next(a for a in _truth("sample-liferayqb")["articles"] if "wrong_charset" in a["cases"])
    resp = render("sample-liferayqb", art["url"], base_url=BASE)
    assert resp.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert art["title"] in _page_text(resp.body.decode("utf-8"))


def test_the_crawl_summary_marks_the_wrong_charset_page_as_broken_on_purpose():
    from crawler.extensions import summary_line

    art = next(a for a in _truth("sample-liferayqb")["articles"] if "wrong_charset" in a["cases"])
    other = next(a for a in _truth("sample-liferayqb")["articles"] if not a["cases"])
    job = {
        "id": 1,
        "portal": "sample-liferayqb",
        "status": "finished",
        "pages": 2,
        "articles_new": 2,
        "articles_changed": 0,
        "articles_unchanged": 0,
        "errors": 2,
        "error_reasons": {"bad_charset": 2},
        "error_urls": [
            {"url": f"{BASE}/sample-liferayqb/{page['url']}", "reason": "bad_charset"}
            for page in (art, other)
        ],
    }
    failed = [line for line in summary_line(job).splitlines() if "failed: " in line]
    assert failed[0].endswith(
        "(bad_charset) -- expected: the sample's article served with a wrong charset header,"
        " on purpose (still read)"
    )
    assert failed[1].endswith("(bad_charset)")  # any other page with it is a real problem


def test_xss_payloads_escaped_as_text_and_present_as_markup():
    art = next(a for a in _truth("sample-wordpress")["articles"] if "xss" in a["cases"])
    raw = render("sample-wordpress", art["url"], base_url=BASE).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw  # title / attachment name as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw
    assert '<a href="javascript:alert(1)">' in raw
    assert "<script>alert(1)</script>" in raw  # real markup in the body
    assert 'onerror="alert(1)"' in raw


# ---------------------------------------------------------------- the server


def test_server_serves_every_truth_url(samples_url):
    jobs = []
    for pid in PORTALS:
        data = _truth(pid)
        jobs += [f"/{pid}/{a['url']}" for a in data["articles"]]
        jobs += [f"/{pid}/{a}" for a in (u for art in data["articles"] for u in art["alt_urls"])]
        jobs += [f"/{pid}/{att['url']}" for art in data["articles"] for att in art["attachments"]]

    def fetch(path: str) -> tuple[str, int]:
        status, _, _ = _get(samples_url, path)
        if status == 500:  # the flaky article: fine on the second try
            status, _, _ = _get(samples_url, path)
        return path, status

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetch, jobs))
    bad = [r for r in results if r[1] != 200]
    assert not bad, bad[:5]
    assert len(results) > 600


@pytest.mark.parametrize("portal_id", PORTALS)
def test_listing_pagination_reaches_every_article(samples_url, portal_id):
    data = _truth(portal_id)
    seen: set[str] = set()
    for listing in data["listings"]:
        url = f"{samples_url}/{portal_id}/{listing['url']}"
        status, _, body = _get(samples_url, f"/{portal_id}/{listing['url']}")
        assert status == 200, listing["url"]
        page = body.decode("utf-8")
        hrefs = {urljoin(url, html.unescape(h)) for h in re.findall(r'href="([^"]+)"', page)}
        for item in listing["items"]:
            assert f"{samples_url}/{portal_id}/{item}" in hrefs, item
            seen.add(item)
        if listing["next_page"] and portal_id != "sample-sp2010":
            assert f"{samples_url}/{portal_id}/{listing['next_page']}" in hrefs
    if portal_id == "sample-sp2010":  # the on-page next link is broken: it points to the root
        _, _, body = _get(samples_url, f"/{portal_id}/tin-tuc-su-kien/")
        assert f'<a href="/{portal_id}/" class="btn">Trang sau</a>' in body.decode()
    assert {a["url"] for a in data["articles"]} <= seen


@pytest.mark.parametrize("portal_id", PORTALS)
def test_robots_404_redirect_duplicate(samples_url, portal_id):
    data = _truth(portal_id)
    special = data["special"]
    status, _, body = _get(samples_url, f"/{portal_id}/robots.txt")
    assert status == 200
    assert f"Disallow: /{portal_id}/{special['robots_disallow']}" in body.decode()
    status, _, _ = _get(samples_url, f"/{portal_id}/{special['robots_disallow']}")
    assert status == 200  # the disallowed path really exists
    _, _, root_robots = _get(samples_url, "/robots.txt")
    assert f"Disallow: /{portal_id}/" in root_robots.decode()
    for url in special["not_found"]:
        assert _get(samples_url, f"/{portal_id}/{url}")[0] == 404
    for src, target in special["redirects"].items():
        status, headers, _ = _get(samples_url, f"/{portal_id}/{src}")
        assert status in (301, 302)
        assert headers["location"] == f"{samples_url}/{portal_id}/{target}"
    for alt, canonical in special["duplicates"].items():
        status, _, body = _get(samples_url, f"/{portal_id}/{alt}")
        assert status == 200
        assert f'rel="canonical" href="{samples_url}/{portal_id}/{canonical}"' in body.decode()


def test_flaky_page_fails_once_then_works(samples_url):
    for pid in PORTALS:
        url = _truth(pid)["special"]["flaky"][0]
        assert _get(samples_url, f"/{pid}/{url}")[0] == 500
        assert _get(samples_url, f"/{pid}/{url}")[0] == 200
        assert _get(samples_url, f"/{pid}/{url}")[0] == 200


def test_attachment_with_vietnamese_name(samples_url):
    art = next(a for a in _truth("sample-sp2010")["articles"] if "attachment_only" in a["cases"])
    att = art["attachments"][0]
    assert "%E1%BA%BF" in att["url"] and " " in att["name"]
    status, headers, body = _get(samples_url, "/sample-sp2010/" + att["url"])
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    # the page links the file unencoded, as the real Lạc Việt sites do
    page = render("sample-sp2010", art["url"], base_url=BASE).text
    assert f'href="/sample-sp2010/{_unquote(att["url"])}"' in page
    docx = next(
        att["url"]
        for a in _truth("sample-wordpress")["articles"]
        for att in a["attachments"]
        if att["url"].endswith(".docx")
    )
    status, _, body = _get(samples_url, "/sample-wordpress/" + docx)
    assert status == 200 and body[:2] == b"PK"


def test_conditional_requests(samples_url):
    art = _truth("sample-liferay62")["articles"][5]
    path = f"/sample-liferay62/{art['url']}"
    status, headers, body = _get(samples_url, path)
    assert status == 200 and body
    etag, modified = headers["etag"], headers["last-modified"]
    status, headers2, body2 = _get(samples_url, path, {"If-None-Match": etag})
    assert status == 304 and body2 == b"" and headers2["etag"] == etag
    assert _get(samples_url, path, {"If-Modified-Since": modified})[0] == 304
    assert _get(samples_url, path, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert _get(samples_url, path, {"If-None-Match": '"other"'})[0] == 200


def test_crawler_trap_is_endless(samples_url):
    path = "/sample-sp2010/lich/?thang=2019-06"
    months = []
    for _ in range(4):
        status, _, body = _get(samples_url, path)
        assert status == 200
        nxt = re.search(r'href="([^"]+)">Tháng sau', body.decode())
        assert nxt
        path = html.unescape(nxt.group(1))
        months.append(path)
    assert len(set(months)) == 4 and months[-1].endswith("2019-10")


def test_sitemap_lists_every_wordpress_post(samples_url):
    status, _, body = _get(samples_url, "/sample-wordpress/sitemap.xml")
    assert status == 200
    locs = set(re.findall(r"<loc>([^<]+)</loc>", body.decode()))
    for art in _truth("sample-wordpress")["articles"]:
        assert f"{samples_url}/sample-wordpress/{art['url']}" in locs
    _, _, robots = _get(samples_url, "/sample-wordpress/robots.txt")
    assert f"Sitemap: {samples_url}/sample-wordpress/sitemap.xml" in robots.decode()


def test_bad_requests_never_crash(samples_url):
    for path in (
        "/nope/",
        "/sample-sp2010/%ff%fe/",
        "/sample-sp2010/" + "a" * 5000,
        "/sample-sp2010/../../etc/passwd",
        "/sample-liferay62/tin-tuc-su-kien?_101_cur=999",
        "/sample-liferay62/tin-tuc-su-kien?_101_cur=abc",
        "/sample-sp2010/lich/?thang=99999-99",
        "/_control/nope",
    ):
        status, _, _ = _get(samples_url, path)
        assert status in (200, 404), path
    status, headers, _ = _get(samples_url, "/sample-sp2010")
    assert status == 301 and headers["location"].endswith("/sample-sp2010/")
    assert _get(samples_url, "/")[0] == 200
    status, body = _post(samples_url, "/_control/sample-sp2010", {"mode": "sideways"})
    assert status == 400 and body["error"]["code"] == "bad_mode"
    status, body = _post(samples_url, "/_control/sample-sp2010", {"edit": "0"})
    assert status == 404
    assert _get(samples_url, "/sample-sp2010/", method="HEAD")[0] == 200


def test_concurrent_requests(samples_url):
    data = _truth("sample-wordpress")
    paths = [
        f"/sample-wordpress/{a['url']}" for a in data["articles"][:40] if "flaky" not in a["cases"]
    ]
    with ThreadPoolExecutor(16) as pool:
        first = list(pool.map(lambda p: _get(samples_url, p), paths * 3))
    assert all(status == 200 for status, _, _ in first)
    by_path: dict[str, set[bytes]] = {}
    for path, (_, _, body) in zip(paths * 3, first, strict=True):
        by_path.setdefault(path, set()).add(body)
    assert all(len(bodies) == 1 for bodies in by_path.values())


# ---------------------------------------------------------------- control API


def test_control_modes(samples_url):
    pid = "sample-sp2010"
    art = _truth(pid)["articles"][0]
    path = f"/{pid}/{art['url']}"
    normal = _get(samples_url, path)[2].decode()
    assert 'class="Title' in normal

    status, reply = _post(samples_url, f"/_control/{pid}", {"mode": "relayout"})
    assert status == 200 and reply["mode"] == "relayout" and reply["edits"] == {}
    status, _, body = _get(samples_url, path)
    page = body.decode()
    assert status == 200 and art["title"] in page
    assert 'class="Title' not in page and 'class="Time"' not in page and "ExternalClass" not in page

    _post(samples_url, f"/_control/{pid}", {"mode": "redirect"})
    status, headers, _ = _get(samples_url, path)
    assert status == 301 and headers["location"].startswith("http://example.invalid/")

    _post(samples_url, f"/_control/{pid}", {"mode": "down"})
    assert _get(samples_url, path)[0] == 503

    _post(samples_url, f"/_control/{pid}", {"mode": "maintenance"})
    status, _, body = _get(samples_url, path)
    assert status == 200 and "Trang web đang bảo trì" in body.decode()
    # other portals are unaffected
    other = _truth("sample-wordpress")["articles"][0]["url"]
    assert _get(samples_url, f"/sample-wordpress/{other}")[0] == 200

    status, _, _ = _get(samples_url, "/_control/reset", method="GET")
    parts = urlsplit(samples_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", "/_control/reset", body="", headers={"Content-Length": "0"})
    assert conn.getresponse().status == 200
    conn.close()
    assert _get(samples_url, path)[2].decode() == normal


def test_control_edit_creates_new_version(samples_url):
    pid = "sample-liferayqb"
    art = _truth(pid)["articles"][10]
    path = f"/{pid}/{art['url']}"
    status, headers, before = _get(samples_url, path)
    parts = urlsplit(samples_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request(
        "POST",
        f"/_control/{pid}",
        body=f"edit={art['id']}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    reply = json.loads(conn.getresponse().read())
    conn.close()
    assert reply["edits"] == {art["id"]: 1}
    status, headers2, after = _get(samples_url, path)
    assert status == 200 and after != before and headers2["etag"] != headers["etag"]
    edited = truth.edited_body(pid, art["id"], 1)
    assert edited.startswith(art["body_text"]) and edited != art["body_text"]
    text = _page_text(after.decode())
    for para in edited.split("\n\n"):
        assert para in text
    # the old ETag no longer matches
    assert _get(samples_url, path, {"If-None-Match": headers["etag"]})[0] == 200


def test_control_remove_takes_an_article_down(samples_url):
    pid = "sample-wordpress"
    art = _truth(pid)["articles"][2]
    assert _get(samples_url, f"/{pid}/{art['url']}")[0] == 200
    status, reply = _post(samples_url, f"/_control/{pid}", {"remove": art["id"]})
    assert status == 200 and reply["removed"] == [art["id"]]
    assert _get(samples_url, f"/{pid}/{art['url']}")[0] == 404
    _post(samples_url, "/_control/reset", {})
    assert _get(samples_url, f"/{pid}/{art['url']}")[0] == 200


def test_render_is_pure_without_state():
    flaky = _truth("sample-wordpress")["special"]["flaky"][0]
    assert render("sample-wordpress", flaky, base_url=BASE).status == 200
    assert render("sample-wordpress", "/sample-wordpress/" + flaky, base_url=BASE).status == 200
    assert render("no-such-portal", "", base_url=BASE).status == 404
    state = portal_state.SiteState()
    assert render("sample-wordpress", flaky, base_url=BASE, state=state).status == 500
    assert render("sample-wordpress", flaky, base_url=BASE, state=state).status == 200


def test_percent_encoded_and_raw_paths_match():
    art = next(a for a in _truth("sample-liferayqb")["articles"] if a["attachments"])
    encoded = art["attachments"][0]["url"]
    raw = _unquote(encoded)
    assert render("sample-liferayqb", encoded, base_url=BASE).status == 200
    assert render("sample-liferayqb", raw, base_url=BASE).status == 200
    assert render("sample-liferayqb", quote(raw), base_url=BASE).status == 200


# ---------------------------------------------------------------- CLI


def test_cli_serve_reports_an_occupied_port(samples_url):
    from vnarchive.commands.samples import samples

    port = urlsplit(samples_url).port
    result = CliRunner().invoke(samples, ["serve", "--port", str(port)])
    assert result.exit_code != 0
    assert "already in use" in result.output


def test_shipped_sentences_regenerate_from_underthesea():
    from crawler.samples import corpus

    base = corpus.underthesea_dir()
    sentences = corpus.extract_sentences(base / corpus.VLSP_RELPATH)
    assert list(corpus.load_sentences()) == sentences
    assert len(sentences) >= 300
    assert all(unicodedata.is_normalized("NFC", s) and "_" not in s for s in sentences)
    places = corpus.extract_places(base / corpus.MAPPING_RELPATH)
    assert {k: tuple(v) for k, v in places.items()} == corpus.load_places()
    assert "Thị trấn Đồng Lê" in places["quangbinh_tuyenhoa"]
