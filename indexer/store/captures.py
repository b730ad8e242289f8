"""Where the archive's captures are: WARC extents and pointers, attachments to fetch."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from indexer.store.rows import WarcRef
from indexer.store.tables import articles, attachments, versions

_SEL_ATTACHMENT = sa.select(attachments.c.id).where(
    attachments.c.article_id == sa.bindparam("aid"), attachments.c.url == sa.bindparam("u")
)
_INS_ATTACHMENT = attachments.insert()


class WarcCaptures:
    """Where captures are in the WARC files, and attachments to fetch, a part of ``ArchiveStore``."""

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
            values.update(warc.columns())
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
