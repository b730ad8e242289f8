"""The typed shapes of the JSON API: one Pydantic model per response body, and the error.

Routes declare these as ``response_model`` so ``/openapi.json`` documents every field and
clients can be generated from it (``openapi-python-client``).  Every model allows extra
keys: a field another module adds to a response (e.g. a new facet or export field) is
passed through, documented once it is added here.  Keep field order as the JSON has it.
The error shape (``Error``/``ErrorDetail``) is written into the spec by
``search_app.app`` for every 4xx/5xx response.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SortOrder(StrEnum):
    """The order of search results."""

    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


class ExportFormat(StrEnum):
    """The file format of an export."""

    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class _Open(BaseModel):
    """A response object: documented fields, and whatever else the route adds."""

    model_config = ConfigDict(extra="allow")


# -- search ---------------------------------------------------------------------------


class StoryCopy(_Open):
    """A copy of a story archived from another portal."""

    id: str = Field(description="Article id of the copy")
    portal: str = Field(description="Portal id")
    url: str | None = None


class SearchHit(_Open):
    """One article found by a search."""

    id: str = Field(description="Article id (16 hex digits)", examples=["3f6c2a1b9d0e4f57"])
    url: str = Field(description="URL it was captured from")
    title: str
    portal: str = Field(description="Portal id")
    province: str | None = None
    district: str | None = None
    category: str | None = None
    topic: str | None = Field(None, description="Topic the category maps to")
    province_now: str | None = Field(None, description="Province after the 2025 reform")
    published: str | None = Field(
        None, description="Publication date, ISO 8601 (a day, or a time with +07:00)"
    )
    score: float = Field(description="Relevance score (BM25F)")
    snippet_html: str = Field(description="Escaped text with the matched words in <mark>")
    story_id: str | None = Field(
        None, description="Story it is a copy of (the same text on several portals)"
    )
    also_on: list[StoryCopy] = Field(
        default_factory=list,
        description="The story's copies on other portals (a search shows each story once)",
    )


class SearchResult(_Open):
    """A page of search results with the facets of the whole result set."""

    total: int = Field(description="Articles matching (every page)")
    page: int
    per_page: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(
        description="Per facet (portal, category, topic, year, month, place): value → count"
    )
    did_you_mean: str | None = Field(None, description="A query likely to find more")
    took_ms: float


# -- articles -------------------------------------------------------------------------


class ArticleAttachment(_Open):
    """A file linked from an article."""

    name: str | None = None
    url: str | None = None
    status: str | None = Field(None, description="listed, fetched, too_large, failed, …")
    content_type: str | None = None
    size: int | None = None
    download: str | None = Field(None, description="Download path from the archive, if archived")


class ArticleVersion(_Open):
    """One captured text of an article (oldest first)."""

    number: int
    captured_at: str | None = Field(None, description="Capture instant (ISO 8601, UTC)")
    title: str | None = None
    published: str | None = None
    content_hash: str | None = None
    body_text: str | None = None
    archived_original: str | None = Field(None, description="Replay path of this capture")
    permalink: str | None = Field(None, description="/web/<YYYYMMDDhhmmss>/<original URL>")


class Citations(_Open):
    """The citation of the article's current capture in each style."""

    apa: str
    chicago: str
    bibtex: str


class Article(_Open):
    """One archived article: clean fields, attachments, versions, permalink, citations."""

    id: str
    portal: str
    province: str | None = None
    district: str | None = None
    url: str
    canonical_url: str | None = None
    title: str
    published: str | None = None
    category: str | None = None
    author: str | None = None
    credit: str | None = None
    summary: str | None = None
    body_text: str | None = None
    images: list[Any] = []
    media: list[Any] = []
    content_hash: str | None = None
    status: str | None = Field(None, description="live, or gone once the portal dropped it")
    duplicate_of: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    last_changed: str | None = None
    archived_original: str | None = None
    html_url: str
    places: list[dict[str, Any]] = Field(
        default_factory=list, description="Places named, old → new (2025 reform)"
    )
    topic: str | None = None
    capture_time: str | None = Field(None, description="When the current text was captured")
    permalink: str | None = Field(None, description="/web/<YYYYMMDDhhmmss>/<original URL>")
    attachments: list[ArticleAttachment]
    versions: list[ArticleVersion]
    citations: Citations


# -- portals --------------------------------------------------------------------------


class PortalRow(_Open):
    """One archived portal with its counts, date span and last crawl."""

    portal: str
    province: str | None = None
    district: str | None = None
    now: dict[str, Any] | None = Field(None, description="Its unit after the 2025 reform")
    articles: int
    first_published: str | None = None
    last_published: str | None = None
    last_crawl: str | None = None
    search_url: str


class PortalList(_Open):
    """Every archived portal."""

    total: int
    portals: list[PortalRow]


# -- export ---------------------------------------------------------------------------


class DataPackage(_Open):
    """A Frictionless Data Package descriptor (see frictionlessdata.io)."""

    profile: str
    name: str
    title: str
    description: str
    created: str
    resources: list[dict[str, Any]]
    vnarchive: dict[str, Any] = Field(description="Query, filters, fields, row count, version")


# -- admin ----------------------------------------------------------------------------


class AdminSession(_Open):
    """Who is signed in, and the CSRF token to send as X-CSRF-Token."""

    user: str
    csrf_token: str


class CrawlJob(_Open):
    """One crawl job (counts, status, times)."""

    id: int
    portal: str
    status: str
    trigger: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    pages: int | None = None
    articles_new: int | None = None
    articles_changed: int | None = None
    articles_unchanged: int | None = None
    errors: int | None = None
    error_reasons: dict[str, int] | None = None
    duration: str | float | None = None


class CrawlJobDetail(CrawlJob):
    """One crawl job with the tail of its log."""

    log_tail: list[str] | str | None = None


class CrawlJobList(_Open):
    """Crawl jobs, newest first."""

    jobs: list[CrawlJob]


class AdminPortal(_Open):
    """A portal as the admin sees it: health flags, last job, next run."""

    id: str
    name: str | None = None
    enabled: bool
    health: dict[str, str]
    last_job: CrawlJob | None = None
    articles: int | None = None
    cron: str | None = None
    next_run: str | None = None


class AdminPortalList(_Open):
    """Every portal profile, for the admin."""

    portals: list[AdminPortal]


class JobStarted(_Open):
    """A crawl was started."""

    job: int
    url: str


class JobCancelled(_Open):
    """A crawl was asked to stop."""

    job: int
    message: str


class CheckStarted(_Open):
    """A background check (health check or portal test) was started, or is running."""

    check: int
    url: str = Field(description="Where to follow it: /api/admin/checks/{id}")


class BackgroundCheck(_Open):
    """A background check: its progress line while it runs, then its outcome."""

    id: int
    kind: str = Field(description="health | test")
    portal: str
    status: str = Field(description="running | finished | failed")
    progress: str = Field(description="What it is doing now, e.g. 'reading URL (12,345 bytes)'")
    started_at: str
    finished_at: str | None = None
    error: str | None = None
    flags: dict[str, str] | None = Field(None, description="health: the flags raised")
    ok: bool | None = Field(None, description="test: whether extraction worked")
    problems: list[str] | None = Field(None, description="test: what went wrong")


class BackgroundCheckList(_Open):
    """The latest background checks, running ones first."""

    checks: list[BackgroundCheck]


class ScheduleSet(_Open):
    """The schedule that was saved, with its next runs."""

    portal: str
    cron: str
    enabled: bool
    next_runs: list[str]
