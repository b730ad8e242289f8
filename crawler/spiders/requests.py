"""Building the spider's requests: pages, links followed, feeds (priorities by the link's role)."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

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


class RequestBuilding:
    """How PortalSpider builds a request for a page, a followed link or a feed."""

    def _page_request(self, url: str, role: str, *, hops: int, **meta: Any) -> Request:
        """A request for a page (``url`` already admitted by the frontier)."""
        headers: dict[str, str] = {}
        known = meta.get("known") or self.site_pages.get(url)
        if known and not meta.get("reread"):  # a page read again is fetched whole
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

    def _feed_request(self, url: str, role: str = "sitemap") -> Request:
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.on_error,
            priority=_PRIORITY["sitemap"],
            dont_filter=True,
            meta={"kind": "sitemap", "role": role, "handle_httpstatus_list": [404, 410]},
        )

    def sibling_request(self, request: Request) -> Request | None:
        """For a nested relative link found dead after it was queued: the request for
        the page it was written for (see ``Frontier.sibling``), or None."""
        meta = request.meta
        page = meta.get("nested_in")
        if not page:
            return None
        target = self.frontier.sibling(page, request.url)
        return self._follow(target, meta.get("role", "link"), hops=int(meta.get("hops", 1)))

    def slash_request(self, request: Request) -> Request | None:
        """For a page request the portal would redirect to its URL with a trailing slash
        (``crawler.spiders.slash_rule``, learnt in this crawl): the request for that URL,
        the linked URL becoming its alias as after the redirect; None to fetch as is.
        Raises IgnoreRequest when this crawl has requested the slashed URL already (the
        linked URL is then linked to it, as ``redirected`` does)."""
        meta = request.meta
        if (
            meta.get("kind") != "page"
            or meta.get("redirect_times")
            or meta.get("slash_of")
            or meta.get("no_slash")
        ):
            return None
        target = self.slash_rule.target(request.url)
        if target is None:
            return None
        new_meta = {**meta, "redirect_urls": [request.url], "slash_of": request.url}
        if self.redirected(target, new_meta):
            self.crawler.stats.inc_value("vnarchive/slash_rule/to_seen")
            raise IgnoreRequest(f"slash_to_seen: {request.url}")
        self.crawler.stats.inc_value("vnarchive/slash_rule/rewritten")
        return request.replace(url=target, meta=new_meta)

    def _slash_fallback(self, request: Request) -> Request:
        """The request as linked again, for a slashed URL that answered 404/410."""
        meta = {
            key: value
            for key, value in request.meta.items()
            if key not in ("slash_of", "redirect_urls", "warc_ref")
            and not key.startswith(("_", "download_"))
        }
        meta["no_slash"] = True
        return request.replace(url=request.meta["slash_of"], meta=meta)
