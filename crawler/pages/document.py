"""A fetched page ready for page objects: decoded text, a fast lxml tree and URL helpers.

Decoding honours, in order: a byte-order mark, the caller's (HTTP header)
charset, a ``<meta>`` charset in the first 4 KB, then UTF-8; a declared
charset that does not fit the bytes (the usual lie on old portals) falls back
to UTF-8 and then Windows-1258 (``cp1258``), the Vietnamese code page.

Every HTML parse of the project goes through :func:`parse_html` (page
objects, bodies, the replay): libxml2 does not know the HTML5 void elements
``embed``, ``source``, ``track``, ``wbr`` and ``keygen`` and would nest the
rest of their parent inside them (a page object then drops that text with the
``embed``), so it closes them first.  The lxml tree is only used to *locate*
things quickly (the whole page parses in about a millisecond); the text of the
regions that matter is then read with BeautifulSoup4 (see
:mod:`crawler.pages.body`).
"""

from __future__ import annotations

import codecs
import contextlib
import re
from functools import lru_cache
from typing import Literal, overload
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import cssselect
import lxml.html
from bs4 import BeautifulSoup
from lxml import etree
from lxml.cssselect import CSSSelector

from indexer.text import normalize

MAX_PAGE_BYTES = 5 * 1024 * 1024
"""Pages larger than this are refused (``OtherPage`` with the reason), never parsed."""


class PageError(ValueError):
    """A page that cannot be read as HTML (binary, empty, too large); the message says why."""


# What libxml2's HTML parser does differently from a browser (the HTML5 tree
# construction), in ways that lose text, is fixed in the markup before parsing:
# - void elements (no content, no end tag) it takes for ordinary ones nest the
#   rest of their parent inside them: they get an explicit end tag (``param``,
#   which it knows, too: an end tag costs nothing);
# - ``</br>`` is a ``<br>`` to a browser; libxml2 drops it and glues the words;
# - a stray ``</p>`` right before text is dropped and glues the words around it
#   (a browser makes an empty paragraph there): a space keeps them apart.
_LIBXML_UNKNOWN_VOIDS = "embed|param|source|track|wbr|keygen"
_BROWSER_FIXES = re.compile(
    # comments and raw-text elements are copied untouched (a void tag written in a
    # script string or a <title> is text, not an element)
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes)(?=[\s/>])[^>]*>.*?(?:</\1\s*>|\Z)"
    # a void start tag; quotes only delimit an attribute value after "=", as in HTML5
    rf"|<(?P<void>{_LIBXML_UNKNOWN_VOIDS})(?=[\s/>])(?>=\s*\"[^\"]*\"|=\s*'[^']*'|[^>])*+>"
    r"|(?P<br></br\s*>)"
    r"|(?P<p></p\s*>)(?=[^\s<])",
    re.IGNORECASE | re.DOTALL,
)


# What the fixes above can change, alone: where it is absent (most pages), the whole
# substitution would give the page back as it is, and costs 1-4 ms of a real page's parse
_NEEDS_FIX = re.compile(
    rf"<(?:{_LIBXML_UNKNOWN_VOIDS})(?=[\s/>])|</br\s*>|</p\s*>(?=[^\s<])", re.IGNORECASE
)


def _browser_fix(match: re.Match[str]) -> str:
    if match.group("void"):
        return f"{match.group(0)}</{match.group('void')}>"
    if match.group("br"):
        return "<br>"
    if match.group("p"):
        return "</p> "
    return match.group(0)


@overload
def parse_html(text: str, *, soup: Literal[False] = False) -> lxml.html.HtmlElement: ...
@overload
def parse_html(text: str, *, soup: Literal[True]) -> BeautifulSoup: ...
def parse_html(text: str, *, soup: bool = False) -> lxml.html.HtmlElement | BeautifulSoup:
    """Parse HTML the way a browser builds its tree: an lxml document, or a BeautifulSoup.

    The one HTML parser of the project (libxml2, through lxml or BeautifulSoup4's
    ``lxml`` builder).  Void elements libxml2 does not know get an explicit end
    tag first, so ``<embed src=…>`` (any case, unclosed) no longer swallows the
    text after it; ``</br>`` and a stray ``</p>`` no longer glue words together.
    Measured against html5lib (the WHATWG algorithm) in ``bench/html_parser_bench.py``:
    the same words, at about lxml's speed.
    Raises ``lxml.etree.ParserError`` on a document with no elements (lxml tree only).
    """
    fixed = _BROWSER_FIXES.sub(_browser_fix, text) if _NEEDS_FIX.search(text) else text
    if soup:
        return BeautifulSoup(fixed, "lxml")
    return lxml.html.document_fromstring(fixed)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {"windows-1258": "cp1258", "x-cp1258": "cp1258", "vn": "cp1258", "unicode": "utf-8"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_binary(data: bytes) -> bool:
    """True when ``data`` is clearly not text (NUL bytes or a known binary signature)."""
    head = data[:2048]
    if head.startswith(
        (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0")
    ):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return head.count(b"\x00") > 0


def decode_html(data: bytes | str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a page to text; returns ``(text, codec used)``.  Raises PageError on binary data."""
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "str"
    if looks_binary(data):
        raise PageError("binary content, not an HTML page")
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    declared = _codec(encoding)
    if declared is None:
        match = _META_CHARSET.search(data[:4096])
        declared = _codec(match.group(1).decode("ascii", "ignore")) if match else None
    candidates: list[str] = []
    # A page declared as a Western code page but holding valid multi-byte UTF-8
    # is UTF-8 (a common mistake); try UTF-8 first then.
    if declared in (None, "utf-8", "ascii", "iso8859-1", "cp1252"):
        candidates.append("utf-8")
    if declared and declared not in candidates:
        candidates.append(declared)
    for fallback in ("utf-8", "cp1258"):
        if fallback not in candidates:
            candidates.append(fallback)
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    name = declared or "utf-8"
    return data.decode(name, errors="replace"), name


_WAYBACK = re.compile(
    r"^(?:https?://web\.archive\.org)?/web/\d{1,14}(?:[a-z]{2}_)?/(https?):?/+(.+)$", re.I
)
_PCT_LONE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


def encode_url(url: str) -> str:
    """Percent-encode what a raw link left unencoded (spaces, Vietnamese), idempotently."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = parts.netloc
    if host and not host.isascii():
        with contextlib.suppress(UnicodeError):
            netloc = netloc.replace(host, host.encode("idna").decode("ascii"))
    path = quote(_PCT_LONE.sub("%25", parts.path), safe=_SAFE_PATH)
    query = quote(_PCT_LONE.sub("%25", parts.query), safe=_SAFE_QUERY)
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def unwrap_wayback(url: str) -> str:
    """The original URL of a Wayback Machine capture link (others unchanged)."""
    match = _WAYBACK.match(url)
    return f"{match.group(1).lower()}://{match.group(2)}" if match else url


@lru_cache(maxsize=512)
def compiled(selector: str) -> CSSSelector:
    """A compiled CSS selector (cached: the same few selectors run on every page)."""
    return CSSSelector(selector, translator="html")


_ALL_CLASSES = etree.XPath("//@class", smart_strings=False)
# What can spell a selector's class name or id (ASCII letters, digits, "-", "_") in an
# attribute without writing it out: a numeric character reference, or one of the named ones
# that stand for such characters (``&lowbar;`` and ``&UnderBar;`` for "_", ``&fjlig;`` for "fj")
_NAME_REFERENCE = re.compile(r"&#|&lowbar|&underbar|&fjlig", re.IGNORECASE)
_ALL_IDS = etree.XPath("//@id", smart_strings=False)


def _needs(node: object) -> tuple[set[str], set[str]]:
    """The class names and ids an element must carry somewhere in the page for ``node`` to match.

    Only what every match needs for sure: the ``.class`` and ``#id`` parts of each compound
    of the selector, outside ``:not()``/``:has()``/``:is()`` and the like (those need nothing).
    """
    classes: set[str] = set()
    ids: set[str] = set()
    while node is not None:
        kind = type(node).__name__
        if kind == "CombinedSelector":
            more_classes, more_ids = _needs(node.subselector)
            classes |= more_classes
            ids |= more_ids
            node = node.selector
        elif kind == "Class":
            name = node.class_name
            if name and not any(char.isspace() for char in name):
                classes.add(name)
            node = node.selector
        elif kind == "Hash":
            ids.add(node.id)
            node = node.selector
        elif kind in ("Attrib", "Pseudo", "Function", "Negation", "Relation", "Matching"):
            node = node.selector
        else:  # Element (nothing needed), or a kind this code does not know
            break
    return classes, ids


@lru_cache(maxsize=512)
def _requirements(selector: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...] | None:
    """For each alternative of a selector group, the classes and ids it needs (None: unknown)."""
    try:
        parsed = cssselect.parse(selector)
    except cssselect.SelectorError:
        return None
    out = []
    for alternative in parsed:
        classes, ids = _needs(alternative.parsed_tree)
        if not classes and not ids:
            return None  # this alternative may match any page: always run the selector
        out.append((frozenset(classes), frozenset(ids)))
    return tuple(out)


_META_ATTRS = ("property", "name", "itemprop")


class Document:
    """One page: URL, decoded text, lxml tree and helpers to find and resolve things."""

    def __init__(self, text: str, url: str) -> None:
        self.url = url
        self.text = text
        try:
            root = parse_html(text) if text.strip() else None
        except (etree.ParserError, ValueError) as exc:
            raise PageError(f"not parseable as HTML: {exc}") from None
        if root is None:
            raise PageError("empty page")
        self.root = root
        # css() results on the whole page, until the tree changes (see changed())
        self._found: dict[str, list[etree._Element]] = {}
        self.generation = 0  # how many times the tree was changed
        self._metas: tuple[int, dict[tuple[str, str], str]] | None = None
        self._present: tuple[set[str], set[str]] | None = None  # class names and ids in the page
        self._raw_names: bool | None = None  # True: the markup spells them all as they are
        self._written: dict[str, bool] = {}  # class name or id -> written in the markup
        base = root.find(".//head/base[@href]")
        href = base.get("href").strip() if base is not None else ""
        self.base_url = urljoin(url, unwrap_wayback(href)) if href else url

    # -- finding -------------------------------------------------------------
    def css(self, selector: str, root: etree._Element | None = None) -> list[etree._Element]:
        """Elements matching a CSS selector (under ``root`` or the whole page).

        A selector on the whole page is run once while the tree stays as it is (a page
        object asks for its title, body and lead regions several times; each run walks
        the whole page).  A selector that needs a class name or an id no element of the
        page carries finds nothing without walking the tree (most of a family's selectors
        on most pages: a walk that tests every element's class costs about as much as
        listing every class of the page once).
        """
        if root is not None:
            return compiled(selector)(root) if self._may_match(selector) else []
        found = self._found.get(selector)
        if found is None:
            found = compiled(selector)(self.root) if self._may_match(selector) else []
            self._found[selector] = found
        return list(found)

    def _may_match(self, selector: str) -> bool:
        """False when the selector needs a class or an id that no element of the page has.

        The class names and ids are read from the tree as first parsed: elements removed
        since only make the sets larger than needed, never wrong.
        """
        needs = _requirements(selector)
        if needs is None:
            return True
        if self._raw_names is None:
            # the markup holds every class name and id of the tree as written, unless a
            # character reference spells one (``asset&#45;title``): then read the tree
            self._raw_names = not _NAME_REFERENCE.search(self.text)
        if self._raw_names:
            written = self._written
            for classes, ids in needs:
                for name in (*classes, *ids):
                    found = written.get(name)
                    if found is None:
                        found = written[name] = name in self.text
                    if not found:
                        break
                else:
                    return True
            return False
        if self._present is None:
            # split on any whitespace: more than ``normalize-space`` splits on, so some
            # pieces are not whole class names, but every whole one without spaces is there
            classes = set(" ".join(_ALL_CLASSES(self.root)).split())
            self._present = (classes, set(_ALL_IDS(self.root)))
        classes, ids = self._present
        return any(c <= classes and i <= ids for c, i in needs)

    def changed(self) -> None:
        """Say that the tree was changed (elements removed): whole-page results are redone."""
        self._found.clear()
        self.generation += 1

    def first(self, selectors: tuple[str, ...] | list[str], root=None) -> etree._Element | None:
        """The first element matched by the first selector that matches anything."""
        for selector in selectors:
            found = self.css(selector, root)
            if found:
                return found[0]
        return None

    def meta(self, *names: str) -> str | None:
        """The content of the first ``<meta name|property=…>`` present.

        For each name, then each of ``property``, ``name``, ``itemprop``: the first
        ``<meta>`` of the page with that attribute and a ``content`` (what
        ``//meta[@attr=…]/@content`` finds first), when that content is not blank.  The
        page's meta elements are read once (a page object asks for up to seven names, each
        an XPath walk of the whole page).
        """
        if self._metas is None or self._metas[0] != self.generation:
            table: dict[tuple[str, str], str] = {}
            for el in self.root.iter("meta"):
                content = el.get("content")
                if content is None:
                    continue
                for attr in _META_ATTRS:
                    value = el.get(attr)
                    if value is not None:
                        table.setdefault((attr, value), content)
            self._metas = (self.generation, table)
        table = self._metas[1]
        for name in names:
            for attr in _META_ATTRS:
                found = table.get((attr, name))
                if found is not None and found.strip():
                    return found.strip()
        return None

    # -- URLs ------------------------------------------------------------------
    def resolve(self, href: str | None) -> str | None:
        """An absolute, properly encoded http(s) URL for a link, or None for non-links."""
        if not href:
            return None
        if len(href) > _CACHED_HREF:
            return _resolve.__wrapped__(self.base_url, href, self.url.startswith("file:"))
        return _resolve(self.base_url, href, self.url.startswith("file:"))


_CACHED_HREF = 1000  # longer links (``data:`` images, hostile pages) are not kept in the cache


@lru_cache(maxsize=4096)
def _resolve(base_url: str, href: str, file_page: bool) -> str | None:
    """:meth:`Document.resolve`, once per link and base (a portal's menus repeat on every page)."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = unwrap_wayback(urljoin(base_url, unwrap_wayback(href)))
    scheme = urlsplit(absolute).scheme
    if scheme not in ("http", "https") and not (scheme == "file" and file_page):
        return None
    return encode_url(absolute)


_SPACED_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "td",
        "th",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
    ]
)


def text_of(el: etree._Element | None) -> str:
    """Normalised visible text of an element (scripts and styles skipped).

    Line breaks are spaces and the element's own edges add none: a paragraph's text is
    then the very string its body paragraph is normalised from (``crawler.pages.body``),
    and a short one is normalised once (``normalize`` caches short texts).  Neither changes
    the result: ``normalize`` treats every such space alike (tests/crawler/test_pages_document.py).
    """
    if el is None:
        return ""
    parts: list[str] = []
    for node in el.iter():
        tag = node.tag
        if not isinstance(tag, str) or tag in ("script", "style", "noscript", "template"):
            if node is not el and node.tail:
                parts.append(node.tail)
            continue
        if tag in _SPACED_TAGS and node is not el:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            if tag in _SPACED_TAGS:
                parts.append(" ")
            parts.append(node.tail)
    return normalize("".join(parts).replace("\n", " ").replace("\r", " "))


def file_name(url: str) -> str:
    """The decoded file name in a URL (``217-TB-Kết luận….pdf``): the last segment with an extension."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg]
    named = [seg for seg in segments if re.search(r"\.[A-Za-z0-9]{2,5}$", seg)]
    last = named[-1] if named else (segments[-1] if segments else "")
    return normalize(unquote(last.replace("+", " ")))
