"""The web app over a real crawl: `vnarchive crawl` of the sample WordPress portal, then `index`.

The sample portal holds a hostile article (``<script>``, ``onerror=`` and
``javascript:`` in its title, body and attachment name).  Its real WARC capture
must replay inert, with nothing fetched from the (live) sample site, and the
browser must run nothing on the search, article and replay pages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

PORTAL = "sample-wordpress"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vnarchive", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"vnarchive {' '.join(args)}: {done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, samples_server: str) -> Path:
    """A data dir filled by a real crawl of the sample WordPress portal, indexed."""
    data = tmp_path_factory.mktemp("crawled")
    env = {**os.environ, "VNARCHIVE_DATA": str(data), "VNARCHIVE_SAMPLES_URL": samples_server}
    env.pop("VNARCHIVE_DB_URL", None)
    _run(["crawl", PORTAL, "--quiet", "-s", "DOWNLOAD_DELAY=0"], env)
    _run(["index"], env)
    return data


@pytest.fixture(scope="module")
def crawled_app(crawled: Path):  # type: ignore[no-untyped-def]
    from search_app.app import create_app

    return create_app(crawled)


@pytest.fixture()
def crawled_client(crawled_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(crawled_app, raise_server_exceptions=False) as client:
        yield client


def _xss_id(client: TestClient) -> str:
    body = client.get("/api/search", params={"q": "lich tiep dan thang 3 2025"}).json()
    hits = [h for h in body["results"] if "<script>" in h["title"]]
    assert hits, [h["title"] for h in body["results"]]
    return hits[0]["id"]


def test_crawled_portal_is_listed_and_searchable(crawled_client: TestClient) -> None:
    portals = crawled_client.get("/api/portals").json()["portals"]
    assert [p["portal"] for p in portals] == [PORTAL]
    assert portals[0]["articles"] > 0 and portals[0]["last_crawl"]
    html = crawled_client.get("/", params={"q": "uy ban nhan dan xa"}).text
    assert 'class="hit"' in html and "<mark>" in html


def test_crawled_xss_article_pages(crawled_client: TestClient, samples_server: str) -> None:
    xss = _xss_id(crawled_client)
    article = crawled_client.get(f"/articles/{xss}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "<script>alert" not in article and "<img src=x" not in article
    download = crawled_client.get(f"/articles/{xss}/attachments/1")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert re.search(r'filename="[A-Za-z0-9._-]+\.pdf"', download.headers["content-disposition"])
    replay = crawled_client.get(f"/replay/{xss}")
    assert replay.status_code == 200
    assert "sandbox" in replay.headers["content-security-policy"]
    html = replay.text.lower()
    assert "<script" not in html and '="javascript:' not in html
    for tag in re.findall(r"<[a-z][^>]*>", html):
        assert not re.search(r"\son\w+=", tag), tag
    live = samples_server.split("//", 1)[1]
    for attr, value in re.findall(r'\s(src|href|action|srcset)="([^"]*)"', replay.text):
        assert live not in value, (attr, value)  # nothing points at the live site


@pytest.mark.browser
def test_crawled_xss_runs_nothing_in_the_browser(  # type: ignore[no-untyped-def]
    watched_page, serve_app, crawled_app, crawled_client
) -> None:
    xss = _xss_id(crawled_client)
    with serve_app(crawled_app) as base:
        page = watched_page(base)
        page.goto(base + "/?q=lich+tiep+dan+thang+3+2025")
        page.wait_for_load_state("networkidle")
        assert page.locator(f'a[href^="/articles/{xss}"]').count() == 1
        page.watch.assert_clean("search page")
        page.goto(f"{base}/articles/{xss}?q=lich+tiep+dan")
        page.wait_for_load_state("networkidle")
        assert "<script>" in (page.text_content("#article-title") or "")
        page.watch.assert_clean("article page")
        page.goto(f"{base}/articles/{xss}/original")
        page.wait_for_load_state("networkidle")
        frame = page.frame_locator("#replay-frame")
        assert "lịch tiếp dân" in (frame.locator("body").text_content() or "").lower()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "12-crawled-xss-replay.png"), full_page=True)
        page.watch.assert_clean("replay page (requests to the sample site count as outside)")
