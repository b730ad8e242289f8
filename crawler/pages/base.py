"""The shared machinery of page objects: one class, one method per field.

A page object is built on a :class:`~crawler.pages.document.Document` (decoded
text + lxml tree).  Family subclasses only declare CSS selectors (tried in
order; a profile's ``[selectors]`` come first) and, where a family really
differs, override a method.  The fields are read like this:

* ``title`` — the family's title element, else ``og:title``/``h1``/``<title>``;
* ``published`` — the family's date element, else date meta tags, else the
  first date written near the title; the date parser is
  :func:`indexer.text.dates.parse_date` and the source is recorded;
* the body — the family's content region(s), cleaned by
  :func:`crawler.pages.body.build_body` (BeautifulSoup4);
* listings — the family's item selector, else repeated title links grouped by
  markup; the next page is the "Trang sau / Tiếp / Next" link, or is inferred
  from the URL and the profile's pattern when that link is broken.

Every page object checks its own result against the page.  When the family's
region gives only the lead, or much less text than the page's main text block
(:func:`crawler.pages.structure.main_text_block`, looked for in the article's
own container), the body comes from that block instead; when the family's
listing selector finds nothing, the items are guessed from repeated title links.
The path taken is recorded as ``extraction_path`` (``family`` / ``structural``;
``generic`` for the generic page object, ``rescued`` for a page the family did not
recognise, see :mod:`crawler.pages`) on the item.  What the page is comes from its
own evidence: an article needs the family's article markers and a title, and
something of an article (a date, a body, a file); a page with markers but none of
that which lists dated links is a listing.
"""

from __future__ import annotations

from lxml import etree

from crawler.items import Article, Listing, ListingItem, OtherPage
from crawler.pages.article_body import FALLBACK_MIN_TEXT, ArticleBody
from crawler.pages.article_fields import ArticleFields
from crawler.pages.body import is_date_line
from crawler.pages.document import Document, text_of
from crawler.pages.listing_fields import ListingFields
from crawler.profiles import PortalProfile
from indexer.text import content_hash, normalize
from indexer.text.dates import ParsedDate, find_dates


class PageObject(ArticleFields, ArticleBody, ListingFields):
    """Base page object: generic defaults; families override selectors and a few methods."""

    family = "generic"
    month_first = False  # dates in this family's pages are US m/d/yyyy
    TITLE: tuple[str, ...] = ()
    DATE: tuple[str, ...] = ()
    CATEGORY: tuple[str, ...] = ()
    SUMMARY: tuple[str, ...] = ()
    BODY: tuple[str, ...] = ()
    REMOVE: tuple[str, ...] = ()  # removed from the body region (bs4 selectors)
    ARTICLE: tuple[str, ...] = ()  # present on article pages only
    LISTING_ITEM: tuple[str, ...] = ()  # an item container or its title link
    NEXT_PAGE: tuple[str, ...] = ()
    PAGINATION_DEFAULT: str | None = None  # e.g. "page/{n}/" after the listing path
    AUTHOR: tuple[str, ...] = ()  # a byline element, when the family prints one
    ATTACHMENTS: tuple[str, ...] = ()  # where files hang off the article (besides the body)

    def __init__(self, doc: Document, profile: PortalProfile | None = None) -> None:
        self.doc = doc
        self.profile = profile
        self._consumed: list[etree._Element] = []
        self._items: list[ListingItem] | None = None
        self._items_explicit = False  # found by a family/profile selector, not guessed
        self._title_el: etree._Element | None = None
        self._title_date: ParsedDate | None = None
        self._title_date_empty = False  # the title's date slot is there but empty: "( )"
        self._regions: list[etree._Element] = []
        self._lead: tuple[int, etree._Element | None] | None = None  # (tree generation, lead)

    # -- selectors -------------------------------------------------------------
    def selectors(self, key: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
        """The profile's selector for ``key`` (if any) followed by the family's."""
        override = (self.profile.selectors.get(key) if self.profile else None) or None
        return ((override,) if override else ()) + defaults

    # -- classification ----------------------------------------------------------
    def is_article(self) -> bool:
        """True when the page shows one article."""
        markers = self.selectors("body", self.ARTICLE)
        return self.doc.first(markers) is not None and bool(self.title())

    def page_type(self) -> str:
        """``article``, ``listing`` or ``other``, from the page's own evidence."""
        if self.is_article():
            if self._has_article_substance() or not self._lists_dated_links():
                return "article"
            return "listing"
        items = self.listing_items()
        if len(items) >= 2 or (items and self._items_explicit):
            return "listing"
        return "other"

    def _has_article_substance(self) -> bool:
        """A date, a text of some length (not links) or a file in the article's own region."""
        if self.published()[0] is not None or self._title_date is not None:
            return True
        if not self._title_date_empty and self.date_near_title() is not None:
            return True
        regions = self.body_elements()
        own_text = sum(
            len(text_of(r)) - sum(len(text_of(a)) for a in r.iter("a")) for r in regions
        )  # the text that is not links (a listing's region is mostly links)
        if own_text >= FALLBACK_MIN_TEXT:
            return True
        return bool(self.attachment_links(regions))

    def _lists_dated_links(self) -> bool:
        """Three or more listing items with dates (what a listing page obviously shows)."""
        return sum(1 for item in self.listing_items() if item.published) >= 3

    def recognised(self) -> bool:
        """Whether the page shows one of this family's own markers: its article template,
        or listing items its selectors found (the generic page object's always do)."""
        if self.family == "generic":
            return True
        markers = self.selectors("body", self.ARTICLE)
        return self.doc.first(markers) is not None or (
            bool(self.listing_items()) and self._items_explicit
        )

    def extract(self) -> Article | Listing | OtherPage:
        """The page's fields, as the item type matching its page type."""
        kind = self.page_type()
        if kind == "article":
            return self.article()
        if kind == "listing":
            return self.listing()
        return OtherPage(url=self.doc.url, reason="neither an article nor a listing")

    def article(self) -> Article:
        """The article's fields."""
        title = self.title()
        parsed, source = self.published()
        if parsed is None and not self._title_date_empty:
            parsed = self.date_near_title()
            source = f"near title: {parsed.raw}" if parsed else None
        category = self.category()
        lead = self.summary_element()
        summary = text_of(lead) if lead is not None else ""
        body = self.body()
        path = "generic" if self.family == "generic" else "family"
        if self.family != "generic":
            fallback = self.structural_body(body, summary)
            if fallback is not None:
                body, path = fallback, "structural"
        if parsed is None:
            for para in body.paragraphs[:3]:
                found = find_dates(para, month_first=self.month_first)
                if found and is_date_line(para):
                    parsed, source = found[0], f"body: {found[0].raw}"
                    break
        if body.paragraphs and (body.author is None or body.credit is None):
            body = self._closing_after_region(body)
        text = body.text
        author = self.byline() or body.author
        attachments = list(body.attachments)
        known = {a.url for a in attachments}
        attachments += [a for a in self._area_attachments if a.url not in known]
        if not summary and body.paragraphs:
            first = body.paragraphs[0]
            summary = first if len(first) <= 400 else first[:400].rsplit(" ", 1)[0] + "…"
        # as the page declares it; whether to believe it is crawler.canonical's to say
        canonical = self.doc.resolve(_canonical_href(self.doc))
        return Article(
            url=self.doc.url,
            title=title,
            portal=self.profile.id if self.profile else None,
            canonical_url=canonical,
            published=parsed.iso if parsed else None,
            published_source=source,
            category=category,
            author=author,
            credit=body.credit,
            summary=normalize(summary) or None,
            body_text=text,
            attachments=attachments,
            images=body.images,
            media=body.media,
            content_hash=content_hash(text),
            extraction_path=path,
        )

    def listing(self) -> Listing:
        """The listing's items and next page."""
        items = self.listing_items()
        return Listing(
            url=self.doc.url,
            items=items,
            next_page=self.next_page(),
            portal=self.profile.id if self.profile else None,
            extraction_path="family" if self._items_explicit else "structural",
        )


def _canonical_href(doc: Document) -> str | None:
    """The ``href`` of the page's first ``<link rel="canonical" href=…>`` (rel exactly that)."""
    for link in doc.root.iter("link"):
        if link.get("rel") == "canonical":
            href = link.get("href")
            if href is not None:
                return href
    return None
