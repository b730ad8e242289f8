"""SharePoint 2010 + Lạc Việt e-gov add-on (Đắk Nông, Bạc Liêu districts), also as static copies.

Two templates.  District portals: ``p.Title``; the date and section sit in the
header row (``td.Time``, the other cell); the lead is ``b.lv_description_mode1``
or a ``p.sapo``; the text is in ``div.ExternalClass<GUID>``.  Department portals
(``gthieu`` template): the section name in ``div.title-gt``, then ``div.gtTitle``
holding the title (its first paragraph), the bold lead and the text, and no date
on the page (the listing shows it).  Listings:
``td.TitleFront > a`` with ``span.ShowDate`` inside the link; static copies
paginate as ``/<category>/page/N/``.  List views (``td.ms-vb2``) write US
dates, but those are not articles.  Side widgets ("VĂN BẢN MỚI") hold
``div.ExternalClass`` blocks of their own, inside links and often before the article
in the page: the text region is the first one that is not inside a link, after the title.
"""

from __future__ import annotations

from lxml import etree

from crawler.pages.base import PageObject


class SharePoint2010Page(PageObject):
    """Lạc Việt news pages on SharePoint 2010."""

    family = "sharepoint2010"
    TITLE = ("p.Title", ".lv_title", "#tableforprint .Title", ".gtTitle p")
    DATE = ("td.Time", ".container_top_mid2 .Time", "span.NgayDang", ".lv_date")
    CATEGORY = ("td.FolderTitle", ".container_top_mid2 tr td:not(.Time)", ".title-gt")
    SUMMARY = ("b.lv_description_mode1", "p.sapo", ".lv_description")
    BODY = (
        "div[class^='ExternalClass']",
        "div[class*=' ExternalClass']",
        "#tableforprint",
        ".gtTitle",
        ".ms-rtestate-field",
    )
    REMOVE = (
        "#myMenuPost",
        "ul.contextMenu",
        ".css_readCounter",
        ".css_printandback",
        ".css_linkstoweb",
        ".css_Xemtiep",
        "td.Other",
        ".tbtinkhac",
        "p.Title",
        "td.Time",
    )
    ARTICLE = ("#tableforprint", "p.Title", ".gthieu .gtTitle")
    LISTING_ITEM = ("td.TitleFront", ".lv_news_item", ".news-item")
    NEXT_PAGE = ()
    PAGINATION_DEFAULT = "page/{n}/"
    ATTACHMENTS = ("#tableforprint .lv_attach", ".lv_attach", "#tableforprint")

    def body_elements(self) -> list[etree._Element]:
        """The text region: the first candidate that is not inside a link (widget lists)
        and, when the page has a title, comes after it."""
        title = next(iter(self.doc.css("p.Title")), None)
        for selector in self.selectors("body", self.BODY):
            found = [el for el in self.doc.css(selector) if not el.xpath("ancestor::a")]
            if title is not None:
                after = [el for el in found if _after(title, el)]
                found = after or found
            if found:
                return [found[0]]
        return []


def _after(first: etree._Element, el: etree._Element) -> bool:
    """Whether ``el`` starts after ``first`` in document order (and is not inside it)."""
    if first in el.iterancestors():
        return False
    return bool(el.xpath("count(preceding::*)") > first.xpath("count(preceding::*)"))
