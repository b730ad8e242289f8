"""Storing captures made by other tools (``vnarchive import``), a part of ``ArchiveStore``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from indexer.store.articles import _D_INS_VERSION, _D_SEL_ALIAS
from indexer.store.driver import DriverStatement
from indexer.store.rows import WarcRef, _aware, _version_row, article_id_for
from indexer.store.tables import articles, versions
from indexer.text.words import ArticleWords

# built once (one per capture imported): building it cost more than running it
_SEL_HELD = sa.select(
    articles.c.id,
    articles.c.first_seen,
    articles.c.last_seen,
    articles.c.last_changed,
    articles.c.content_hash,
).where(articles.c.id == sa.bindparam("aid"))


_D_HELD = DriverStatement(sa.select(articles.c.id).where(articles.c.id == sa.bindparam("aid")))


class ImportWrites:
    """Storing captures made by other tools (``vnarchive import``), a part of ``ArchiveStore``."""

    def import_capture(
        self,
        article: Any,
        *,
        captured_at: datetime,
        province: str | None = None,
        district: str | None = None,
        warc: WarcRef | None = None,
        job_id: int | None = None,
        words: ArticleWords | Callable[[], ArticleWords] | None = None,
    ) -> tuple[str, str]:
        """Store a capture made by another tool at ``captured_at``; return (outcome, id).

        Outcomes as :meth:`upsert_article` (``new``, ``changed``, ``unchanged``,
        ``duplicate``) for a capture newer than what the archive holds, and for an older
        one: ``version`` (a text the article had before: added to its versions, the
        article itself unchanged) or ``duplicate`` (a text already held: nothing but an
        earlier ``first_seen``).  Re-importing the same capture changes nothing.
        ``words``: its segmentation (``indexer.text.words.segment_article``), stored with a
        newer text as :meth:`upsert_article` stores it; or a function that gives it, called
        only when the words are stored (an older capture, a duplicate or a text already
        segmented is not segmented again).  Inside a :meth:`batch`, one savepoint.
        """
        canonical = article.canonical_url or article.url
        with self._writing() as conn:
            found = _D_SEL_ALIAS.scalar(conn, {"u1": canonical, "u2": article.url})
            aid = found or article_id_for(canonical)
            # a capture of an article not held yet (most of an import) costs no typed read
            row = (
                conn.execute(_SEL_HELD, {"aid": aid}).first()
                if found or _D_HELD.rows(conn, {"aid": aid})
                else None
            )
            if row is None or captured_at >= _aware(row.last_seen):
                # no URL of the article linked and no row of its id: nothing to look up again
                fresh = found is None and row is None
                return self._upsert(
                    conn,
                    article,
                    None if fresh else self._existing(conn, article),
                    fresh=fresh,
                    province=province,
                    district=district,
                    warc=warc,
                    job_id=job_id,
                    now=captured_at,
                    words=words,
                )
            article_id = row.id
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
            _D_INS_VERSION.execute(
                conn, _version_row(article_id, captured_at, article, warc, job_id)
            )
        return "version", article_id

    def warc_offsets(self, warc_file: str) -> set[int]:
        """The offsets of the records in ``warc_file`` that an article or version points at
        (what an import of that file already stored)."""
        with self._reading() as conn:
            return {
                int(offset)
                for table in (articles, versions)
                for (offset,) in conn.execute(
                    sa.select(table.c.warc_offset).where(
                        table.c.warc_file == warc_file, table.c.warc_offset.is_not(None)
                    )
                )
            }
