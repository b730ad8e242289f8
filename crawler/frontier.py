"""The crawl frontier: which links of a page become requests, and why the others do not.

Every URL a crawl meets passes here once: it is cleaned (absolute, no fragment,
no session ids or print/tracking parameters), scoped to the portal, checked
against the trap rules and the per-pattern bound, and deduplicated.  What is
decided about a raw link is cached, because menus repeat the same links on every
page.  Each URL skipped is counted once, under its reason (``out_of_scope``,
``trap_pattern``, ``url_too_long``, ``pattern_limit``, ``not_a_page``…); the job
stores those counts (``crawl_jobs.discovery``).

It also knows pagination: it recognises the page number of a listing URL
(``/page/N/``, ``?page=N``, ``?p=N``, ``…cur=N`` as Liferay writes it, …), learns
which shapes a portal uses from the links it sees, and infers page *n+1* of a
listing chain when the site's own "next" link is missing or broken.

No Scrapy imports: the spider turns its answers into requests.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.scope import PortalScope

__all__ = ["Frontier", "Paging", "paging_of"]

# Files that are not pages: fetched as attachments when an article links them, never
# walked as pages.
_NOT_PAGES = re.compile(
    r"(?i)\.(pdf|docx?|xlsx?|pptx?|od[tsp]|rtf|zip|rar|7z|gz|tar|jpe?g|png|gif|bmp|svg|webp|"
    r"ico|tiff?|mp[34]|m4[av]|avi|wmv|flv|mov|mkv|webm|ogg|wav|swf|css|js|json|exe|msi|apk|"
    r"iso|dmg|txt|csv)$"
)
_FEEDS = re.compile(r"(?i)(\.rss|\.xml|/rss/?|/feed/?|[?&]feed=|/atom/?)$")
_PATH_PAGE = re.compile(r"^(?P<stem>.*?/)(?P<word>page|trang|p)/(?P<n>\d{1,5})/?$", re.I)
_QUERY_PAGE_KEYS = re.compile(r"(?i)^(page|paged|p|pg|trang|pageindex|pagenum|pagenumber|.*_?cur)$")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Paging:
    """Where the page number sits in a listing URL: ``kind`` path|query, the query key,
    the number, and the chain key (the URL with the number taken out)."""

    kind: str
    key: str
    number: int
    chain: str


def paging_of(url: str) -> Paging | None:
    """The pagination of ``url`` (a listing page N), or None when it carries no number."""
    parts = urlsplit(url)
    match = _PATH_PAGE.match(parts.path)
    if match and int(match["n"]) < 100000:
        chain = urlunsplit(parts._replace(path=match["stem"]))
        return Paging("path", match["word"].lower(), int(match["n"]), chain)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        for key, value in pairs:
            if value.isdigit() and len(value) <= 5 and _QUERY_PAGE_KEYS.match(key):
                rest = urlencode([(k, v) for k, v in pairs if k != key])
                return Paging("query", key, int(value), urlunsplit(parts._replace(query=rest)))
    return None


def _folder(url: str) -> str:
    """The folder of a URL: its path up to the last ``/`` (a trailing ``/`` ignored)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[0] + "/"


def _with_page(url: str, paging: Paging, number: int) -> str:
    """``url`` with its page number (as ``paging`` found it) set to ``number``."""
    parts = urlsplit(url)
    if paging.kind == "path":
        match = _PATH_PAGE.match(parts.path)
        stem = (
            match["stem"]
            if match
            else (parts.path if parts.path.endswith("/") else parts.path + "/")
        )
        slash = "/" if (match is None or parts.path.endswith("/")) else ""
        return urlunsplit(parts._replace(path=f"{stem}{paging.key}/{number}{slash}"))
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != paging.key]
    pairs.append((paging.key, str(number)))
    return urlunsplit(parts._replace(query=urlencode(pairs)))


class Frontier:
    """Cleaning, scoping, trap checks and deduplication of one crawl's URLs."""

    def __init__(
        self,
        scope: PortalScope,
        *,
        max_per_pattern: int = 200,
        dead_folder_after: int = 5,
        pagination_hint: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self.scope = scope
        self.max_per_pattern = max_per_pattern
        self.seen: set[str] = set()
        self.skipped: Counter[str] = Counter()
        self._skipped_urls: set[str] = set()
        self._decided: dict[tuple[str, str, bool], str | None] = {}
        self._patterns: Counter[str] = Counter()  # URLs admitted per shape
        self._pattern_fetched: Counter[str] = Counter()
        self._pattern_articles: Counter[str] = Counter()
        self._folder_missing: Counter[str] = Counter()
        self._folder_found: Counter[str] = Counter()
        self.dead_folder_after = dead_folder_after
        # relative links of article pages that resolve below the article's own URL
        # (``/bai-viet/`` + ``tin-khac`` -> ``/bai-viet/tin-khac``): answered / missing
        self._nested_found = 0
        self._nested_missing = 0
        self.paging_shapes: Counter[tuple[str, str]] = Counter()  # (kind, key) seen in links
        self.pagination_hint = pagination_hint
        self.base_url = base_url or scope.base_url
        # links whose cleaned form differs from the raw one (print views, session ids)
        self.raw_links: dict[str, set[str]] = {}

    # -- one URL ------------------------------------------------------------------

    def skip(self, url: str, reason: str) -> None:
        """Count ``url`` as skipped for ``reason`` (once per URL and reason)."""
        key = f"{reason} {url}"
        if key not in self._skipped_urls:
            self._skipped_urls.add(key)
            self.skipped[reason] += 1

    def clean(self, link: str, base: str | None = None) -> str:
        """The cleaned URL of a link; the raw form is remembered when it differs."""
        url = self.scope.clean(link, base)
        raw = (urljoin(base, link.strip()) if base else link.strip()).split("#", 1)[0]
        if raw != url and self.scope.in_scope(raw):
            self.raw_links.setdefault(url, set()).add(raw)
        return url

    def admit(self, link: str, base: str | None = None, *, page: bool = True) -> str | None:
        """The cleaned URL to request for ``link``, or None (already seen, or skipped and
        counted).  ``page`` False admits files (attachments) too."""
        cache_key = (base or "", link, page)
        if cache_key in self._decided:
            url = self._decided[cache_key]
            if url is None or url in self.seen:
                return None
            self.seen.add(url)
            return url
        url = self.clean(link, base)
        verdict = self._verdict(url, page=page)
        if verdict:
            self.skip(url, verdict)
            self._decided[cache_key] = None
            return None
        self._decided[cache_key] = url
        if url in self.seen:
            return None
        self.seen.add(url)
        return url

    def _verdict(self, url: str, *, page: bool) -> str:
        """Why ``url`` may not be requested (a reason), or ``""``."""
        ok, reason = self.scope.accept(url)
        if not ok:
            return reason
        path = urlsplit(url).path
        if page and _NOT_PAGES.search(path):
            return "not_a_page"
        paging = paging_of(url)
        if paging is not None:
            self.paging_shapes[(paging.kind, paging.key)] += 1
            return ""  # pagination chains have their own bound (max listing pages)
        pattern = self.pattern(url)
        admitted = self._patterns[pattern]
        if (
            self.max_per_pattern
            and admitted >= self.max_per_pattern
            and self._pattern_articles[pattern] * 2 < self._pattern_fetched[pattern]
        ):
            # a generated URL space (calendar, filters, endless ids) that yields pages
            # but no articles: stop walking it
            return "pattern_limit"
        self._patterns[pattern] = admitted + 1
        return ""

    def record(self, url: str, kind: str) -> None:
        """Note what a fetched page turned out to be (article | listing | other |
        missing): the per-pattern bound spares shapes that lead to articles, and a
        folder whose every page is missing stops being walked."""
        pattern = self.pattern(url)
        self._pattern_fetched[pattern] += 1
        if kind == "article":
            self._pattern_articles[pattern] += 1
        folder = _folder(url)
        if kind == "missing":
            self._folder_missing[folder] += 1
        else:
            self._folder_found[folder] += 1

    def dead_folder(self, url: str) -> bool:
        """Whether ``url`` sits in a folder where the last pages fetched were all missing
        (``VNARCHIVE_DEAD_FOLDER_AFTER`` of them, none found): relative links that
        resolve under an article's own URL are the common cause on real portals."""
        folder = _folder(url)
        if (
            self.dead_folder_after
            and self._folder_missing[folder] >= self.dead_folder_after
            and not self._folder_found[folder]
        ):
            self.skip(url, "dead_folder")
            return True
        return False

    # -- relative links written for the parent folder ------------------------------

    @staticmethod
    def nested(page_url: str, link_url: str) -> bool:
        """Whether ``link_url`` lies below ``page_url``, whose path ends with ``/``."""
        page = urlsplit(page_url).path
        link = urlsplit(link_url).path
        return page.endswith("/") and link.startswith(page) and link != page

    def record_nested(self, *, found: bool) -> None:
        """Note what a nested relative link of an article page answered."""
        if found:
            self._nested_found += 1
        else:
            self._nested_missing += 1

    def nested_dead(self) -> bool:
        """Whether this portal's nested relative links are dead: the first
        ``VNARCHIVE_DEAD_FOLDER_AFTER`` of them were all missing.  Real portals served
        as ``/slug/`` whose pages were written for ``/slug`` have these on every article
        (each would cost a 404 a link); their target is the page's sibling."""
        return bool(
            self.dead_folder_after
            and self._nested_missing >= self.dead_folder_after
            and not self._nested_found
        )

    @staticmethod
    def sibling(page_url: str, link_url: str) -> str:
        """``link_url`` resolved as if the page's URL had no trailing ``/``: the page's
        folder instead of the page itself (``/a/b/`` + ``c`` -> ``/a/c``)."""
        page = urlsplit(page_url).path
        parts = urlsplit(link_url)
        parent = page.rstrip("/").rsplit("/", 1)[0] + "/"
        return urlunsplit(parts._replace(path=parent + parts.path[len(page) :]))

    @staticmethod
    def pattern(url: str) -> str:
        """The shape of a URL (digits masked, query keys sorted): generated URL spaces
        (calendars, filters, endless ids) share one shape."""
        parts = urlsplit(url)
        keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
        return _DIGITS.sub("N", parts.path) + ("?" + "&".join(keys) if keys else "")

    def mark_seen(self, url: str) -> None:
        """Note a URL as requested (or deliberately not requested) in this crawl."""
        self.seen.add(url)

    def is_feed(self, url: str) -> bool:
        """Whether ``url`` looks like an RSS/Atom feed or a sitemap."""
        return bool(_FEEDS.search(urlsplit(url).path + ("?" + urlsplit(url).query)))

    # -- pagination ----------------------------------------------------------------

    def next_page_guesses(self, url: str, chain_start: str, number: int) -> list[str]:
        """Candidate URLs of page ``number`` of the listing chain ``url`` belongs to.

        The page's own number shape decides when it has one (``/page/3/`` →
        ``/page/4/``); a first page without a number gets the profile's
        ``[pagination] pattern`` hint, then the shapes the portal's links showed, most
        frequent first (the spider tries the next one when a guess is missing or
        repeats the page).
        """
        paging = paging_of(url)
        if paging is not None:
            return [self.scope.clean(_with_page(url, paging, number))]
        out: list[str] = []
        hinted = self._hinted(chain_start, number)
        if hinted:
            out.append(hinted)
        for (kind, key), _count in self.paging_shapes.most_common():
            if kind == "query" and key.endswith("cur"):
                continue  # Liferay's cur needs its portlet parameters: never guessed
            guess = self.scope.clean(_with_page(url, Paging(kind, key, 1, url), number))
            if guess not in out:
                out.append(guess)
        return out

    def _hinted(self, chain: str, number: int) -> str | None:
        """Page ``number`` by the profile's pagination pattern, when it fits the chain."""
        pattern = self.pagination_hint
        if not pattern:
            return None
        if pattern[0] in "?&":
            key, _, value = pattern[1:].partition("=")
            parts = urlsplit(chain)
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
            query.append((key, value.replace("{n}", str(number))))
            return self.scope.clean(urlunsplit(parts._replace(query=urlencode(query))))
        url = self.scope.clean(urljoin(self.base_url, pattern.replace("{n}", str(number))))
        stem = urlsplit(urljoin(self.base_url, pattern.split("{n}")[0])).path
        chain_path = urlsplit(chain).path
        if not stem.startswith(chain_path.rstrip("/")) and not chain_path.startswith(stem):
            return None
        return url

    def broken_next(self, url: str) -> bool:
        """Whether a next-page link is one of the broken kinds real portals have: out
        of the portal, or back to its home page."""
        if not self.scope.accept(url)[0]:
            return True
        parts = urlsplit(url)
        path = parts.path or "/"
        prefix = self.scope.prefix
        return path in ("/", prefix, prefix.rstrip("/")) and not parts.query

    def counts(self) -> dict[str, int]:
        """Skipped URLs by reason."""
        return dict(self.skipped)

    def learn(self, urls: Iterable[str]) -> None:
        """Note the pagination shapes of URLs seen without admitting them."""
        for url in urls:
            paging = paging_of(url)
            if paging is not None:
                self.paging_shapes[(paging.kind, paging.key)] += 1
