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
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from crawler.canonical import CanonicalRule
from crawler.captures import ArticleCapture
from crawler.frontier import Frontier
from crawler.items import Article, Listing, OtherPage
from crawler.job import record_failed_start
from crawler.pages.fit import FamilyFit
from crawler.profiles import PortalProfile, ProfileError, get_profile
from crawler.scope import PortalScope
from crawler.spiders.discovery import Discovery, PendingChain
from crawler.spiders.options import parse_options
from crawler.spiders.outcomes import Outcomes
from crawler.spiders.requests import _PRIORITY, RequestBuilding
from crawler.spiders.requisites import Requisites
from crawler.spiders.responses import _CHARSET, _HTML_TYPES, _charset_problem, _header
from crawler.spiders.slash_rule import SlashRule
from indexer import config

__all__ = ["PortalSpider"]

logger = logging.getLogger(__name__)
# Roles whose 404 is a dead link of the portal (counted, not an error of the crawl).
_QUIET_404 = ("nav", "link", "feed")


class PortalSpider(RequestBuilding, Discovery, Requisites, Outcomes, scrapy.Spider):
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
        # which rel=canonical to believe (claims are per crawl): crawler.canonical
        self.canonicals = CanonicalRule(self.scope, page_kind=self.page_kinds.get)
        self.chain_items: dict[str, set[str]] = {}  # listing chain -> item URLs read in it
        # listing chains whose next page waits for a page-number shape
        self.pending_chains: list[PendingChain] = []
        # the date a listing printed beside an item: an article page without a date of
        # its own (some templates print it only on listings) takes it
        self.item_dates: dict[str, str] = {}
        self.site_pages: dict[str, dict[str, Any]] = {}  # non-article pages of earlier crawls
        # the portal's trailing-slash redirect, once learnt, is not paid per link
        self.slash_rule = SlashRule()
        # whether the profile's family fits the site, judged over the first pages
        self.fit = FamilyFit(self.profile.family)
        # pages the family read while it was being judged, read again once it is found
        # not to fit: (URL, role, hops) of those that were not articles, then the requests
        self.judged_pages: list[tuple[str, str, int]] = []
        self.rereads: list[tuple[str, str, int]] = []
        self.misread: set[str] = set()  # their URLs: what their first reading found is not used
        # next pages of listings read while the family was judged: followed once it is
        # found to fit; dropped when it is not (the listing is read again then)
        self.held_next: list[Request] = []
        self.shapes_assumed = False  # the common page-number shapes tried (see Discovery)
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
        spider.canonicals = CanonicalRule(spider.scope, page_kind=spider.page_kinds.get)
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
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
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

    async def start(self) -> AsyncIterator[Any]:
        if self.urls_file:
            # exactly the URLs listed (pages, attachments, requisites: what a full crawl
            # fetched), once each: no frontier verdicts (files, per-shape bounds)
            listed: set[str] = set()
            with open(self.urls_file, encoding="utf-8") as fh:
                for line in fh:
                    url = line.strip()
                    if url and url not in listed:
                        listed.add(url)
                        self.frontier.mark_seen(url)
                        yield Request(
                            url,
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
        judging = self.fit.judging
        try:
            result = extract(
                body,
                response.url,
                family=self.profile.family,
                profile=self.profile,
                encoding=encoding,
                fit=self.fit,
            )
        except Exception as exc:  # hostile input must not stop the crawl
            self._extraction_failed(response, "extract_error", f"{type(exc).__name__}: {exc}")
            return None
        if judging and not self.fit.auto and not isinstance(result, Article):
            meta = response.meta
            self.judged_pages.append(
                (response.url, meta.get("role") or "link", int(meta.get("hops") or 0))
            )
        if judging and not self.fit.judging and self.fit.replacement is None:
            self.judged_pages = []  # the family fits: what it read stands
        if judging and self.fit.replacement is not None:
            if self.fit.auto:
                self.logger.info("%s: %s", self.profile.id, self.fit.verdict())
                self.crawler.stats.set_value("vnarchive/family/auto", self.fit.replacement)
            else:
                self.logger.warning("%s: %s", self.profile.id, self.fit.verdict())
                self.job.count_error("family_unfit", response.url, self.fit.verdict())
                # what the family could not read is read again, by the replacement
                self.rereads, self.judged_pages = self.judged_pages, []
                self.misread = {url for url, _role, _hops in self.rereads}
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
            slash_of = meta.get("slash_of")
            if slash_of and self.slash_rule.fallback_needed:
                # the learnt trailing slash may not fit this URL: fetch it as linked
                self.crawler.stats.inc_value("vnarchive/slash_rule/fell_back")
                yield self._slash_fallback(response.request)
                return
            if meta.get("no_slash"):
                self.slash_rule.observe_fallback_missing()
            # a rewritten link is reported as linked (the portal answers both alike)
            missing = slash_of or response.url
            url = self.scope.clean(missing)
            redirected = None if slash_of else meta.get("redirect_urls")
            if known and self.options.full:
                self._gone_candidate(known, missing, f"HTTP {response.status}")
            elif meta.get("role") in _QUIET_404:
                # a dead link in a menu or a page: the portal's own state, counted in
                # the job's discovery (not an error of the crawl)
                self.frontier.skip(url, "dead_link")
            elif not meta.get("guessed"):
                self.job.count_error(f"http_{response.status}", missing)
            if redirected is None:
                self.frontier.record(url, "missing")
            if meta.get("nested"):
                self.frontier.record_nested(found=False)
            alternative = self._alternative(meta)
            if alternative is not None:
                yield alternative
            return
        if response.status == 200 and not meta.get("redirect_urls"):
            self.slash_rule.observe_answer(response.url)
        if url in self.processed and not meta.get("reread"):
            # a redirect to a page this crawl handled already
            self.crawler.stats.inc_value("vnarchive/pages/duplicate")
            return
        self.processed.add(url)
        self.frontier.mark_seen(url)
        if meta.get("nested"):
            self.frontier.record_nested(found=True)
        page = self.extract_page(response)
        yield from self._judged()
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

    def _judged(self) -> Iterator[Request]:
        """Once the family is judged: the pages it could not read, read again (it does not
        fit; the listing chains they started are forgotten), or the listings' next pages
        held meanwhile (it fits)."""
        if self.fit.judging:
            return
        if self.rereads:
            # listing chains of misread pages wait for no page-number shape: read again
            self.pending_chains = [p for p in self.pending_chains if p.url not in self.misread]
        while self.rereads:
            reread, role, hops = self.rereads.pop()
            self.crawler.stats.inc_value("vnarchive/family/reread")
            yield self._page_request(reread, role, hops=hops, reread=True)
        held, self.held_next = self.held_next, []
        if self.fit.replacement is None or self.fit.auto:
            yield from held

    def misreading(self, response: Response) -> bool:
        """Whether this response's reading is by a family found not to fit (the page is
        read again by the replacement, and what the first reading found is not used)."""
        return response.url in self.misread and not response.meta.get("reread")

    def hold_while_judging(self, response: Response, request: Request) -> Iterator[Request]:
        """A listing's next-page request, held while the family that read the listing is
        judged (a family that does not fit misreads listings: its next page would be a
        wrong guess); dropped when the listing is read again."""
        if any(response.url == seen for seen, _role, _hops in self.judged_pages):
            self.held_next.append(request)
        elif not self.misreading(response):
            yield request

    def release_held(self) -> list[Request]:
        """The next pages held while the family was judged, when the crawl has nothing else
        to do before a verdict: the family is taken to fit (none of its pages said
        otherwise), and they are followed."""
        if not self.held_next or not self.fit.judging:
            return []
        self.fit.settled = True
        self.judged_pages = []
        held, self.held_next = self.held_next, []
        return held

    def on_idle(self) -> None:
        """When the crawl runs out of pages (Scrapy's ``spider_idle``): the next pages held
        while the family was judged, else guesses of the common page-number shapes for
        the listing chains still waiting for one, are scheduled, and the crawl goes on."""
        more = self.release_held() or self.assumed_shape_requests()
        for request in more:
            self.crawler.engine.crawl(request)
        if more:
            raise DontCloseSpider

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
        shared = self.canonicals.ignored_shared
        trusted = self.canonicals.trusted(article.canonical_url, article.url, article.title)
        if self.canonicals.ignored_shared > shared:
            self.crawler.stats.inc_value("vnarchive/canonical/ignored_shared")
        article.canonical_url = trusted or article.url
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
