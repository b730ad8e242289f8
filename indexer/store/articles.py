"""Writing articles: new, changed and unchanged captures, imports, aliases, words, places, gone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from indexer.store.captures import _INS_ATTACHMENT, _SEL_ATTACHMENT
from indexer.store.driver import DriverStatement
from indexer.store.rows import (
    WORD_COLUMNS,
    WarcRef,
    _version_row,
    _words_columns,
    article_id_for,
    utcnow,
)
from indexer.store.tables import article_urls, articles, versions
from indexer.text.stories import story_key
from indexer.text.words import ArticleWords

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
_SEL_URL = sa.select(article_urls.c.article_id).where(article_urls.c.url == sa.bindparam("u"))
_INS_URL = article_urls.insert()
_INS_ARTICLE = articles.insert()
_INS_VERSION = versions.insert()
# the same, straight to the driver (indexer.store.driver): one article is about eight
# statements, and SQLAlchemy's own work per statement cost more than SQLite's
_D_SEL_ALIAS = DriverStatement(_SEL_ALIAS)
_D_SEL_TWIN = DriverStatement(_SEL_TWIN)
_D_SEL_URL = DriverStatement(_SEL_URL)
_D_INS_URL = DriverStatement(_INS_URL, ["url", "article_id", "kind"])
_D_INS_ARTICLE = DriverStatement(_INS_ARTICLE, [c.name for c in articles.columns])
_D_INS_VERSION = DriverStatement(_INS_VERSION, [c.name for c in versions.columns if c.name != "id"])


class ArticleWrites:
    """The write path of articles (crawl and import), a part of ``ArchiveStore``."""

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
        (``indexer.text.words.segment_article``), stored with a new or changed text (and
        with an unchanged one stored without it).
        """
        with self._writing() as conn:
            return self._upsert(
                conn,
                article,
                self._existing(conn, article),
                province=province,
                district=district,
                warc=warc,
                job_id=job_id,
                etag=etag,
                last_modified=last_modified,
                now=seen_at or utcnow(),
                words=words,
            )

    def _upsert(
        self,
        conn: Connection,
        article: Any,
        existing: sa.Row[Any] | None,
        *,
        fresh: bool = False,
        province: str | None,
        district: str | None,
        warc: WarcRef | None,
        job_id: int | None,
        etag: str | None = None,
        last_modified: str | None = None,
        now: datetime,
        words: ArticleWords | Callable[[], ArticleWords] | None,
    ) -> tuple[UpsertOutcome, str]:
        """:meth:`upsert_article` in ``conn``, given the stored state ``existing``
        (:meth:`_existing`).  ``fresh``: the caller knows that neither URL of the article
        is linked to any article (the lookups that cannot hit are skipped).  ``words``
        may be a function, called only when the words are stored."""
        canonical = article.canonical_url or article.url
        article_id = existing.id if existing is not None else article_id_for(canonical)
        if existing is None and article.body_text:
            twin = self._twin(conn, article)
            if twin is not None:
                self._link_url(conn, article.url, twin, "duplicate", fresh=fresh)
                if canonical != article.url:
                    self._link_url(conn, canonical, twin, "duplicate", fresh=fresh)
                conn.execute(articles.update().where(articles.c.id == twin).values(last_seen=now))
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
        changed = existing is None or existing.content_hash != article.content_hash
        if callable(words):  # segment only what is stored with its words
            words = words() if changed or not existing.segmented else None
        # a new text without its segmentation must not keep the old text's
        fields.update(_words_columns(words) if words else dict.fromkeys(WORD_COLUMNS))
        if warc is not None:
            fields.update(warc.columns())
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
            _D_INS_ARTICLE.execute(conn, row)
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
                update.update(warc.columns())
            if words is not None and not existing.segmented:
                update.update(_words_columns(words))
            if etag or last_modified:
                update.update(etag=etag, last_modified=last_modified)
            if existing.status != "live":
                update["seq"] = self._next_seq(conn)
            conn.execute(articles.update().where(articles.c.id == article_id).values(update))
        if outcome != "unchanged":
            _D_INS_VERSION.execute(conn, _version_row(article_id, now, article, warc, job_id))
        self._link_url(conn, canonical, article_id, "canonical", fresh=fresh)
        if article.url != canonical:
            self._link_url(conn, article.url, article_id, "alias", fresh=fresh)
        # a fresh article has no attachment rows yet: only its own list repeats a URL
        listed: set[str] = set()
        for att in article.attachments:
            if fresh:
                exists = att.url if att.url in listed else None
                listed.add(att.url)
            else:
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
            alias = _D_SEL_ALIAS.scalar(conn, {"u1": canonical, "u2": article.url})
            if alias is not None:
                existing = conn.execute(_SEL_ARTICLE_STATE, {"aid": alias}).first()
        return existing

    @staticmethod
    def _twin(conn: Connection, article: Any) -> str | None:
        """The article of the portal that already holds this title and text (with no
        date or a date of the same day), or None."""
        day = (article.published or "")[:10]
        for twin, portal, title, published in _D_SEL_TWIN.rows(
            conn, {"hash": article.content_hash}
        ):
            if (
                portal == article.portal
                and title == article.title
                and (not day or published is None or published[:10] == day)
            ):
                return twin
        return None

    def needs_words(self, article: Any) -> bool:
        """Whether storing ``article`` would store a text not segmented yet (new or changed
        text, or a stored one without segmentation): the crawl segments only then.  The
        same text under another canonical URL of the portal stores nothing (``duplicate``)."""
        with self._reading() as conn:
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
        with self._writing() as conn:
            for article_id, words in words_by_id.items():
                conn.execute(
                    articles.update()
                    .where(articles.c.id == article_id)
                    .values(_words_columns(words))
                )

    @staticmethod
    def _link_url(
        conn: Connection, url: str, article_id: str, kind: str, *, fresh: bool = False
    ) -> None:
        """Link ``url`` to the article unless it is linked already (``fresh``: known not to be)."""
        found = None if fresh else _D_SEL_URL.scalar(conn, {"u": url})
        if found is None:
            _D_INS_URL.execute(conn, {"url": url, "article_id": article_id, "kind": kind})

    def link_url(self, url: str, article_id: str, kind: str = "alias") -> None:
        """Record another URL an article is reachable under (kept if already linked)."""
        with self._writing() as conn:
            self._link_url(conn, url, article_id, kind)

    def date_from_listing(self, article_id: str, published: str) -> bool:
        """Give an archived article without a date the one its listing shows; True if set.

        Some templates print an article's date only on listings, and a crawl may read
        the article before its listing.  The date fills ``published`` (source
        ``listing``) of an article that has none, never replaces one; the text did not
        change, so no version is added (the versions keep what each capture showed),
        and ``seq`` moves so the indexer picks the date up.
        """
        with self._writing() as conn:
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
        with self._writing() as conn:
            status = conn.execute(
                sa.select(articles.c.status).where(articles.c.id == article_id)
            ).scalar()
            if status is None:
                return
            if status != "live":
                values.update(status="live", seq=self._next_seq(conn))
            conn.execute(articles.update().where(articles.c.id == article_id).values(values))

    def mark_gone(self, article_id: str) -> bool:
        """Flag an article as gone from its portal (it stays in the store); True if it changed."""
        with self._writing() as conn:
            result = conn.execute(
                articles.update()
                .where(articles.c.id == article_id, articles.c.status != "gone")
                .values(status="gone", seq=self._next_seq(conn))
            )
            return bool(result.rowcount)

    def set_places(self, places_by_id: dict[str, list[dict[str, Any]]]) -> int:
        """Store recomputed places of articles (one transaction); bumps ``seq`` of the rows
        whose places changed, so the indexer picks them up.  Returns how many changed."""
        changed = 0
        with self._writing() as conn:
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
