"""Schema migrations of the archive store (``MIGRATIONS[n]`` upgrades n to n+1) and the lock every
schema change takes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from indexer.store.tables import meta_table

# Ordered migrations: MIGRATIONS[n] upgrades a store at version n to n+1.  Plain SQL
# that SQLite and PostgreSQL both accept; a new column also goes into its Table in
# indexer.store.tables
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
    # 3 -> 4: the places an article names (indexer.text.places); NULL until computed
    3: ["ALTER TABLE articles ADD COLUMN places TEXT"],
    # 4 -> 5: the stored word segmentation of each article (indexer.text.words); NULL until
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
SCHEMA_LOCK_KEY = 0x766E_6172_0002  # "vnar" 2: the one of schema changes
# Other server databases: the schema_version row of ``meta``, locked until commit.
_LOCK_META_ROW = (
    sa.select(meta_table.c.key).where(meta_table.c.key == "schema_version").with_for_update()
)


def lock_schema(conn: Connection) -> None:
    """Serialise schema changes (create tables, migrate) of processes opening one store.

    PostgreSQL: two transactions creating the same table at once make one fail, so each
    takes a transaction-level advisory lock first and then sees the other's tables.
    SQLite: write transactions begin IMMEDIATE, which serialises them already.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
