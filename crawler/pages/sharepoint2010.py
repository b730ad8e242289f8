"""SharePoint 2010 + Lạc Việt e-gov add-on (Đắk Nông, Bạc Liêu districts), also as static copies.

Two templates.  District portals: ``p.Title``; the date and section sit in the
header row (``td.Time``, the other cell); the lead is ``b.lv_description_mode1``
or a ``p.sapo``; the text is in ``div.ExternalClass<GUID>``.  Department portals
(``gthieu`` template): the section name in ``div.title-gt``, then ``div.gtTitle``
holding the title (its first paragraph), the bold lead and the text, and no date
on the page (the listing shows it).  Listings:
``td.TitleFront > a`` with ``span.ShowDate`` inside the link; static copies
paginate as ``/<category>/page/N/``.  List views (``td.ms-vb2``) write US
dates, but those are not articles.
"""

from __future__ import annotations

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
