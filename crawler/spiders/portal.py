"""PortalSpider: the one spider; a portal profile decides where it starts and how pages read.

``scrapy crawl portal -a portal=ID [-a full=1] [-a since=YYYY-MM-DD] [-a max_pages=N]
[-a job_id=N] [-a trigger=schedule]`` (``vnarchive crawl`` runs the same spider).

How it walks a portal:

* start URLs (and sitemaps) are listings; each listing page gives its items and
  its next page (``crawler.pages.extract`` → ``Listing``).  Links come *only* from
  the listing region — no link extraction over the whole page (menus are most of
  a portal page's links and most of the cost of a naive crawl).
* a listing whose next link is missing or broken (pointing back to a seen page or
  out of the portal) continues through the profile's pagination pattern, as long
  as the page just read had new items;
* article pages become :class:`~crawler.captures.ArticleCapture` items; their
  attachments are downloaded (size-limited) into the WARC;
* incremental: an article URL the archive already holds is not fetched again,
  unless ``full`` — then it is revalidated with If-None-Match/If-Modified-Since and
  every archived article is requested, so one answering 404/410, or redirecting to a
  page that is not an article (the home page, a listing), can be marked gone
  (applied at the end of a complete crawl; see ``crawler.job``);
* a page requested as an article (a listing item, a sitemap entry, an archived URL)
  that does not extract as one counts as an extraction failure of the job (the
  health check's layout-change signal), unless it was bad input (binary, empty, too
  large: counted under that reason) or a redirect to another page.

Bounds: scope (host + path prefix) and trap rules in ``crawler.scope`` (enforced
again in ``ScopeMiddleware``), link hops ``VNARCHIVE_MAX_DEPTH``, pages per
pagination chain ``VNARCHIVE_MAX_LISTING_PAGES``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
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
from crawler.items import Article, Listing, OtherPage
from crawler.job import JobOptions, record_failed_start
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
        self.seen: set[str] = set()  # cleaned URLs requested in this crawl
        # links whose cleaned form differs (print views, session ids): linked to the
        # article as aliases once it is stored
        self.raw_links: dict[str, set[str]] = {}
        self.scope = PortalScope(self.profile.base_url)

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
        spider.max_depth = settings.getint("VNARCHIVE_MAX_DEPTH", 3)
        spider.max_listing_pages = settings.getint("VNARCHIVE_MAX_LISTING_PAGES", 1000)
        spider.max_failures = settings.getint("VNARCHIVE_MAX_CONSECUTIVE_FAILURES", 20)
        spider.attachments = settings.getbool("VNARCHIVE_ATTACHMENTS", True)
        spider.attachment_maxsize = settings.getint("VNARCHIVE_ATTACHMENT_MAXSIZE", 0)
        spider.requisites_per_page = settings.getint("VNARCHIVE_REQUISITES_PER_PAGE", 30)
        spider.requisite_maxsize = settings.getint("VNARCHIVE_REQUISITE_MAXSIZE", 5 * 1024 * 1024)
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

    def _request(self, url: str, kind: str, *, hops: int, **meta: Any) -> Request | None:
        """A request for ``url`` (already cleaned) unless it was seen or is not allowed."""
        if url in self.seen:
            return None
        ok, reason = self.scope.accept(url)
        if not ok:
            self.crawler.stats.inc_value(f"vnarchive/skipped/{reason}")
            return None
        self.seen.add(url)
        callback = {
            "listing": self.parse_listing,
            "article": self.parse_article,
            "sitemap": self.parse_sitemap,
            "raw": self.parse_raw,
        }[kind]
        headers: dict[str, str] = {}
        known = meta.get("known")
        if known:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        # listings first (they lead to everything else), then articles
        priority = {"sitemap": 30, "listing": 20, "article": 10, "raw": 0}[kind]
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers or None,
            priority=priority,
            dont_filter=True,  # our own `seen` set dedupes (on cleaned URLs)
            meta={
                "kind": kind,
                "hops": hops,
                "handle_httpstatus_list": [304, 404, 410],
                **meta,
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        if self.urls_file:
            with open(self.urls_file, encoding="utf-8") as fh:
                for line in fh:
                    url = line.strip()
                    if url and (req := self._request(url, "raw", hops=0)):
                        yield req
            return
        for url in self.profile.start_urls:
            clean = self._clean_link(url, url)
            req = self._request(clean, "listing", hops=0, page_no=1, chain=clean)
            if req is not None:
                yield req
        for url in self.profile.sitemaps:
            req = self._request(self.scope.clean(url), "sitemap", hops=0)
            if req is not None:
                yield req
        job = self.job
        if job is None:
            return
        if self.options.full and not self.options.since:
            # every archived article is revalidated, also those no listing shows any more
            for url, known in sorted(job.known.items()):
                if known["status"] != "live" or known["kind"] != "canonical":
                    continue
                req = self._article_request(url, 1)
                if req is not None:
                    yield req
        if self.attachments:
            for att in job.store.pending_attachments(self.profile.id):
                req = self._attachment_request(att["url"], att["name"], att["article_url"])
                if req is not None:
                    yield req

    def _article_request(self, url: str, hops: int) -> Request | None:
        """Request an article URL found on a listing, unless the archive has it already."""
        known = self.job.known_article(url) if self.job else None
        if known is not None:
            if not self.options.full:
                self.crawler.stats.inc_value("vnarchive/articles/known_skipped")
                self.seen.add(url)
                return None
            if self.job.done_in_this_job(known):
                self.seen.add(url)
                return None
            # revalidate under the URL the article was fetched as (once, whichever
            # of its URLs turns up first)
            fetched_as = known.get("url") or url
            if fetched_as != url:
                self.seen.add(url)
                url = fetched_as
        return self._request(url, "article", hops=hops, known=known)

    def _attachment_request(self, url: str, name: str, article_url: str) -> Request | None:
        if not self.attachments or url in self.seen:
            return None
        ok, reason = self.scope.accept(url)
        if not ok:
            self.crawler.stats.inc_value(f"vnarchive/attachments/{reason}")
            return None
        self.seen.add(url)
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

    def _extract(self, response: Response) -> Article | Listing | OtherPage | None:
        page = self._html(response)
        if page is None:
            return None
        body, encoding = page
        from crawler.pages import extract

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
                self.crawler.stats.inc_value("vnarchive/pages/other")
                return None
        return result

    def _extraction_failed(self, response: Response, reason: str, detail: str = "") -> None:
        """Count a page whose fields could not be extracted under ``reason``.

        When the crawl expected an article there (the URL came from a listing item, a
        sitemap entry or the archive itself: an ``article`` request), it is also an
        extraction failure of the job (``crawl_jobs.extraction_failures``), the signal
        the health check reads for a layout change.  A listing or start page that
        reads as something else is counted under its reason only.
        """
        self.job.count_error(reason, response.url, detail)
        if response.meta.get("kind") == "article":
            self.job.extraction_failures += 1

    def parse_raw(self, response: Response) -> Iterator[Any]:
        """Fetch-only mode: nothing is parsed."""
        self._ok()
        return iter(())

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A listing page: request its items and its next page."""
        self._ok()
        if response.status in (404, 410):
            if not response.meta.get("guessed"):
                self.job.count_error(f"http_{response.status}", response.url)
            return
        if response.status == 304:
            return
        page = self._extract(response)
        if page is None:
            return
        if isinstance(page, Article):
            yield from self._handle_article(response, page)
            return
        if not isinstance(page, Listing):
            self.crawler.stats.inc_value("vnarchive/pages/other")
            self.job.count_error("not_a_listing", response.url, page.reason)
            return
        meta = response.meta
        hops = meta.get("hops", 0)
        new_items = 0
        older = 0
        for item in page.items:
            url = self._clean_link(item.url, response.url)
            if self.options.since and item.published and item.published[:10] < self.options.since:
                older += 1
                continue
            if url in self.seen:
                continue
            new_items += 1
            if hops + 1 > self.max_depth:
                self.crawler.stats.inc_value("vnarchive/skipped/max_depth")
                continue
            req = self._article_request(url, hops + 1)
            if req is not None:
                yield req
        if self.options.since and page.items and older == len(page.items):
            return  # listings run newest first: everything further is older still
        yield from self._next_listing(response, page, new_items)

    def _clean_link(self, link: str, base: str) -> str:
        """The cleaned URL of a link; the raw form is remembered when it differs."""
        url = self.scope.clean(link, base)
        raw = urljoin(base, link.strip()).split("#", 1)[0]
        if raw != url and self.scope.in_scope(raw):
            self.raw_links.setdefault(url, set()).add(raw)
        return url

    def _next_listing(self, response: Response, page: Listing, new_items: int) -> Iterator[Any]:
        meta = response.meta
        page_no = int(meta.get("page_no", 1))
        chain = meta.get("chain", response.url)
        if page_no >= self.max_listing_pages:
            self.crawler.stats.inc_value("vnarchive/skipped/max_listing_pages")
            self.job.count_error("listing_chain_too_long", chain)
            return
        nxt = self.scope.clean(page.next_page, response.url) if page.next_page else None
        guessed = False
        if nxt is None or nxt in self.seen or self._broken_next(nxt):
            if not new_items:
                return
            nxt = self._pattern_page(chain, page_no + 1)
            guessed = True
            if nxt is None or nxt in self.seen:
                return
        req = self._request(
            nxt,
            "listing",
            hops=meta.get("hops", 0),
            page_no=page_no + 1,
            chain=chain,
            guessed=guessed,
        )
        if req is not None:
            yield req

    def _broken_next(self, url: str) -> bool:
        """Whether a next-page link is one of the broken kinds real portals have: out of
        the portal, or back to its home page."""
        if not self.scope.accept(url)[0]:
            return True
        path = urlsplit(url).path or "/"
        return (
            path in ("/", self.scope.prefix, self.scope.prefix.rstrip("/"))
            and not urlsplit(url).query
        )

    def _pattern_page(self, chain: str, n: int) -> str | None:
        """Page ``n`` of the listing chain started at ``chain``, by the profile's pattern.

        ``?name={n}`` patterns set that query parameter on the chain's first URL; other
        patterns are relative to base_url and apply to the chain they extend (the chain's
        first URL path is a prefix of the pattern's).
        """
        pattern = self.profile.pagination_pattern
        if not pattern:
            return None
        if pattern[0] in "?&":
            key, _, value = pattern[1:].partition("=")
            parts = urlsplit(chain)
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
            query.append((key, value.replace("{n}", str(n))))
            return self.scope.clean(urlunsplit(parts._replace(query=urlencode(query))))
        url = self.scope.clean(urljoin(self.profile.base_url, pattern.replace("{n}", str(n))))
        stem = urlsplit(urljoin(self.profile.base_url, pattern.split("{n}")[0])).path
        chain_path = urlsplit(chain).path
        if not stem.startswith(chain_path.rstrip("/")) and not chain_path.startswith(stem):
            return None
        return url

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap (or sitemap index): its URLs are articles (or more sitemaps)."""
        from scrapy.utils.gz import gunzip
        from scrapy.utils.sitemap import Sitemap

        self._ok()
        if response.status != 200:
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:
                self.job.count_error("bad_sitemap", response.url, "cannot gunzip")
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
            url = self.scope.clean(loc, response.url)
            lastmod = (entry.get("lastmod") or "")[:10]
            if self.options.since and lastmod and lastmod < self.options.since:
                continue
            if sitemap.type == "sitemapindex":
                req = self._request(url, "sitemap", hops=0)
            else:
                req = self._article_request(url, 1) if url not in self.seen else None
            if req is not None:
                yield req

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: one ArticleCapture (and its attachments), or why not."""
        self._ok()
        known = response.meta.get("known")
        if response.status == 304:
            if known:
                self.job.store.touch_article(
                    known["id"],
                    etag=_header(response, b"ETag"),
                    last_modified=_header(response, b"Last-Modified"),
                )
                self.job.count_outcome("unchanged")
                self.crawler.stats.inc_value("vnarchive/articles/not_modified")
            return
        if response.status in (404, 410):
            if known and self.options.full:
                self._gone_candidate(known, response.url, f"HTTP {response.status}")
            else:
                self.job.count_error(f"http_{response.status}", response.url)
            return
        page = self._extract(response)
        if page is None:
            return
        redirected = response.meta.get("redirect_urls")
        if isinstance(page, Article):
            yield from self._handle_article(response, page)
        elif redirected and known and self.options.full:
            # a removed article that sends readers to the home page or a listing
            # instead of answering 404/410: gone, under the same safety rules
            self._gone_candidate(known, redirected[0], f"redirects to {response.url}")
        elif redirected:
            # a link that redirects to a page which is not an article: the link is
            # stale, the page itself was not misread (not an extraction failure)
            if isinstance(page, Listing):
                yield from self._walk_as_listing(response)
            else:
                self.crawler.stats.inc_value("vnarchive/pages/other")
                self.job.count_error(
                    "redirected_to_non_article", redirected[0], f"to {response.url}"
                )
        elif isinstance(page, Listing):
            # a category page linked like an article: walk it as a listing
            yield from self._walk_as_listing(response)
        else:
            self.crawler.stats.inc_value("vnarchive/pages/other")
            self._extraction_failed(response, "not_an_article", page.reason)

    def _walk_as_listing(self, response: Response) -> Iterator[Any]:
        """Walk a page requested as an article that turned out to be a listing."""
        hops = response.meta.get("hops", 1)
        if hops < self.max_depth:
            response.meta.setdefault("page_no", 1)
            response.meta.setdefault("chain", response.url)
            yield from self.parse_listing(response)

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
        canonical = None
        if article.canonical_url:
            candidate = self.scope.clean(article.canonical_url, response.url)
            if self.scope.accept(candidate)[0]:
                canonical = candidate
        article.canonical_url = canonical or article.url
        redirected = [self.scope.clean(url) for url in response.meta.get("redirect_urls", [])]
        raw = self.raw_links.pop(article.url, set()) | self.raw_links.pop(
            article.canonical_url, set()
        )
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
            if url in self.seen:
                continue
            self.seen.add(url)
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
