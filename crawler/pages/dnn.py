"""DotNetNuke portals (Bình Dương, Huế): content modules in ``.DnnModule``, assets in ``/Portals/0/``."""

from __future__ import annotations

from crawler.pages.generic import GenericPage


class DnnPage(GenericPage):
    """DNN news modules (EasyDNNNews and alike)."""

    family = "dnn"
    TITLE = (
        ".edn_articleTitle",
        "h1.edn_articleTitle",
        ".news-detail-title",
        ".ArticleTitle",
        *GenericPage.TITLE,
    )
    DATE = (".edn_articleDate", ".edn_metaDetails time", ".news-detail-date", *GenericPage.DATE)
    SUMMARY = (".edn_articleSummary", *GenericPage.SUMMARY)
    BODY = (
        ".edn_articleContent",
        ".edn_article .content",
        ".news-detail-content",
        *GenericPage.BODY,
    )
    ARTICLE = (".edn_articleContent", ".edn_articleTitle", ".news-detail-content")
    LISTING_ITEM = (".edn_article h2 a", ".edn_articleTitle a", ".news-list-item a")
    NEXT_PAGE = ("a.next", ".pagination a[rel=next]")
