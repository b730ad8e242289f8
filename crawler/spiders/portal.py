"""PortalSpider: the one spider; it discovers a portal from its home page and archives it.

``scrapy crawl portal -a portal=ID [-a full=1] [-a since=YYYY-MM-DD] [-a max_pages=N]
[-a job_id=N] [-a trigger=schedule]`` (``vnarchive crawl`` runs the same spider).

How it walks a portal (a profile's ``base_url`` alone is enough):

* every page goes through one callback, :meth:`PortalSpider.parse_page`: the page is
  extracted (``crawler.pages.extract``) and routed by **what it is**: an ``Article``
  becomes an :class:`~crawler.captures.ArticleCapture` (its attachments are
  downloaded, size-limited, into the WARC); a ``Listing`` leads to its items and its
  next page; any page leads on through its own links (menus, sub-categories,
  "Xem tiếp"/"Xem thêm", related lists).  The link that led to a page never decides
  what the page is; it only sets the request's priority (start pages and pagination
  first, then listing items, then the rest) and whether an article was expected
  there (for the extraction-failure count the health check reads).
* links come from :func:`crawler.links.page_links` (every anchor, cheaply, Wayback-
  rewritten links mapped back) and pass :class:`crawler.frontier.Frontier` once:
  cleaned, scoped to the portal, trap rules, a per-shape bound for generated URL
  spaces, deduplicated; each skipped URL is counted under its reason in the job.
* pagination: the site's next link; when it is missing or broken (back to the home
  page, out of the portal) the chain continues by the page-number shape of the URL
  (``/page/N/``, ``?page=N``, ``…cur=N``), the shape the portal's links showed, or
  the profile's ``[pagination] pattern`` hint, as long as the page just read had new
  items;
* sitemaps (``robots.txt`` ``Sitemap:`` lines, ``/sitemap.xml``, the profile's list)
  and RSS/Atom feeds linked from pages are read when present;
* incremental: an article the archive holds is not fetched again, unless ``full`` —
  then it is revalidated with If-None-Match/If-Modified-Since, and one answering
  404/410, or redirecting to a page that is not an article, can be marked gone
  (applied at the end of a complete crawl; see ``crawler.job``).  Pages that are not
  articles are revalidated the same way on every crawl; their links are remembered
  in the store (``site_pages``), so a 304 still leads on.

Bounds: scope (host + path prefix) and trap rules in ``crawler.scope`` (enforced
again in ``ScopeMiddleware``), the frontier's per-shape bound
``VNARCHIVE_MAX_URLS_PER_PATTERN``, link hops ``VNARCHIVE_MAX_DEPTH``, pages per
pagination chain ``VNARCHIVE_MAX_LISTING_PAGES``, ``--max-pages``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
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

from crawler.captures import ArticleCapture, AttachmentCapture
from crawler.frontier import Frontier
from crawler.items import Article, Listing, OtherPage
from crawler.job import JobOptions, record_failed_start
from crawler.links import page_links
from crawler.profiles import PortalProfile, ProfileError, get_profile
from crawler.scope import PortalScope
from indexer import config

__all__ = ["PortalSpider", "parse_options"]

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_CHARSET = re.compile(rb"charset=([\w.:-]+)", re.I)
_WESTERN = {"iso-8859-1", "latin-1", "latin1", "cp1252", "windows-1252", "us-ascii", "ascii"}
# Failures that say the portal itself is unwell (they count towards stopping it).
_PORTAL_FAILURES = (
    "http_5",
    "timeout",
    "dns",
    "connection",
    "download_error",
    "redirected_out_of_portal",
)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def parse_options(
    *,
    full: Any = False,
    since: Any = None,
    max_pages: Any = None,
    job_id: Any = None,
    trigger: Any = "manual",
) -> JobOptions:
    """Validate spider arguments (strings from ``-a``) into JobOptions; ValueError if bad."""
    since_iso = None
    if since not in (None, ""):
        try:
            since_iso = date.fromisoformat(str(since).strip()).isoformat()
        except ValueError:
            raise ValueError(f"since: expected a date YYYY-MM-DD, got {since!r}") from None
    pages = None
    if max_pages not in (None, "", 0, "0"):
        try:
            pages = int(max_pages)
        except ValueError:
            raise ValueError(f"max_pages: expected a number, got {max_pages!r}") from None
        if pages < 1:
            raise ValueError(f"max_pages: must be at least 1, got {pages}")
    jid = None
    if job_id not in (None, ""):
        try:
            jid = int(job_id)
        except ValueError:
            raise ValueError(f"job_id: expected a number, got {job_id!r}") from None
    trig = str(trigger or "manual")
    if trig not in ("manual", "schedule"):
        raise ValueError(f"trigger: expected manual or schedule, got {trig!r}")
    return JobOptions(
        full=_truthy(full), since=since_iso, max_pages=pages, trigger=trig, job_id=jid
    )


# Request priorities by the role of the link that led to a URL (higher first): the
# articles a listing shows come before its next page and the menus, so a --max-pages
# budget archives articles early (and memory holds fewer queued listing pages).
_PRIORITY = {
    "start": 50,
    "sitemap": 45,
    "item": 40,
    "entry": 35,
    "next": 30,
    "nav": 20,
    "known": 15,
    "link": 10,
    "raw": 0,
}
# Roles whose target the crawl expects to be an article (listing items, sitemap and
# feed entries, archived article URLs): one that does not extract is an extraction
# failure of the job (the health check's layout-change signal).
_EXPECT_ARTICLE = ("item", "known", "entry")
# Roles whose 404 is a dead link of the portal (counted, not an error of the crawl).
_QUIET_404 = ("nav", "link", "feed")


class PortalSpider(scrapy.Spider):
    """Crawl one portal (``-a portal=ID``) into the archive; see the module docstring."""

    name = "portal"

    def __init__(
        self,
        portal: str | None = None,
        full: Any = False,
        since: Any = None,
        max_pages: Any = None,
        job_id: Any = None,
        trigger: Any = "manual",
        urls_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not portal:
            raise ValueError("which portal? pass -a portal=ID (see `vnarchive portals list`)")
        try:
            self.profile: PortalProfile = get_profile(portal)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        except ProfileError as exc:
            raise ValueError(f"broken portal profile: {exc}") from None
        self.options = parse_options(
            full=full, since=since, max_pages=max_pages, job_id=job_id, trigger=trigger
        )
        self.urls_file = urls_file  # fetch-only benchmark: a list of URLs, no extraction
        self.job: Any = None  # crawler.job.CrawlJob, set by CrawlJobExtension
        self.scope = PortalScope(self.profile.base_url)
        self.frontier = self._frontier(self.scope, 200)
        self.processed: set[str] = set()  # cleaned URLs of the pages handled in this crawl
        self.page_kinds: dict[str, str] = {}  # what each handled page turned out to be
        self.canonical_claims: dict[str, str] = {}  # canonical URL -> first title claiming it
        self.chain_items: dict[str, set[str]] = {}  # listing chain -> item URLs read in it
        # the date a listing printed beside an item: an article page without a date of
        # its own (some templates print it only on listings) takes it
        self.item_dates: dict[str, str] = {}
        self.site_pages: dict[str, dict[str, Any]] = {}  # non-article pages of earlier crawls
        self.max_depth = 10
        self.max_listing_pages = 1000

    def _frontier(
        self, scope: PortalScope, max_per_pattern: int, dead_folder_after: int = 5
    ) -> Frontier:
        return Frontier(
            scope,
            max_per_pattern=max_per_pattern,
            dead_folder_after=dead_folder_after,
            pagination_hint=self.profile.pagination_pattern,
            base_url=self.profile.base_url,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        # Paths may come as Scrapy settings (Scrapyd's schedule.json cannot pass env vars).
        config.apply_settings(crawler.settings)
        try:
            config.data_dir()
            spider = super().from_crawler(crawler, *args, **kwargs)
        except (ValueError, config.ConfigError) as exc:
            logger.error("the crawl cannot start: %s", exc)
            record_failed_start(
                kwargs.get("portal"), kwargs.get("job_id"), kwargs.get("trigger"), str(exc)
            )
            raise
        settings = crawler.settings
        spider.scope = PortalScope(
            spider.profile.base_url,
            trap_patterns=settings.getlist("VNARCHIVE_TRAP_PATTERNS"),
            strip_params=settings.getlist("VNARCHIVE_STRIP_PARAMS"),
            max_url_length=settings.getint("VNARCHIVE_MAX_URL_LENGTH", 1024),
        )
        spider.frontier = spider._frontier(
            spider.scope,
            settings.getint("VNARCHIVE_MAX_URLS_PER_PATTERN", 200),
            settings.getint("VNARCHIVE_DEAD_FOLDER_AFTER", 5),
        )
        spider.max_depth = settings.getint("VNARCHIVE_MAX_DEPTH", 10)
        spider.max_listing_pages = settings.getint("VNARCHIVE_MAX_LISTING_PAGES", 1000)
        spider.max_failures = settings.getint("VNARCHIVE_MAX_CONSECUTIVE_FAILURES", 20)
        spider.attachments = settings.getbool("VNARCHIVE_ATTACHMENTS", True)
        spider.attachment_maxsize = settings.getint("VNARCHIVE_ATTACHMENT_MAXSIZE", 0)
        spider.requisites_per_page = settings.getint("VNARCHIVE_REQUISITES_PER_PAGE", 30)
        spider.requisite_maxsize = settings.getint("VNARCHIVE_REQUISITE_MAXSIZE", 5 * 1024 * 1024)
        spider.discover_sitemaps = settings.getbool("VNARCHIVE_DISCOVER_SITEMAPS", True)
        # robots.txt is fetched once: by Scrapy's robots middleware when it obeys it
        # (its Sitemap: lines come through the robots_parsed signal), else by the spider
        spider.robots_by_middleware = settings.getbool("ROBOTSTXT_OBEY")
        if spider.robots_by_middleware:
            crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        # The profile's politeness applies unless a run overrides it (-s) or politeness
        # is switched off altogether (benchmarks, tests on 127.0.0.1).
        if not settings.frozen:
            if settings.getbool("VNARCHIVE_POLITENESS", True):
                settings.set("DOWNLOAD_DELAY", spider.profile.download_delay, priority="spider")
                settings.set(
                    "CONCURRENT_REQUESTS_PER_DOMAIN", spider.profile.concurrency, priority="spider"
                )
            else:
                settings.set("DOWNLOAD_DELAY", 0, priority="spider")
                settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        return spider

    # -- requests -----------------------------------------------------------

    def _page_request(self, url: str, role: str, *, hops: int, **meta: Any) -> Request:
        """A request for a page (``url`` already admitted by the frontier)."""
        headers: dict[str, str] = {}
        known = meta.get("known") or self.site_pages.get(url)
        if known:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        return Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            headers=headers or None,
            priority=_PRIORITY.get(role, 10),
            dont_filter=True,  # the frontier dedupes (on cleaned URLs)
            meta={
                "kind": "page",
                "role": role,
                "hops": hops,
                "handle_httpstatus_list": [304, 404, 410],
                **meta,
            },
        )

    def _follow(self, link: str, role: str, *, hops: int, **meta: Any) -> Request | None:
        """A request for a link found while crawling, unless the frontier or the
        incremental rules say no (an archived article is fetched again only with
        ``full``)."""
        if hops > self.max_depth:
            self.frontier.skip(link, "max_depth")
            return None
        url = self.frontier.admit(link)
        if url is None:
            return None
        if self.frontier.is_feed(url):
            return self._feed_request(url, "feed")
        known = self.job.known_article(url) if self.job else None
        if known is not None:
            if not self.options.full:
                self.crawler.stats.inc_value("vnarchive/articles/known_skipped")
                return None
            if self.job.done_in_this_job(known):
                return None
            # revalidate under the URL the article was fetched as (once, whichever
            # of its URLs turns up first)
            fetched_as = known.get("url") or url
            if fetched_as != url:
                if fetched_as in self.frontier.seen:
                    return None
                self.frontier.mark_seen(fetched_as)
                url = fetched_as
            return self._page_request(url, role, hops=hops, known=known, expect=True, **meta)
        return self._page_request(url, role, hops=hops, expect=role in _EXPECT_ARTICLE, **meta)

    def sibling_request(self, request: Request) -> Request | None:
        """For a nested relative link found dead after it was queued: the request for
        the page it was written for (see ``Frontier.sibling``), or None."""
        meta = request.meta
        page = meta.get("nested_in")
        if not page:
            return None
        target = self.frontier.sibling(page, request.url)
        return self._follow(target, meta.get("role", "link"), hops=int(meta.get("hops", 1)))

    def _feed_request(self, url: str, role: str = "sitemap") -> Request:
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.on_error,
            priority=_PRIORITY["sitemap"],
            dont_filter=True,
            meta={"kind": "sitemap", "role": role, "handle_httpstatus_list": [404, 410]},
        )

    async def start(self) -> AsyncIterator[Any]:
        if self.urls_file:
            with open(self.urls_file, encoding="utf-8") as fh:
                for line in fh:
                    url = line.strip()
                    if url and (clean := self.frontier.admit(url)):
                        yield Request(
                            clean,
                            callback=self.parse_raw,
                            errback=self.on_error,
                            dont_filter=True,
                            meta={"kind": "raw"},
                        )
            return
        job = self.job
        if job is not None:
            self.site_pages = job.store.site_page_states(self.profile.id)
            self.frontier.skipped = job.skipped  # counted into the job row
        for url in self.profile.start_urls or (self.profile.base_url,):
            clean = self.frontier.admit(url)
            if clean is not None:
                yield self._page_request(clean, "start", hops=0, page_no=1, chain=clean)
        for url in self.profile.sitemaps:
            clean = self.frontier.admit(url, page=False)
            if clean is not None:
                yield self._feed_request(clean)
        if self.discover_sitemaps:
            robots = urljoin(self.profile.base_url, "/robots.txt")
            if self.scope.is_robots(robots) and not self.robots_by_middleware:
                yield Request(
                    robots,
                    callback=self.parse_robots,
                    errback=self.on_error,
                    priority=_PRIORITY["sitemap"],
                    dont_filter=True,
                    meta={"kind": "robots", "handle_httpstatus_list": [404, 410, 403]},
                )
            guess = self.frontier.admit(urljoin(self.profile.base_url, "sitemap.xml"), page=False)
            if guess is not None:
                req = self._feed_request(guess)
                req.meta["guessed"] = True
                yield req
        if job is None:
            return
        if self.options.full and not self.options.since:
            # every archived article is revalidated, also those no page links any more
            for url, known in sorted(job.known.items()):
                if known["status"] != "live" or known["kind"] != "canonical":
                    continue
                req = self._follow(url, "known", hops=1)
                if req is not None:
                    yield req
        if self.attachments:
            for att in job.store.pending_attachments(self.profile.id):
                req = self._attachment_request(att["url"], att["name"], att["article_url"])
                if req is not None:
                    yield req

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

    # -- responses ------------------------------------------------------------

    def _ok(self) -> None:
        if self.job is not None:
            self.job.consecutive_failures = 0

    def _html(self, response: Response) -> tuple[bytes, str | None] | None:
        """The body and declared charset of an HTML response, or None (counted) if not HTML."""
        ctype = response.headers.get(b"Content-Type", b"") or b""
        mime = ctype.split(b";")[0].strip().decode("latin-1").lower()
        if mime not in _HTML_TYPES:
            self.job.count_error("not_html", response.url, mime)
            return None
        match = _CHARSET.search(ctype)
        declared = match.group(1).decode("latin-1").lower() if match else None
        body = response.body
        if declared and _charset_problem(body, declared):
            self.job.count_error("bad_charset", response.url, f"declared {declared}")
            declared = None  # let the page's own declaration / detection decide
        return body, declared

    def extract_page(
        self, response: Response, meta: dict[str, Any] | None = None
    ) -> Article | Listing | OtherPage | None:
        """The page object's reading of a response (None when there is nothing to read,
        counted), extracted once: a downloader middleware that needs it first (meta
        refresh; it passes the request's ``meta``) and the callback share it."""
        meta = response.meta if meta is None else meta
        cached = meta.get("_extracted")
        if cached is not None and cached[0] == response.url:
            return cached[1]
        page = self._extract(response)
        meta["_extracted"] = (response.url, page)
        return page

    def _extract(self, response: Response) -> Article | Listing | OtherPage | None:
        page = self._html(response)
        if page is None:
            return None
        body, encoding = page
        from crawler.pages import extract

        self.crawler.stats.inc_value("vnarchive/pages/extracted")
        try:
            result = extract(
                body,
                response.url,
                family=self.profile.family,
                profile=self.profile,
                encoding=encoding,
            )
        except Exception as exc:  # hostile input must not stop the crawl
            self._extraction_failed(response, "extract_error", f"{type(exc).__name__}: {exc}")
            return None
        if isinstance(result, OtherPage) and result.reason:
            reason = result.reason.lower()
            problem = None
            if "binary" in reason or "not html" in reason:
                problem = "not_html"
            elif "too large" in reason:
                problem = "too_large"
            elif "empty" in reason:
                problem = "empty_page"
            if problem is not None:
                # bad input, counted once under its own reason: nothing was extracted
                # because there was nothing to extract (not an extraction failure)
                self.job.count_error(problem, response.url, result.reason)
                self.job.count_page("other")
                return None
        return result

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

    def parse_raw(self, response: Response) -> Iterator[Any]:
        """Fetch-only mode: nothing is parsed."""
        self._ok()
        return iter(())

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Any page of the portal: extract it, route it by what it is, follow its links."""
        self._ok()
        meta = response.meta
        known = meta.get("known")
        url = self.scope.clean(response.url)
        if response.status == 304:
            yield from self._not_modified(response, url, known)
            return
        if response.status in (404, 410):
            redirected = meta.get("redirect_urls")
            if known and self.options.full:
                self._gone_candidate(known, response.url, f"HTTP {response.status}")
            elif meta.get("role") in _QUIET_404:
                # a dead link in a menu or a page: the portal's own state, counted in
                # the job's discovery (not an error of the crawl)
                self.frontier.skip(url, "dead_link")
            elif not meta.get("guessed"):
                self.job.count_error(f"http_{response.status}", response.url)
            if redirected is None:
                self.frontier.record(url, "missing")
            if meta.get("nested"):
                self.frontier.record_nested(found=False)
            alternative = self._alternative(meta)
            if alternative is not None:
                yield alternative
            return
        if url in self.processed:
            # a redirect to a page this crawl handled already
            self.crawler.stats.inc_value("vnarchive/pages/duplicate")
            return
        self.processed.add(url)
        self.frontier.mark_seen(url)
        if meta.get("nested"):
            self.frontier.record_nested(found=True)
        page = self.extract_page(response)
        if page is None:
            return
        redirected = meta.get("redirect_urls")
        kind = "article" if isinstance(page, Article) else page.page_type
        if not isinstance(page, Article | Listing):
            kind = "other"
        self.job.count_page(kind)
        self.frontier.record(url, kind)
        self.page_kinds[url] = kind
        if isinstance(page, Listing):
            self.job.count_extraction_path("listing", page.extraction_path)
        if isinstance(page, Article):
            if url in self.site_pages:
                self.job.store.forget_site_page(self.profile.id, url)
            yield from self._handle_article(response, page)
            yield from self._follow_links(response, page, url)
            return
        if redirected and known and self.options.full:
            # a removed article that sends readers to the home page or a listing
            # instead of answering 404/410: gone, under the same safety rules
            self._gone_candidate(known, redirected[0], f"redirects to {response.url}")
        elif redirected and meta.get("expect"):
            # a link that redirects to a page which is not an article: the link is
            # stale, the page itself was not misread (not an extraction failure)
            self.job.count_error("redirected_to_non_article", redirected[0], f"to {response.url}")
        elif isinstance(page, OtherPage) and meta.get("expect"):
            self._extraction_failed(response, "not_an_article", page.reason)
        elif isinstance(page, OtherPage):
            self.job.note_unclassified(url)
        yield from self._follow_links(response, page, url)

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
            req = self._follow(link, role, hops=hops + (0 if role == "next" else 1))
            if req is not None:
                yield req

    def _follow_links(
        self, response: Response, page: Article | Listing | OtherPage, url: str
    ) -> Iterator[Any]:
        """Requests for the links of a page: listing items, next page, then every other
        link (menus, sub-categories, related lists); non-article pages remember theirs."""
        meta = response.meta
        hops = int(meta.get("hops", 0))
        followed: list[tuple[str, ...]] = []  # (url, role[, date]) for site_pages
        item_urls: set[str] = set()
        if isinstance(page, Listing):
            chain = meta.get("chain") or url
            chain_seen = self.chain_items.setdefault(chain, set())
            new_items, older = 0, 0
            for item in page.items:
                link = urljoin(response.url, item.url)
                item_urls.add(link)
                clean = self.frontier.clean(link)
                if item.published:
                    self._learn_listing_date(clean, item.published)
                if clean not in chain_seen:
                    chain_seen.add(clean)
                    new_items += 1
                since = self.options.since
                if since and item.published and item.published[:10] < since:
                    older += 1
                    continue
                followed.append(
                    (link, "item", item.published) if item.published else (link, "item")
                )
                req = self._follow(link, "item", hops=hops + 1)
                if req is not None:
                    yield req
            all_older = bool(self.options.since and page.items and older == len(page.items))
            if page.items and not new_items:
                # the page repeats one read before in this chain: a server that ignores
                # the page number, or an endless "next"; a guess tries the next shape
                self.frontier.skip(url, "repeated_listing_page")
                alternative = self._alternative(meta)
                if alternative is not None:
                    yield alternative
            elif not all_older:
                nxt = self._next_listing(response, page, new_items)
                if nxt is not None:
                    followed.append((nxt.url, "next"))
                    yield nxt
        try:
            text = response.text
        except AttributeError:
            text = ""
        links = page_links(text, response.url) if text else []
        for link in links:
            if link.url in item_urls:
                continue
            if link.rel == "feed":
                clean = self.frontier.admit(link.url, page=False)
                if clean is not None:
                    yield self._feed_request(clean, "feed")
                continue
            role = "next" if link.rel == "next" else "nav"
            target, nested = link.url, False
            if role == "nav" and isinstance(page, Article):
                role = "link"
                nested = link.relative and self.frontier.nested(url, link.url)
                if nested and self.frontier.nested_dead():
                    # this portal's relative links below an article are dead: they
                    # were written for the article's folder
                    self.frontier.skip(link.url, "dead_relative_link")
                    target, nested = self.frontier.sibling(url, link.url), False
            followed.append((target, role))
            next_hops = hops if role == "next" else hops + 1
            extra = {"nested": True, "nested_in": url} if nested else {}
            req = self._follow(target, role, hops=next_hops, page_no=1, chain=target, **extra)
            if req is not None:
                yield req
        if not isinstance(page, Article) and self.job is not None:
            kind = "listing" if isinstance(page, Listing) else "other"
            try:
                self.job.store.save_site_page(
                    self.profile.id,
                    url,
                    kind=kind,
                    links=followed,
                    etag=_header(response, b"ETag"),
                    last_modified=_header(response, b"Last-Modified"),
                    job_id=self.job.id,
                )
            except Exception as exc:  # a busy database must not stop the crawl
                logger.warning("could not remember page %s: %s", url, exc)

    def _next_listing(self, response: Response, page: Listing, new_items: int) -> Request | None:
        """The request for the next page of a listing chain, or None."""
        meta = response.meta
        page_no = int(meta.get("page_no", 1))
        chain = meta.get("chain", response.url)
        if page_no >= self.max_listing_pages:
            self.frontier.skip(chain, "max_listing_pages")
            return None
        nxt = self.frontier.clean(page.next_page, response.url) if page.next_page else None
        if nxt is not None and nxt not in self.frontier.seen and not self.frontier.broken_next(nxt):
            url = self.frontier.admit(nxt)
            if url is None:
                return None
            return self._page_request(
                url, "next", hops=int(meta.get("hops", 0)), page_no=page_no + 1, chain=chain
            )
        if not new_items:
            return None
        guesses = self.frontier.next_page_guesses(response.url, chain, page_no + 1)
        return self._guess_request(guesses, meta, page_no + 1, chain)

    def _guess_request(
        self, guesses: list[str], meta: dict[str, Any], page_no: int, chain: str
    ) -> Request | None:
        """A request for the first admissible guessed next page; the rest stay as
        alternatives for when it turns out missing or a repeat."""
        while guesses:
            url = self.frontier.admit(guesses[0])
            guesses = guesses[1:]
            if url is not None:
                return self._page_request(
                    url,
                    "next",
                    hops=int(meta.get("hops", 0)),
                    page_no=page_no,
                    chain=chain,
                    guessed=True,
                    alternatives=guesses,
                )
        return None

    def _alternative(self, meta: dict[str, Any]) -> Request | None:
        """The next guess of a guessed listing page that was missing or a repeat."""
        if not meta.get("guessed") or not meta.get("alternatives"):
            return None
        return self._guess_request(
            list(meta["alternatives"]), meta, int(meta.get("page_no", 2)), meta.get("chain", "")
        )

    def parse_robots(self, response: Response) -> Iterator[Any]:
        """robots.txt fetched by the spider (when Scrapy does not obey it): its
        ``Sitemap:`` lines are read."""
        self._ok()
        if response.status != 200:
            return
        for line in response.body.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield from self._sitemap_request(value.strip())

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Scrapy's robots middleware read the portal host's robots.txt: its
        ``Sitemap:`` lines are requested (Scrapy obeys the rest)."""
        if not self.discover_sitemaps or not self.scope.same_host(request.url):
            return
        sitemaps = getattr(getattr(robotparser, "rp", None), "sitemaps", None) or ()
        for url in sitemaps:
            for req in self._sitemap_request(str(url)):
                self.crawler.engine.crawl(req)

    def _sitemap_request(self, url: str) -> Iterator[Request]:
        clean = self.frontier.admit(url, page=False)
        if clean is not None:
            yield self._feed_request(clean)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap, sitemap index or RSS/Atom feed: its URLs are expected articles
        (or more sitemaps)."""
        from scrapy.utils.gz import gunzip
        from scrapy.utils.sitemap import Sitemap

        self._ok()
        if response.status != 200:
            if response.meta.get("role") == "feed":
                self.frontier.skip(self.scope.clean(response.url), "dead_link")
            elif not response.meta.get("guessed"):
                self.job.count_error(f"http_{response.status}", response.url, "sitemap")
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:
                self.job.count_error("bad_sitemap", response.url, "cannot gunzip")
                return
        head = body[:2048].lower()
        if b"<rss" in head or b"<feed" in head or b"<rdf" in head:
            yield from self._feed_entries(response, body)
            return
        if b"<urlset" not in head and b"<sitemapindex" not in head:
            if response.meta.get("guessed"):
                return  # a guessed /sitemap.xml that is something else
            # not a sitemap after all: an ordinary page
            yield from self.parse_page(response)
            return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:
            self.job.count_error("bad_sitemap", response.url, str(exc))
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            lastmod = (entry.get("lastmod") or "")[:10]
            if self.options.since and lastmod and lastmod < self.options.since:
                continue
            if sitemap.type == "sitemapindex":
                clean = self.frontier.admit(urljoin(response.url, loc), page=False)
                req = self._feed_request(clean) if clean else None
            else:
                req = self._follow(urljoin(response.url, loc), "entry", hops=1)
            if req is not None:
                yield req

    def _feed_entries(self, response: Response, body: bytes) -> Iterator[Any]:
        """The item links of an RSS/Atom feed, followed as expected articles."""
        text = body.decode("utf-8", "replace")
        links = re.findall(r"<link>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)", text, re.I)
        links += re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)[\"'][^>]*/?>", text, re.I)
        for link in links[1:] if links else []:  # the first <link> is the channel's
            req = self._follow(urljoin(response.url, link.strip()), "entry", hops=1)
            if req is not None:
                yield req

    def listing_date(self, *urls: str | None) -> str | None:
        """The date a listing of this crawl printed beside a link to one of ``urls``."""
        return next((self.item_dates[u] for u in urls if u in self.item_dates), None)

    def _learn_listing_date(self, url: str, published: str) -> None:
        """Remember the date a listing shows beside an item (the first one wins) and
        give it to the archived article at ``url`` if that has none."""
        if url not in self.item_dates:
            self.item_dates[url] = published
            self._date_known_article(url)

    def _date_known_article(self, url: str) -> None:
        """An archived article known at ``url`` without a date takes the date a listing
        showed for ``url``: it was stored earlier in this crawl (reached before its
        listing, or under another of its URLs) or by an earlier crawl."""
        known = self.job.known_article(url) if self.job is not None else None
        published = self.item_dates.get(url)
        if known is None or not published or known.get("published", "?"):
            return
        if self.job.store.date_from_listing(known["id"], published):
            self.job.dated_later(known["id"])
            self.crawler.stats.inc_value("vnarchive/articles/date_from_listing_later")
        for entry in self.job.known.values():
            if entry["id"] == known["id"]:
                entry["published"] = published

    def _gone_candidate(self, known: dict[str, Any], url: str, why: str) -> None:
        """Note an archived article the portal no longer serves (``--full`` only).

        Candidates are marked gone when the crawl ends normally, unless they are more
        than ``VNARCHIVE_GONE_MAX_FRACTION`` of the live articles (a broken portal
        rather than removed articles): see ``CrawlJob.apply_gone``.
        """
        self.job.gone_candidates[known["id"]] = url
        self.crawler.stats.inc_value("vnarchive/articles/gone_candidates")
        logger.info("gone candidate: %s (%s)", url, why)

    def _handle_article(self, response: Response, article: Article) -> Iterator[Any]:
        article.portal = self.profile.id
        article.url = self.scope.clean(response.url)
        if not article.published:
            redirected = map(self.scope.clean, response.meta.get("redirect_urls", []))
            listed = self.listing_date(article.url, *redirected)
            if listed:
                article.published = listed
                article.published_source = "listing"
                self.crawler.stats.inc_value("vnarchive/articles/date_from_listing")
        article.canonical_url = self._trusted_canonical(article) or article.url
        redirected = [self.scope.clean(url) for url in response.meta.get("redirect_urls", [])]
        raw_links = self.frontier.raw_links
        raw = raw_links.pop(article.url, set()) | raw_links.pop(article.canonical_url, set())
        aliases = sorted(
            {u for u in [*redirected, *raw] if u not in (article.url, article.canonical_url)}
        )
        yield ArticleCapture(
            article=article,
            warc=response.meta.get("warc_ref"),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            aliases=aliases,
        )
        for att in article.attachments:
            req = self._attachment_request(
                urljoin(response.url, att.url), att.name, article.canonical_url
            )
            if req is not None:
                yield req
        yield from self._requisite_requests(response)

    # -- page requisites (styles and images of article pages, WARC only) ---------

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

    def _trusted_canonical(self, article: Article) -> str | None:
        """The article's ``rel=canonical`` URL when it can be believed, else None.

        Real portals get it wrong: a host-less ``http:///guest`` on every page, the
        home page or a section as the canonical of all its articles.  A canonical is
        kept only when it is a full in-scope URL that is not a page this crawl read as
        something other than an article, and that no other article of this crawl (with
        another title) claimed.
        """
        raw = (article.canonical_url or "").strip()
        if not raw or not urlsplit(urljoin(article.url, raw)).hostname:
            return None
        if raw.lower().startswith(("http:///", "https:///")):
            return None
        candidate = self.scope.clean(raw, article.url)
        if candidate == article.url:
            return candidate
        if not self.scope.accept(candidate)[0] or self.frontier.broken_next(candidate):
            return None
        if self.page_kinds.get(candidate, "article") != "article":
            return None
        claimed = self.canonical_claims.setdefault(candidate, article.title)
        if claimed != article.title:
            self.crawler.stats.inc_value("vnarchive/canonical/ignored_shared")
            return None
        return candidate

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

    # -- failures ---------------------------------------------------------------

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


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _charset_problem(body: bytes, declared: str) -> bool:
    """Whether the charset a server declared cannot be the page's real encoding."""
    try:
        body.decode(declared)
    except LookupError:
        return True  # unknown codec name
    except UnicodeDecodeError:
        return True
    if declared in _WESTERN and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True  # valid UTF-8 declared as a Western code page
    return False
