"""Import of a page the crawl dates from its listing: an article page without a date of its
own takes the date a listing of the same capture prints beside it, even when the listing
comes later in the WARC and links to it through a redirect; its places are found as the
crawl finds them; the CDXJ index beside the copy is sorted; a re-run reads nothing again."""

from __future__ import annotations

import io
import re
import urllib.request
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.importer import import_paths
from crawler.profiles import get_profile
from crawler.samples import discovery
from crawler.warc import cdxj
from indexer.store.archive import ArchiveStore

PORTAL = discovery.PORTAL_ID


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the test server
        return answer.read()


def _record(writer: WARCWriter, url: str, status: str, headers: list, body: bytes) -> None:
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
        )
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_dateless_article_takes_its_listing_date_through_a_redirect(
    workers: int, samples_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With worker processes too: a worker reads the article's places before any listing
    dated it (the importing process reads them again with the listing's date)."""
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "data"))
    section = next(a.section for a in discovery.ARTICLES if a.section)
    art = max((a for a in discovery.ARTICLES if a.section == section), key=lambda a: a.published)
    home = f"{samples_url}/{PORTAL}/"
    article_url, short_url = home + art.url, home + art.url.removesuffix(".html")
    listing_url = home + art.section
    article = _get(article_url)
    dateless = re.sub(rb'<div class="meta">.*?</div>', b"", article, count=1)
    assert dateless != article
    listing = _get(listing_url).replace(art.url.encode(), art.url.removesuffix(".html").encode())
    assert short_url.removeprefix(home).encode() in listing
    html = [("Content-Type", "text/html; charset=utf-8")]
    warc = tmp_path / "capture.warc.gz"
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        _record(writer, article_url, "200 OK", html, dateless)  # before its listing
        _record(writer, short_url, "301 Moved Permanently", [("Location", article_url)], b"")
        _record(writer, listing_url, "200 OK", html, listing)

    store = ArchiveStore(f"sqlite:///{tmp_path / 'data' / 'archive.sqlite'}")
    summary = import_paths([warc], get_profile(PORTAL), store, workers=workers)
    assert summary.outcomes["new"] == 1, summary.lines()
    row = store.find_article_by_url(article_url)
    assert row is not None
    assert row["published"][:10] == art.published.strftime("%Y-%m-%d")
    assert row["published_source"] == "listing"
    assert row["places"] is not None  # found as the crawl's PlacesPipeline finds them
    from indexer.text.places import find_article_places

    profile = get_profile(PORTAL)
    dated = find_article_places(
        row["title"],
        row["body_text"],
        province=profile.province or None,
        district=profile.district or None,
        published=row["published"],
    )
    assert row["places"] == dated  # read on the listing's date
    assert row["title_words"]  # segmented as the crawl segments

    copies = list((tmp_path / "data" / "warc" / PORTAL / "imported").glob("*.warc.gz"))
    assert len(copies) == 1 and row["warc_file"].endswith(copies[0].name)
    lines = cdxj.cdxj_path(copies[0]).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines == sorted(lines)

    again = import_paths([warc], get_profile(PORTAL), store)
    assert again.skipped["imported_before"] == 1, again.lines()
    assert not again.outcomes, again.lines()
    assert store.find_article_by_url(article_url)["seq"] == row["seq"]


def test_sort_lines_merges_sorted_runs(tmp_path: Path) -> None:
    source = tmp_path / "open.lines"
    lines = [f"vn,h)/{n % 97:03d} 2019{n:010d} {{}}" for n in range(1000)]
    source.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    target = tmp_path / "sorted.cdxj"
    assert cdxj.sort_lines(source, target, chunk=64) == 1000
    assert target.read_text(encoding="utf-8").splitlines() == sorted(lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open.lines", "sorted.cdxj"]
