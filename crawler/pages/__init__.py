"""Page objects: BeautifulSoup4 extraction per CMS family, plus a generic fallback.

Use :func:`extract` on the bytes (or text) of a page and its URL; it decodes
the page, picks the page object (the profile's family, else the family
detected from the markup), classifies the page and returns an
:class:`~crawler.items.Article`, :class:`~crawler.items.Listing` or
:class:`~crawler.items.OtherPage`.  Nothing here imports Scrapy: it runs on a
saved file as well as on a crawled response.

A page that none of its family's own markers fits (the wrong CMS picked in the
profile, or a template the family was not written for) is read by the generic page
object when that reading is an article titled by the URL's long slug; a crawl or an
import also judges the family over its first pages and reads the rest by the family
their markup shows (:mod:`crawler.pages.fit`, which also settles ``family = "auto"``).
Articles read that way carry ``extraction_path = "rescued"``, which the health check
counts as a layout change (:func:`crawler.operations.health.fallback_share`): nothing
is lost while an admin is told to mend the profile.
"""

from __future__ import annotations

import re

from crawler.items import Article, Listing, OtherPage
from crawler.pages.base import PageObject
from crawler.pages.dnn import DnnPage
from crawler.pages.document import MAX_PAGE_BYTES, Document, PageError, decode_html
from crawler.pages.fit import AUTO, FamilyFit
from crawler.pages.generic import GenericPage, slug_tokens
from crawler.pages.liferay import VIEW_ARTICLE, Liferay7Page, Liferay62Page, LiferayQBPage
from crawler.pages.nukeviet import NukeVietPage
from crawler.pages.sharepoint2010 import SharePoint2010Page
from crawler.pages.wordpress import WordPressPage
from crawler.profiles import PortalProfile

__all__ = [
    "PAGE_OBJECTS",
    "FamilyFit",
    "PageError",
    "PageObject",
    "detect_family",
    "extract",
    "page_object",
]

PAGE_OBJECTS: dict[str, type[PageObject]] = {
    "sharepoint2010": SharePoint2010Page,
    "liferay62": Liferay62Page,
    "liferay7": Liferay7Page,
    "liferay_qb": LiferayQBPage,
    "wordpress": WordPressPage,
    "nukeviet": NukeVietPage,
    "dnn": DnnPage,
    "generic": GenericPage,
}
"""The page object class of each CMS family."""

_SP = re.compile(
    r"Microsoft SharePoint|/_layouts/LacViet|ms-WPBody|ExternalClass[0-9A-F]{8}|s4-workspace", re.I
)
_LIFERAY = re.compile(
    r"var Liferay|Liferay\.|portlet-boundary|/html/js/liferay|journal-content-article"
)
_WP = re.compile(r"/wp-content/|/wp-includes/|<meta[^>]+generator[^>]+WordPress", re.I)
_NUKEVIET = re.compile(r"NukeViet|nv_base_siteurl|/themes/[\w-]+/js/main\.js.*nv_", re.I)
_DNN = re.compile(r"DotNetNuke|/Portals/0/|dnn_ctr|DnnModule", re.I)


def detect_family(text: str, url: str = "") -> str:
    """The CMS family the markup shows (``generic`` when none is recognised)."""
    head = text[:300_000]
    if _SP.search(head):
        return "sharepoint2010"
    if _LIFERAY.search(head):
        if "com_liferay_" in head or "data-senna-track" in head:
            return "liferay7"
        if (
            VIEW_ARTICLE.search(url)
            or "qbportalportlet" in head
            or re.search(r"quangbinh\.gov\.vn|quangtri\.gov\.vn", url)
        ):
            return "liferay_qb"
        return "liferay62"
    if _WP.search(head):
        return "wordpress"
    if _NUKEVIET.search(head):
        return "nukeviet"
    if _DNN.search(head):
        return "dnn"
    return "generic"


def page_object(
    html: bytes | str,
    url: str,
    *,
    family: str | None = None,
    profile: PortalProfile | None = None,
    encoding: str | None = None,
) -> PageObject:
    """The page object for a page (raises PageError when it is not readable HTML)."""
    size = len(html)
    if size > MAX_PAGE_BYTES:
        raise PageError(f"page too large: {size:,} bytes (limit {MAX_PAGE_BYTES:,})")
    text, _codec = decode_html(html, encoding)
    if not text.strip():
        raise PageError("empty page")
    if "<" not in text[:10_000]:
        raise PageError("not HTML: no markup in the first 10,000 characters")
    doc = Document(text, url)
    family = family or (profile.family if profile else None)
    if not family or family == AUTO:
        family = detect_family(text, url)
    cls = PAGE_OBJECTS.get(family)
    if cls is None:
        raise PageError(f"unknown CMS family {family!r} (known: {', '.join(PAGE_OBJECTS)})")
    return cls(doc, profile)


def extract(
    html: bytes | str,
    url: str,
    *,
    family: str | None = None,
    profile: PortalProfile | None = None,
    encoding: str | None = None,
    fit: FamilyFit | None = None,
) -> Article | Listing | OtherPage:
    """Extract one page: an Article, a Listing, or an OtherPage saying why it is neither.

    ``fit`` is the crawl's (or import's) judgement of the family over its first pages
    (:mod:`crawler.pages.fit`): once the family is found not to fit the site, pages are
    read by the replacement family and their articles marked ``rescued``; a profile's
    ``auto`` family is the one its first pages' markup shows (each page read by its own
    until then), and its articles are read by the family as usual.
    """
    replacement = fit.replacement if fit is not None else None
    try:
        page = page_object(
            html, url, family=replacement or family, profile=profile, encoding=encoding
        )
    except PageError as exc:
        return OtherPage(url=url, reason=str(exc), portal=profile.id if profile else None)
    result = page.extract()
    if replacement is not None:
        if isinstance(result, Article) and not fit.auto:
            result.extraction_path = "rescued"
    elif fit is not None and fit.auto:
        fit.observe(True, page.family)  # read by the family its own markup shows
    elif not isinstance(result, Article):
        recognised = page.recognised()
        if fit is not None and fit.judging:
            fit.observe(recognised, detect_family(page.doc.text, url))
        if not recognised:
            result = _rescued(html, url, profile, encoding) or result
    elif fit is not None and fit.judging:
        fit.observe(True, page.family)
    if profile is not None and isinstance(result, OtherPage):
        result.portal = profile.id
    return result


#: Words a URL's slug needs before the generic reading of an unrecognised page is kept:
#: an article's address, not a section's (``/tin-tuc/kinh-te``).
RESCUE_SLUG_WORDS = 5


def _rescued(
    html: bytes | str, url: str, profile: PortalProfile | None, encoding: str | None
) -> Article | None:
    """The generic page object's article on a page its family did not recognise, when the
    URL's long slug names its title (else None: no article is made of a page's chrome).
    A URL whose slug is too short is not parsed again."""
    if len(slug_tokens(url)) < RESCUE_SLUG_WORDS:
        return None
    generic = page_object(html, url, family="generic", profile=profile, encoding=encoding)
    if not isinstance(generic, GenericPage) or not generic.titled_by_slug(RESCUE_SLUG_WORDS):
        return None
    reading = generic.extract()
    if not isinstance(reading, Article) or reading.is_empty():
        return None
    reading.extraction_path = "rescued"
    return reading
