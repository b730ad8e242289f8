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

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from indexer.config import db_url
from indexer.stories import same_story, story_key
from indexer.words import ArticleWords

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
    # schema 4: the places the article names, old -> new (JSON list of indexer.places.Place
    # dicts); NULL: not computed yet (``vnarchive places refresh`` fills it)
    sa.Column("places", sa.Text),
    # schema 5: the word segmentation of title, summary and body (indexer.words: underthesea's
    # text format, ``Cán_bộ trưởng_thôn``), made once per version; NULL: not segmented yet
    sa.Column("title_words", sa.Text),
    sa.Column("summary_words", sa.Text),
    sa.Column("body_words", sa.Text),
    # schema 9: copies of one story on several portals share a story_id (the id of the
    # first copy archived); story_key is their fingerprint (indexer.stories)
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

# Ordered migrations: MIGRATIONS[n] upgrades a store at version n to n+1.  Plain SQL
# that SQLite and PostgreSQL both accept; a new column also goes into the Table above
# (``create_all`` builds fresh stores at the latest version directly).
MIGRATIONS: dict[int, list[str]] = {
    # 1 -> 2: WARC record lengths for versions and attachments (read a capture by
    # offset+length); how many articles a crawl job marked gone.
    1: [
        "ALTER TABLE versions ADD COLUMN warc_length BIGINT",
        "ALTER TABLE attachments ADD COLUMN warc_length BIGINT",
        "ALTER TABLE crawl_jobs ADD COLUMN articles_gone INTEGER NOT NULL DEFAULT 0",
    ],
    # 2 -> 3: the first failing URLs of a crawl job, named by its summary.
    2: ["ALTER TABLE crawl_jobs ADD COLUMN error_urls TEXT NOT NULL DEFAULT '[]'"],
    # 3 -> 4: the places an article names (indexer.places); NULL until computed
    3: ["ALTER TABLE articles ADD COLUMN places TEXT"],
    # 4 -> 5: the stored word segmentation of each article (indexer.words); NULL until
    # segmented (the indexer segments such rows once and stores the result).
    4: [
        "ALTER TABLE articles ADD COLUMN title_words TEXT",
        "ALTER TABLE articles ADD COLUMN summary_words TEXT",
        "ALTER TABLE articles ADD COLUMN body_words TEXT",
    ],
    # 5 -> 6: the Scrapyd node and job id of a crawl dispatched to a cluster.
    5: [
        "ALTER TABLE crawl_jobs ADD COLUMN node TEXT",
        "ALTER TABLE crawl_jobs ADD COLUMN scrapyd_job VARCHAR(64)",
    ],
    # 6 -> 7: how a crawl job's pages were extracted (family selectors or structural fallback)
    6: ["ALTER TABLE crawl_jobs ADD COLUMN extraction_paths TEXT NOT NULL DEFAULT '{}'"],
    # 7 -> 8: what a crawl's discovery saw (page kinds, skipped URLs by reason); the
    # table site_pages is new (create_all makes it)
    7: ["ALTER TABLE crawl_jobs ADD COLUMN discovery TEXT NOT NULL DEFAULT '{}'"],
    # 8 -> 9: stories across portals (the keys of archived rows are filled in by
    # ArchiveStore._link_stories right after, in the same transaction)
    8: [
        "ALTER TABLE articles ADD COLUMN story_key VARCHAR(40)",
        "ALTER TABLE articles ADD COLUMN story_id VARCHAR(32)",
        "CREATE INDEX ix_articles_story_key ON articles (story_key)",
        "CREATE INDEX ix_articles_story_id ON articles (story_id)",
    ],
}

UpsertOutcome = Literal["new", "changed", "unchanged", "duplicate"]

# The statements of the crawl's hot path, built once: building a Core statement per
# call costs more than running it on SQLite (a crawl writes one article at a time).
_SEL_ARTICLE_STATE = sa.select(
    articles.c.id,
    articles.c.content_hash,
    articles.c.status,
    articles.c.warc_file,
    articles.c.body_words.is_not(None).label("segmented"),
).where(articles.c.id == sa.bindparam("aid"))
_SEL_ALIAS = sa.select(article_urls.c.article_id).where(
    article_urls.c.url.in_([sa.bindparam("u1"), sa.bindparam("u2")])
)
# by the content hash alone: given "portal = ? AND content_hash = ?", SQLite (no
# statistics) walks the portal index, every row of the portal, so each new article cost
# O(articles) (3 ms per page at 850 articles, growing); portal and title are checked on
# the few rows of that hash.  A dated page is the twin of a stored one only when that has
# no date or the same day: the same text published again on another day (another URL,
# often another section) is a second publication with its own date, not an alias.
_SEL_TWIN = sa.select(
    articles.c.id, articles.c.portal, articles.c.title, articles.c.published
).where(articles.c.content_hash == sa.bindparam("hash"))
_SEL_MAX_SEQ = sa.select(sa.func.max(articles.c.seq))
SEQ_LOCK_KEY = 0x766E_6172_0001  # "vnar" 1: the PostgreSQL advisory lock of ``seq``
SCHEMA_LOCK_KEY = 0x766E_6172_0002  # "vnar" 2: the one of schema changes
_PG_SEQ_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SEQ_LOCK_KEY)
# Other server databases: the schema_version row of ``meta``, locked until commit.
_LOCK_META_ROW = (
    sa.select(meta_table.c.key).where(meta_table.c.key == "schema_version").with_for_update()
)
_SEL_URL = sa.select(article_urls.c.article_id).where(article_urls.c.url == sa.bindparam("u"))
_INS_URL = article_urls.insert()
_INS_ARTICLE = articles.insert()
_INS_VERSION = versions.insert()
_SEL_ATTACHMENT = sa.select(attachments.c.id).where(
    attachments.c.article_id == sa.bindparam("aid"), attachments.c.url == sa.bindparam("u")
)
_INS_ATTACHMENT = attachments.insert()


def lock_schema(conn: Connection) -> None:
    """Serialise schema changes (create tables, migrate) of processes opening one store.

    PostgreSQL: two transactions creating the same table at once make one fail, so each
    takes a transaction-level advisory lock first and then sees the other's tables.
    SQLite: write transactions begin IMMEDIATE, which serialises them already.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


WORD_COLUMNS = ("title_words", "summary_words", "body_words")


def _words_columns(words: ArticleWords) -> dict[str, str]:
    """The store columns of an article's segmentation."""
    return {
        "title_words": words.title,
        "summary_words": words.summary,
        "body_words": words.body,
    }


class StoreError(RuntimeError):
    """The archive store cannot be opened or is at an unknown schema version."""


@dataclass(frozen=True)
class WarcRef:
    """Where a capture lives: a WARC file, the record's offset and length, its record id."""

    file: str
    offset: int
    length: int | None = None
    record_id: str | None = None


def _version_row(
    article_id: str, captured_at: datetime, article: Any, warc: WarcRef | None, job_id: int | None
) -> dict[str, Any]:
    """The ``versions`` row of one text of an article (a crawl or an import)."""
    return {
        "article_id": article_id,
        "captured_at": captured_at,
        "title": article.title,
        "published": article.published,
        "body_text": article.body_text or "",
        "content_hash": article.content_hash,
        "warc_file": warc.file if warc else None,
        "warc_offset": warc.offset if warc else None,
        "warc_length": warc.length if warc else None,
        "warc_record_id": warc.record_id if warc else None,
        "job_id": job_id,
    }


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


def article_id_for(canonical_url: str) -> str:
    """The stable id of an article: a hash of its canonical URL (16 hex characters)."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def _aware(value: datetime | None) -> datetime | None:
    """SQLite drops tzinfo: give UTC back to naive datetimes read from it."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_DT_COLUMNS = {
    "first_seen",
    "last_seen",
    "last_changed",
    "captured_at",
    "started_at",
    "finished_at",
    "last_run",
    "updated_at",
    "created_at",
    "since",
}
_JSON_COLUMNS = {
    "images",
    "media",
    "options",
    "error_reasons",
    "error_urls",
    "places",
    "extraction_paths",
    "discovery",
    "links",
}


def _row(row: sa.Row[Any]) -> dict[str, Any]:
    out = dict(row._mapping)
    for key in _DT_COLUMNS & out.keys():
        out[key] = _aware(out[key])
    for key in _JSON_COLUMNS & out.keys():
        if isinstance(out[key], str):
            out[key] = json.loads(out[key])
    return out


def _article_columns(names: Sequence[str] | None) -> list[sa.Column[Any]]:
    """The ``articles`` columns to select: all, or ``names`` plus ``id`` and ``seq``."""
    if names is None:
        return list(articles.columns)
    wanted = dict.fromkeys(["id", *names, "seq"])
    return [articles.c[name] for name in wanted]


def _aware_column(values: list[Any]) -> list[datetime | None]:
    """A column of instants read without SQLAlchemy's processor, as aware UTC datetimes.

    SQLite gives the stored text (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC), PostgreSQL
    datetimes: the same values :func:`_row` gives, at a fraction of the cost.
    """
    out: list[datetime | None] = []
    for value in values:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        out.append(_aware(value))
    return out


def _iso_column(values: list[Any]) -> list[str | None]:
    """A column of instants as ISO 8601 UTC text: ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.

    SQLite's stored text is rewritten without building a datetime (the export's
    read path: ~20x cheaper); anything else goes through :func:`_aware_column`.
    """
    count = len(values)
    if count and set(map(type, values)) == {str} and set(map(len, values)) == {26}:
        # the whole column at once (C string operations only)
        text = "\x00".join(values) + "\x00"
        if text.count(" ") == count and text.count(".") == count and text.count(":") == 2 * count:
            text = text.replace(" ", "T").replace(".000000\x00", "\x00").replace("\x00", "Z\x00")
            column = text[:-1].split("\x00")
            if len(column) == count:
                return column  # type: ignore[return-value]
    out: list[str | None] = []
    for value in values:
        if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
            micro = value[20:]
            tail = "Z" if micro == "000000" else f".{micro}Z"
            out.append(f"{value[:10]}T{value[11:19]}{tail}")
        elif value is None:
            out.append(None)
        else:
            (when,) = _aware_column([value])
            assert when is not None
            out.append(when.astimezone(UTC).isoformat().replace("+00:00", "Z"))
    return out


def _plain_column(column: sa.Column[Any], dialect: str, as_bytes: bool) -> Any:
    """``column`` selected as the driver returns it: no DateTime result processor, and
    with ``as_bytes`` a text column as its UTF-8 bytes (never decoded, never re-encoded)."""
    if isinstance(column.type, sa.DateTime):
        return sa.type_coerce(column, sa.Text).label(column.name)
    if as_bytes:
        if dialect == "postgresql":
            raw = sa.func.convert_to(column, sa.literal("UTF8"))
        else:  # SQLite: a cast to BLOB keeps the stored bytes
            raw = sa.cast(column, sa.LargeBinary)
        return sa.type_coerce(raw, sa.LargeBinary).label(column.name)
    return column


# One statement for any number of ids (an expanding parameter): compiled once and
# cached, where an ``in_(list)`` built 500 bound parameters per call (~75 % of the time).
_ATTACHMENTS_OF = (
    sa.select(attachments)
    .where(attachments.c.article_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(attachments.c.id)
)
_ATTACHMENTS_IN_RANGE = (
    sa.select(attachments)
    .where(
        attachments.c.article_id.in_(
            sa.select(articles.c.id).where(
                articles.c.seq > sa.bindparam("low"), articles.c.seq <= sa.bindparam("high")
            )
        )
    )
    .order_by(attachments.c.id)
)


class ArchiveStore:
    """The archive store: open with a SQLAlchemy URL (default: ``indexer.config.db_url()``)."""

    _seq_lock = threading.Lock()

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = url or db_url()
        kwargs: dict[str, Any] = {"future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        self.engine: Engine = sa.create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        # Writes go through this engine: on SQLite it takes the write lock up front
        # (BEGIN IMMEDIATE), so concurrent crawls queue instead of failing mid-way.
        self.writer: Engine = self.engine.execution_options(sqlite_immediate=True)
        if create:
            self.migrate()

    # -- schema -------------------------------------------------------------

    def migrate(self) -> int:
        """Create missing tables and apply pending migrations; return the schema version."""
        with self.writer.begin() as conn:
            lock_schema(conn)
            metadata.create_all(conn)
            current = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar()
            if current is None:
                conn.execute(
                    meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                )
                return SCHEMA_VERSION
            version = int(current)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"archive store {self.url} is at schema version {version}, newer than this "
                    f"vnarchive ({SCHEMA_VERSION}); upgrade vnarchive"
                )
            start = version
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS.get(version, []):
                    conn.exec_driver_sql(statement)
                version += 1
            if start < 9 <= version:
                self._link_stories(conn)
            conn.execute(
                meta_table.update()
                .where(meta_table.c.key == "schema_version")
                .values(value=str(version))
            )
            return version

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """Read one value of the ``meta`` table."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar()
        return default if value is None else value

    def set_meta(self, key: str, value: str) -> None:
        """Write one value of the ``meta`` table."""
        with self.writer.begin() as conn:
            updated = conn.execute(
                meta_table.update().where(meta_table.c.key == key).values(value=value)
            ).rowcount
            if not updated:
                conn.execute(meta_table.insert().values(key=key, value=value))

    # -- articles -----------------------------------------------------------

    def _next_seq(self, conn: Connection) -> int:
        """The next value of the change counter, inside the caller's write transaction.

        ``max(seq) + 1`` is safe only while no other writer can read the same max
        before this transaction commits:

        * SQLite: write transactions begin IMMEDIATE (``self.writer``), so this one
          already holds the database's single write lock; nothing more to do.
        * PostgreSQL (READ COMMITTED): two transactions could read the same max.  A
          transaction-level advisory lock (``pg_advisory_xact_lock(SEQ_LOCK_KEY)``)
          serialises them; each statement after it sees the rows committed by the
          previous holder.  It is held until commit/rollback, so counters also commit
          in order and the indexer's watermark (``seq > last``) never skips a row
          that committed late.
        * Any other server database: the ``meta`` row ``schema_version`` is locked
          ``FOR UPDATE`` to the same effect.

        Callers take the counter before any row lock of their transaction (so a
        writer waiting here holds no lock another writer could wait on).
        """
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(_PG_SEQ_LOCK)
        elif dialect != "sqlite":
            conn.execute(_LOCK_META_ROW)
        current = conn.execute(_SEL_MAX_SEQ).scalar()
        return int(current or 0) + 1

    def max_seq(self) -> int:
        """The highest change counter in the store (0 when empty)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(articles.c.seq))).scalar() or 0)

    def upsert_article(
        self,
        article: Any,
        *,
        province: str | None = None,
        district: str | None = None,
        warc: WarcRef | None = None,
        job_id: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        seen_at: datetime | None = None,
        words: ArticleWords | None = None,
    ) -> tuple[UpsertOutcome, str]:
        """Store one extracted article (a ``crawler.items.Article``); return (outcome, id).

        ``new``: first capture.  ``changed``: the normalised text differs from the
        stored one; the new text becomes the article and a version is added (the old
        text stays in ``versions``).  ``unchanged``: only ``last_seen`` moves.
        ``duplicate``: the same title and text are already archived under another
        canonical URL of the same portal (and not with a date of another day: that is
        a second publication, stored as its own article); the URL is linked to that
        article, nothing else is stored.
        Everything happens in one transaction.  ``words``: the article's segmentation
        (``indexer.words.segment_article``), stored with a new or changed text (and
        with an unchanged one stored without it).
        """
        now = seen_at or utcnow()
        canonical = article.canonical_url or article.url
        with self.writer.begin() as conn:
            existing = self._existing(conn, article)
            article_id = existing.id if existing is not None else article_id_for(canonical)
            if existing is None and article.body_text:
                twin = self._twin(conn, article)
                if twin is not None:
                    self._link_url(conn, article.url, twin, "duplicate")
                    self._link_url(conn, canonical, twin, "duplicate")
                    conn.execute(
                        articles.update().where(articles.c.id == twin).values(last_seen=now)
                    )
                    return "duplicate", twin
            fields = {
                "portal": article.portal,
                "url": article.url,
                "province": province,
                "district": district,
                "title": article.title,
                "published": article.published,
                "published_source": article.published_source,
                "category": article.category,
                "author": article.author,
                "credit": article.credit,
                "summary": article.summary,
                "body_text": article.body_text or "",
                "images": json.dumps(list(article.images), ensure_ascii=False),
                "media": json.dumps(list(article.media), ensure_ascii=False),
                "content_hash": article.content_hash,
                "status": "live",
                "last_seen": now,
                "job_id": job_id,
                "etag": etag,
                "last_modified": last_modified,
            }
            places = getattr(article, "places", None)
            if places is not None:
                fields["places"] = json.dumps(places, ensure_ascii=False)
            key = story_key(article.title, article.body_text)
            fields["story_key"] = key
            fields["story_id"] = (
                self._story_of(conn, key, article.portal, article.body_text) or article_id
            )
            # a new text without its segmentation must not keep the old text's
            fields.update(_words_columns(words) if words else dict.fromkeys(WORD_COLUMNS))
            if warc is not None:
                fields.update(
                    warc_file=warc.file,
                    warc_offset=warc.offset,
                    warc_length=warc.length,
                    warc_record_id=warc.record_id,
                )
            if existing is None:
                outcome: UpsertOutcome = "new"
                row = dict.fromkeys(c.name for c in articles.columns)
                row.update(
                    id=article_id,
                    canonical_url=canonical,
                    first_seen=now,
                    last_changed=now,
                    seq=self._next_seq(conn),
                    **fields,
                )
                conn.execute(_INS_ARTICLE, row)
            elif existing.content_hash != article.content_hash:
                outcome = "changed"
                if not article.published:
                    # a capture without a date does not erase the date known for the
                    # article (one its listing showed); its version row says None
                    del fields["published"], fields["published_source"]
                conn.execute(
                    articles.update()
                    .where(articles.c.id == article_id)
                    .values(last_changed=now, seq=self._next_seq(conn), **fields)
                )
            else:
                outcome = "unchanged"
                update = {"last_seen": now, "status": "live"}
                if warc is not None and existing.warc_file is None:
                    # a capture lost earlier (see crawler.warc.repair.check_warc_ends), taken again
                    update.update(
                        warc_file=warc.file,
                        warc_offset=warc.offset,
                        warc_length=warc.length,
                        warc_record_id=warc.record_id,
                    )
                if words is not None and not existing.segmented:
                    update.update(_words_columns(words))
                if etag or last_modified:
                    update.update(etag=etag, last_modified=last_modified)
                if existing.status != "live":
                    update["seq"] = self._next_seq(conn)
                conn.execute(articles.update().where(articles.c.id == article_id).values(update))
            if outcome != "unchanged":
                conn.execute(_INS_VERSION, _version_row(article_id, now, article, warc, job_id))
            self._link_url(conn, canonical, article_id, "canonical")
            if article.url != canonical:
                self._link_url(conn, article.url, article_id, "alias")
            for att in article.attachments:
                exists = conn.execute(_SEL_ATTACHMENT, {"aid": article_id, "u": att.url}).scalar()
                if exists is None:
                    conn.execute(
                        _INS_ATTACHMENT,
                        {
                            "article_id": article_id,
                            "url": att.url,
                            "name": att.name,
                            "status": "listed",
                            "content_type": None,
                            "size": None,
                            "warc_file": None,
                            "warc_offset": None,
                            "warc_record_id": None,
                            "warc_length": None,
                        },
                    )
        return outcome, article_id

    @staticmethod
    def _existing(conn: Connection, article: Any) -> sa.Row[Any] | None:
        """The stored state (id, content_hash, status, segmented) of the article that
        ``article`` would update: same canonical URL, or one of its URLs seen before."""
        canonical = article.canonical_url or article.url
        existing = conn.execute(_SEL_ARTICLE_STATE, {"aid": article_id_for(canonical)}).first()
        if existing is None:
            alias = conn.execute(_SEL_ALIAS, {"u1": canonical, "u2": article.url}).scalar()
            if alias is not None:
                existing = conn.execute(_SEL_ARTICLE_STATE, {"aid": alias}).first()
        return existing

    @staticmethod
    def _twin(conn: Connection, article: Any) -> str | None:
        """The article of the portal that already holds this title and text (with no
        date or a date of the same day), or None."""
        day = (article.published or "")[:10]
        for row in conn.execute(_SEL_TWIN, {"hash": article.content_hash}):
            if (
                row.portal == article.portal
                and row.title == article.title
                and (not day or row.published is None or row.published[:10] == day)
            ):
                return row.id
        return None

    def needs_words(self, article: Any) -> bool:
        """Whether storing ``article`` would store a text not segmented yet (new or changed
        text, or a stored one without segmentation): the crawl segments only then.  The
        same text under another canonical URL of the portal stores nothing (``duplicate``)."""
        with self.engine.connect() as conn:
            existing = self._existing(conn, article)
            if existing is None and article.body_text:
                return self._twin(conn, article) is None
        return (
            existing is None
            or existing.content_hash != article.content_hash
            or not existing.segmented
        )

    def set_words(self, words_by_id: dict[str, ArticleWords]) -> None:
        """Store the segmentation of articles that had none (one transaction; ``seq`` is
        not bumped: the text did not change, and the indexer that calls this indexes
        the rows it segments)."""
        with self.writer.begin() as conn:
            for article_id, words in words_by_id.items():
                conn.execute(
                    articles.update()
                    .where(articles.c.id == article_id)
                    .values(_words_columns(words))
                )

    @staticmethod
    def _link_url(conn: Connection, url: str, article_id: str, kind: str) -> None:
        found = conn.execute(_SEL_URL, {"u": url}).scalar()
        if found is None:
            conn.execute(_INS_URL, {"url": url, "article_id": article_id, "kind": kind})

    def link_url(self, url: str, article_id: str, kind: str = "alias") -> None:
        """Record another URL an article is reachable under (kept if already linked)."""
        with self.writer.begin() as conn:
            self._link_url(conn, url, article_id, kind)

    def date_from_listing(self, article_id: str, published: str) -> bool:
        """Give an archived article without a date the one its listing shows; True if set.

        Some templates print an article's date only on listings, and a crawl may read
        the article before its listing.  The date fills ``published`` (source
        ``listing``) of an article that has none, never replaces one; the text did not
        change, so no version is added (the versions keep what each capture showed),
        and ``seq`` moves so the indexer picks the date up.
        """
        with self.writer.begin() as conn:
            done = conn.execute(
                articles.update()
                .where(articles.c.id == article_id, articles.c.published.is_(None))
                .values(
                    published=published,
                    published_source="listing",
                    seq=self._next_seq(conn),
                )
            ).rowcount
        return bool(done)

    def touch_article(
        self,
        article_id: str,
        *,
        seen_at: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record that an article was seen unchanged (e.g. a 304 answer) without refetching.

        A gone article seen again is live again (and gets a new ``seq`` for the indexer).
        """
        values: dict[str, Any] = {"last_seen": seen_at or utcnow()}
        if etag:
            values["etag"] = etag
        if last_modified:
            values["last_modified"] = last_modified
        with self.writer.begin() as conn:
            status = conn.execute(
                sa.select(articles.c.status).where(articles.c.id == article_id)
            ).scalar()
            if status is None:
                return
            if status != "live":
                values.update(status="live", seq=self._next_seq(conn))
            conn.execute(articles.update().where(articles.c.id == article_id).values(values))

    def import_capture(
        self,
        article: Any,
        *,
        captured_at: datetime,
        province: str | None = None,
        district: str | None = None,
        warc: WarcRef | None = None,
        job_id: int | None = None,
        words: ArticleWords | None = None,
    ) -> tuple[str, str]:
        """Store a capture made by another tool at ``captured_at``; return (outcome, id).

        Outcomes as :meth:`upsert_article` (``new``, ``changed``, ``unchanged``,
        ``duplicate``) for a capture newer than what the archive holds, and for an older
        one: ``version`` (a text the article had before: added to its versions, the
        article itself unchanged) or ``duplicate`` (a text already held: nothing but an
        earlier ``first_seen``).  Re-importing the same capture changes nothing.
        ``words``: its segmentation (``indexer.words.segment_article``), stored with a
        newer text as :meth:`upsert_article` stores it.
        """
        canonical = article.canonical_url or article.url
        with self.engine.connect() as conn:
            found = conn.execute(_SEL_ALIAS, {"u1": canonical, "u2": article.url}).scalar()
            row = conn.execute(
                sa.select(
                    articles.c.id,
                    articles.c.first_seen,
                    articles.c.last_seen,
                    articles.c.last_changed,
                    articles.c.content_hash,
                ).where(articles.c.id == (found or article_id_for(canonical)))
            ).first()
        if row is None or captured_at >= _aware(row.last_seen):
            return self.upsert_article(
                article,
                province=province,
                district=district,
                warc=warc,
                job_id=job_id,
                seen_at=captured_at,
                words=words,
            )
        article_id = row.id
        with self.writer.begin() as conn:
            held = {row.content_hash} | {
                h
                for (h,) in conn.execute(
                    sa.select(versions.c.content_hash).where(versions.c.article_id == article_id)
                )
            }
            if captured_at < _aware(row.first_seen):
                conn.execute(
                    articles.update()
                    .where(articles.c.id == article_id)
                    .values(first_seen=captured_at, seq=self._next_seq(conn))
                )
            if article.content_hash in held or captured_at >= _aware(row.last_changed):
                return "duplicate", article_id
            conn.execute(_INS_VERSION, _version_row(article_id, captured_at, article, warc, job_id))
        return "version", article_id

    def warc_offsets(self, warc_file: str) -> set[int]:
        """The offsets of the records in ``warc_file`` that an article or version points at
        (what an import of that file already stored)."""
        with self.engine.connect() as conn:
            return {
                int(offset)
                for table in (articles, versions)
                for (offset,) in conn.execute(
                    sa.select(table.c.warc_offset).where(
                        table.c.warc_file == warc_file, table.c.warc_offset.is_not(None)
                    )
                )
            }

    def warc_extents(self, portal: str) -> dict[str, int]:
        """Every WARC file a portal's rows point into → the end of the furthest record
        (offset + length; offset + 1 where the length is unknown)."""
        out: dict[str, int] = {}
        owned = sa.select(articles.c.id).where(articles.c.portal == portal)
        with self.engine.connect() as conn:
            for table, where in (
                (articles, articles.c.portal == portal),
                (versions, versions.c.article_id.in_(owned)),
                (attachments, attachments.c.article_id.in_(owned)),
            ):
                end = sa.func.max(
                    table.c.warc_offset + sa.func.coalesce(table.c.warc_length, 1)
                ).label("end")
                query = (
                    sa.select(table.c.warc_file, end)
                    .where(where, table.c.warc_file.is_not(None), table.c.warc_offset.is_not(None))
                    .group_by(table.c.warc_file)
                )
                for row in conn.execute(query):
                    out[row.warc_file] = max(out.get(row.warc_file, 0), int(row.end or 0))
        return out

    def clear_warc_pointers(
        self, portal: str, warc_file: str, size: int | None
    ) -> tuple[list[str], int]:
        """Forget the captures of ``portal`` in ``warc_file`` that end past ``size`` bytes
        (all of them when ``size`` is None: the file is gone).

        Articles lose their pointer and validators (the next crawl captures them again),
        attachments go back to ``listed`` (downloaded again), versions keep their text.
        Returns (ids of the articles concerned, rows changed).
        """
        owned = sa.select(articles.c.id).where(articles.c.portal == portal)
        cleared = dict.fromkeys(("warc_file", "warc_offset", "warc_length", "warc_record_id"), None)

        def past(table: sa.Table) -> Any:
            clause = table.c.warc_file == warc_file
            if size is None:
                return clause
            return sa.and_(
                clause, table.c.warc_offset + sa.func.coalesce(table.c.warc_length, 1) > size
            )

        changed = 0
        with self.writer.begin() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    sa.select(articles.c.id).where(articles.c.portal == portal, past(articles))
                )
            ]
            if ids:
                changed += conn.execute(
                    articles.update()
                    .where(articles.c.id.in_(ids))
                    .values(etag=None, last_modified=None, **cleared)
                ).rowcount
            changed += conn.execute(
                versions.update()
                .where(versions.c.article_id.in_(owned), past(versions))
                .values(**cleared)
            ).rowcount
            changed += conn.execute(
                attachments.update()
                .where(attachments.c.article_id.in_(owned), past(attachments))
                .values(status="listed", **cleared)
            ).rowcount
        return ids, changed

    def mark_gone(self, article_id: str) -> bool:
        """Flag an article as gone from its portal (it stays in the store); True if it changed."""
        with self.writer.begin() as conn:
            result = conn.execute(
                articles.update()
                .where(articles.c.id == article_id, articles.c.status != "gone")
                .values(status="gone", seq=self._next_seq(conn))
            )
            return bool(result.rowcount)

    def record_attachment_capture(
        self,
        article_id: str,
        url: str,
        *,
        status: str,
        warc: WarcRef | None = None,
        content_type: str | None = None,
        size: int | None = None,
        name: str | None = None,
    ) -> None:
        """Record the download of an attachment (its WARC record, size, or why it failed)."""
        values: dict[str, Any] = {"status": status, "content_type": content_type, "size": size}
        if warc is not None:
            values.update(
                warc_file=warc.file,
                warc_offset=warc.offset,
                warc_length=warc.length,
                warc_record_id=warc.record_id,
            )
        with self.writer.begin() as conn:
            updated = conn.execute(
                attachments.update()
                .where(attachments.c.article_id == article_id, attachments.c.url == url)
                .values(values)
            ).rowcount
            if not updated:
                conn.execute(
                    attachments.insert().values(
                        article_id=article_id,
                        url=url,
                        name=name or url.rsplit("/", 1)[-1],
                        **values,
                    )
                )

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        """One article as a dict (with its ``attachments`` list), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(articles).where(articles.c.id == article_id)).first()
            if row is None:
                return None
            out = _row(row)
            out["attachments"] = [
                _row(r)
                for r in conn.execute(
                    sa.select(attachments)
                    .where(attachments.c.article_id == article_id)
                    .order_by(attachments.c.id)
                )
            ]
        return out

    def set_places(self, places_by_id: dict[str, list[dict[str, Any]]]) -> int:
        """Store recomputed places of articles (one transaction); bumps ``seq`` of the rows
        whose places changed, so the indexer picks them up.  Returns how many changed."""
        changed = 0
        with self.writer.begin() as conn:
            for article_id, places in places_by_id.items():
                value = json.dumps(places, ensure_ascii=False)
                old = conn.execute(
                    sa.select(articles.c.places).where(articles.c.id == article_id)
                ).first()
                if old is None or old.places == value:
                    continue
                conn.execute(
                    articles.update()
                    .where(articles.c.id == article_id)
                    .values(places=value, seq=self._next_seq(conn))
                )
                changed += 1
        return changed

    def find_article_by_url(self, url: str) -> dict[str, Any] | None:
        """The article seen under ``url`` (canonical, alias or duplicate), or None."""
        with self.engine.connect() as conn:
            article_id = conn.execute(
                sa.select(article_urls.c.article_id).where(article_urls.c.url == url)
            ).scalar()
        return self.get_article(article_id) if article_id else None

    def known_urls(self, portal: str) -> dict[str, dict[str, Any]]:
        """Every URL already archived for a portal → {id, url, etag, last_modified, status,
        last_seen, kind, published} (``url`` is the article's own URL; ``kind`` how this
        URL maps)."""
        query = sa.select(
            article_urls.c.url.label("seen_url"),
            article_urls.c.kind,
            articles.c.id,
            articles.c.url,
            articles.c.etag,
            articles.c.last_modified,
            articles.c.status,
            articles.c.last_seen,
            articles.c.published,
        ).join(articles, articles.c.id == article_urls.c.article_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.where(articles.c.portal == portal))
            return {
                r.seen_url: {
                    "id": r.id,
                    "url": r.url,
                    "kind": r.kind,
                    "etag": r.etag,
                    "last_modified": r.last_modified,
                    "status": r.status,
                    "last_seen": _aware(r.last_seen),
                    "published": r.published,
                }
                for r in rows
            }

    @staticmethod
    def _story_of(
        conn: Connection, key: str | None, portal: str | None, body: str | None
    ) -> str | None:
        """The story id of an archived copy of this story on another portal, or None."""
        if not key:
            return None
        rows = conn.execute(
            sa.select(articles.c.id, articles.c.story_id, articles.c.body_text)
            .where(articles.c.story_key == key, articles.c.portal != (portal or ""))
            .order_by(articles.c.first_seen, articles.c.id)
            .limit(20)
        ).all()
        for row in rows:
            if same_story(body, row.body_text):
                return row.story_id or row.id
        return None

    def _link_stories(self, conn: Connection) -> None:
        """Fill in story keys and ids of rows archived before stories existed."""
        rows = conn.execute(
            sa.select(articles.c.id, articles.c.portal, articles.c.title, articles.c.body_text)
            .where(articles.c.story_key.is_(None))
            .order_by(articles.c.first_seen, articles.c.id)
        ).all()
        firsts: dict[str, list[tuple[str, str, str]]] = {}  # key -> [(story, portal, body)]
        for row in rows:
            key = story_key(row.title, row.body_text)
            story = row.id
            if key is not None:
                copies = firsts.setdefault(key, [])
                match = next(
                    (
                        sid
                        for sid, portal, body in copies
                        if portal != row.portal and same_story(row.body_text, body)
                    ),
                    None,
                )
                if match is None:
                    copies.append((row.id, row.portal, row.body_text or ""))
                else:
                    story = match
            conn.execute(
                articles.update()
                .where(articles.c.id == row.id)
                .values(story_key=key, story_id=story)
            )

    def story_copies(self, story_id: str) -> list[dict[str, Any]]:
        """Every archived copy of a story: [{id, portal, url, title, published, status}],
        oldest first."""
        query = (
            sa.select(
                articles.c.id,
                articles.c.portal,
                articles.c.url,
                articles.c.title,
                articles.c.published,
                articles.c.status,
            )
            .where(sa.or_(articles.c.story_id == story_id, articles.c.id == story_id))
            .order_by(articles.c.first_seen, articles.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def site_page_states(self, portal: str) -> dict[str, dict[str, Any]]:
        """The portal's non-article pages from earlier crawls: url → {kind, etag,
        last_modified, links: [[url, role], ...]} (a 304 on a re-crawl reuses the links)."""
        query = sa.select(site_pages).where(site_pages.c.portal == portal)
        with self.engine.connect() as conn:
            return {r.url: _row(r) for r in conn.execute(query)}

    def save_site_page(
        self,
        portal: str,
        url: str,
        *,
        kind: str,
        links: Sequence[Sequence[str]],
        etag: str | None = None,
        last_modified: str | None = None,
        job_id: int | None = None,
    ) -> None:
        """Remember one non-article page of a portal: its validators and its links."""
        values = {
            "kind": kind,
            "etag": etag,
            "last_modified": last_modified,
            "links": json.dumps([list(link) for link in links], ensure_ascii=False),
            "fetched_at": utcnow(),
            "job_id": job_id,
        }
        key = (site_pages.c.portal == portal) & (site_pages.c.url == url)
        with self.writer.begin() as conn:
            done = conn.execute(site_pages.update().where(key).values(**values)).rowcount
            if not done:
                conn.execute(site_pages.insert().values(portal=portal, url=url, **values))

    def forget_site_page(self, portal: str, url: str) -> None:
        """Drop a remembered page (it became an article, or it is gone)."""
        key = (site_pages.c.portal == portal) & (site_pages.c.url == url)
        with self.writer.begin() as conn:
            conn.execute(site_pages.delete().where(key))

    def pending_attachments(self, portal: str) -> list[dict[str, Any]]:
        """Attachments of a portal's articles listed but never downloaded:
        [{article_id, article_url, url, name}] (a crawl fetches them)."""
        query = (
            sa.select(
                attachments.c.article_id,
                attachments.c.url,
                attachments.c.name,
                articles.c.canonical_url.label("article_url"),
            )
            .join(articles, articles.c.id == attachments.c.article_id)
            .where(articles.c.portal == portal, attachments.c.status == "listed")
            .order_by(attachments.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def job_outcome_counts(self, job_id: int) -> dict[str, int]:
        """How many articles a crawl job added (``new``) and changed (``changed``), counted
        from the versions it wrote — exact even when the job was killed and resumed."""
        first = (
            sa.select(versions.c.article_id, sa.func.min(versions.c.id).label("first_id"))
            .group_by(versions.c.article_id)
            .subquery()
        )
        query = (
            sa.select(
                sa.func.count().label("total"),
                sa.func.sum(sa.case((versions.c.id == first.c.first_id, 1), else_=0)).label("new"),
            )
            .select_from(versions.join(first, first.c.article_id == versions.c.article_id))
            .where(versions.c.job_id == job_id)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        total = int(row.total or 0) if row else 0
        new = int(row.new or 0) if row else 0
        return {"new": new, "changed": total - new}

    def iter_articles(
        self,
        *,
        portal: str | None = None,
        ids: Iterable[str] | None = None,
        since_seq: int | None = None,
        status: str | None = None,
        batch_size: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Stream articles (ordered by ``seq``) in batches, so memory stays flat."""
        query = sa.select(articles)
        if portal:
            query = query.where(articles.c.portal == portal)
        if ids is not None:
            id_list = list(ids)
            for start in range(0, len(id_list), batch_size):
                chunk = id_list[start : start + batch_size]
                with self.engine.connect() as conn:
                    for row in conn.execute(query.where(articles.c.id.in_(chunk))):
                        yield _row(row)
            return
        if status:
            query = query.where(articles.c.status == status)
        last = since_seq or 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    query.where(articles.c.seq > last).order_by(articles.c.seq).limit(batch_size)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _row(row)
            last = rows[-1].seq

    def count_articles(self, portal: str | None = None, status: str | None = None) -> int:
        """How many articles the store holds (optionally for one portal / status)."""
        query = sa.select(sa.func.count()).select_from(articles)
        if portal:
            query = query.where(articles.c.portal == portal)
        if status:
            query = query.where(articles.c.status == status)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    @staticmethod
    def _filter_clauses(
        portal: str | Sequence[str] | None,
        province: str | Sequence[str] | None,
        category: str | Sequence[str] | None,
        date_from: str | None,
        date_to: str | None,
    ) -> list[Any]:
        """WHERE clauses for the search filters.

        A string matches exactly, a sequence matches any of its values (an empty one
        matches nothing); ISO dates, both ends inclusive.
        """
        clauses: list[Any] = []
        for column, value in (
            (articles.c.portal, portal),
            (articles.c.province, province),
            (articles.c.category, category),
        ):
            if isinstance(value, str):
                if value:
                    clauses.append(column == value)
            elif value is not None:
                values = list(value)
                clauses.append(column.in_(values) if values else sa.false())
        if date_from:
            clauses.append(articles.c.published >= date_from)
        if date_to:
            # ``published`` is 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM…': everything on date_to
            # sorts below date_to + '~' ('~' is above 'T' and every digit).
            clauses.append(articles.c.published < date_to + "~")
        return clauses

    def distinct_values(
        self, column: Literal["portal", "province", "district", "category"]
    ) -> list[str]:
        """Every distinct non-empty value of a place/category column of ``articles``."""
        col = articles.c[column]
        with self.engine.connect() as conn:
            return [
                v for (v,) in conn.execute(sa.select(col).distinct().where(col.is_not(None))) if v
            ]

    def iter_articles_matching(
        self,
        *,
        portal: str | Sequence[str] | None = None,
        province: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        batch_size: int = 500,
        columns: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Stream the articles matching the search filters, ordered by ``seq``, as batches.

        Used by exports with filters and no text query.  Keyset pagination on ``seq``:
        one short read per batch, so memory stays flat and writers are never blocked.
        ``columns``: only these columns (and ``seq``), e.g. not the stored word
        segmentation an export never shows.
        """
        clauses = self._filter_clauses(portal, province, category, date_from, date_to)
        for rows in self._keyset_batches(_article_columns(columns), clauses, batch_size):
            yield [_row(row) for row in rows]

    def _keyset_batches(
        self, selected: Sequence[Any], clauses: list[Any], batch_size: int
    ) -> Iterator[Sequence[sa.Row[Any]]]:
        """The rows of ``articles`` matching ``clauses`` in ``seq`` order, a short read per
        batch (``selected`` must include ``seq``)."""
        last = 0
        while True:
            query = (
                sa.select(*selected)
                .where(articles.c.seq > last, *clauses)
                .order_by(articles.c.seq)
                .limit(batch_size)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            yield rows
            last = rows[-1].seq

    def iter_article_columns(
        self,
        columns: Sequence[str],
        *,
        portal: str | Sequence[str] | None = None,
        province: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        batch_size: int = 500,
        as_bytes: Iterable[str] = (),
        instants: Literal["datetime", "text"] = "datetime",
    ) -> Iterator[dict[str, list[Any]]]:
        """The rows of :meth:`iter_articles_matching`, each batch as columns (name -> values).

        The export's read path: no row dicts, no JSON decoding (JSON columns stay text),
        no per-value type processing.  ``as_bytes``: text columns given as UTF-8 bytes;
        ``instants``: aware UTC datetimes, or ``"text"``, ISO 8601 UTC
        (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``).  ``columns`` plus ``id`` and ``seq``, in
        ``seq`` order, keyset-paginated.
        """
        clauses = self._filter_clauses(portal, province, category, date_from, date_to)
        names, plain = self._plain_select(columns, as_bytes)
        for rows in self._keyset_batches(plain, clauses, batch_size):
            yield self._columns_of(names, rows, instants)

    def article_columns_by_ids(
        self,
        article_ids: Iterable[str],
        columns: Sequence[str],
        *,
        as_bytes: Iterable[str] = (),
        instants: Literal["datetime", "text"] = "datetime",
    ) -> dict[str, list[Any]]:
        """The articles with these ids as columns (see :meth:`iter_article_columns`), in
        the order given; unknown ids are skipped."""
        id_list = list(article_ids)
        names, plain = self._plain_select(columns, as_bytes)
        found: dict[str, Any] = {}
        query = sa.select(*plain).where(articles.c.id.in_(sa.bindparam("ids", expanding=True)))
        with self.engine.connect() as conn:
            for start in range(0, len(id_list), 500):
                for row in conn.execute(query, {"ids": id_list[start : start + 500]}):
                    found[row.id] = row
        return self._columns_of(names, [found[i] for i in id_list if i in found], instants)

    def _plain_select(
        self, columns: Sequence[str], as_bytes: Iterable[str]
    ) -> tuple[list[str], list[Any]]:
        selected = _article_columns(columns)
        wanted = set(as_bytes) - {"id", "seq"}
        dialect = self.engine.dialect.name
        plain = [_plain_column(c, dialect, c.name in wanted) for c in selected]
        return [c.name for c in selected], plain

    @staticmethod
    def _columns_of(
        names: list[str], rows: Sequence[Any], instants: Literal["datetime", "text"]
    ) -> dict[str, list[Any]]:
        values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        out = {name: list(column) for name, column in zip(names, values, strict=True)}
        convert = _iso_column if instants == "text" else _aware_column
        for name in _DT_COLUMNS & out.keys():
            out[name] = convert(out[name])
        return out

    def count_articles_matching(
        self,
        *,
        portal: str | Sequence[str] | None = None,
        province: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> int:
        """How many articles match the search filters (see ``iter_articles_matching``)."""
        clauses = self._filter_clauses(portal, province, category, date_from, date_to)
        query = sa.select(sa.func.count()).select_from(articles).where(*clauses)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def articles_by_ids(
        self, article_ids: Iterable[str], *, columns: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """The articles with these ids, in the order given (unknown ids are skipped).

        Meant for one batch (a few hundred ids) of an ordered result list.  ``columns``:
        only these (and ``id``, ``seq``).
        """
        id_list = list(article_ids)
        found: dict[str, dict[str, Any]] = {}
        selected = _article_columns(columns)
        with self.engine.connect() as conn:
            for start in range(0, len(id_list), 500):
                chunk = id_list[start : start + 500]
                query = sa.select(*selected).where(articles.c.id.in_(chunk))
                for row in conn.execute(query):
                    found[row.id] = _row(row)
        return [found[i] for i in id_list if i in found]

    def attachments_in_seq_range(self, low: int, high: int) -> dict[str, list[dict[str, Any]]]:
        """:meth:`attachments_for` the articles with ``low < seq <= high`` (a batch of
        :meth:`iter_article_columns`): two bound values where the ids need hundreds."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(_ATTACHMENTS_IN_RANGE, {"low": low, "high": high}):
                out.setdefault(row.article_id, []).append(_row(row))
        return out

    def attachments_for(self, article_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Attachments of several articles at once: {article_id: [attachment, …]}."""
        out: dict[str, list[dict[str, Any]]] = {}
        id_list = list(article_ids)
        with self.engine.connect() as conn:
            for start in range(0, len(id_list), 500):
                chunk = id_list[start : start + 500]
                for row in conn.execute(_ATTACHMENTS_OF, {"ids": chunk}):
                    out.setdefault(row.article_id, []).append(_row(row))
        return out

    def versions_of(self, article_id: str) -> list[dict[str, Any]]:
        """Every version of an article, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(versions)
                .where(versions.c.article_id == article_id)
                .order_by(versions.c.captured_at, versions.c.id)
            )
            return [_row(r) for r in rows]

    def portal_stats(self) -> list[dict[str, Any]]:
        """Per portal: article count, earliest/latest published date, last crawl."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    articles.c.portal,
                    sa.func.count().label("articles"),
                    sa.func.min(articles.c.published).label("first_published"),
                    sa.func.max(articles.c.published).label("last_published"),
                )
                .where(articles.c.status == "live")
                .group_by(articles.c.portal)
            ).all()
            last_jobs = {
                r.portal: _aware(r.finished)
                for r in conn.execute(
                    sa.select(
                        crawl_jobs.c.portal,
                        sa.func.max(crawl_jobs.c.finished_at).label("finished"),
                    ).group_by(crawl_jobs.c.portal)
                )
            }
        return [dict(r._mapping) | {"last_crawl": last_jobs.get(r.portal)} for r in rows]

    # -- crawl jobs ---------------------------------------------------------

    def start_job(
        self,
        portal: str,
        *,
        options: dict[str, Any] | None = None,
        trigger: str = "manual",
        status: str = "running",
        log_path: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a new crawl job and return its id."""
        with self.writer.begin() as conn:
            result = conn.execute(
                crawl_jobs.insert().values(
                    portal=portal,
                    started_at=utcnow(),
                    status=status,
                    trigger=trigger,
                    options=json.dumps(options or {}),
                    log_path=log_path,
                    pid=pid,
                    error_reasons="{}",
                    error_urls="[]",
                    extraction_paths="{}",
                )
            )
            return int(result.inserted_primary_key[0])

    def update_job(self, job_id: int, **fields: Any) -> None:
        """Update a crawl job's columns (counts, status, stop reason…)."""
        for key in ("error_reasons", "error_urls", "options", "extraction_paths", "discovery"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False)
        with self.writer.begin() as conn:
            conn.execute(crawl_jobs.update().where(crawl_jobs.c.id == job_id).values(**fields))

    def finish_job(self, job_id: int, status: str, **fields: Any) -> None:
        """Close a crawl job with its final status and counts."""
        self.update_job(job_id, status=status, finished_at=utcnow(), **fields)

    def get_job(self, job_id: int) -> dict[str, Any] | None:
        """One crawl job, or None (also for an id no database integer can hold)."""
        if not 0 < job_id <= MAX_ROW_ID:
            return None  # a huge id from a URL would raise OverflowError in the driver
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(crawl_jobs).where(crawl_jobs.c.id == job_id)).first()
        return _row(row) if row else None

    def list_jobs(
        self, *, portal: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Crawl jobs, newest first."""
        query = sa.select(crawl_jobs).order_by(crawl_jobs.c.id.desc()).limit(limit)
        if portal:
            query = query.where(crawl_jobs.c.portal == portal)
        if status:
            query = query.where(crawl_jobs.c.status == status)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets the web app read while a crawl writes; foreign writers wait, not fail."""
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Start SQLite transactions ourselves: IMMEDIATE for writes, deferred for reads."""
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
