"""Downloader middlewares of a vnarchive crawl: scope and traps, retry backoff, WARC capture.

Each is switched on in ``crawler.settings.DOWNLOADER_MIDDLEWARES`` and reaches the
running job as ``crawler.spider.job`` (see ``crawler.job``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

__all__ = ["BackoffRetryMiddleware", "ScopeMiddleware", "WarcCaptureMiddleware"]

logger = logging.getLogger(__name__)

_PAGE_KINDS = ("listing", "article", "sitemap", "raw")


class ScopeMiddleware:
    """Drop requests that leave the portal (host + path prefix) or match a trap rule,
    and page requests beyond the ``--max-pages`` budget.

    Sits first in the chain, so such URLs are never fetched — not even redirects,
    which come back through the scheduler.  The portal's ``/robots.txt`` passes.
    Counted in the crawl stats as ``vnarchive/filtered/<reason>``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None or scope.is_robots(request.url):
            return None
        if request.meta.get("kind") == "requisite" and scope.same_host(request.url):
            return None  # a page's style or image: same host, outside the path prefix too
        ok, reason = scope.accept(request.url)
        if not ok:
            self.crawler.stats.inc_value(f"vnarchive/filtered/{reason}")
            if request.meta.get("redirect_times"):
                self.crawler.stats.inc_value("vnarchive/filtered/redirect_out_of_scope")
            logger.debug("not fetched (%s): %s", reason, request.url)
            raise IgnoreRequest(f"{reason}: {request.url}")
        job = getattr(self.crawler.spider, "job", None)
        limit = job.options.max_pages if job is not None else None
        if limit and request.meta.get("kind") in _PAGE_KINDS:
            if job.admitted >= limit:
                self.crawler.stats.inc_value("vnarchive/filtered/max_pages")
                job.stop_reason = job.stop_reason or f"--max-pages {limit} reached"
                raise IgnoreRequest(f"max_pages: {request.url}")
            job.admitted += 1
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, 408, 429, timeouts, refused connections) with exponential backoff.

    The n-th retry of a request waits ``VNARCHIVE_RETRY_BACKOFF * 2**(n-1)`` seconds
    (capped by ``VNARCHIVE_RETRY_BACKOFF_MAX``) before it is handed back to the scheduler.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("VNARCHIVE_RETRY_BACKOFF", 2.0)
        self.backoff_max = settings.getfloat("VNARCHIVE_RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, retry: Request | Response | None) -> None:
        if not isinstance(retry, Request) or self.backoff <= 0:
            return
        attempt = max(1, int(retry.meta.get("retry_times", 1)))
        delay = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        await self._wait(result)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        await self._wait(result)
        return result


class WarcCaptureMiddleware:
    """Write every response the crawl receives, with its request, to the job's WARC file.

    Placed next to the downloader, it sees each response as received: every retry,
    every redirect, robots.txt, attachments, 304s — the body still content-encoded.
    The response record's :class:`~indexer.store.WarcRef` goes to
    ``request.meta["warc_ref"]`` for the pipelines.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("VNARCHIVE_WARC", True):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        job = getattr(self.crawler.spider, "job", None)
        if job is None or job.warc is None:
            return response
        try:
            ref = job.warc.write_exchange(
                url=response.url,
                method=request.method,
                request_headers=_header_list(request.headers),
                request_body=request.body or b"",
                status=response.status,
                response_headers=_header_list(response.headers),
                body=response.body,
                protocol=response.protocol or "HTTP/1.1",
                ip_address=str(response.ip_address) if response.ip_address else None,
            )
        except OSError as exc:
            job.count_error("warc_write_failed", response.url, str(exc))
            self.crawler.stats.inc_value("vnarchive/warc/write_failed")
            return response
        request.meta["warc_ref"] = ref
        self.crawler.stats.inc_value("vnarchive/warc/records", 2)
        return response


def _header_list(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as a list of (name, value) strings (latin-1, as on the wire)."""
    out: list[tuple[str, str]] = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values:
            out.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out
