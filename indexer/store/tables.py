"""The archive store: the source of truth for everything vnarchive has archived.

SQLAlchemy Core over SQLite (default, ``$VNARCHIVE_DATA/archive.sqlite``) or
PostgreSQL (any URL through ``VNARCHIVE_DB_URL``).  The Whoosh index is derived
from this store and can be rebuilt from it at any time.

Tables, named for what they hold:

``articles``      one row per article (latest version): stable id, portal, URL and
                  canonical URL, every extracted field, ``first_seen``/``last_seen``/
                  ``last_changed``, ``status`` (live/gone), the WARC record of its capture,
                  and ``seq`` — a store-wide counter bumped on every insert or change,
                  which the indexer uses to pick up what changed since its last run
                  (one value per write, committed in order, also with concurrent
                  writers on PostgreSQL: see ``ArchiveStore._next_seq``).
``versions``      every distinct text an article has had, oldest first.
``attachments``   files linked from articles, with their WARC capture when downloaded.
``article_urls``  every URL an article was seen under (aliases, duplicates by text).
``crawl_jobs``    one row per crawl: start, end, status, counts, errors, log path.
``schedules``     per-portal cron schedule (admin).
``users``         admin users (argon2 hashes).
``portal_health`` the health flags raised on a portal (admin).
``meta``          key/value: ``schema_version`` and the indexer's watermark.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 9
MAX_ROW_ID = 2**63 - 1  # the largest integer id SQLite and PostgreSQL (BIGINT) can hold

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("portal", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False, unique=True),
    sa.Column("province", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("published", sa.String(32), index=True),  # ISO 8601 date or datetime
    sa.Column("published_source", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("author", sa.Text),
    sa.Column("credit", sa.Text),
    sa.Column("summary", sa.Text),
    sa.Column("body_text", sa.Text, nullable=False, default=""),
    sa.Column("images", sa.Text, nullable=False, default="[]"),  # JSON list
    sa.Column("media", sa.Text, nullable=False, default="[]"),  # JSON list
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(8), nullable=False, default="live"),  # live | gone
    sa.Column("duplicate_of", sa.String(32)),  # same text already archived under this id
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_changed", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warc_file", sa.Text),
    sa.Column("warc_offset", sa.BigInteger),
    sa.Column("warc_length", sa.BigInteger),
    sa.Column("warc_record_id", sa.Text),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("job_id", sa.Integer),
    sa.Column("seq", sa.BigInteger, nullable=False, index=True),
    # schema 4: the places the article names, old -> new (JSON list of indexer.text.places.Place
    # dicts); NULL: not computed yet (``vnarchive places refresh`` fills it)
    sa.Column("places", sa.Text),
    # schema 5: the word segmentation of title, summary and body (indexer.text.words: underthesea's
    # text format, ``Cán_bộ trưởng_thôn``), made once per version; NULL: not segmented yet
    sa.Column("title_words", sa.Text),
    sa.Column("summary_words", sa.Text),
    sa.Column("body_words", sa.Text),
    # schema 9: copies of one story on several portals share a story_id (the id of the
    # first copy archived); story_key is their fingerprint (indexer.text.stories)
    sa.Column("story_key", sa.String(40), index=True),
    sa.Column("story_id", sa.String(32), index=True),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.String(32), nullable=False, index=True),
    sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("published", sa.String(32)),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("warc_file", sa.Text),
    sa.Column("warc_offset", sa.BigInteger),
    sa.Column("warc_record_id", sa.Text),
    sa.Column("job_id", sa.Integer),
    sa.Column("warc_length", sa.BigInteger),  # schema 2
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.String(32), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("content_type", sa.Text),
    sa.Column("size", sa.BigInteger),
    sa.Column("status", sa.String(16), nullable=False, default="listed"),
    # listed | fetched | too_large | failed
    sa.Column("warc_file", sa.Text),
    sa.Column("warc_offset", sa.BigInteger),
    sa.Column("warc_record_id", sa.Text),
    sa.Column("warc_length", sa.BigInteger),  # schema 2
    sa.UniqueConstraint("article_id", "url", name="uq_attachment_article_url"),
)

site_pages = sa.Table(
    "site_pages",
    metadata,
    # the pages of a portal that are not articles (home page, listings, other pages):
    # their validators and the links they had, so a re-crawl that gets a 304 still
    # knows where the page leads (schema 3)
    sa.Column("portal", sa.String(64), primary_key=True),
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # listing | other
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    # JSON [[url, role], ...]; a listing's items as [url, "item", date] when it shows one
    sa.Column("links", sa.Text, nullable=False, default="[]"),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("job_id", sa.Integer),
)

article_urls = sa.Table(
    "article_urls",
    metadata,
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("article_id", sa.String(32), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # canonical | alias | duplicate
)

crawl_jobs = sa.Table(
    "crawl_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("portal", sa.String(64), nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(16), nullable=False),
    # queued | running | finished | failed | cancelled | interrupted
    sa.Column("trigger", sa.String(16), nullable=False, default="manual"),  # manual|schedule
    sa.Column("options", sa.Text, nullable=False, default="{}"),  # JSON
    sa.Column("pages", sa.Integer, nullable=False, default=0),
    sa.Column("articles_new", sa.Integer, nullable=False, default=0),
    sa.Column("articles_changed", sa.Integer, nullable=False, default=0),
    sa.Column("articles_unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("errors", sa.Integer, nullable=False, default=0),
    sa.Column("error_reasons", sa.Text, nullable=False, default="{}"),  # JSON {reason: n}
    sa.Column("extraction_failures", sa.Integer, nullable=False, default=0),
    sa.Column("stop_reason", sa.Text),
    sa.Column("log_path", sa.Text),
    sa.Column("warc_file", sa.Text),
    sa.Column("pid", sa.Integer),
    sa.Column("articles_gone", sa.Integer, nullable=False, default=0),  # schema 2
    # schema 3: the first failing URLs, JSON [{"url", "reason"}] (at most MAX_ERROR_URLS)
    sa.Column("error_urls", sa.Text, nullable=False, default="[]"),
    # schema 6: where a dispatched crawl runs — the Scrapyd node's URL and Scrapyd's job
    # id (both NULL for a crawl run as a local process, whose ``pid`` is on this machine)
    sa.Column("node", sa.Text),
    sa.Column("scrapyd_job", sa.String(64)),
    # schema 7: how pages were extracted, JSON {"article:family": n, "article:structural": m, …}
    sa.Column("extraction_paths", sa.Text, nullable=False, default="{}"),
    # schema 8: what discovery saw, JSON {"pages": {article|listing|other: n},
    # "skipped": {reason: n distinct URLs}, "unclassified": [first URLs]}
    sa.Column("discovery", sa.Text, nullable=False, default="{}"),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("portal", sa.String(64), primary_key=True),
    sa.Column("cron", sa.String(128), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, default="Asia/Ho_Chi_Minh"),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("last_run", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

portal_health = sa.Table(
    "portal_health",
    metadata,
    sa.Column("portal", sa.String(64), primary_key=True),
    sa.Column("flag", sa.String(32), primary_key=True),
    # stale | layout_changed | redirected | unreachable | parked
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
