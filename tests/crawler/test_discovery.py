"""Discovery: a site archived from its home page alone (crawler/samples/discovery.py).

The profile names the home page and nothing else; the site hides its articles behind
drop-down menus, three kinds of pagination (two with broken "next" links), a "Xem thêm"
link, a related-news block and an RSS feed, among traps (calendar, sort switch, session
id, Wayback-rewritten link, off-site links, a dead menu link).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from crawl_support import run_crawl

from crawler.profiles import get_profile
from crawler.samples import discovery
from indexer.store.archive import ArchiveStore

PORTAL = discovery.PORTAL_ID


def _job_urls(data_dir: Path, job: dict) -> list[str]:
    """The URL of every response record in one job's WARC file."""
    from warcio.archiveiterator import ArchiveIterator

    with open(data_dir / job["warc_file"], "rb") as fh:
        return [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        ]


@pytest.fixture(scope="module")
def crawled(samples_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("discovery")
    proc = run_crawl(data_dir, samples_server, PORTAL)
    assert proc.returncode == 0, proc.stderr
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    return {"dir": data_dir, "store": store, "url": samples_server, "proc": proc}


def test_the_profile_gives_the_home_page_only(samples_server: str) -> None:
    profile = get_profile(PORTAL)
    assert profile.start_urls == (profile.base_url,)
    assert profile.pagination_pattern is None and profile.sitemaps == ()


def test_every_article_is_archived_once_with_its_fields(crawled: dict) -> None:
    store: ArchiveStore = crawled["store"]
    prefix = f"{crawled['url']}/{PORTAL}/"
    rows = {row["url"]: row for row in store.iter_articles(portal=PORTAL)}
    expected = {urljoin(prefix, art["url"]): art for art in discovery.truth()}
    assert set(rows) == set(expected)  # nothing missing, no listing or menu page stored
    for url, art in expected.items():
        assert rows[url]["title"] == art["title"]
        assert rows[url]["published"] == art["published"]
        assert rows[url]["credit"] == "Theo Ban Biên tập"
    # the ones only a related-news block or the RSS feed lead to are there too
    assert urljoin(prefix, discovery.ONLY_RELATED.url) in rows
    assert urljoin(prefix, discovery.ONLY_FEED.url) in rows
    # the print view was not stored as a second article: it is an alias of the first
    print_url = urljoin(prefix, discovery.ARTICLES[0].url) + "?print=1"
    assert store.find_article_by_url(print_url) is None or (
        store.find_article_by_url(print_url)["url"] == urljoin(prefix, discovery.ARTICLES[0].url)
    )


def test_each_page_is_fetched_once_and_traps_are_not(crawled: dict) -> None:
    (job,) = crawled["store"].list_jobs(portal=PORTAL)
    urls = _job_urls(crawled["dir"], job)
    prefix = f"{crawled['url']}/{PORTAL}/"
    assert urls.count(f"{crawled['url']}/robots.txt") == 1  # read once, obeyed and mined
    pages = Counter(u for u in urls if not u.endswith("robots.txt"))
    assert [u for u, n in pages.items() if n > 1] == []
    assert all(u.startswith(prefix) for u in pages)  # off-site links never fetched
    assert not [u for u in pages if "/lich/" in u or "sort=" in u or "script-only" in u]
    assert not [u for u in pages if "jsessionid" in u or "/web/" in u]
    # the notices' related links written for their folder resolve below each notice:
    # a few were fetched (404) until the crawl learnt they are dead, then read as the
    # sibling notice they meant (there are 3 on each of 13 notices)
    below = [u for u in pages if re.search(r"/thong-bao/tin-\d+/tin-\d+/$", u)]
    assert 0 < len(below) < 20
    # every page of every pagination was reached, through each kind of pagination
    for path in ("thong-bao/page/3/", "tin-tuc/kinh-te/page/3/", "tin-moi/?trang=7"):
        assert prefix + path in pages, path


def test_a_listing_read_before_any_pagination_link_is_continued_later(
    samples_server: str, tmp_path: Path
) -> None:
    """A section whose "Trang sau" is broken, crawled first: no page-number shape is known
    yet, so its next page is guessed once another listing's links show one."""
    base = f"{samples_server}/{PORTAL}/"
    portals = tmp_path / "portals"
    portals.mkdir()
    (portals / "kham-pha.toml").write_text(
        f'id = "kham-pha"\nname = "Khám Phá"\nprovince = "Đắk Nông"\nfamily = "generic"\nbase_url = "{base}"\n'
        f'start_urls = ["{base}tin-tuc/kinh-te/"]\nsample = true\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    proc = run_crawl(
        data, samples_server, "kham-pha", "--no-health", VNARCHIVE_PORTALS=str(portals)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (job,) = ArchiveStore(f"sqlite:///{data / 'archive.sqlite'}").list_jobs(portal="kham-pha")
    # robots.txt and the sitemap it names may come first (Scrapy's robots_parsed signal)
    urls = [u for u in _job_urls(data, job) if not u.endswith(("/robots.txt", ".xml"))]
    assert urls[0] == f"{base}tin-tuc/kinh-te/"  # read before any other listing
    assert f"{base}tin-tuc/kinh-te/page/3/" in urls


def test_the_job_says_what_it_saw_and_skipped(crawled: dict) -> None:
    store: ArchiveStore = crawled["store"]
    (job,) = store.list_jobs(portal=PORTAL)
    assert job["status"] == "finished" and job["errors"] == 0
    found = job["discovery"]
    assert found["pages"]["article"] == len(discovery.truth())
    assert found["pages"]["listing"] >= 10
    skipped = found["skipped"]
    assert skipped["out_of_scope"] >= 2  # example.org, chinhphu.vn
    assert skipped["trap_pattern"] >= 2  # the calendar and the sort switch
    assert skipped["dead_link"] == 1 + len(  # the menu's "Văn bản", the notices' links
        [u for u in _job_urls(crawled["dir"], job) if re.search(r"/tin-\d+/tin-\d+/$", u)]
    )
    assert skipped["dead_relative_link"] > 0
    # the article stored before the only listing that dates it took the date afterwards
    assert found["dated_from_listing"] == 1
    # pages fetched per article stays small: menus repeat on every page, fetched once (the
    # dead relative links fetched before they were learnt dead vary with the fetch order)
    dead_below = [u for u in _job_urls(crawled["dir"], job) if re.search(r"/tin-\d+/tin-\d+/$", u)]
    assert job["pages"] - len(dead_below) < 2 * len(discovery.truth())


def test_an_article_read_before_its_listing_takes_the_listing_date(crawled: dict) -> None:
    store: ArchiveStore = crawled["store"]
    art = discovery.LISTING_DATED
    row = store.find_article_by_url(f"{crawled['url']}/{PORTAL}/{art.url}")
    assert row["published"] == f"{art.published:%Y-%m-%d}"
    assert row["published_source"] == "listing"
    # the capture showed no date: its version says so, no version was added for the date
    (version,) = store.versions_of(row["id"])
    assert version["published"] is None


def test_a_second_crawl_fetches_no_archived_article(crawled: dict) -> None:
    proc = run_crawl(crawled["dir"], crawled["url"], PORTAL)
    assert proc.returncode == 0, proc.stderr
    store: ArchiveStore = crawled["store"]
    second = store.list_jobs(portal=PORTAL)[0]
    assert second["articles_new"] == 0 and second["articles_changed"] == 0
    fetched = set(_job_urls(crawled["dir"], second))
    assert not [u for u in fetched if "/bai-viet/" in u]


def test_a_later_crawl_dates_an_archived_undated_article(crawled: dict) -> None:
    store: ArchiveStore = crawled["store"]
    art = discovery.LISTING_DATED
    url = f"{crawled['url']}/{PORTAL}/{art.url}"
    # the listing remembers the date it showed beside each item (for a 304 next time)
    listing = store.site_page_states(PORTAL)[f"{crawled['url']}/{PORTAL}/hoat-dong/"]
    assert [url, "item", f"{art.published:%Y-%m-%d}"] in listing["links"]
    # an archive whose undated article never met its listing (a row of an older crawl)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE articles SET published = NULL WHERE url = :u"), {"u": url})
    proc = run_crawl(crawled["dir"], crawled["url"], PORTAL, "--full")
    assert proc.returncode == 0, proc.stderr
    job = store.list_jobs(portal=PORTAL)[0]
    assert job["articles_changed"] == 0  # the text did not change: no new version
    assert store.find_article_by_url(url)["published"] == f"{art.published:%Y-%m-%d}"
    assert job["discovery"]["dated_from_listing"] == 1
