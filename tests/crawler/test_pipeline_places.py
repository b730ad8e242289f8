"""The places stage of the crawl's item pipeline: found in the portal's context, stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.captures import ArticleCapture
from crawler.items import Article
from crawler.job import CrawlJob
from crawler.pipelines import NormalizePipeline, PlacesPipeline, StorePipeline, ValidatePipeline
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
    stages = [
        cls.from_crawler(crawler)
        for cls in (NormalizePipeline, ValidatePipeline, PlacesPipeline, StorePipeline)
    ]
    yield {"crawler": crawler, "job": job, "stages": stages}
    job.close("finished")


def test_places_are_found_and_stored_with_the_article(crawl: dict) -> None:
    article = Article(
        url=f"{BASE}bai-1/",
        title="Huyện Đắk Song: xã Nam Bình ra quân",
        portal="sample-sp2010",
        published="2019-05-12",
        body_text="Sáng nay, UBND xã Nam Bình (huyện Đắk Song, tỉnh Đắk Nông) tổ chức lễ.",
    )
    item: object = ArticleCapture(article=article, warc=WarcRef("w.warc.gz", 1, 2, "<r>"))
    for stage in crawl["stages"]:
        item = stage.process_item(item)
    row = crawl["job"].store.find_article_by_url(f"{BASE}bai-1/")
    by_level = {p["level"]: p for p in row["places"]}
    assert by_level["commune"]["old"] == "Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông"
    assert by_level["commune"]["new"] == "Xã Đức An, Tỉnh Lâm Đồng"
    assert by_level["commune"]["mentions"] == 2
    assert by_level["district"]["province_now"] == "Lâm Đồng"
    assert crawl["crawler"].stats.get_value("vnarchive/places") == 3
