"""Reading articles, versions and attachments, a part of ``ArchiveStore``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import sqlalchemy as sa

from indexer.store.columns import _ATTACHMENTS_OF
from indexer.store.rows import _article_columns, _aware, _row
from indexer.store.tables import article_urls, articles, attachments, crawl_jobs, versions


class ArticleReads:
    """Reading articles, versions and attachments, a part of ``ArchiveStore``."""

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
