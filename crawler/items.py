"""The items a crawl produces: what a page object extracts from one page.

Plain dataclasses (no Scrapy imports): page objects build them, the spider
yields them, pipelines normalise/validate/store them.  ``to_dict`` gives the
JSON shape printed by ``vnarchive extract``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Attachment:
    """A downloadable file linked from an article (PDF, DOC, XLS…)."""

    url: str  # absolute, percent-encoded
    name: str  # human name: link text or the decoded file name


@dataclass
class ListingItem:
    """One entry of a listing page."""

    url: str
    title: str
    published: str | None = None  # ISO 8601


@dataclass
class Article:
    """The clean fields of one article page."""

    url: str
    title: str
    portal: str | None = None
    canonical_url: str | None = None
    published: str | None = None  # ISO 8601 date or datetime (+07:00)
    published_source: str | None = None  # where the date came from (selector / raw text)
    category: str | None = None
    author: str | None = None
    credit: str | None = None
    summary: str | None = None
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # video/audio URLs
    content_hash: str = ""
    page_type: str = "article"
    extraction_path: str = "family"  # family | structural | generic | rescued (crawler.pages)
    places: list[dict[str, Any]] | None = None  # indexer.text.places.find_article_places (pipeline)

    def is_empty(self) -> bool:
        """A title and nothing else: no date, no text, no file, no media, no image."""
        return not (
            self.published or self.body_text or self.attachments or self.media or self.images
        )

    def is_chrome(self) -> bool:
        """An empty page that only the generic extractor took for an article: page
        chrome, not stored.  An empty page of a family's article template (a section's
        placeholder page, an emptied notice) is an article with nothing in it."""
        return self.is_empty() and self.extraction_path == "generic"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of this article."""
        return asdict(self)


@dataclass
class Listing:
    """A listing (category) page: its items and where the next page is."""

    url: str
    items: list[ListingItem] = field(default_factory=list)
    next_page: str | None = None
    portal: str | None = None
    page_type: str = "listing"
    extraction_path: str = "family"  # family | structural (items guessed from the markup)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of this listing."""
        return asdict(self)


@dataclass
class OtherPage:
    """A page that is neither an article nor a listing (home, error, binary…)."""

    url: str
    reason: str = ""
    portal: str | None = None
    page_type: str = "other"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of this page."""
        return asdict(self)


PageResult = Article | Listing | OtherPage
