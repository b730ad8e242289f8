"""A portal's trailing-slash redirect, learnt during a crawl so that it is not paid per link.

Many servers answer ``/some-article`` with a permanent redirect to ``/some-article/``
(Apache's DirectorySlash, WordPress, static hosts): on the real portal snapshots about
a third of a crawl's requests were such redirects, each costing a politeness delay and
leading to a page that another link had often fetched already.  Once a crawl has seen
the portal do it a few times, and the portal has not answered a slash-less path itself,
links of that kind are requested with the slash directly; the slash-less URL stays an
alias of the page, as the redirect would have made it.

Nothing is lost when the rule is wrong for one URL: a rewritten request that answers
404/410 falls back to the URL as linked (see ``PortalSpider.parse_page``), and a
slash-less path answering 200 itself counts against the rule.  The fallback costs a
request per dead link, and real portals have many dead links: once a few fallbacks
were missing as well (the portal answers a dead link alike with or without the slash)
and none answered, a rewritten request's 404 is taken as the linked URL's.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["SlashRule"]

# Redirect statuses that say "this is the page's address now".
_PERMANENT = (301, 308)


def _eligible(url: str) -> bool:
    """Whether ``url`` has the shape the rule rewrites: a path that is not the root, no
    trailing slash, no file extension in its last segment, no query."""
    parts = urlsplit(url)
    path = parts.path
    if parts.query or path in ("", "/") or path.endswith("/"):
        return False
    return "." not in path.rsplit("/", 1)[-1]


def _with_slash(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + "/", fragment=""))


class SlashRule:
    """What one crawl learnt about its portal adding trailing slashes by redirect.

    ``min_redirects`` permanent slash redirects must have been seen, and at most one
    slash-less path answering 200 itself per ``per_counterexample`` of them, before
    :meth:`target` rewrites anything.
    """

    def __init__(
        self, min_redirects: int = 3, per_counterexample: int = 10, fallbacks: int = 3
    ) -> None:
        self.min_redirects = min_redirects
        self.per_counterexample = per_counterexample
        self.fallbacks = fallbacks
        self.redirects = 0  # permanent redirects from a path to the same path + "/"
        self.direct = 0  # slash-less paths of the rewritten shape that answered 200 themselves
        self.fallbacks_missing = (
            0  # linked URLs fetched after their slashed form was missing: missing too
        )

    def observe_redirect(self, source: str, target: str, status: int | None) -> None:
        """Note a redirect the crawl followed (``status`` as the server answered)."""
        if status in _PERMANENT and _eligible(source) and _with_slash(source) == target:
            self.redirects += 1

    def observe_answer(self, url: str) -> None:
        """Note a URL that answered 200 as requested (no redirect)."""
        if _eligible(url):
            self.direct += 1

    def observe_fallback_missing(self) -> None:
        """Note a linked URL, fetched after its slashed form answered 404/410, missing too."""
        self.fallbacks_missing += 1

    @property
    def fallback_needed(self) -> bool:
        """Whether a rewritten request that answered 404/410 is fetched again as linked:
        until ``fallbacks`` such fetches were missing too, and always once a slash-less
        path answered by itself."""
        return self.fallbacks_missing < self.fallbacks or self.direct > 0

    @property
    def active(self) -> bool:
        """Whether links are rewritten now."""
        return (
            self.redirects >= self.min_redirects
            and self.direct * self.per_counterexample <= self.redirects
        )

    def target(self, url: str) -> str | None:
        """The URL to request instead of ``url`` (its slashed form), or None."""
        if not self.active or not _eligible(url):
            return None
        return _with_slash(url)
