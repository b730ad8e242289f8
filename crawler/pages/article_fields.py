"""An article page's fields besides its body: title, date, category, byline."""

from __future__ import annotations

import re

from crawler.pages.article_body import _contains
from crawler.pages.body import is_date_line
from crawler.pages.document import text_of
from indexer.text import normalize
from indexer.text.dates import ParsedDate, find_dates, parse_date

_TITLE_SPLIT = re.compile(r"\s+[-|–—:»]\s+")


# a date slot written after a title, filled or not: "Tiêu đề (30/04/2018)", "Tiêu đề ( )"
_TITLE_DATE = re.compile(r"\s*\(\s*(?P<raw>[^()]{0,40}?)\s*\)\s*$")


class ArticleFields:
    """PageObject's title, publication date, category and byline."""

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

    def byline(self) -> str | None:
        """The author printed in a byline (``by <name>``), when the family has one."""
        for selector in self.selectors("author", self.AUTHOR):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text and len(text) <= 80:
                    return text
        return None

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
