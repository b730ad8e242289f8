"""Copies of one story on several portals (``indexer.text.stories``), a part of ``ArchiveStore``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from indexer.store.driver import DriverStatement
from indexer.store.tables import articles
from indexer.text.stories import same_story, story_key

# built once: building the statement cost more than running it (one per article stored)
_SEL_COPIES = (
    sa.select(articles.c.id, articles.c.story_id, articles.c.body_text)
    .where(
        articles.c.story_key == sa.bindparam("key"),
        articles.c.portal != sa.bindparam("portal"),
    )
    .order_by(articles.c.first_seen, articles.c.id)
    .limit(20)
)
_D_SEL_COPIES = DriverStatement(_SEL_COPIES)


class StoryLinks:
    """Copies of one story on several portals (``indexer.text.stories``), a part of
    ``ArchiveStore``.
    """

    @staticmethod
    def _story_of(
        conn: Connection, key: str | None, portal: str | None, body: str | None
    ) -> str | None:
        """The story id of an archived copy of this story on another portal, or None."""
        if not key:
            return None
        rows = _D_SEL_COPIES.rows(conn, {"key": key, "portal": portal or ""})
        for copy, story, text in rows:
            if same_story(body, text):
                return story or copy
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
