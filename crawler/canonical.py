"""Whether an article page's ``rel=canonical`` can be believed: one rule for crawl, import
and ``vnarchive extract``.

Page objects report the canonical URL a page declares (``Article.canonical_url``, made
absolute) and decide nothing; :class:`CanonicalRule` decides, once, where an extracted
article becomes a capture.  Real portals get the tag wrong in many ways:

* a host-less ``http:///guest`` on every page, or a relative one;
* one canonical for every page (Liferay's ``/guest``, the home page, a section): taken at
  its word it would merge a whole site into one article.  A canonical is believed when it
  names *this* page: its last path segment is the page's own, they share a numeric id, or
  its slug words are the title's (or the page URL's);
* with a crawl's context (a :class:`~crawler.scope.PortalScope`, what the crawl read each
  page as): outside the portal, the portal's home page, a page read as a listing or
  another non-article, or a URL that another article of the crawl (with another title)
  claimed already.

No Scrapy imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urljoin, urlsplit

from crawler.scope import PortalScope
from indexer.text import fold_lower

__all__ = ["CanonicalRule", "names_this_page"]

_TOKEN = re.compile(r"[a-z0-9]+")


def _slug_tokens(url: str) -> tuple[str, list[str]]:
    """The last path segment of a URL (decoded, no extension) and its word tokens."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg]
    last = re.sub(r"\.[a-z]{2,5}$", "", unquote(segments[-1]).lower()) if segments else ""
    return last, _TOKEN.findall(fold_lower(last))


def names_this_page(canonical: str, url: str, title: str) -> bool:
    """Whether ``canonical`` names the page at ``url`` titled ``title`` (see the module
    docstring): same last segment, a shared numeric id of 4+ digits, or at least half of
    its slug words (2 or more) among the page URL's and the title's."""
    mine, mine_tokens = _slug_tokens(url)
    theirs, tokens = _slug_tokens(canonical)
    if not theirs:
        return False
    if theirs == mine:
        return True
    ids = {t for t in tokens if t.isdigit() and len(t) >= 4}
    if ids and ids & set(mine_tokens):
        return True
    words = [t for t in tokens if not t.isdigit()]
    if len(words) < 2:
        return False
    known = set(mine_tokens) | set(_TOKEN.findall(fold_lower(title)))
    return sum(w in known for w in words) >= 0.5 * len(words)


class CanonicalRule:
    """The canonical URLs of one run's articles (a crawl, an import, one extraction).

    ``scope``: the portal (canonicals are cleaned and scoped by it; without one they are
    only made absolute).  ``page_kind``: what the run read a URL as (``article``,
    ``listing``, ``other``, or None when not read).  ``ignored_shared`` counts canonicals
    refused because another title claimed them first.
    """

    def __init__(
        self,
        scope: PortalScope | None = None,
        *,
        page_kind: Callable[[str], str | None] | None = None,
    ) -> None:
        self.scope = scope
        self.page_kind = page_kind
        self.claims: dict[str, str] = {}  # canonical URL -> the first title claiming it
        self.ignored_shared = 0

    def trusted(self, declared: str | None, url: str, title: str) -> str | None:
        """The canonical URL to archive the article at ``url`` under, or None (then its
        own URL): ``declared`` is what the page's ``rel=canonical`` says."""
        raw = (declared or "").strip()
        if not raw or raw.lower().startswith(("http:///", "https:///")):
            return None
        if not urlsplit(urljoin(url, raw)).hostname:
            return None
        if self.scope is not None:
            candidate = self.scope.clean(raw, url)
        else:
            candidate = urljoin(url, raw).split("#", 1)[0]
        if candidate == url:
            return candidate
        if not names_this_page(candidate, url, title):
            return None
        if self.scope is not None and not self._in_portal(candidate):
            return None
        kind = self.page_kind(candidate) if self.page_kind is not None else None
        if kind not in (None, "article"):
            return None
        if self.claims.setdefault(candidate, title) != title:
            self.ignored_shared += 1
            return None
        return candidate

    def _in_portal(self, url: str) -> bool:
        """In scope, and not the portal's home page (a canonical many themes print)."""
        assert self.scope is not None
        if not self.scope.accept(url)[0]:
            return False
        parts = urlsplit(url)
        prefix = self.scope.prefix
        return bool(parts.query) or (parts.path or "/") not in ("/", prefix, prefix.rstrip("/"))
