"""A portal's crawl scope: which URLs belong to it, which are traps, and their clean form.

A portal is its host (``www.`` or not) and the path prefix of its ``base_url``:
sample portals share one host under different prefixes, so the prefix matters.
``/robots.txt`` of the portal's host is the one URL outside the prefix that may be
fetched.  No Scrapy imports: the spider and the middlewares share this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string, url_query_cleaner

__all__ = ["PortalScope"]

_PATH_SESSION = re.compile(r"(?i);(jsessionid|phpsessid|sessionid|sid)=[^/?#]*")


def _bare_host(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class PortalScope:
    """Scope and trap rules for one portal (built from its base URL and the settings)."""

    def __init__(
        self,
        base_url: str,
        *,
        trap_patterns: Iterable[str] = (),
        strip_params: Iterable[str] = (),
        max_url_length: int = 1024,
    ) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host = _bare_host(parts.hostname or "")
        self.port = parts.port
        path = parts.path or "/"
        self.prefix = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
        self.traps = [re.compile(p) for p in trap_patterns]
        self.strip_params = [p.lower() for p in strip_params]
        self.max_url_length = max_url_length

    def same_host(self, url: str) -> bool:
        """Whether ``url`` is on the portal's host (and port)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return _bare_host(parts.hostname or "") == self.host and parts.port == self.port

    def is_robots(self, url: str) -> bool:
        """Whether ``url`` is the robots.txt of the portal's host."""
        return self.same_host(url) and urlsplit(url).path == "/robots.txt"

    def in_scope(self, url: str) -> bool:
        """Whether ``url`` belongs to the portal: same host, under the path prefix."""
        if not self.same_host(url):
            return False
        path = urlsplit(url).path or "/"
        return path.startswith(self.prefix) or path + "/" == self.prefix

    def trap(self, url: str) -> str | None:
        """The trap rule ``url`` matches (a short reason), or None."""
        if len(url) > self.max_url_length:
            return "url_too_long"
        for pattern in self.traps:
            if pattern.search(url):
                return "trap_pattern"
        return None

    def clean(self, url: str, base: str | None = None) -> str:
        """The absolute, percent-encoded form of ``url`` without fragment, session ids
        and print/tracking parameters (case-insensitive names)."""
        url = urljoin(base, url.strip()) if base else url.strip()
        url = safe_url_string(url)
        parts = urlsplit(url)
        path = _PATH_SESSION.sub("", parts.path)
        query = parts.query
        if query and self.strip_params:
            names = {
                pair.split("=", 1)[0]
                for pair in query.split("&")
                if pair.split("=", 1)[0].lower() in self.strip_params
            }
            if names:
                query = urlsplit(
                    url_query_cleaner(url, list(names), remove=True, unique=False)
                ).query
        netloc = parts.netloc.lower()
        return urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))

    def accept(self, url: str) -> tuple[bool, str]:
        """(True, "") when ``url`` may be fetched as a page, else (False, reason)."""
        if not self.in_scope(url):
            return False, "out_of_scope"
        reason = self.trap(url)
        if reason:
            return False, reason
        return True, ""
