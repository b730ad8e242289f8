"""Downloader middlewares of a vnarchive crawl: scope and traps, retry backoff, meta refresh,
WARC capture.

Each is switched on in ``crawler.settings.DOWNLOADER_MIDDLEWARES`` and reaches the
running job as ``crawler.spider.job`` (see ``crawler.job``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

__all__ = [
    "BackoffRetryMiddleware",
    "MetaRefreshMiddleware",
    "ScopeMiddleware",
    "WarcCaptureMiddleware",
]

logger = logging.getLogger(__name__)

_PAGE_KINDS = ("page", "sitemap", "raw")


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

    def process_request(self, request: Request) -> Request | None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None or scope.is_robots(request.url):
            return None
        if request.meta.get("kind") in ("requisite", "raw") and scope.same_host(request.url):
            # a page's style or image (same host, outside the path prefix too), or a URL
            # of a fetch-only list (what a crawl of this portal fetched)
            return None
        ok, reason = scope.accept(request.url)
        if not ok:
            self.crawler.stats.inc_value(f"vnarchive/filtered/{reason}")
            if request.meta.get("redirect_times"):
                self.crawler.stats.inc_value("vnarchive/filtered/redirect_out_of_scope")
            logger.debug("not fetched (%s): %s", reason, request.url)
            raise IgnoreRequest(f"{reason}: {request.url}")
        spider = self.crawler.spider
        frontier = getattr(spider, "frontier", None)
        role = request.meta.get("role")
        if role in ("nav", "link") and frontier is not None and frontier.dead_folder(request.url):
            raise IgnoreRequest(f"dead_folder: {request.url}")
        if request.meta.get("nested") and frontier is not None and frontier.nested_dead():
            # queued before the portal's nested relative links proved dead: its
            # sibling is requested instead (unless this crawl has it already)
            frontier.skip(request.url, "dead_relative_link")
            sibling = spider.sibling_request(request)
            if sibling is not None:
                self.crawler.engine.crawl(sibling)
            raise IgnoreRequest(f"dead_relative_link: {request.url}")
        # a redirect lands on a URL of its own: fetch it once per crawl, whichever link
        # reaches it first (the redirecting URL becomes an alias)
        if (
            request.meta.get("redirect_times")
            and request.meta.get("kind") == "page"
            and spider.redirected(request.url, request.meta)
        ):
            self.crawler.stats.inc_value("vnarchive/filtered/redirect_to_seen")
            raise IgnoreRequest(f"redirect_to_seen: {request.url}")
        # a link the portal would redirect to its trailing-slash URL (learnt in this
        # crawl): that URL is requested instead, or nothing when the crawl has it
        slashed = spider.slash_request(request) if hasattr(spider, "slash_request") else None
        if slashed is not None:
            return slashed
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


# Request meta that belongs to the response it came with, not to a new request.
_SPENT_META = frozenset(
    ["known", "warc_ref", "retry_times", "depth", "expect", "guessed", "meta_refresh"]
)


class MetaRefreshMiddleware(ScrapyMetaRefresh):
    """A page's ``<meta http-equiv="refresh">``, without losing the page that carries it.

    Scrapy's own middleware (which this one replaces) turns every such page into a
    redirect, so an article whose ``<head>`` refreshes to another host was never
    stored, only counted as ``redirected_out_of_portal``.  Here:

    * a page that extracts as an article goes to the spider (and is stored) whatever
      its refresh says; the target is recorded (``request.meta["meta_refresh"]``, the
      job's ``meta_refreshes`` counts, the log) and, when it is inside the portal,
      requested as a new page (once per crawl);
    * any other page (a "this page has moved" stub) is a redirect, as before: followed
      inside the portal, ``redirected_out_of_portal`` outside it.

    The delay limit (``METAREFRESH_MAXDELAY``) and ignored tags
    (``METAREFRESH_IGNORE_TAGS``) are Scrapy's.
    """

    followed: set[str]  # refresh targets requested in this crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MetaRefreshMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.followed = set()
        return middleware

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        spider = self.crawler.spider
        if not isinstance(result, Request) or request.meta.get("kind") not in _PAGE_KINDS:
            return result
        if not _is_article(spider, request, response):
            result.meta.pop("_extracted", None)  # the stub's reading, not its target's
            return result
        target = result.url
        scope = getattr(spider, "scope", None)
        inside = scope is None or scope.accept(target)[0]
        request.meta["meta_refresh"] = target
        how = "followed" if inside else "out_of_portal"
        self.crawler.stats.inc_value(f"vnarchive/meta_refresh/{how}")
        job = getattr(spider, "job", None)
        if job is not None:
            job.count_meta_refresh(response.url, target, followed=inside)
        if inside and target not in self.followed:
            self.followed.add(target)
            self.crawler.engine.crawl(_follow_request(request, target))
        return response


def _is_article(spider: Any, request: Request, response: Response) -> bool:
    """Whether a response extracts as an article for the spider's portal profile (the
    spider's own extraction, kept for its callback, when it has one)."""
    from crawler.items import Article
    from crawler.pages import extract

    if hasattr(spider, "extract_page"):
        return isinstance(spider.extract_page(response, request.meta), Article)
    profile = getattr(spider, "profile", None)
    charset = None
    ctype = response.headers.get(b"Content-Type", b"") or b""
    if b"charset=" in ctype.lower():
        charset = ctype.lower().split(b"charset=")[-1].split(b";")[0].strip().decode("latin-1")
    try:
        page = extract(
            response.body,
            response.url,
            family=profile.family if profile is not None else None,
            profile=profile,
            encoding=charset,
        )
    except Exception:  # hostile input: the spider counts it when it extracts the page
        return False
    return isinstance(page, Article)


def _follow_request(request: Request, target: str) -> Request:
    """A new page request for a refresh target, like the one that found the page."""
    meta = {
        key: value
        for key, value in request.meta.items()
        if key not in _SPENT_META and not key.startswith(("_", "download_", "redirect_"))
    }
    if isinstance(meta.get("hops"), int):
        meta["hops"] += 1
    meta["refreshed_from"] = request.url
    return Request(
        target,
        callback=request.callback,
        errback=request.errback,
        priority=request.priority,
        dont_filter=True,
        meta=meta,
    )


class WarcCaptureMiddleware:
    """Write every response the crawl receives, with its request, to the job's WARC file.

    Placed next to the downloader, it sees each response as received: every retry,
    every redirect, robots.txt, attachments, 304s — the body still content-encoded.
    The response record's :class:`~indexer.store.rows.WarcRef` goes to
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
