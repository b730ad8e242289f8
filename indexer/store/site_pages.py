"""The pages of a portal that are not articles (validators and links), a part of ``ArchiveStore``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from indexer.store.rows import _row, utcnow
from indexer.store.tables import site_pages


class SitePages:
    """The pages of a portal that are not articles (validators and links), a part of
    ``ArchiveStore``.
    """

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
