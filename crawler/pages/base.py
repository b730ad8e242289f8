"""The shared machinery of page objects: one class, one method per field.

A page object is built on a :class:`~crawler.pages.document.Document` (decoded
text + lxml tree).  Family subclasses only declare CSS selectors (tried in
order; a profile's ``[selectors]`` come first) and, where a family really
differs, override a method.  The fields are read like this:

* ``title`` — the family's title element, else ``og:title``/``h1``/``<title>``;
* ``published`` — the family's date element, else date meta tags, else the
  first date written near the title; the date parser is
  :func:`indexer.dates.parse_date` and the source is recorded;
* the body — the family's content region(s), cleaned by
  :func:`crawler.pages.body.build_body` (BeautifulSoup4);
* listings — the family's item selector, else repeated title links grouped by
  markup; the next page is the "Trang sau / Tiếp / Next" link, or is inferred
  from the URL and the profile's pattern when that link is broken.

Every page object checks its own result against the page.  When the family's
region gives only the lead, or much less text than the page's main text block
(:func:`crawler.pages.structure.main_text_block`, looked for in the article's
own container), the body comes from that block instead; when the family's
listing selector finds nothing, the items are guessed from repeated title links.
The path taken is recorded as ``extraction_path`` (``family`` / ``structural``)
on the item.  What the page is comes from its own evidence: an article needs the
family's article markers and a title, and something of an article (a date, a
body, a file); a page with markers but none of that which lists dated links is
a listing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from crawler.items import Article, Attachment, Listing, ListingItem, OtherPage
from crawler.pages.body import (
    ATTACHMENT_EXT,
    Body,
    attachment_name,
    build_body,
    is_date_line,
    split_closing,
)
from crawler.pages.document import Document, text_of
from crawler.pages.structure import in_chrome as _in_chrome
from crawler.pages.structure import main_text_block
from crawler.profiles import PortalProfile
from indexer.dates import ParsedDate, find_dates, parse_date
from indexer.text import content_hash, fold_lower, normalize

_NEXT_LABEL = re.compile(
    r"^(?:trang sau|trang tiếp(?: theo)?|tiếp|tiếp theo|sau|next|next page|older posts|"
    r"tin cũ hơn|bài cũ hơn|›|»|>|→|tiếp ›|tiếp »|next ›|next »|sau »|sau ›)$",
    re.I,
)
_DATE_CLASS = re.compile(r"date|time|ngay|publish|created|posted", re.I)
_PAGER_CLASS = re.compile(r"pag|pager|page-?iterator|phan-?trang|navigation", re.I)
_PAGE_IN_PATH = re.compile(r"^(?P<head>.*/page/)(?P<n>\d+)(?P<tail>/?)$")
_PAGE_PARAM = re.compile(r"(?:^|_)(?:cur|page|trang|paged|p)$", re.I)
_SHORT_PAGE = 5  # fewer items than this on a page whose next link is broken: the last page
_TITLE_SPLIT = re.compile(r"\s+[-|–—:»]\s+")
# a date slot written after a title, filled or not: "Tiêu đề (30/04/2018)", "Tiêu đề ( )"
_TITLE_DATE = re.compile(r"\s*\(\s*(?P<raw>[^()]{0,40}?)\s*\)\s*$")
FALLBACK_MIN_TEXT = 200
"""Characters the main text block must hold (beyond the lead) to replace a family's region."""
FALLBACK_RATIO = 0.5
"""The family's region is replaced when it holds less than this share of the block's text."""


def _class_id(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


class PageObject:
    """Base page object: generic defaults; families override selectors and a few methods."""

    family = "generic"
    month_first = False  # dates in this family's pages are US m/d/yyyy
    TITLE: tuple[str, ...] = ()
    DATE: tuple[str, ...] = ()
    CATEGORY: tuple[str, ...] = ()
    SUMMARY: tuple[str, ...] = ()
    BODY: tuple[str, ...] = ()
    REMOVE: tuple[str, ...] = ()  # removed from the body region (bs4 selectors)
    ARTICLE: tuple[str, ...] = ()  # present on article pages only
    LISTING_ITEM: tuple[str, ...] = ()  # an item container or its title link
    NEXT_PAGE: tuple[str, ...] = ()
    PAGINATION_DEFAULT: str | None = None  # e.g. "page/{n}/" after the listing path
    AUTHOR: tuple[str, ...] = ()  # a byline element, when the family prints one
    ATTACHMENTS: tuple[str, ...] = ()  # where files hang off the article (besides the body)

    def __init__(self, doc: Document, profile: PortalProfile | None = None) -> None:
        self.doc = doc
        self.profile = profile
        self._consumed: list[etree._Element] = []
        self._items: list[ListingItem] | None = None
        self._items_explicit = False  # found by a family/profile selector, not guessed
        self._title_el: etree._Element | None = None
        self._title_date: ParsedDate | None = None
        self._title_date_empty = False  # the title's date slot is there but empty: "( )"
        self._regions: list[etree._Element] = []

    # -- selectors -------------------------------------------------------------
    def selectors(self, key: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
        """The profile's selector for ``key`` (if any) followed by the family's."""
        override = (self.profile.selectors.get(key) if self.profile else None) or None
        return ((override,) if override else ()) + defaults

    # -- classification ----------------------------------------------------------
    def is_article(self) -> bool:
        """True when the page shows one article."""
        markers = self.selectors("body", self.ARTICLE)
        return self.doc.first(markers) is not None and bool(self.title())

    def page_type(self) -> str:
        """``article``, ``listing`` or ``other``, from the page's own evidence."""
        if self.is_article():
            if self._has_article_substance() or not self._lists_dated_links():
                return "article"
            return "listing"
        items = self.listing_items()
        if len(items) >= 2 or (items and self._items_explicit):
            return "listing"
        return "other"

    def _has_article_substance(self) -> bool:
        """A date, a text of some length (not links) or a file in the article's own region."""
        if self.published()[0] is not None or self._title_date is not None:
            return True
        if not self._title_date_empty and self.date_near_title() is not None:
            return True
        regions = self.body_elements()
        own_text = sum(
            len(text_of(r)) - sum(len(text_of(a)) for a in r.iter("a")) for r in regions
        )  # the text that is not links (a listing's region is mostly links)
        if own_text >= FALLBACK_MIN_TEXT:
            return True
        return bool(self.attachment_links(regions))

    def _lists_dated_links(self) -> bool:
        """Three or more listing items with dates (what a listing page obviously shows)."""
        return sum(1 for item in self.listing_items() if item.published) >= 3

    def extract(self) -> Article | Listing | OtherPage:
        """The page's fields, as the item type matching its page type."""
        kind = self.page_type()
        if kind == "article":
            return self.article()
        if kind == "listing":
            return self.listing()
        return OtherPage(url=self.doc.url, reason="neither an article nor a listing")

    # -- article fields ----------------------------------------------------------
    def title(self) -> str:
        """The article title (never the site name from ``<title>`` when better exists)."""
        if not hasattr(self, "_title"):
            self._title = self._find_title()
        return self._title

    def _find_title(self) -> str:
        for selector in self.selectors("title", self.TITLE):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text:
                    self._consumed.append(el)
                    self._title_el = el
                    return self._split_title_date(text)
        return self.fallback_title()

    def _split_title_date(self, text: str) -> str:
        """The title without a trailing date slot (``(30/04/2018)``, ``( )``); keeps the date.

        Only a slot that is an element of its own (``<h2>Tiêu đề <span>( )</span></h2>``):
        a title that ends with a bracketed date range of its own keeps it.
        """
        match = _TITLE_DATE.search(text)
        children = (
            [c for c in self._title_el if isinstance(c.tag, str)]
            if self._title_el is not None
            else []
        )
        if (
            not match
            or match.start() == 0
            or not children
            or not _TITLE_DATE.fullmatch(text_of(children[-1]))
        ):
            return text
        raw = match.group("raw")
        if not raw:
            self._title_date_empty = True
            return text[: match.start()]
        parsed = parse_date(raw, month_first=self.month_first)
        if parsed is None:
            return text
        self._title_date = parsed
        return text[: match.start()]

    def fallback_title(self) -> str:
        """``og:title``, a lone ``h1``, or the ``<title>`` without its site-name part."""
        og = normalize(self.doc.meta("og:title") or "")
        h1s = [t for t in (text_of(h) for h in self.doc.root.iter("h1")) if t]
        page_title = normalize(self.doc.root.findtext(".//title") or "")
        if og and og != page_title:
            return og
        if len(h1s) == 1 and len(h1s[0].split()) >= 3:
            return h1s[0]
        if page_title:
            parts = _TITLE_SPLIT.split(page_title)
            return max(parts, key=len) if len(parts) > 1 else page_title
        return og or (h1s[0] if h1s else "")

    def published(self) -> tuple[ParsedDate | None, str | None]:
        """The publication date and where it was found (selector and raw text)."""
        for selector in self.selectors("date", self.DATE):
            for el in self.doc.css(selector):
                raw = el.get("datetime") or el.get("content") or text_of(el)
                parsed = parse_date(raw, month_first=self.month_first)
                if parsed:
                    self._consumed.append(el)
                    return parsed, f"{selector}: {parsed.raw}"
        for name in (
            "article:published_time",
            "datePublished",
            "dc.date",
            "DC.date.issued",
            "pubdate",
        ):
            value = self.doc.meta(name)
            parsed = parse_date(value) if value else None
            if parsed:
                return parsed, f"meta {name}: {parsed.raw}"
        self.title()
        if self._title_date is not None:
            return self._title_date, f"title: {self._title_date.raw}"
        return None, None

    def category(self) -> str | None:
        """The article's section as the page names it."""
        for selector in self.selectors("category", self.CATEGORY):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text and len(text) <= 120 and not find_dates(text):
                    self._consumed.append(el)
                    return text
        section = self.doc.meta("article:section")
        return normalize(section) if section else None

    def summary_element(self) -> etree._Element | None:
        """The lead (sapo) element, when the family marks one."""
        for selector in self.SUMMARY:
            for el in self.doc.css(selector):
                if text_of(el):
                    return el
        return None

    def body_elements(self) -> list[etree._Element]:
        """The content region(s), in reading order."""
        for selector in self.selectors("body", self.BODY):
            found = self.doc.css(selector)
            if found:
                return [found[0]]
        return []

    def body(self) -> Body:
        """The cleaned body of the content region (empty when there is none)."""
        return self._body_from(self.body_elements())

    def _body_from(self, regions: list[etree._Element]) -> Body:
        """The cleaned body of ``regions`` (the lead put first when it sits outside them)."""
        lead = self.summary_element()
        if lead is not None and not any(_contains(r, lead) for r in regions):
            regions = [lead, *regions]
        regions = [r for r in regions if not any(o is not r and _contains(o, r) for o in regions)]
        self._regions = regions
        self._area_attachments = self.attachment_links(regions)
        if not regions:
            return Body()
        doomed = [
            el for el in self._consumed if any(_contains(r, el) and r is not el for r in regions)
        ]
        for region in regions:
            for selector in self.REMOVE:
                doomed.extend(el for el in self.doc.css(selector, region) if el is not region)
        for el in doomed:
            _drop(el)
        html = "".join(lxml.html.tostring(r, encoding="unicode", with_tail=False) for r in regions)
        return build_body(html, self.doc, title=self.title())

    def article_scope(self) -> etree._Element | None:
        """The article's own container: where its title and its family marker meet.

        Climbs at most three levels from there until the container holds a main text
        block, so that a sidebar or the page's footer is never taken for the body.
        """
        self.title()
        marker = self.doc.first(self.selectors("body", self.ARTICLE))
        anchors = [el for el in (self._title_el, marker) if el is not None]
        if not anchors:
            return None
        scope = anchors[0]
        for other in anchors[1:]:
            while scope is not None and not _contains(scope, other):
                scope = scope.getparent()
        for _ in range(3):
            if scope is None or main_text_block(scope, min_text=FALLBACK_MIN_TEXT) is not None:
                break
            scope = scope.getparent()
        return scope

    def structural_body(self, body: Body, lead: str) -> Body | None:
        """A body from the main text block when the family's region says much less, else None."""
        scope = self.article_scope()
        if scope is None:
            return None
        block = main_text_block(scope, min_text=FALLBACK_MIN_TEXT)
        if block is None or any(_contains(r, block) for r in self._regions):
            return None
        family_regions, family_attachments = self._regions, self._area_attachments
        candidate = self._body_from([block])
        own = len(body.text) - len(lead)
        theirs = len(candidate.text) - len(lead)
        if theirs >= FALLBACK_MIN_TEXT and own < FALLBACK_RATIO * theirs:
            return candidate
        self._regions, self._area_attachments = family_regions, family_attachments
        return None

    def _closing_after_region(self, body: Body) -> Body:
        """Signature and credit lines standing just after the content region, read as its end."""
        if not self._regions:
            return body
        node, lines = self._regions[-1], []
        while len(lines) < 2:
            following = node.getnext()
            while following is None and node.getparent() is not None and len(lines) == 0:
                node = node.getparent()
                following = node.getnext()
                if node.tag in ("table", "body", "form"):
                    following = None
                    break
            if following is None or not isinstance(following.tag, str):
                break
            node = following
            line = text_of(following)
            if not line:
                continue
            if len(line) > 90 or any(True for _ in following.iter("a")):
                break
            lines.append(line)
        if not lines:
            return body
        rest, author, credit = split_closing([*body.paragraphs, *lines])
        if len(rest) < len(body.paragraphs) or (author is None and credit is None):
            return body  # the lines after the region are not a closing: leave the body as it is
        body.author = body.author or author
        body.credit = body.credit or credit
        return body

    def byline(self) -> str | None:
        """The author printed in a byline (``by <name>``), when the family has one."""
        for selector in self.selectors("author", self.AUTHOR):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text and len(text) <= 80:
                    return text
        return None

    def attachment_links(self, regions: list[etree._Element]) -> list[Attachment]:
        """Files linked from the article's attachment areas (and its regions), in page order."""
        areas = [el for selector in self.ATTACHMENTS for el in self.doc.css(selector)]
        found: dict[str, Attachment] = {}
        for area in [*areas, *regions]:
            for a in area.iter("a"):
                href = a.get("href") or ""
                if not ATTACHMENT_EXT.search(href):
                    continue
                url = self.doc.resolve(href)
                if url and url not in found:
                    found[url] = Attachment(url=url, name=attachment_name(text_of(a), url))
        return list(found.values())

    def date_near_title(self) -> ParsedDate | None:
        """The first date line in the title's surroundings, outside the text (a fallback).

        Only a line that is a date and nothing else (``19/04/2021 15:17``,
        ``Thứ năm, 08/08/2019``): a date the article's sentences or tables mention is
        not its own.  (A date line among the text's first lines is read by ``article``.)
        """
        el = self.doc.first(self.selectors("title", self.TITLE))
        regions = self.body_elements()
        for _ in range(4):
            if el is None:
                return None
            el = el.getparent()
            if el is None:
                return None
            if len(text_of(el)) > 3000:
                return None
            for node in el.iter():
                if not isinstance(node.tag, str) or node.tag in ("script", "style"):
                    continue
                if any(_contains(r, node) for r in regions):
                    continue  # the text's own lines: read as the body's first lines below
                parent = node.getparent()
                if parent is not None and any(
                    len(text_of(a).split()) >= 4 for a in parent.iter("a")
                ):
                    continue  # the date of a listed link, not of this page
                line = text_of(node)
                if len(line) <= 60 and is_date_line(line):
                    found = find_dates(line, month_first=self.month_first)
                    if found:
                        return found[0]
        return None

    def article(self) -> Article:
        """The article's fields."""
        title = self.title()
        parsed, source = self.published()
        if parsed is None and not self._title_date_empty:
            parsed = self.date_near_title()
            source = f"near title: {parsed.raw}" if parsed else None
        category = self.category()
        lead = self.summary_element()
        summary = text_of(lead) if lead is not None else ""
        body = self.body()
        path = "generic" if self.family == "generic" else "family"
        if self.family != "generic":
            fallback = self.structural_body(body, summary)
            if fallback is not None:
                body, path = fallback, "structural"
        if parsed is None:
            for para in body.paragraphs[:3]:
                found = find_dates(para, month_first=self.month_first)
                if found and is_date_line(para):
                    parsed, source = found[0], f"body: {found[0].raw}"
                    break
        if body.paragraphs and (body.author is None or body.credit is None):
            body = self._closing_after_region(body)
        text = body.text
        author = self.byline() or body.author
        attachments = list(body.attachments)
        known = {a.url for a in attachments}
        attachments += [a for a in self._area_attachments if a.url not in known]
        if not summary and body.paragraphs:
            first = body.paragraphs[0]
            summary = first if len(first) <= 400 else first[:400].rsplit(" ", 1)[0] + "…"
        canonical = _trusted_canonical(
            self.doc.resolve(_canonical_href(self.doc)), self.doc.url, title
        )
        return Article(
            url=self.doc.url,
            title=title,
            portal=self.profile.id if self.profile else None,
            canonical_url=canonical,
            published=parsed.iso if parsed else None,
            published_source=source,
            category=category,
            author=author,
            credit=body.credit,
            summary=normalize(summary) or None,
            body_text=text,
            attachments=attachments,
            images=body.images,
            media=body.media,
            content_hash=content_hash(text),
            extraction_path=path,
        )

    # -- listings ------------------------------------------------------------------
    def listing_items(self) -> list[ListingItem]:
        """The items of a listing page (empty on other pages)."""
        if self._items is None:
            self._items = self._find_items()
        return self._items

    def _find_items(self) -> list[ListingItem]:
        for selector in self.selectors("listing_item", self.LISTING_ITEM):
            items = self._items_from([(el, None) for el in self.doc.css(selector)])
            if items:
                self._items_explicit = True
                return items
        return self.guess_items()

    def _items_from(
        self, found: list[tuple[etree._Element, etree._Element | None]]
    ) -> list[ListingItem]:
        items: list[ListingItem] = []
        seen: set[str] = set()
        anchors = [a for el, a in found if a is not None] or None
        for el, anchor in found:
            anchor = anchor if anchor is not None else _title_anchor(el)
            if anchor is None:
                continue
            url = self.doc.resolve(anchor.get("href"))
            if not url or url in seen:
                continue
            title = _title_text(anchor)
            if not title:
                continue
            container = el if el is not anchor else _item_container(anchor, anchors or [anchor])
            published = self._item_date(container, anchor) or _date_in_url(url)
            seen.add(url)
            items.append(ListingItem(url=url, title=title, published=published))
        return items

    def _item_date(self, container: etree._Element, anchor: etree._Element) -> str | None:
        candidates = [
            el
            for el in container.iter()
            if isinstance(el.tag, str) and _DATE_CLASS.search(_class_id(el))
        ]
        for el in [*candidates, container]:
            raw = el.get("datetime") or text_of(el)
            parsed = parse_date(raw, month_first=self.month_first)
            if parsed:
                return parsed.iso
        return None

    def guess_items(self, root: etree._Element | None = None) -> list[ListingItem]:
        """Listing items found without selectors: the largest group of alike title links."""
        groups: dict[tuple, list[etree._Element]] = defaultdict(list)
        page = _strip_fragment(self.doc.url)
        for a in (root if root is not None else self.doc.root).iter("a"):
            href = a.get("href")
            url = self.doc.resolve(href)
            if not url or _strip_fragment(url) == page:
                continue
            text = _title_text(a)
            if len(text) < 15 or len(text.split()) < 4 or _in_chrome(a):
                continue
            groups[_signature(a)].append(a)
        best = max(
            groups.values(), key=lambda g: (len(g), sum(len(text_of(a)) for a in g)), default=[]
        )
        if len(best) < 3:
            return []
        return self._items_from([(a, a) for a in best])

    def next_page(self) -> str | None:
        """The URL of the next listing page, repaired when the on-page link is broken."""
        link = None
        found_label = False
        for selector in self.selectors("next_page", self.NEXT_PAGE):
            for el in self.doc.css(selector):
                found_label = True
                link = self.doc.resolve(el.get("href"))
                break
            if found_label:
                break
        if not found_label:
            rel = self.doc.root.xpath("//a[@rel='next'][@href] | //link[@rel='next'][@href]")
            if rel:
                found_label = True
                link = self.doc.resolve(rel[0].get("href"))
        if not found_label:
            for a in self.doc.root.iter("a"):
                label = text_of(a) or normalize(a.get("title") or "")
                if not _NEXT_LABEL.match(label):
                    continue
                parent = a.getparent()
                if parent is not None and "disabled" in (parent.get("class") or ""):
                    return None
                found_label = True
                link = self.doc.resolve(a.get("href"))
                if link:
                    break
        if not found_label:
            return None
        if link and not self._broken(link):
            return link
        if len(self.listing_items()) < _SHORT_PAGE:
            return None  # a short page behind a broken link is the last one
        return self.infer_next()

    def _broken(self, link: str) -> bool:
        """A "next" link to this very page, or up to an ancestor (the home page, the category)."""
        if _strip_fragment(link) == _strip_fragment(self.doc.url):
            return True
        here = urlsplit(self.doc.url)
        there = urlsplit(link)
        if there.netloc != here.netloc or there.query:
            return False
        up = there.path if there.path.endswith("/") else there.path + "/"
        return (here.path or "/").startswith(up) and len(up) < len(here.path or "/")

    def infer_next(self) -> str | None:
        """Next page from the current URL (``/page/N/``, ``…_cur=N``) or the profile pattern."""
        parts = urlsplit(self.doc.url.split("#", 1)[0])
        match = _PAGE_IN_PATH.match(parts.path)
        if match:
            path = f"{match['head']}{int(match['n']) + 1}{match['tail']}"
            return urlunsplit(parts._replace(path=path))
        query = parse_qsl(parts.query, keep_blank_values=True)
        for i, (key, value) in enumerate(query):
            if _PAGE_PARAM.search(key) and value.isdigit():
                query[i] = (key, str(int(value) + 1))
                return urlunsplit(parts._replace(query=urlencode(query)))
        pattern = self.profile.pagination_pattern if self.profile else None
        if pattern:
            head = pattern.split("{n}", 1)[0]
            root = re.sub(r"(?:page|trang|p)/?$", "", head)
            root_url = urljoin(self.profile.base_url, root)
            if urlsplit(root_url).path.rstrip("/") == parts.path.rstrip("/"):
                return urljoin(self.profile.base_url, pattern.format(n=2))
        if self.PAGINATION_DEFAULT:
            base = urlunsplit(parts._replace(query=""))
            if not base.endswith("/"):
                base += "/"
            return base + self.PAGINATION_DEFAULT.format(n=2)
        return None

    def listing(self) -> Listing:
        """The listing's items and next page."""
        items = self.listing_items()
        return Listing(
            url=self.doc.url,
            items=items,
            next_page=self.next_page(),
            portal=self.profile.id if self.profile else None,
            extraction_path="family" if self._items_explicit else "structural",
        )


# -- helpers ---------------------------------------------------------------------------
def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    node = inner
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _date_in_url(url: str) -> str | None:
    """A date written in a link's query (``PublishedDate=2018-05-02 10:15:00``)."""
    query = unquote(urlsplit(url).query)
    found = find_dates(query) if query else []
    return found[0].iso if found else None


def _canonical_href(doc: Document) -> str | None:
    found = doc.root.xpath("//link[@rel='canonical']/@href")
    return found[0] if found else None


def _slug_tokens(url: str) -> tuple[str, list[str]]:
    """The last path segment of a URL (decoded, no extension) and its word tokens."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg]
    last = re.sub(r"\.[a-z]{2,5}$", "", unquote(segments[-1]).lower()) if segments else ""
    return last, re.findall(r"[a-z0-9]+", fold_lower(last))


def _trusted_canonical(canonical: str | None, url: str, title: str) -> str | None:
    """The page's rel=canonical when it names this article, else None.

    Some themes print one canonical for every page (Liferay's ``/guest``, the home page):
    taken at its word it would merge a whole site into one article.  A canonical is kept
    when its last segment is the page's own, shares its numeric id, or its slug words are
    the title's (or the page URL's).
    """
    if not canonical:
        return None
    mine, mine_tokens = _slug_tokens(url)
    theirs, tokens = _slug_tokens(canonical)
    if not theirs:
        return None
    if theirs == mine:
        return canonical
    ids = {t for t in tokens if t.isdigit() and len(t) >= 4}
    if ids and ids & set(mine_tokens):
        return canonical
    words = [t for t in tokens if not t.isdigit()]
    if len(words) < 2:
        return None
    known = set(mine_tokens) | set(re.findall(r"[a-z0-9]+", fold_lower(title)))
    return canonical if sum(w in known for w in words) >= 0.5 * len(words) else None


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


def _title_text(anchor: etree._Element) -> str:
    """An item link's title, without the date written inside the link."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag
            if (
                isinstance(tag, str)
                and tag not in ("script", "style", "img")
                and not _DATE_CLASS.search(_class_id(child))
            ):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(anchor)
    text = normalize("".join(parts))
    if not text:
        text = normalize(anchor.get("title") or "")
    dates = find_dates(text)
    if dates:
        last = dates[-1]
        cut = text.rfind(last.raw)
        if cut > 0 and not re.sub(r"[\W_]+", "", text[cut + len(last.raw) :]):
            text = text[:cut].rstrip(" (-|,")
    return text


def _title_anchor(el: etree._Element) -> etree._Element | None:
    """The link holding an item's title inside an item container."""
    best = None
    for a in el.iter("a"):
        if not a.get("href"):
            continue
        if (
            any(h.tag in ("h1", "h2", "h3", "h4", "h5") for h in a.iterancestors())
            or "title" in (a.get("class") or "").lower()
        ):
            return a
        if best is None and len(text_of(a)) >= 10:
            best = a
    return best


def _item_container(anchor: etree._Element, anchors: list[etree._Element]) -> etree._Element:
    """The largest ancestor of ``anchor`` (up to 3 levels) holding no other item link."""
    others = {a for a in anchors if a is not anchor}
    container = anchor
    for _ in range(3):
        parent = container.getparent()
        if parent is None or any(a in others for a in parent.iter("a")):
            break
        container = parent
    return container


def _signature(a: etree._Element) -> tuple:
    sig = []
    node = a
    for _ in range(4):
        if node is None:
            break
        cls = (node.get("class") or "").split()
        sig.append((node.tag, cls[0] if cls else ""))
        node = node.getparent()
    return tuple(sig)
