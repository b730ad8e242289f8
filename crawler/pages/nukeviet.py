"""NukeViet (v3/v4) news module: ``/index.php/vi/news/<Cat>-<id>/<Slug>-<id>/``."""

from __future__ import annotations

from crawler.pages.generic import GenericPage


class NukeVietPage(GenericPage):
    """NukeViet news detail and category pages."""

    family = "nukeviet"
    TITLE = (
        ".news_column h1.title",
        "#news-detail h1",
        ".detail h1",
        "h1.title",
        *GenericPage.TITLE,
    )
    DATE = (".news_column .h5", ".news_column .time", ".detail .time", *GenericPage.DATE)
    SUMMARY = ("#hometext", ".hometext", "h2.hometext", *GenericPage.SUMMARY)
    BODY = ("#news-bodyhtml", ".bodytext", "#bodytext", *GenericPage.BODY)
    REMOVE = (".news_column .socialicon", ".related", ".copyright")
    ARTICLE = ("#news-bodyhtml", ".bodytext")
    LISTING_ITEM = (".news_column .panel-body h3 a", ".news_column h3 a", ".list-news h3 a")
    NEXT_PAGE = (".pagination a[rel=next]", ".generate_page a[rel=next]")
