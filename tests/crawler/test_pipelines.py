"""The item pipelines on a real Scrapy crawler and a real job/store: normalise ► validate
(drops with a counted reason) ► deduplicate ► store."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.captures import ArticleCapture, AttachmentCapture
from crawler.items import Article, Attachment
from crawler.job import CrawlJob
from crawler.pipelines import DedupePipeline, NormalizePipeline, StorePipeline, ValidatePipeline
from crawler.spiders.portal import PortalSpider
from indexer.store.rows import WarcRef

BASE = "http://127.0.0.1:8765/sample-sp2010/"


@pytest.fixture
def crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", "http://127.0.0.1:8765")
    crawler = get_crawler(PortalSpider, {"VNARCHIVE_WARC": False})
    spider = PortalSpider.from_crawler(crawler, portal="sample-sp2010", since="2015-01-01")
    crawler.spider = spider
    job = CrawlJob.open(spider.profile, spider.options, warc=False)
    spider.job = job
    stages = [cls.from_crawler(crawler) for cls in (NormalizePipeline, ValidatePipeline)]
    stages += [DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)]
    yield {"crawler": crawler, "spider": spider, "job": job, "stages": stages}
    job.close("finished")


def _run(crawl: dict, item: object) -> object:
    for stage in crawl["stages"]:
        item = stage.process_item(item)
    return item


def _capture(n: int, **kw: object) -> ArticleCapture:
    fields = {
        "url": f"{BASE}bai-{n}/",
        "title": f"Bài {n}",
        "portal": "sample-sp2010",
        "canonical_url": f"{BASE}bai-{n}/",
        "published": "2024-05-12",
        "body_text": f"Nội dung bài {n}.",
    }
    fields.update(kw)
    return ArticleCapture(article=Article(**fields), warc=WarcRef("w.warc.gz", 1, 2, "<r>"))


def test_text_is_normalised_once_before_storing(crawl: dict) -> None:
    nfd_title = unicodedata.normalize("NFD", "Hòa Bình  thủy lợi")
    item = _capture(
        1, title=nfd_title.replace("ò", "o\u0300"), body_text="Dòng 1\u00a0 a\n\n\n\nDòng 2"
    )
    item.article.title = unicodedata.normalize("NFD", "Hoà Bình  thuỷ lợi\u200b")
    _run(crawl, item)
    row = crawl["job"].store.find_article_by_url(f"{BASE}bai-1/")
    assert row["title"] == "Hòa Bình thủy lợi"
    assert row["body_text"] == "Dòng 1 a\n\nDòng 2"
    assert row["content_hash"]  # filled when extraction left it empty
    assert (row["province"], row["district"]) == ("Đắk Nông", "Krông Xanh")


def test_validation_drops_with_counted_reasons(crawl: dict) -> None:
    job = crawl["job"]
    with pytest.raises(DropItem, match="no_title"):
        _run(crawl, _capture(1, title="  "))
    with pytest.raises(DropItem, match="not_an_article"):
        # the generic extractor (no article template) found a title and nothing else
        _run(crawl, _capture(2, published=None, body_text="", extraction_path="generic"))
    with pytest.raises(DropItem, match="before --since"):
        _run(crawl, _capture(3, published="2010-01-01"))
    assert job.error_reasons["no_title"] == 1 and job.error_reasons["not_an_article"] == 1
    assert "before_since" not in job.error_reasons  # not an error, only not asked for
    assert crawl["crawler"].stats.get_value("vnarchive/dropped/no_title") == 1
    assert job.extraction_failures == 2
    assert job.store.count_articles() == 0


def test_incomplete_articles_are_kept_and_counted(crawl: dict) -> None:
    job = crawl["job"]
    _run(crawl, _capture(1, published=None))  # no date
    _run(crawl, _capture(2, published="12/05/2024"))  # not ISO: a bug upstream
    notice = _capture(3, body_text="", attachments=[Attachment(f"{BASE}a.pdf", "Quyết định")])
    _run(crawl, notice)  # attachment-only notices are legitimate
    _run(crawl, _capture(4, body_text=""))  # nothing at all but a title and a date
    assert job.store.count_articles() == 4
    assert (
        job.store.get_article(job.store.find_article_by_url(f"{BASE}bai-2/")["id"])["published"]
        is None
    )
    assert job.error_reasons["no_date"] == 2 and job.error_reasons["bad_date"] == 1
    assert job.error_reasons["no_body"] == 1
    assert job.extraction_failures == 3


def test_an_empty_page_of_the_article_template_is_kept_and_counted(crawl: dict) -> None:
    """A section's placeholder page or an emptied notice: the family's article template
    with a title and nothing else is a capture, stored and counted, never dropped."""
    job = crawl["job"]
    _run(crawl, _capture(1, published=None, body_text=""))
    row = job.store.find_article_by_url(f"{BASE}bai-1/")
    assert row["title"] == "Bài 1" and row["body_text"] == "" and row["published"] is None
    assert job.error_reasons["empty_article"] == 1 and "not_an_article" not in job.error_reasons
    assert job.error_reasons["no_date"] == 1 and job.error_reasons["no_body"] == 1
    assert job.extraction_failures == 1  # as before: one page that did not extract fully


def test_an_undated_article_takes_a_date_its_listing_showed_meanwhile(crawl: dict) -> None:
    crawl["spider"].item_dates[f"{BASE}bai-1/"] = "2024-05-10"
    _run(crawl, _capture(1, published=None))
    row = crawl["job"].store.find_article_by_url(f"{BASE}bai-1/")
    assert (row["published"], row["published_source"]) == ("2024-05-10", "listing")
    assert "no_date" not in crawl["job"].error_reasons


def test_duplicates_are_linked_and_counted_once(crawl: dict) -> None:
    job = crawl["job"]
    _run(crawl, _capture(1))
    printed = _capture(1, url=f"{BASE}bai-1/?in=1")
    _run(crawl, printed)  # same canonical URL: an alias, counted as a duplicate
    copied = _capture(9, body_text="Nội dung bài 1.", title="Bài 1")
    _run(crawl, copied)  # same text under another canonical URL
    assert job.store.count_articles() == 1
    assert (job.outcomes["new"], job.outcomes["duplicate"]) == (1, 2)
    article = job.store.find_article_by_url(f"{BASE}bai-9/")
    assert article["id"] == job.store.find_article_by_url(f"{BASE}bai-1/?in=1")["id"]


def test_attachment_captures_are_recorded_on_their_article(crawl: dict) -> None:
    job = crawl["job"]
    url = f"{BASE}files/Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf"
    _run(crawl, _capture(1, attachments=[Attachment(url, "Quyết định")]))
    _run(
        crawl,
        AttachmentCapture(
            article_url=f"{BASE}bai-1/",
            url=url,
            name="Quyết định",
            status="fetched",
            warc=WarcRef("w.warc.gz", 10, 20, "<a>"),
            content_type="application/pdf",
            size=20,
        ),
    )
    orphan = AttachmentCapture(article_url=f"{BASE}none/", url=url, name="x", status="failed")
    assert _run(crawl, orphan) is orphan  # an article that was not stored: nothing to record
    (att,) = job.store.get_article(job.store.find_article_by_url(f"{BASE}bai-1/")["id"])[
        "attachments"
    ]
    assert (att["status"], att["warc_offset"], att["content_type"]) == (
        "fetched",
        10,
        "application/pdf",
    )
