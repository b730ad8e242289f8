"""What a fetch came to: the crawl's outcome checks, redirects, 304s, gone articles, errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawler.captures import AttachmentCapture
from crawler.spiders.responses import _header

logger = logging.getLogger(__name__)


# Failures that say the portal itself is unwell (they count towards stopping it).
_PORTAL_FAILURES = (
    "http_5",
    "timeout",
    "dns",
    "connection",
    "download_error",
    "redirected_out_of_portal",
)


# -- page requisites (styles and images of article pages, WARC only) ---------


# -- failures ---------------------------------------------------------------


def _failure_reason(failure: Failure) -> str | None:
    """A short reason for a failed request (None for the expected IgnoreRequest kinds)."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        DownloadTimeoutError,
        ResponseDataLossError,
    )

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("redirect_times") and "out_of_scope" in str(failure.value):
            return "redirected_out_of_portal"
        return None
    if failure.check(DownloadCancelledError):
        return "too_large"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns"
    if failure.check(
        ConnectError,
        ConnectionLost,
        ResponseFailed,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        ResponseDataLossError,
    ):
        return "connection"
    return "download_error"


class Outcomes:
    """PortalSpider's handling of redirects, not-modified answers, failed extractions, gone articles and errors."""

    def check_outcome(self) -> None:
        """At the end of a complete crawl: say so plainly when the portal showed no
        article and no listing at all (a parked domain, a maintenance page, a home page
        whose links lead nowhere in scope)."""
        kinds = self.page_kinds.values()
        if self.processed and "article" not in kinds and "listing" not in kinds:
            skipped = self.crawler.stats.get_value("vnarchive/articles/known_skipped", 0)
            if not skipped:
                start = (self.profile.start_urls or (self.profile.base_url,))[0]
                self.job.count_error(
                    "nothing_found", start, "no page read as an article or a listing"
                )

    def redirected(self, target: str, meta: dict[str, Any]) -> bool:
        """Note a redirect to ``target``; True when this crawl has requested it already
        (the downloader then drops it; the redirecting URLs become its aliases, or, for
        an archived article now redirecting to a page that is not one, a gone
        candidate)."""
        url = self.frontier.clean(target)
        sources = meta.get("redirect_urls") or []
        if sources and meta.get("redirect_times"):
            reasons = meta.get("redirect_reasons") or [None]
            self.slash_rule.observe_redirect(sources[-1], target, reasons[-1])
        aliases = {self.frontier.clean(u) for u in sources} - {url}
        if url not in self.frontier.seen:
            self.frontier.mark_seen(url)
            return False
        known_source = meta.get("known")
        if known_source is not None:
            kind = self.page_kinds.get(url)
            if kind is None:
                return False  # not handled yet: fetch it again, parse_page decides
            if kind != "article":
                if self.options.full and self.job is not None:
                    self._gone_candidate(known_source, sources[0], f"redirects to {url}")
                return True
        known = self.job.known_article(url) if self.job is not None else None
        if known is not None and self.job is not None:
            for alias in aliases:  # the article is stored already: link now
                self.job.store.link_url(alias, known["id"], "alias")
                self.job.known.setdefault(alias, known)
                self._date_known_article(alias)
        else:  # linked when the article is stored
            self.frontier.raw_links.setdefault(url, set()).update(aliases)
        return True

    def _extraction_failed(self, response: Response, reason: str, detail: str = "") -> None:
        """Count a page whose fields could not be extracted under ``reason``.

        When the crawl expected an article there (the URL came from a listing item, a
        sitemap or feed entry, or the archive itself), it is also an extraction failure
        of the job (``crawl_jobs.extraction_failures``), the signal the health check
        reads for a layout change.  Any other page that reads as neither an article nor
        a listing is counted under its reason only.
        """
        self.job.count_error(reason, response.url, detail)
        if response.meta.get("expect"):
            self.job.extraction_failures += 1

    def _not_modified(
        self, response: Response, url: str, known: dict[str, Any] | None
    ) -> Iterator[Any]:
        """A 304: an archived article is touched; a known page leads on by its stored links."""
        if known:
            self.job.store.touch_article(
                known["id"],
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
            )
            self.job.count_outcome("unchanged")
            self.job.count_page("article")
            self.crawler.stats.inc_value("vnarchive/articles/not_modified")
            return
        state = self.site_pages.get(url)
        if state is None:
            return
        self.processed.add(url)
        self.page_kinds[url] = state.get("kind") or "other"
        self.job.count_page(state.get("kind") or "other")
        self.crawler.stats.inc_value("vnarchive/pages/not_modified")
        hops = int(response.meta.get("hops", 0))
        for link, role, *dated in state.get("links") or []:
            if dated and dated[0]:  # the date the listing showed beside the item
                self._learn_listing_date(self.frontier.clean(link), dated[0])
            guessed = {"guessed": True} if role == "guess" else {}
            role = "next" if guessed else role
            req = self._follow(link, role, hops=hops + (0 if role == "next" else 1), **guessed)
            if req is not None:
                yield req
        yield from self._pending_chain_requests()

    def _gone_candidate(self, known: dict[str, Any], url: str, why: str) -> None:
        """Note an archived article the portal no longer serves (``--full`` only).

        Candidates are marked gone when the crawl ends normally, unless they are more
        than ``VNARCHIVE_GONE_MAX_FRACTION`` of the live articles (a broken portal
        rather than removed articles): see ``CrawlJob.apply_gone``.
        """
        self.job.gone_candidates[known["id"]] = url
        self.crawler.stats.inc_value("vnarchive/articles/gone_candidates")
        logger.info("gone candidate: %s (%s)", url, why)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """A request that failed for good (after retries): count why; stop a failing portal."""
        request: Request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        reason = _failure_reason(failure)
        if reason is None:  # robots.txt, scope: expected, counted in stats only
            return
        if reason.startswith("http_") and meta.get("guessed"):
            return  # a guessed pagination page past the end
        self.job.count_error(reason, request.url, str(failure.value)[:200])
        if meta.get("kind") == "attachment":
            yield AttachmentCapture(
                article_url=meta["article_url"],
                url=meta.get("att_url") or request.url,
                name=meta.get("name") or request.url.rsplit("/", 1)[-1],
                status="too_large" if reason == "too_large" else "failed",
            )
        if reason.startswith(_PORTAL_FAILURES):
            self.job.consecutive_failures += 1
            if (
                self.max_failures
                and self.job.consecutive_failures >= self.max_failures
                and self.job.stop_reason is None
            ):
                self.job.stop_reason = (
                    f"{self.job.consecutive_failures} consecutive failures "
                    f"(last: {reason} at {request.url})"
                )
                raise CloseSpider("consecutive_failures")
