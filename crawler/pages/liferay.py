"""Liferay portals: 6.2 asset publisher, 7.x, and the Quảng Bình/Quảng Trị view-article variant.

* 6.2 (Hà Nội): listing items are ``div.asset-abstract`` (``.asset-title a``,
  ``.assetPublishDate`` written ``21/07/2022 | 10:00 AM``, ``.asset-summary``);
  the article is ``.asset-full-content`` / ``.journal-content-article``.
* 7.x (Bộ Y tế): ``.asset-full-content`` with ``span.asset-title``; custom
  themes write the date as the first line of the article region; listings are
  title links inside the asset-publisher portlet that holds the pager, or —
  on timelines — dated blocks without links.
* Quảng Bình/Quảng Trị (``/chi-tiet-tin/-/view-article/…``): a title heading,
  a "Xem với cỡ chữ" widget, the text, the author's name on the last line.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.items import ListingItem
from crawler.pages.base import PageObject
from crawler.pages.body import is_date_line
from crawler.pages.document import text_of
from crawler.pages.listing_fields import _signature, _strip_fragment, _title_text
from indexer.text.dates import find_dates

_PAGER = ".lfr-pagination, .taglib-page-iterator, .pagination, .pager"
# short leaf elements that may head a timeline entry with a date
_DATE_HEAD_XPATH = (
    "//*[self::h2 or self::h3 or self::h4 or self::h5 or self::strong or self::b or self::span"
    " or self::div or self::p or self::time or self::small][not(*)]"
    "[string-length(normalize-space(.)) >= 8][string-length(normalize-space(.)) <= 60]"
)
_DATE_SHAPE = re.compile(r"\d{1,2}\s*[/.\- ]\s*\d{1,2}\s*[/.\- ]\s*\d{4}|\d{4}-\d{2}-\d{2}")


class Liferay62Page(PageObject):
    """Liferay 6.2 asset publisher / web content display."""

    family = "liferay62"
    TITLE = (
        ".asset-full-content .asset-title",
        ".asset-full-content h3.header-title",
        "h3.header-title span",
        ".asset-full-content h2",  # themes that head the asset with a plain h2 (+ date slot)
        ".journal-content-article h1",
        ".title-detail",
        ".article-title",
    )
    DATE = (
        ".asset-full-content .assetPublishDate",
        ".asset-full-content .asset-publish-date",
        ".asset-full-content .block_timer",
        ".asset-full-content .egov_date",
        ".date-detail",
        ".publish-date",
        ".asset-full-content .metadata-publish-date",
    )
    CATEGORY = (".breadcrumb li.active", ".breadcrumb li:last-child a")
    SUMMARY = (
        ".asset-full-content .asset-summary",
        ".journal-content-article .sapo",
        "p.sapo",
        ".sapo",
    )
    BODY = (
        ".asset-full-content .journal-content-article",
        ".journal-content-article",
        ".asset-content",
    )
    REMOVE = (
        ".taglib-social-bookmarks",
        ".asset-links",
        ".asset-ratings",
        ".taglib-ratings",
        ".lfr-discussion",
    )
    ARTICLE = (".asset-full-content", ".journal-content-article .asset-title")
    ATTACHMENTS = (
        ".asset-full-content .file-attachments",
        ".asset-full-content",
        ".file-attachments",
    )
    LISTING_ITEM = (
        ".asset-abstract",
        ".asset-entry",
        # themes that print the Asset Publisher's entries as heading links of their own
        ".portlet-boundary_101_ h2 > a",
        ".portlet-boundary_101_ h3 > a",
    )
    NEXT_PAGE = ()

    def category(self) -> str | None:
        """The family's breadcrumb, else the title of the portlet that shows the article."""
        found = super().category()
        if found:
            return found
        self.title()
        node = self._title_el
        while node is not None and "portlet-boundary" not in (node.get("class") or ""):
            node = node.getparent()
        if node is None:
            return None
        heading = self.doc.first((".portlet-title-text", ".portlet-title"), node)
        text = text_of(heading)
        return text if text and len(text) <= 120 else None

    def _find_items(self) -> list[ListingItem]:
        items = super()._find_items()
        if items:
            return items
        return self.dated_blocks()

    def guess_items(self, root: etree._Element | None = None) -> list[ListingItem]:
        """Title links of the asset publisher that owns the pager, in page order."""
        if root is None:
            for pager in self.doc.css(_PAGER):
                portlet = next(
                    (
                        a
                        for a in pager.iterancestors()
                        if "portlet-boundary" in (a.get("class") or "") or a.tag == "section"
                    ),
                    None,
                )
                if portlet is None:
                    continue
                anchors = []
                page = _strip_fragment(self.doc.url)
                pager_links = {a for p in self.doc.css(_PAGER, portlet) for a in p.iter("a")}
                for a in portlet.iter("a"):
                    url = self.doc.resolve(a.get("href"))
                    text = _title_text(a)
                    if (
                        url
                        and a not in pager_links
                        and _strip_fragment(url) != page
                        and len(text.split()) >= 4
                    ):
                        anchors.append(a)
                if len(anchors) >= 2:
                    return self._items_from([(a, a) for a in anchors])
        return super().guess_items(root)

    def dated_blocks(self) -> list[ListingItem]:
        """Timeline entries: repeated blocks headed by a date, with text and no link."""
        heads: dict[tuple, list[etree._Element]] = {}
        for el in self.doc.root.xpath(_DATE_HEAD_XPATH):
            text = text_of(el)
            if _DATE_SHAPE.search(text) and is_date_line(text):
                heads.setdefault(_signature(el), []).append(el)
        group = max(heads.values(), key=len, default=[])
        if len(group) < 3:
            return []
        items = []
        for i, head in enumerate(group, 1):
            block = head
            # climb to the entry: the first ancestor that has text besides the date
            for _ in range(3):
                parent = block.getparent()
                if parent is None:
                    break
                block = parent
                if len(text_of(block)) > len(text_of(head)) + 20:
                    break
            published = find_dates(text_of(head), month_first=self.month_first)[0].iso
            body = text_of(block).replace(text_of(head), "", 1).strip()
            title = body[:120].rsplit(" ", 1)[0] if len(body) > 120 else body
            items.append(
                ListingItem(
                    url=f"{_strip_fragment(self.doc.url)}#entry-{i}",
                    title=title,
                    published=published,
                )
            )
        return items


class Liferay7Page(Liferay62Page):
    """Liferay 7.x: same asset publisher ideas, new class names."""

    family = "liferay7"
    TITLE = (
        ".asset-full-content span.asset-title",
        ".asset-full-content .asset-title",
        *Liferay62Page.TITLE,
    )
    ARTICLE = (
        ".asset-full-content",
        ".journal-content-article[data-analytics-asset-title] .asset-title",
    )


class LiferayQBPage(Liferay62Page):
    """Quảng Bình / Quảng Trị Liferay portals (``/chi-tiet-tin/-/view-article/…``)."""

    family = "liferay_qb"
    TITLE = (
        ".news-detail .title-detail",
        ".news-detail .title",
        ".article-detail .title",
        ".view-article .title",
        ".title-detail",
        ".detail-title",
        ".article-title",
        *Liferay62Page.TITLE,
    )
    DATE = (
        ".news-detail .date-detail",
        ".news-detail .date",
        ".article-detail .date",
        ".date-detail",
        ".detail-date",
        *Liferay62Page.DATE,
    )
    CATEGORY = (
        ".breadcrumb-news a:last-child",
        ".breadcrumb a:last-child",
        "[class*='breadcrumb'] a:last-child",
        *Liferay62Page.CATEGORY,
    )
    BODY = (
        ".news-detail .content-detail",
        "#content-detail",
        ".content-detail",
        ".news-detail .content",
        ".article-detail .content",
        ".detail-content",
        ".article-content",
        *Liferay62Page.BODY,
    )
    REMOVE = (".font-size", ".tool-detail", ".other-news", *Liferay62Page.REMOVE)
    ATTACHMENTS = (".news-detail .attach", ".news-detail .file-attach", ".news-detail")
    ARTICLE = (
        ".news-detail",
        ".article-detail",
        ".content-detail",
        ".detail-content",
        *Liferay62Page.ARTICLE,
    )
    LISTING_ITEM = (
        ".news-list .news-item",
        ".list-news li",
        ".news-item",
        *Liferay62Page.LISTING_ITEM,
    )


VIEW_ARTICLE = re.compile(
    r"/view-article/|/view-category/|/chi-tiet-tin/|/danh-sach-tin/|qbportal", re.I
)
"""URL paths (and portlet names) of the Quảng Bình/Quảng Trị variant."""
