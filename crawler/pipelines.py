"""Item pipelines of a crawl: normalise ► validate ► places ► deduplicate ► segment ► store.

Each stage is one class (enabled in ``crawler.settings.ITEM_PIPELINES``).  A stage
rejects an item by raising ``DropItem`` with a short reason; the reason is counted
in the crawl stats (``vnarchive/dropped/<reason>``) and in the job's
``error_reasons``.  Items are :mod:`crawler.captures` objects; the running job is
``spider.job`` (``crawler.job.CrawlJob``).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.exc import SQLAlchemyError

from crawler.captures import ArticleCapture, AttachmentCapture
from indexer.text import content_hash, normalize
from indexer.text.places import find_article_places
from indexer.text.words import segment_article

__all__ = [
    "DedupePipeline",
    "NormalizePipeline",
    "PlacesPipeline",
    "SegmentPipeline",
    "StorePipeline",
    "ValidatePipeline",
]

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 1_000
MAX_FIELD_CHARS = 5_000
MAX_BODY_CHARS = 2_000_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?$")


class _Stage:
    """Common plumbing: the crawler, its stats and dropping with a counted reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def drop(self, spider: Spider, reason: str, url: str, detail: str = "") -> DropItem:
        """Count ``reason`` and return the DropItem to raise."""
        self.crawler.stats.inc_value(f"vnarchive/dropped/{reason}")
        job = getattr(spider, "job", None)
        if job is not None:
            job.count_error(reason, url, detail)
        return DropItem(f"{reason}: {url}{f' ({detail})' if detail else ''}")


class NormalizePipeline(_Stage):
    """Pass every text field through the one normaliser (indexer.text.normalize)."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleCapture):
            if isinstance(item, AttachmentCapture):
                item.name = normalize(item.name)[:MAX_FIELD_CHARS] or item.url.rsplit("/", 1)[-1]
            return item
        art = item.article
        art.title = normalize(art.title)
        for name in ("category", "author", "credit", "summary", "published_source"):
            value = getattr(art, name)
            if value is not None:
                setattr(art, name, normalize(value)[:MAX_FIELD_CHARS] or None)
        art.body_text = normalize(art.body_text, multiline=True)
        for att in art.attachments:
            att.name = normalize(att.name)[:MAX_FIELD_CHARS] or att.url.rsplit("/", 1)[-1]
        if not art.content_hash:
            art.content_hash = content_hash(art.body_text)
        return item


class ValidatePipeline(_Stage):
    """Reject what is not an article; bound sizes; count extraction failures.

    Dropped: no title (``no_title``); a page the generic extractor read that has
    nothing of an article at all — no date, no body, no attachment, no media
    (``not_an_article``: page chrome).  Kept but counted as extraction failures: no
    date (``no_date``), nothing in the body and no attachment, media or image
    (``no_body``).  A page of a family's article template with a title and nothing
    else (an empty notice, a section's placeholder page) is a real capture: it is
    kept, counted as ``empty_article`` besides ``no_date``/``no_body``.  An undated
    article takes the date a listing of this crawl showed beside its link, when a
    listing was read while it was on its way here.
    """

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        if not isinstance(item, ArticleCapture):
            return item
        art = item.article
        job = getattr(spider, "job", None)
        if job is not None:
            job.count_extraction_path("article", art.extraction_path)
        if not art.title:
            if job is not None:
                job.extraction_failures += 1
            raise self.drop(spider, "no_title", art.url)
        if art.published and not _ISO_DATE.match(art.published):
            item.problems.append("bad_date")
            art.published = None
        # a photo-only notice is an article with no text, not a failed extraction
        has_content = bool(art.body_text or art.attachments or art.media or art.images)
        if not art.body_text and art.images:
            self.crawler.stats.inc_value("vnarchive/articles/images_only")
        if not art.published:
            listed = getattr(spider, "listing_date", lambda *_urls: None)(
                art.url, art.canonical_url, *item.aliases
            )
            if listed:
                art.published, art.published_source = listed, "listing"
        if art.is_chrome():
            if job is not None:
                job.extraction_failures += 1
            raise self.drop(spider, "not_an_article", art.url, "no date, no body, no attachment")
        if art.is_empty():
            item.problems.append("empty_article")
        if not art.published:
            item.problems.append("no_date")
        if not has_content:
            item.problems.append("no_body")
        since = getattr(getattr(spider, "options", None), "since", None)
        if since and art.published and art.published[:10] < since:
            # found through a sitemap or a listing without dates: not asked for
            self.crawler.stats.inc_value("vnarchive/dropped/before_since")
            raise DropItem(f"published {art.published[:10]}, before --since {since}")
        if len(art.title) > MAX_TITLE_CHARS:
            art.title = art.title[:MAX_TITLE_CHARS]
            item.problems.append("title_truncated")
        if len(art.body_text) > MAX_BODY_CHARS:
            art.body_text = art.body_text[:MAX_BODY_CHARS]
            art.content_hash = content_hash(art.body_text)
            item.problems.append("body_truncated")
        if item.problems and job is not None:
            if {"no_date", "no_body"} & set(item.problems):
                job.extraction_failures += 1
            for problem in item.problems:
                job.count_error(problem, art.url)
                self.crawler.stats.inc_value(f"vnarchive/problems/{problem}")
        return item


class PlacesPipeline(_Stage):
    """Find the places an article names, old → new, read in the portal's own context.

    ``indexer.text.places.find_article_places`` (the same function import and
    ``vnarchive places refresh`` call); stored with the article.
    """

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleCapture):
            art = item.article
            profile = getattr(getattr(self.crawler.spider, "job", None), "profile", None)
            art.places = find_article_places(
                art.title,
                art.body_text,
                province=getattr(profile, "province", None) or None,
                district=getattr(profile, "district", None) or None,
                published=art.published,
            )
            self.crawler.stats.inc_value("vnarchive/places", len(art.places))
        return item


class DedupePipeline(_Stage):
    """One article per canonical URL within a crawl.

    A second page with the same canonical URL (an alias such as a print view) is
    still stored — the store links its URL to the article — but counted as a
    duplicate, not as an unchanged article.  The same text under two canonical URLs
    is linked by the store itself (outcome ``duplicate``).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.canonicals: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleCapture):
            canonical = item.article.canonical_url or item.article.url
            if canonical in self.canonicals:
                item.duplicate_in_job = True
            self.canonicals.add(canonical)
        return item


class SegmentPipeline(_Stage):
    """Segment the article into words (underthesea), once per article and per version.

    ``indexer.text.words.segment_article`` (the function the import calls too); skipped when
    the store already holds this text segmented (an unchanged article costs one
    lookup, not a segmentation).  Counted in the crawl stats: ``vnarchive/segmented``
    and ``vnarchive/segment_ms`` (the CPU the crawl spent on it).
    """

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleCapture):
            return item
        job = getattr(self.crawler.spider, "job", None)
        store = getattr(job, "store", None)
        if store is not None and not store.needs_words(item.article):
            return item
        started = time.process_time()
        item.words = segment_article(item.article)
        spent = (time.process_time() - started) * 1000
        self.crawler.stats.inc_value("vnarchive/segmented")
        self.crawler.stats.inc_value("vnarchive/segment_ms", round(spent))
        return item


class StorePipeline(_Stage):
    """Write articles and attachment captures to the archive store (one transaction each).

    Durable order: the WARC file is flushed and fsynced (``WarcFile.sync``) before a
    transaction that points into it commits, so no row ever points past the end of
    its WARC, not even after a power loss.
    """

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        job = spider.job
        warc_ref = getattr(item, "warc", None)
        if warc_ref is not None and job.warc is not None:
            job.warc.sync()
        if isinstance(item, ArticleCapture):
            art = item.article
            try:
                outcome, article_id = job.store.upsert_article(
                    art,
                    province=job.profile.province or None,
                    district=job.profile.district or None,
                    warc=item.warc,
                    job_id=job.id,
                    etag=item.etag,
                    last_modified=item.last_modified,
                    words=item.words,
                )
            except SQLAlchemyError as exc:
                raise self.drop(spider, "store_error", art.url, str(exc)[:300]) from None
            if item.duplicate_in_job and outcome == "unchanged":
                outcome = "duplicate"
            job.count_outcome(outcome)
            self.crawler.stats.inc_value(f"vnarchive/articles/{outcome}")
            known = job.known.setdefault(
                art.url, {"id": article_id, "url": art.url, "published": art.published}
            )
            for alias in item.aliases:
                job.store.link_url(alias, article_id, "alias")
                job.known.setdefault(alias, known)
            if "no_date" in item.problems:
                job.note_undated(article_id, art.url, no_body="no_body" in item.problems)
            logger.debug("%s %s (%s)", outcome, art.url, article_id)
        elif isinstance(item, AttachmentCapture):
            article = job.store.find_article_by_url(item.article_url)
            if article is None:
                logger.info("attachment of an article not stored: %s", item.url)
                return item
            try:
                job.store.record_attachment_capture(
                    article["id"],
                    item.url,
                    status=item.status,
                    warc=item.warc,
                    content_type=item.content_type,
                    size=item.size,
                    name=item.name,
                )
            except SQLAlchemyError as exc:
                raise self.drop(spider, "store_error", item.url, str(exc)[:300]) from None
            self.crawler.stats.inc_value(f"vnarchive/attachments/{item.status}")
        return item
