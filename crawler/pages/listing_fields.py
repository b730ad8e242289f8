"""A listing page: its items (family selector or guessed) and its next page."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import ListingItem
from crawler.pages.document import text_of
from crawler.pages.structure import in_chrome as _in_chrome
from indexer.text import normalize
from indexer.text.dates import find_dates, parse_date

_NEXT_LABEL = re.compile(
    r"^(?:trang sau|trang tiếp(?: theo)?|tiếp|tiếp theo|sau|next|next page|older posts|"
    r"tin cũ hơn|bài cũ hơn|›|»|>|→|tiếp ›|tiếp »|next ›|next »|sau »|sau ›)$",
    re.I,
)


_DATE_CLASS = re.compile(r"date|time|ngay|publish|created|posted", re.I)


_PAGER_CLASS = re.compile(r"pag|pager|page-?iterator|phan-?trang|navigation", re.I)


_PAGE_IN_PATH = re.compile(r"^(?P<head>.*/page/)(?P<n>\d+)(?P<tail>/?)$")


_PAGE_PARAM = re.compile(r"(?:^|_)(?:cur|page|trang|paged|p)$", re.I)


SHORT_LISTING_PAGE = 5
"""A listing page with fewer items than this is its chain's last page (when it does not link
a next one: behind a broken "next" link, or with none at all)."""


def _class_id(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _date_in_url(url: str) -> str | None:
    """A date written in a link's query (``PublishedDate=2018-05-02 10:15:00``)."""
    query = unquote(urlsplit(url).query)
    found = find_dates(query) if query else []
    return found[0].iso if found else None


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


class ListingFields:
    """PageObject's listing items and pagination."""

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

    def guess_items(
        self,
        root: etree._Element | None = None,
        min_items: int = 3,
        after: etree._Element | None = None,
        stops: Collection[etree._Element] = (),
        chrome: dict[etree._Element, bool] | None = None,
    ) -> list[ListingItem]:
        """Listing items found without selectors: the largest group of alike title links
        (``min_items`` of them at least); with ``after``, among the links after that
        element and before the first of ``stops`` (a section's own list, between its
        heading and the next one).  ``chrome``: what is known of whether elements are
        page chrome (the memo of :func:`~crawler.pages.structure.in_chrome`)."""
        groups: dict[tuple, list[etree._Element]] = defaultdict(list)
        page = _strip_fragment(self.doc.url)
        chrome = {} if chrome is None else chrome
        seen_after = after is None
        for a in (root if root is not None else self.doc.root).iter():
            if a is after:
                seen_after = True
            elif seen_after and after is not None and a in stops:
                break
            if a.tag != "a" or not seen_after:
                continue
            href = a.get("href")
            url = self.doc.resolve(href)
            if not url or _strip_fragment(url) == page:
                continue
            text = _title_text(a)
            if len(text) < 15 or len(text.split()) < 4 or _in_chrome(a, chrome):
                continue
            groups[_signature(a)].append(a)
        best = max(
            groups.values(), key=lambda g: (len(g), sum(len(text_of(a)) for a in g)), default=[]
        )
        if len(best) < min_items:
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
        if len(self.listing_items()) < SHORT_LISTING_PAGE:
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
