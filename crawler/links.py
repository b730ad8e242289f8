"""Links of a page, found the cheap way: every ``href`` of its anchors, menus included.

Site discovery walks a portal's own navigation, so it needs every link of a page,
not only those of the listing region.  A BeautifulSoup pass over a 60 KB portal
page costs ~16 ms; one regular expression over the decoded text costs well under
a millisecond, and menus repeat on every page, so the frontier caches what it
decides per raw link.  Scripts, styles and comments are cut out first (their
strings are not links), and ``<base href>`` is honoured.

Wayback-rewritten links (``/web/20190611000000/http://host/path``, or the same on
``web.archive.org``) are mapped back to the URL they archive: templates saved from
the Wayback Machine are full of them, and each timestamp would otherwise be a new
URL.  No Scrapy imports.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

__all__ = ["PageLink", "page_links", "unwayback"]

_CUT = re.compile(
    r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<noscript\b.*?</noscript\s*>",
    re.I | re.S,
)
_TAG = re.compile(r"<(a|area|link|frame|iframe)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""", re.S)
_BASE = re.compile(r"""<base\b[^>]*href\s*=\s*["']?([^"'\s>]+)""", re.I)
_ANCHOR_END = re.compile(r"</a\s*>", re.I)
_TEXT_TAGS = re.compile(r"<[^>]*>")
_WAYBACK = re.compile(r"^/web/(?:\d{1,14}|\*)(?:[a-z]{2}_)?/+(https?:/+.*)$", re.I)
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|\?)", re.I)  # scheme, path or query only
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "file:", "ftp:")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")


@dataclass(frozen=True, slots=True)
class PageLink:
    """One link of a page: absolute URL (not yet cleaned or scoped), its text, its role.

    ``rel`` is ``next`` for a ``rel="next"`` link, ``feed`` for an RSS/Atom
    ``<link rel="alternate">``, ``frame`` for frames, else ``""``.  ``relative`` is
    True for a path-relative ``href`` (``tin-moi``, ``../a``) resolved against the
    page's own URL (no ``<base href>``).
    """

    url: str
    text: str = ""
    rel: str = ""
    relative: bool = False


def unwayback(url: str) -> str:
    """The original URL of a Wayback-rewritten one (``/web/<ts>/http://…``), else ``url``."""
    parts = urlsplit(url)
    if not parts.path.startswith("/web/"):
        return url
    match = _WAYBACK.match(parts.path + (f"?{parts.query}" if parts.query else ""))
    if not match:
        return url
    inner = re.sub(r"^(https?):/+", r"\1://", match.group(1), flags=re.I)
    return inner


def _attrs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in _ATTR.findall(raw):
        key = name.lower()
        if key not in out:
            out[key] = html.unescape(value.strip("\"'")).strip()
    return out


def page_links(text: str, base_url: str, *, max_links: int = 5000) -> list[PageLink]:
    """Every followable link of an HTML page, in document order, at most ``max_links``.

    ``href`` of ``<a>``/``<area>``, ``src`` of frames, ``rel=next`` and RSS/Atom
    ``rel=alternate`` of ``<link>``; relative to ``<base href>`` when the page has one.
    Wayback-rewritten links are mapped back (:func:`unwayback`).  Nothing is fetched
    or scoped here: the frontier decides.
    """
    body = _CUT.sub(" ", text)
    base_match = _BASE.search(body)
    base = base_url
    if base_match:
        candidate = html.unescape(base_match.group(1))
        if candidate.lower().startswith(("http://", "https://", "/")):
            base = urljoin(base_url, candidate)
    links: list[PageLink] = []
    for match in _TAG.finditer(body):
        tag = match.group(1).lower()
        attrs = _attrs(match.group(2))
        rel = ""
        if tag in ("frame", "iframe"):
            href = attrs.get("src", "")
            rel = "frame"
        elif tag == "link":
            rels = attrs.get("rel", "").lower().split()
            if "next" in rels:
                rel = "next"
            elif "alternate" in rels and attrs.get("type", "").lower() in _FEED_TYPES:
                rel = "feed"
            else:
                continue  # stylesheets, icons, canonical (the page object reads those)
            href = attrs.get("href", "")
        else:
            href = attrs.get("href", "")
            if "next" in attrs.get("rel", "").lower().split():
                rel = "next"
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        url = unwayback(urljoin(base, href.replace("\\", "/")))
        if not url.lower().startswith(("http://", "https://")):
            continue
        anchor_text = ""
        if tag == "a":
            end = _ANCHOR_END.search(body, match.end(), match.end() + 400)
            if end:
                inner = _TEXT_TAGS.sub(" ", body[match.end() : end.start()])
                anchor_text = " ".join(html.unescape(inner).split())[:120]
        relative = base_match is None and not _ABSOLUTE.match(href)
        links.append(PageLink(url, anchor_text, rel, relative))
        if len(links) >= max_links:
            break
    return links
