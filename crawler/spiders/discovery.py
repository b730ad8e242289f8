"""Finding pages: links and listings followed, pagination guessed, robots.txt, sitemaps, feeds."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urljoin

from scrapy.http import Request, Response

from crawler.frontier import paging_of
from crawler.items import Article, Listing, OtherPage
from crawler.links import PageLink, page_links
from crawler.pages.listing_fields import SHORT_LISTING_PAGE
from crawler.spiders.responses import _header

logger = logging.getLogger(__name__)


ASSUMED_SHAPES = (("path", "page"), ("query", "page"))
"""Page-number shapes assumed when a portal's links show none (``/page/N/``, ``?page=N``)."""


class PendingChain(NamedTuple):
    """A listing chain whose next page waits for a page-number shape it has not tried."""

    url: str  # the page whose next page is wanted
    hops: int
    page_no: int  # the number of the page wanted
    chain: str  # the chain's first page
    shapes: int  # how many shapes the portal had shown when it was last tried


class Discovery:
    """PortalSpider's link following, listing pagination and dates, robots.txt, sitemaps and feeds."""

    def _follow_links(
        self, response: Response, page: Article | Listing | OtherPage, url: str
    ) -> Iterator[Any]:
        """Requests for the links of a page: listing items, next page, then every other
        link (menus, sub-categories, related lists); non-article pages remember theirs."""
        meta = response.meta
        hops = int(meta.get("hops", 0))
        followed: list[tuple[str, ...]] = []  # (url, role[, date]) for site_pages
        item_urls: set[str] = set()
        try:
            text = response.text
        except AttributeError:
            text = ""
        links = page_links(text, response.url) if text else []
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
                nxt = self._next_listing(response, page, new_items, links)
                if nxt is not None:
                    # a guessed next page is remembered as a guess: replayed on a 304,
                    # its 404 past the listing's end is no error (as it was here)
                    followed.append((nxt.url, "guess" if nxt.meta.get("guessed") else "next"))
                    yield from self.hold_while_judging(response, nxt)
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
        yield from self._pending_chain_requests()
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

    def _next_listing(
        self, response: Response, page: Listing, new_items: int, links: list[PageLink]
    ) -> Request | None:
        """The request for the next page of a listing chain, or None.  A next page the
        listing does not link (the page object inferred it behind a broken "next" link) is
        a guess: its 404 is no error (and ends the chain, as the site's own pattern)."""
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
            linked = any(self.frontier.clean(link.url) == nxt for link in links)
            guess = {} if linked else {"guessed": True, "inferred": True}
            return self._page_request(
                url,
                "next",
                hops=int(meta.get("hops", 0)),
                page_no=page_no + 1,
                chain=chain,
                **guess,
            )
        if not new_items or len(page.items) < SHORT_LISTING_PAGE:
            return None  # (a short page that links no next page is the chain's last)
        guesses = self.frontier.next_page_guesses(response.url, chain, page_no + 1)
        if not guesses and not self.misreading(response):
            # no page-number shape known yet (this listing came before any pagination
            # link of the portal): guessed again once the portal's links show one
            self._wait_for_shape(response.url, meta, page_no + 1, chain)
        return self._guess_request(guesses, meta, page_no + 1, chain)

    def _wait_for_shape(self, url: str, meta: dict[str, Any], page_no: int, chain: str) -> None:
        """Keep a chain whose next page no known page-number shape reaches, to be
        guessed again when the portal's links show a shape it has not tried."""
        self.pending_chains.append(
            PendingChain(url, int(meta.get("hops", 0)), page_no, chain, self._shapes_known())
        )

    def _shapes_known(self) -> int:
        return len(self.frontier.paging_shapes)

    def assumed_shape_requests(self) -> list[Request]:
        """When the crawl has nothing left to fetch, listing chains still wait for a
        page-number shape, and no link of the portal ever showed one (its "next" links
        broken, its pages numbered only by script): the shapes portals use most are
        assumed, ``/page/N/`` then ``?page=N``, once per crawl; a chain whose guess is
        missing tries the other, then ends.  Only for pages read by the generic page
        object: a family page object knows its CMS's own shape (and on the real
        snapshots, assumed shapes reached listings that dated some articles wrongly)."""
        generic = (self.fit.replacement or self.profile.family) == "generic"
        if self.shapes_assumed or not generic or self.frontier.paging_shapes:
            return []
        if not self.pending_chains:
            return []
        self.shapes_assumed = True
        self.crawler.stats.set_value("vnarchive/pagination/assumed", len(self.pending_chains))
        for shape in ASSUMED_SHAPES:
            self.frontier.paging_shapes[shape] += 1
        return list(self._pending_chain_requests())

    def _pending_chain_requests(self) -> Iterator[Request]:
        """Next pages of the listing chains that waited for a page-number shape, once
        the portal's links have shown one the chain has not tried.

        Each chain remembers how many shapes it was tried with: whichever order pages
        arrive in, a waiting chain tries every shape learnt after its last try."""
        shapes = self._shapes_known()
        if not any(p.shapes < shapes for p in self.pending_chains):
            return
        pending, self.pending_chains = self.pending_chains, []
        for waiting in pending:
            if waiting.shapes >= shapes:
                self.pending_chains.append(waiting)
                continue
            meta = {"hops": waiting.hops}
            guesses = self.frontier.next_page_guesses(waiting.url, waiting.chain, waiting.page_no)
            req = self._guess_request(guesses, meta, waiting.page_no, waiting.chain)
            if req is None:  # no shape fits, or every guess was tried: wait for another
                self.pending_chains.append(waiting._replace(shapes=shapes))
                continue
            yield req

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
        """The next guess of a guessed listing page that was missing or a repeat.

        When the guesses made for the second page of a chain whose first page has no
        number all failed, the shapes learnt since then are tried at once, and the
        chain waits for any the portal's links show later (which shape is learnt
        first depends on the order pages arrive in)."""
        if not meta.get("guessed") or meta.get("inferred"):
            return None  # (a page the page object inferred follows the site's own pattern)
        page_no, chain = int(meta.get("page_no", 2)), meta.get("chain", "")
        if meta.get("alternatives"):
            req = self._guess_request(list(meta["alternatives"]), meta, page_no, chain)
            if req is not None:
                return req
        if page_no == 2 and chain and paging_of(chain) is None:
            # the shapes learnt since its first guess are tried now (a guess fetched
            # before is not admitted again), the rest when the links show them
            guesses = self.frontier.next_page_guesses(chain, chain, page_no)
            req = self._guess_request(guesses, meta, page_no, chain)
            if req is None:
                self._wait_for_shape(chain, meta, page_no, chain)
            return req
        return None

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

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Scrapy's robots middleware read the portal host's robots.txt: its
        ``Sitemap:`` lines are requested (Scrapy obeys the rest)."""
        if self.urls_file or not self.discover_sitemaps or not self.scope.same_host(request.url):
            return  # (a fetch-only crawl fetches its list and nothing else)
        sitemaps = getattr(getattr(robotparser, "rp", None), "sitemaps", None) or ()
        for url in sitemaps:
            for req in self._sitemap_request(str(url)):
                self.crawler.engine.crawl(req)

    def _sitemap_request(self, url: str) -> Iterator[Request]:
        clean = self.frontier.admit(url, page=False)
        if clean is not None:
            yield self._feed_request(clean)

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
