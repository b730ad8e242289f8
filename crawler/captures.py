"""The items PortalSpider yields: an extracted article or a downloaded attachment, with
what the crawl knows about its capture (WARC record, validators, URL).

They wrap ``crawler.items`` dataclasses (which stay free of crawl concerns); the
pipelines in ``crawler.pipelines`` consume them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.items import Article
from indexer.store.rows import WarcRef
from indexer.text.words import ArticleWords

__all__ = ["ArticleCapture", "AttachmentCapture"]


@dataclass
class ArticleCapture:
    """One article page fetched and extracted."""

    article: Article
    warc: WarcRef | None = None
    etag: str | None = None
    last_modified: str | None = None
    aliases: list[str] = field(default_factory=list)  # URLs that redirected to it
    # set by the pipelines
    duplicate_in_job: bool = False
    problems: list[str] = field(default_factory=list)
    words: ArticleWords | None = None  # the word segmentation (SegmentPipeline)


@dataclass
class AttachmentCapture:
    """One attachment of an article: downloaded into the WARC, or why it was not."""

    article_url: str  # the canonical URL of the article linking it
    url: str
    name: str
    status: str  # fetched | too_large | failed
    warc: WarcRef | None = None
    content_type: str | None = None
    size: int | None = None
