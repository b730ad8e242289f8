"""The archive store's entry point: ``ArchiveStore`` over SQLite or PostgreSQL
(SQLAlchemy Core): opening, schema migration, ``meta`` values, the change counter.

The tables are in :mod:`indexer.store.tables`; the operations, one module per group, are
parts (mixins) of ``ArchiveStore``: articles, reads, captures, site_pages, jobs, stories,
batches.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from indexer.config import db_url
from indexer.store.articles import ArticleWrites
from indexer.store.batches import WriteBatches
from indexer.store.captures import WarcCaptures
from indexer.store.columns import ColumnReads
from indexer.store.driver import DriverStatement
from indexer.store.errors import StoreError
from indexer.store.imports import ImportWrites
from indexer.store.jobs import CrawlJobs
from indexer.store.migrations import _LOCK_META_ROW, MIGRATIONS, lock_schema
from indexer.store.reads import ArticleReads
from indexer.store.site_pages import SitePages
from indexer.store.stories import StoryLinks
from indexer.store.tables import SCHEMA_VERSION, articles, meta_table, metadata

_SEL_MAX_SEQ = sa.select(sa.func.max(articles.c.seq))
_D_SEL_MAX_SEQ = DriverStatement(_SEL_MAX_SEQ)
SEQ_LOCK_KEY = 0x766E_6172_0001  # "vnar" 1: the PostgreSQL advisory lock of ``seq``
_PG_SEQ_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SEQ_LOCK_KEY)


class ArchiveStore(
    ArticleWrites,
    ImportWrites,
    StoryLinks,
    ArticleReads,
    ColumnReads,
    WarcCaptures,
    SitePages,
    CrawlJobs,
    WriteBatches,
):
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
        writer waiting here holds no lock another writer could wait on).  Inside a
        :meth:`batch` the lock is held from the first counter to the commit, so the
        next ones are counted without asking.
        """
        batch = self._open_batch()
        if batch is not None and batch.conn is conn and batch.seq is not None:
            batch.seq += 1  # the lock is held since the batch's first counter
            return batch.seq
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(_PG_SEQ_LOCK)
        elif dialect != "sqlite":
            conn.execute(_LOCK_META_ROW)
        current = int(_D_SEL_MAX_SEQ.scalar(conn, {}) or 0) + 1
        if batch is not None and batch.conn is conn:
            batch.seq = current
        return current

    def max_seq(self) -> int:
        """The highest change counter in the store (0 when empty)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(articles.c.seq))).scalar() or 0)


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
