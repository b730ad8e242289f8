"""WordPress sites (sovhtt.hanoi, conganquangbinh, nso.gov.vn): the standard theme classes."""

from __future__ import annotations

from crawler.pages.base import PageObject


class WordPressPage(PageObject):
    """WordPress single posts and archive pages."""

    family = "wordpress"
    TITLE = (
        "article h1.entry-title",
        "h1.entry-title",
        ".entry-title",
        "h1.post-title",
        "h1.single-title",
    )
    DATE = (
        "article time.entry-date[datetime]",
        "time.entry-date",
        ".posted-on time",
        "time[datetime]",
        ".entry-date",
        ".post-date",
        ".entry-meta .date",
    )
    CATEGORY = (".cat-links a", "a[rel~='category']", ".entry-categories a", ".post-categories a")
    SUMMARY = (".entry-summary", ".sapo")
    BODY = (".entry-content", ".post-content", ".single-content", "article .content")
    REMOVE = (
        ".sharedaddy",
        ".jp-relatedposts",
        ".wp-block-buttons",
        ".post-navigation",
        ".entry-footer",
        ".tags-links",
    )
    ARTICLE = ("body.single", "article.post .entry-content", "body.single-post")
    LISTING_ITEM = ("article.type-post", "article.post", ".post-item", "article")
    NEXT_PAGE = ("a.next.page-numbers", ".nav-previous a", ".pagination .next", "a.nextpostslink")
    PAGINATION_DEFAULT = None
    AUTHOR = (
        ".entry-meta .author .fn",
        ".byline .author",
        ".entry-meta .author",
        "a[rel='author']",
    )
    ATTACHMENTS = (".entry-content", "article .wp-block-file")

    def is_article(self) -> bool:
        body_class = self.doc.root.find("body")
        classes = (body_class.get("class") or "") if body_class is not None else ""
        if "archive" in classes or "blog" in classes.split() or "home" in classes.split():
            return False
        return super().is_article()
