"""Capturing what an article page needs besides its HTML: page requisites and attachments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.captures import AttachmentCapture
from crawler.spiders.responses import _header


class Requisites:
    """PortalSpider's requests for page requisites (styles, images) and attachments."""

    def _requisite_requests(self, response: Response) -> Iterator[Request]:
        """Requests for an article page's same-host stylesheets and images (bounded).

        They are written to the WARC by the capture middleware and kept nowhere else
        (not in the articles table), so a replay looks like the page did.  Off with the
        profile's ``requisites = false``; at most ``VNARCHIVE_REQUISITES_PER_PAGE`` per
        page, each at most ``VNARCHIVE_REQUISITE_MAXSIZE`` bytes, each URL once a crawl.
        """
        if not getattr(self.profile, "requisites", True) or not hasattr(response, "xpath"):
            return
        links = response.xpath(
            "//link[contains(concat(' ', translate(@rel, 'STYLEHS', 'stylehs'), ' '),"
            " ' stylesheet ')]/@href | //img/@src"
        ).getall()
        count = 0
        for link in links:
            if count >= getattr(self, "requisites_per_page", 30):
                self.crawler.stats.inc_value("vnarchive/requisites/over_limit")
                break
            url = urljoin(response.url, link.strip()).split("#", 1)[0]
            if not url.startswith(("http://", "https://")) or not self.scope.same_host(url):
                continue
            if url in self.frontier.seen:
                continue
            self.frontier.mark_seen(url)
            count += 1
            yield Request(
                url,
                callback=self.parse_requisite,
                errback=self.on_requisite_error,
                priority=1,
                dont_filter=True,
                meta={"kind": "requisite", "download_maxsize": self.requisite_maxsize},
            )

    def parse_requisite(self, response: Response) -> None:
        """A requisite fetched: it is in the WARC already; count it."""
        self.crawler.stats.inc_value(f"vnarchive/requisites/http_{response.status}")

    def on_requisite_error(self, failure: Failure) -> None:
        """A requisite that could not be fetched: counted in the stats, not a crawl error."""
        self.crawler.stats.inc_value("vnarchive/requisites/failed")

    def _attachment_request(self, url: str, name: str, article_url: str) -> Request | None:
        if not self.attachments:
            return None
        clean = self.frontier.admit(url, page=False)
        if clean is None:
            return None
        meta: dict[str, Any] = {
            "kind": "attachment",
            "article_url": article_url,
            "att_url": url,
            "name": name,
        }
        if self.attachment_maxsize:
            meta["download_maxsize"] = self.attachment_maxsize
        return Request(
            url,
            callback=self.parse_attachment,
            errback=self.on_error,
            priority=5,
            dont_filter=True,
            meta=meta,
        )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        """An attachment downloaded: record its capture on the article."""
        self._ok()
        meta = response.meta
        ok = 200 <= response.status < 300
        if not ok:
            self.job.count_error(f"http_{response.status}", response.url, "attachment")
        yield AttachmentCapture(
            article_url=meta["article_url"],
            url=meta.get("att_url") or response.url,
            name=meta.get("name") or response.url.rsplit("/", 1)[-1],
            status="fetched" if ok else "failed",
            warc=meta.get("warc_ref") if ok else None,
            content_type=_header(response, b"Content-Type"),
            size=len(response.body) if ok else None,
        )
