"""The fallback page object for unknown layouts: density-based main-content location.

The content region is the element whose paragraphs carry the most text (a
small readability-style score: each text paragraph scores its parent fully and
its grandparent by half; link-heavy paragraphs and page chrome score nothing).
A page is an article when such a region exists and is not itself a list of
links; otherwise a listing when alike title links repeat; otherwise ``other``.
"""

from __future__ import annotations

from lxml import etree

from crawler.pages.base import PageObject, _in_chrome
from crawler.pages.document import text_of

_MIN_PARAGRAPH = 25
_MIN_ARTICLE_TEXT = 250


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
        if hasattr(self, "_region"):
            return self._region
        scores: dict[etree._Element, float] = {}
        for el in self.doc.root.iter("p", "td", "pre", "blockquote", "div"):
            if el.tag in ("div", "td") and (
                len(el) and any(c.tag in ("p", "div", "table") for c in el)
            ):
                continue
            text = text_of(el)
            if len(text) < _MIN_PARAGRAPH:
                continue
            link_text = sum(len(text_of(a)) for a in el.iter("a"))
            if link_text > len(text) * 0.5 or _in_chrome(el):
                continue
            score = 1 + text.count(",") + min(len(text) / 100, 3)
            parent = el.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
        best = max(scores, key=scores.get, default=None)
        if best is not None and len(text_of(best)) < _MIN_ARTICLE_TEXT:
            best = None
        self._region = best
        return best

    def is_article(self) -> bool:
        if super().is_article():
            return True
        region = self.dense_region()
        if region is None or not self.title():
            return False
        links = [a for a in region.iter("a") if len(text_of(a).split()) >= 4]
        return len(links) < 4
