"""End to end: `vnarchive crawl --all --samples` over the sample server, compared with the
ground truth of every sample portal; what was fetched (WARC), jobs, special cases."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from crawl_support import (
    REPO,
    SAMPLE_PORTALS,
    compare_with_truth,
    crawl_env,
    in_portal,
    portal_prefix,
    run_crawl,
    truth,
    warc_responses,
)

from crawler.warc.reader import read_capture
from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow


def _reset(samples_url: str) -> None:
    request = urllib.request.Request(f"{samples_url}/_control/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.fixture(scope="module")
def crawled(samples_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every sample portal crawled once, the way `make demo` does it."""
    _reset(samples_server)
    data_dir = tmp_path_factory.mktemp("archive")
    proc = run_crawl(data_dir, samples_server, "--all", "--samples", "--parallel", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env_data = crawl_env(data_dir, samples_server)["VNARCHIVE_DATA"]
    store = ArchiveStore(f"sqlite:///{Path(env_data) / 'archive.sqlite'}")
    return {"dir": data_dir, "url": samples_server, "store": store, "output": proc.stdout}


@pytest.fixture
def data_env(crawled: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The crawled archive as this process's data directory (for WARC paths)."""
    monkeypatch.setenv("VNARCHIVE_DATA", str(crawled["dir"]))
    return crawled


@pytest.mark.parametrize("portal", SAMPLE_PORTALS)
def test_every_article_found_and_nothing_else(crawled: dict[str, Any], portal: str) -> None:
    result = compare_with_truth(crawled["store"], portal, crawled["url"])
    assert result["missing"] == [], f"{portal}: articles not archived"
    assert result["extra"] == [], f"{portal}: archived pages that are not articles"
    assert result["found"] == result["truth"] >= 150


@pytest.mark.parametrize("portal", SAMPLE_PORTALS)
def test_every_field_matches_the_ground_truth(crawled: dict[str, Any], portal: str) -> None:
    result = compare_with_truth(crawled["store"], portal, crawled["url"])
    summary = {field: (len(urls), urls[:3]) for field, urls in result["fields"].items()}
    assert summary == {}, f"{portal}: fields differing from the ground truth: {summary}"


@pytest.mark.parametrize("portal", SAMPLE_PORTALS)
def test_crawl_level_fields(crawled: dict[str, Any], portal: str) -> None:
    """Fields the crawl itself sets: portal, place, URLs, status, capture, dates seen."""
    data = truth(portal)
    store: ArchiveStore = crawled["store"]
    prefix = portal_prefix(crawled["url"], portal)
    fetched = {url for url, _ in warc_responses(crawled["dir"], portal)}
    for art in data["articles"]:
        row = store.find_article_by_url(urljoin(prefix, art["url"]))
        assert row is not None
        assert row["portal"] == portal and row["status"] == "live"
        assert (row["province"], row["district"]) == (data["province"], data["district"] or None)
        assert row["canonical_url"] == urljoin(prefix, art["url"])
        assert row["warc_file"] and row["warc_record_id"] and row["warc_length"] > 0
        assert row["first_seen"] == row["last_changed"] <= row["last_seen"]
        for alt in art["alt_urls"] + art["redirect_from"]:
            # other URLs of the article, when the crawl met them, lead to the same article
            alt_url = urljoin(prefix, alt)
            if alt_url in fetched:
                linked = store.find_article_by_url(alt_url)
                assert linked is not None and linked["id"] == row["id"], alt
        assert len(store.versions_of(row["id"])) == 1


@pytest.mark.parametrize("portal", SAMPLE_PORTALS)
def test_nothing_outside_the_portal_fetched_and_robots_honoured(
    crawled: dict[str, Any], portal: str
) -> None:
    fetched = warc_responses(crawled["dir"], portal)
    urls = [url for url, _ in fetched]
    outside = [u for u in urls if not in_portal(u, crawled["url"], portal)]
    # only the page requisites (styles, images) of its pages, on the same host
    assert set(outside) <= _requisites_of_pages(crawled["dir"], portal)
    assert all(urlsplit(u).netloc == urlsplit(crawled["url"]).netloc for u in outside)
    special = truth(portal)["special"]
    prefix = portal_prefix(crawled["url"], portal)
    assert f"{crawled['url']}/robots.txt" in urls  # robots.txt is fetched and archived
    disallowed = urljoin(prefix, special["robots_disallow"])
    assert not [u for u in urls if u.startswith(disallowed)]
    trap = urljoin(prefix, special["trap"]).split("?")[0]
    assert not [u for u in urls if u.startswith(trap)]
    # each page fetched once per crawl (the flaky page twice: a 500, then its retry)
    pages = [u for u in urls if not u.endswith("/robots.txt")]
    flaky = {urljoin(prefix, f) for f in special["flaky"]}
    repeated = {u for u in pages if pages.count(u) > 1}
    assert repeated <= flaky
    for url in flaky:
        assert (url, 500) in fetched and (url, 200) in fetched


def _requisites_of_pages(data_dir: Path, portal: str) -> set[str]:
    """Every stylesheet and image URL named by the HTML pages of a portal's WARCs."""
    from warcio.archiveiterator import ArchiveIterator

    found: set[str] = set()
    link = re.compile(r"""<(?:img|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.I)
    for path in (data_dir / "warc" / portal).glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                ctype = (
                    record.http_headers.get_header("Content-Type") if record.http_headers else ""
                )
                if record.rec_type != "response" or "html" not in (ctype or ""):
                    continue
                page = record.rec_headers.get_header("WARC-Target-URI")
                text = record.content_stream().read().decode("utf-8", "replace")
                found.update(
                    urljoin(page, html.unescape(m.group(1))).split("#")[0]
                    for m in link.finditer(text)
                )
    return found


@pytest.mark.parametrize("portal", SAMPLE_PORTALS)
def test_job_rows_and_files(crawled: dict[str, Any], portal: str) -> None:
    store: ArchiveStore = crawled["store"]
    (job,) = store.list_jobs(portal=portal)
    assert job["status"] == "finished" and job["finished_at"] is not None
    assert job["articles_new"] == len(truth(portal)["articles"])
    assert job["articles_changed"] == job["articles_gone"] == 0
    assert job["pages"] > job["articles_new"]
    # the dead link of the portal is counted with its reason; retried 500s are not errors
    assert job["error_reasons"].get("http_404") == 1
    assert job["extraction_failures"] == 0
    assert Path(job["log_path"]).is_file()
    warc = crawled["dir"] / job["warc_file"]
    # vnarchive-<portal>-<timestamp>-<serial>.warc.gz: unique across portals and jobs
    assert warc.parent == crawled["dir"] / "warc" / portal and warc.is_file()
    assert re.fullmatch(
        rf"vnarchive-{re.escape(portal)}-\d{{20}}-{job['id']:05d}\.warc\.gz", warc.name
    ), warc.name
    # its CDXJ index beside it; the open index of the running crawl is gone
    assert warc.with_name(warc.name.replace(".warc.gz", ".cdxj")).is_file()
    assert not warc.with_name(warc.name.replace(".warc.gz", ".cdxj.open")).exists()
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(warc)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{portal}: job {job['id']} finished" in crawled["output"]


def test_a_learnt_trailing_slash_redirect_is_not_paid_per_link(crawled: dict[str, Any]) -> None:
    """sp2010 answers its slash-less article links (its related lists) with a 301 to
    "<slug>/": after a few of them the crawl requests "<slug>/" directly or not at all
    (fetched already), and each slash-less URL is still an alias of its article."""
    portal = "sample-sp2010"
    assert truth(portal)["special"]["slashless_redirects"]
    store: ArchiveStore = crawled["store"]
    responses = warc_responses(crawled["dir"], portal)
    redirects = [u for u, status in responses if status == 301 and not u.endswith("/")]
    articles = list(store.iter_articles(portal=portal))
    aliased = [
        row
        for row in articles
        if row["url"].endswith("/")
        and (found := store.find_article_by_url(row["url"][:-1])) is not None
        and found["id"] == row["id"]
    ]
    # every article the portal's pages link without the slash keeps that URL ...
    assert len(aliased) >= len(articles) // 2, (len(aliased), len(articles))
    # ... while only the redirects it took to learn the rule were fetched
    assert len(redirects) <= 12 < len(aliased), redirects
    # and no article was fetched twice
    fetched = [u for u, status in responses if status == 200]
    assert len(fetched) == len(set(fetched))


def test_article_captures_read_back_from_the_warc(data_env: dict[str, Any]) -> None:
    store: ArchiveStore = data_env["store"]
    for portal in SAMPLE_PORTALS:
        rows = list(store.iter_articles(portal=portal))
        for row in rows[:: max(1, len(rows) // 15)]:
            capture = read_capture(row["warc_file"], row["warc_offset"])
            assert capture.status == 200
            assert capture.record_id == row["warc_record_id"]
            assert (
                capture.url in (row["url"], row["canonical_url"])
                or store.find_article_by_url(capture.url)["id"] == row["id"]
            )


def test_attachments_downloaded_into_the_warc(data_env: dict[str, Any]) -> None:
    store: ArchiveStore = data_env["store"]
    fetched = 0
    for portal in SAMPLE_PORTALS:
        rows = list(store.iter_articles(portal=portal))
        for article_id, atts in store.attachments_for([r["id"] for r in rows]).items():
            for att in atts:
                assert att["status"] == "fetched", (article_id, att["url"])
                capture = read_capture(att["warc_file"], att["warc_offset"])
                assert capture.status == 200 and capture.body
                assert att["size"] == len(capture.body) or att["size"] > 0
                fetched += 1
    assert fetched >= 10


def test_warc_show_prints_the_archived_response(data_env: dict[str, Any]) -> None:
    store: ArchiveStore = data_env["store"]
    data = truth("sample-sp2010")
    charset_url = next(iter(data["special"]["charset"]))
    row = store.find_article_by_url(
        urljoin(portal_prefix(data_env["url"], "sample-sp2010"), charset_url)
    )
    proc = subprocess.run(
        [sys.executable, "-m", "vnarchive", "warc", "show", row["id"]],
        cwd=REPO,
        env=crawl_env(data_env["dir"], data_env["url"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HTTP 200 OK" in proc.stdout and row["canonical_url"] in proc.stdout
    # the windows-1258 page is shown as readable Vietnamese
    assert row["title"].split()[0] in proc.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "vnarchive", "warc", "show", "0000000000000000"],
        cwd=REPO,
        env=crawl_env(data_env["dir"], data_env["url"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "no archived article" in missing.stderr
    assert "Traceback" not in missing.stderr
