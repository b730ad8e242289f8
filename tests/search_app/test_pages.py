"""The HTML pages in-process: search, article, archived original, portals, docs, errors, serve."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient


def test_search_page_results_filters_and_paging(client: TestClient, web_archive) -> None:
    response = client.get("/", params={"q": "uy ban nhan dan", "per_page": 10})
    assert response.status_code == 200
    html = response.text
    assert response.headers["content-language"] == "vi"
    assert f"{web_archive.uyban_total} kết quả" in html
    assert html.count('class="hit"') == 10
    assert "<mark>Ủy ban nhân dân</mark>" in html
    assert re.search(r"<time[^>]*>\d{2}/\d{2}/\d{4}</time>", html)  # dd/mm/yyyy
    # pagination keeps the query and the page size: a bookmarkable URL
    assert 'href="/?q=uy+ban+nhan+dan&amp;per_page=10&amp;page=2"' in html
    # facets beside the filters, labelled with the district name
    assert re.search(r'<option value="daknong_krongno">Huyện Krông Nô \(\d+\)</option>', html)
    # result links carry the query to the article page for marking
    assert "?q=uy%20ban%20nhan%20dan" in html


def test_search_page_state_is_in_the_url(client: TestClient) -> None:
    html = client.get(
        "/",
        params={
            "q": "hoi nong dan",
            "portal": "quangbinh_tuyenhoa",
            "category": "Văn bản",
            "from": "2021-01-01",
            "to": "2024-12-31",
            "sort": "newest",
        },
    ).text
    assert '<option value="quangbinh_tuyenhoa" selected>' in html
    assert '<option value="Văn bản" selected>' in html
    assert '<option value="newest" selected>' in html
    # the date boxes show days as the page asks them typed (dd/mm/yyyy), not ISO
    assert 'value="01/01/2021"' in html and 'value="31/12/2024"' in html
    assert 'value="hoi nong dan"' in html
    typed = client.get("/", params={"q": "x", "from": "2021", "to": "15/3/2024"}).text
    assert 'id="f-from" name="from" type="text" inputmode="numeric" value="2021"' in typed
    assert 'value="15/3/2024"' in typed  # anything else stays as the user typed it
    bad = client.get("/", params={"q": "x", "from": "2021-02-31"}).text
    assert 'value="2021-02-31"' in bad  # an invalid day is shown as typed, beside its error


def test_search_page_timeline_svg(client: TestClient) -> None:
    html = client.get("/", params={"q": "uy ban"}).text
    svg = re.search(r"<svg class=\"timeline-chart\".*?</svg>", html, re.S)
    assert svg, "no timeline"
    bars = re.findall(r'data-key="([\d-]+)" data-count="(\d+)"', svg.group(0))
    api = client.get("/api/search", params={"q": "uy ban"}).json()
    assert sum(int(c) for _, c in bars) == api["total"]
    keys = [k for k, _ in bars]
    assert all(re.fullmatch(r"\d{4}-\d{2}", k) for k in keys)  # one bar per month
    assert keys == sorted(keys) and keys[0] == min(api["facets"]["month"])
    assert len(keys) > len(api["facets"]["month"])  # months without articles are drawn empty
    # a bar links to the same search narrowed to its month
    first = keys[0]
    assert f"q=uy+ban&amp;from={first}-01&amp;to={first}-" in svg.group(0)


def test_timeline_series_and_svg() -> None:
    from search_app.timeline import render_svg, series

    kind, bars = series({"month": {"2023-11": 2, "2024-02": 5}, "year": {"2023": 2}})
    assert kind == "month"
    assert bars == [("2023-11", 2), ("2023-12", 0), ("2024-01", 0), ("2024-02", 5)]
    kind, bars = series({"year": {"2020": 1, "2022": 4}})
    assert (kind, bars) == ("year", [("2020", 1), ("2021", 0), ("2022", 4)])
    many = {f"{y}-{m:02d}": 1 for y in range(1990, 2025) for m in range(1, 13)}
    kind, bars = series({"month": many})
    assert kind == "year" and len(bars) == 35  # too many months: grouped by year
    assert str(render_svg("month", [])) == ""
    svg = str(render_svg("month", [("2024-01", 3)], lambda a, b: f"/?from={a}&to={b}", "<x>"))
    assert "&lt;x&gt;" in svg and 'href="/?from=2024-01-01&amp;to=2024-01-31"' in svg


def test_search_page_empty_did_you_mean_and_errors(client: TestClient) -> None:
    empty = client.get("/", params={"q": "zzzqqqxxx"})
    assert empty.status_code == 200 and 'id="no-results"' in empty.text
    suggestion = client.get("/", params={"q": "tap huam"}).text
    assert 'class="did-you-mean"' in suggestion and 'href="/?q=tap+huan"' in suggestion
    bad = client.get("/", params={"q": "x", "from": "31/02/2021"})
    assert bad.status_code == 422
    assert 'data-code="invalid_date"' in bad.text and "Traceback" not in bad.text
    huge = client.get("/", params={"q": "a" * 12_000})
    assert huge.status_code == 400 and 'data-code="query_too_long"' in huge.text


def test_no_query_lists_everything_newest_first(client: TestClient, web_archive) -> None:
    html = client.get("/", params={"sort": "newest", "per_page": 100}).text
    assert f"{web_archive.total} kết quả" in html
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})', html)
    assert dates == sorted(dates, reverse=True)


def test_language_switch_and_cookie(client: TestClient) -> None:
    english = client.get("/", params={"q": "uy ban", "lang": "en"})
    assert english.headers["content-language"] == "en"
    assert "results (" in english.text and '<html lang="en">' in english.text
    assert "lang=en" in english.headers.get("set-cookie", "")
    remembered = client.get("/portals")  # the cookie carries the choice
    assert remembered.headers["content-language"] == "en"
    assert "Archived portals" in remembered.text
    back = client.get("/portals", params={"lang": "vi"})
    assert "Các cổng thông tin đã lưu" in back.text
    assert client.get("/", params={"lang": "xx"}).headers["content-language"] == "vi"


def test_article_page(client: TestClient, web_archive) -> None:
    article_id = web_archive.ids["attachments"]
    html = client.get(f"/articles/{article_id}", params={"q": "quy hoach"}).text
    assert "<mark>quy hoạch</mark>" in html  # marked although typed without diacritics
    assert "15/03/2023 09:30" in html
    assert "Huyện Tuyên Hóa" in html and "Văn bản" in html
    assert 'href="http://tuyenhoa.sample/tin-tuc/bai-100.html"' in html
    assert f'href="/articles/{article_id}/attachments/1" download' in html
    assert "Phụ lục kèm theo" in html and "chưa lưu được" in html
    assert re.search(r'<iframe class="replay" sandbox src="/replay/' + article_id, html)
    assert f'href="/articles/{article_id}/original"' in html
    assert "<mark>" not in client.get(f"/articles/{article_id}").text


def test_article_versions_and_diff(client: TestClient, web_archive) -> None:
    html = client.get(f"/articles/{web_archive.ids['versioned']}").text
    assert 'id="versions"' in html and html.count("Thu thập ngày") >= 2
    diff = re.search(r'<div class="diff" id="diff">.*?</div>', html, re.S).group(0)
    assert "<del>hai</del>" in diff and "<ins>ba</ins>" in diff
    assert "<ins>Địa điểm: trụ sở tiếp dân.</ins>" in diff
    plain = client.get(f"/articles/{web_archive.ids['plain']}").text
    assert 'id="versions"' not in plain


def test_attachment_download_from_the_archive(client: TestClient, web_archive) -> None:
    article_id = web_archive.ids["attachments"]
    response = client.get(f"/articles/{article_id}/attachments/1")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-1.4")
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Quyet_dinh_so_12_QD-UBND_ve_quy_hoach.pdf"' in disposition
    assert "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh" in disposition
    assert client.get(f"/articles/{article_id}/attachments/2").status_code == 404  # not fetched
    assert client.get(f"/articles/{article_id}/attachments/3").status_code == 404
    assert client.get(f"/articles/{article_id}/attachments/0").status_code == 404
    assert client.get(f"/articles/{article_id}/attachments/x").status_code == 422


def test_archived_original_page_and_replay(client: TestClient, web_archive) -> None:
    article_id = web_archive.ids["plain"]
    page = client.get(f"/articles/{article_id}/original").text
    assert re.search(r'<iframe class="replay full" id="replay-frame" sandbox src="/replay/', page)
    assert "http://krongno.sample/tin-tuc/bai-0.html" in page
    replay = client.get(f"/replay/{article_id}")
    assert replay.status_code == 200
    assert "Ủy ban nhân dân huyện họp phiên thường kỳ lần 0" in replay.text
    # the archived stylesheet and image come from the same capture; the live ones are dropped
    css = re.search(r'<link href="(/replay/[^"]+)" rel="stylesheet"/?>', replay.text)
    assert css, replay.text[:500]
    assert "cdn.example" not in re.sub(r'(title|data-original-\w+)="[^"]*"', "", replay.text)
    logo = re.search(r'<img alt="logo" id="logo" src="([^"]+)"', replay.text)
    assert logo
    css_response = client.get(css.group(1).replace("&amp;", "&"))
    assert css_response.status_code == 200 and ".title{color:#7a1f18" in css_response.text
    png = client.get(logo.group(1).replace("&amp;", "&"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    missing = client.get(
        f"/replay/{article_id}/asset", params={"url": "https://live.example/photo.jpg"}
    )
    assert missing.status_code == 404
    # an archived non-asset (an HTML page) is not served as an asset
    other = client.get(
        f"/replay/{article_id}/asset", params={"url": "http://krongno.sample/tin-tuc/bai-3.html"}
    )
    assert other.status_code == 404


def test_replay_of_each_version(client: TestClient, web_archive) -> None:
    article_id = web_archive.ids["versioned"]
    first = client.get(f"/replay/{article_id}", params={"version": 1}).text
    second = client.get(f"/replay/{article_id}", params={"version": 2}).text
    assert "thứ hai hằng tuần" in first and "thứ ba hằng tuần" in second
    assert client.get(f"/replay/{article_id}", params={"version": 3}).status_code == 404
    assert client.get(f"/replay/{article_id}", params={"version": "x"}).status_code == 422


def test_portals_page(client: TestClient, web_archive) -> None:
    html = client.get("/portals").text
    assert html.count("<tr data-portal=") == 3
    assert 'href="/?portal=daknong_krongno&amp;sort=newest"' in html
    assert "Huyện Krông Nô" in html and "Tỉnh Đắk Nông" in html
    # each district and what it became on 1 July 2025, with its successor communes
    row = re.search(r'<tr data-portal="daknong_krongno".*?</tr>', html, re.S)
    assert row and '<td class="now">Tỉnh Lâm Đồng' in row.group(0)
    assert "Xã Nam Đà" in row.group(0)
    assert re.search(r"\d{2}/\d{2}/\d{4} – \d{2}/\d{2}/\d{4}", html)  # date span, dd/mm/yyyy
    assert f">{web_archive.total}<" in html


def test_docs_page_is_offline(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/api/search" in html and "/api/articles/{article_id}" in html and "/api/portals" in html
    assert not re.search(r'(src|href)="https?://', html)  # nothing from a CDN
    assert client.get("/redoc").status_code == 404


def test_html_errors_are_friendly_pages(client: TestClient) -> None:
    missing = client.get("/articles/0000000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang." in missing.text and "Traceback" not in missing.text
    assert client.get("/no/such/page").status_code == 404


def test_static_css_is_served(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200 and "mark" in response.text


def test_serve_command_prints_the_address_and_serves(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vnarchive",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/" in line
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/portals", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("vnarchive serve did not answer")
        assert response.json() == {"total": 0, "portals": []}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_home_says_when_the_index_is_missing(tmp_path: Path, web_archive) -> None:
    import shutil

    from search_app.app import create_app

    shutil.copy(web_archive.data_dir / "archive.sqlite", tmp_path / "archive.sqlite")
    with TestClient(create_app(tmp_path), raise_server_exceptions=False) as client:
        home = client.get("/").text
        assert 'data-state="index_missing"' in home and "vnarchive index" in home
        assert client.get("/portals").text.count("<tr data-portal=") == 3  # the store still shows
