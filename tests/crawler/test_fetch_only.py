"""Fetch-only mode (``-a urls_file=…``, the crawl benchmark's ceiling): exactly the URLs
listed are fetched into the WARC, once each, and nothing is extracted or stored."""

from __future__ import annotations

from pathlib import Path

from crawl_support import run_scrapy_crawl, truth, warc_responses

from indexer.store.archive import ArchiveStore

PORTAL = "sample-wordpress"  # its robots.txt names a sitemap


def test_the_listed_urls_and_nothing_else_are_fetched(samples_server: str, tmp_path: Path) -> None:
    prefix = f"{samples_server}/{PORTAL}/"
    article = next(a for a in truth(PORTAL)["articles"] if a.get("attachments"))
    listed = [
        prefix,  # the home page: its links are not followed
        prefix + article["url"],
        prefix + article["attachments"][0]["url"],  # a file, which a crawl admits as such
        prefix + "wp-content/themes/xaphuong/style.css?ver=1.0.3",  # a page requisite
        f"{samples_server}/favicon.ico",  # same host, outside the portal's path prefix
        prefix + article["url"],  # listed twice, fetched once
    ]
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(listed) + "\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    proc = run_scrapy_crawl(
        data_dir,
        samples_server,
        "-a",
        f"portal={PORTAL}",
        "-a",
        f"urls_file={urls_file}",
        "-s",
        "VNARCHIVE_PROGRESS=0",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    fetched = [url for url, _status in warc_responses(data_dir, PORTAL)]
    # robots.txt (obeyed) and the list, once each: no sitemap named by robots.txt, no link
    assert sorted(fetched) == sorted({*listed, f"{samples_server}/robots.txt"})
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    assert store.count_articles() == 0
