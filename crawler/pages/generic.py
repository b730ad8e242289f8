"""The fallback page object for unknown layouts: density-based main-content location.

* The content region is the page's main text block
  (:func:`crawler.pages.structure.main_text_block`).
* The title is the heading-like element that best matches the URL's slug
  (Vietnamese CMSs build slugs from the title without diacritics), else the
  last heading before the content region, else ``og:title``/``<title>``.
* The date is the first date written just after (else just before) the title.
* A page is an article when its content region is not one of many alike
  items; a listing when alike title links repeat; otherwise ``other``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml import etree

from crawler.items import Attachment
from crawler.pages.base import PageObject
from crawler.pages.document import text_of
from crawler.pages.listing_fields import _item_container
from crawler.pages.structure import hidden, main_text_block
from indexer.text import fold_lower
from indexer.text.dates import ParsedDate, find_dates

_HEADINGS = (
    "//h1 | //h2 | //h3 | //h4 | //*[self::p or self::div or self::span or self::td or self::strong"
    " or self::b][contains(translate(@class, 'TITLE', 'title'), 'title')"
    " or contains(@class, 'tieude') or contains(@class, 'tieu-de')]"
)
_TOKEN = re.compile(r"[a-z0-9]+")


class GenericPage(PageObject):
    """Any page: generic selectors first, then text density."""

    family = "generic"
    TITLE = (
        "h1.title",
        "h1.entry-title",
        "h1.article-title",
        "h1.post-title",
        ".article-title",
        ".news-title",
    )
    DATE = (
        "time[datetime]",
        ".published",
        ".post-date",
        ".entry-date",
        ".date-time",
        ".news-date",
        ".article-date",
    )
    CATEGORY = (
        ".breadcrumb li:last-child a",
        ".breadcrumb li:last-child",
        ".breadcrumbs a:last-child",
    )
    SUMMARY = (".sapo", ".summary", ".article-summary", ".lead")
    BODY = (
        "article .content",
        "[itemprop=articleBody]",
        ".article-content",
        ".news-content",
        ".post-content",
    )
    NEXT_PAGE = ()

    def body_elements(self) -> list[etree._Element]:
        found = super().body_elements()
        if found:
            return found
        region = self.dense_region()
        return [region] if region is not None else []

    def dense_region(self) -> etree._Element | None:
        """The element holding most paragraph text (None when the page has none)."""
        if not hasattr(self, "_region"):
            self._region = main_text_block(self.doc.root)
        return self._region

    def _find_title(self) -> str:
        for selector in self.selectors("title", self.TITLE):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text:
                    self._title_el = el
                    return text
        el = self.slug_heading()
        if el is None:
            el = self.heading_before_region()
        if el is not None:
            self._title_el = el
            self._consumed.append(el)
            return text_of(el)
        return self.fallback_title()

    def _headings(self) -> list[tuple[etree._Element, str]]:
        found = []
        for el in self.doc.root.xpath(_HEADINGS):
            if any(a.tag == "a" for a in el.iterancestors()) or el.find(".//a") is not None:
                continue
            text = text_of(el)
            if (
                10 <= len(text) <= 300
                and len(text.split()) >= 3
                and not _around(el)
                and not hidden(el)
            ):
                found.append((el, text))
        return found

    def slug_heading(self) -> etree._Element | None:
        """The heading whose words best cover the URL's slug (at least 60 % of them)."""
        segments = [s for s in urlsplit(self.doc.url).path.split("/") if s]
        if not segments:
            return None
        slug = re.sub(r"\.[a-z]{2,5}$", "", unquote(segments[-1]).lower())
        words = [w for w in _TOKEN.findall(fold_lower(slug)) if not w.isdigit()]
        if len(words) < 3:
            return None
        wanted = set(words)
        best, best_score = None, 0.6
        for el, text in self._headings():
            score = len(wanted & set(_TOKEN.findall(fold_lower(text)))) / len(wanted)
            if score > best_score:
                best, best_score = el, score
        return best

    def heading_before_region(self) -> etree._Element | None:
        """The last heading-like element before the content region."""
        region = self.dense_region()
        if region is None:
            return None
        last = None
        stop = region
        for el, _text in self._headings():
            if el is stop or _before(stop, el):
                break
            last = el
        inside = [el for el, _ in self._headings() if _ancestor(region, el)]
        return last if last is not None else (inside[0] if inside else None)

    def attachment_links(self, regions: list[etree._Element]) -> list[Attachment]:
        """Files in the content region, else in the title's nearest container that links any."""
        found = super().attachment_links(regions)
        if found or getattr(self, "_title_el", None) is None:
            return found
        node = self._title_el
        for _ in range(5):
            node = node.getparent()
            if node is None or len(text_of(node)) > 5000:
                break
            hits = super().attachment_links([node])
            if hits:
                return hits
        return found

    def date_near_title(self) -> ParsedDate | None:
        """The first date written just after the title, else just before it."""
        self.title()
        el = getattr(self, "_title_el", None)
        if el is None:
            return super().date_near_title()
        after = " ".join(el.xpath("following::text()[normalize-space()][position() <= 12]"))
        before = " ".join(el.xpath("preceding::text()[normalize-space()][position() <= 8]"))
        after, before = after[:400], before[-300:]
        candidates = [(d.start, d) for d in find_dates(after, month_first=self.month_first)[:1]]
        candidates += [
            (len(before) - d.end, d) for d in find_dates(before, month_first=self.month_first)[-1:]
        ]
        return min(candidates, key=lambda c: c[0])[1] if candidates else None

    def is_article(self) -> bool:
        if super().is_article():
            return True
        self.title()
        if getattr(self, "_title_el", None) is not None and self._title_el is self.slug_heading():
            return True  # the page's URL is this heading's slug: the article itself
        region = self.dense_region()
        if region is None or not self.title():
            return False
        items = self.listing_items()
        anchors = [a for a in region.iter("a") if len(text_of(a).split()) >= 4]
        if len(anchors) >= 4:
            return False
        if len(items) >= 3:
            # a listing's "densest" block is one item's summary: inside an item's container
            page_anchors = [
                a
                for a in self.doc.root.iter("a")
                if self.doc.resolve(a.get("href")) in {i.url for i in items}
            ]
            for a in page_anchors:
                if _ancestor(_item_container(a, page_anchors), region):
                    return False
        return True


_AROUND = re.compile(
    r"(?:^|[-_\s])(nav|navbar|menu|footer|sidebar|banner|breadcrumbs?)(?:$|[-_\s])", re.I
)


def _around(el: etree._Element) -> bool:
    """True for a heading in the page's frame (menus, footers, sidebars), not its content."""
    for anc in el.iterancestors():
        if anc.tag in ("nav", "footer", "aside"):
            return True
        if _AROUND.search(f"{anc.get('class') or ''} {anc.get('id') or ''}"):
            return True
    return False


def _ancestor(outer: etree._Element, inner: etree._Element) -> bool:
    return any(a is outer for a in inner.iterancestors()) or outer is inner


def _before(a: etree._Element, b: etree._Element) -> bool:
    """True when ``a`` starts before ``b`` in document order (and is not its ancestor)."""
    return _position(a) < _position(b) and not _ancestor(a, b)


def _position(el: etree._Element) -> int:
    return int(el.xpath("count(preceding::*) + count(ancestor::*)"))
