"""Rows of the archive store as Python values: ids, times, JSON columns, WARC pointers, stored
words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from indexer.store.tables import articles
from indexer.text.words import ArticleWords

WORD_COLUMNS = ("title_words", "summary_words", "body_words")


def _words_columns(words: ArticleWords) -> dict[str, str]:
    """The store columns of an article's segmentation."""
    return {
        "title_words": words.title,
        "summary_words": words.summary,
        "body_words": words.body,
    }


@dataclass(frozen=True)
class WarcRef:
    """Where a capture lives: a WARC file, the record's offset and length, its record id."""

    file: str
    offset: int
    length: int | None = None
    record_id: str | None = None

    def columns(self) -> dict[str, Any]:
        """The row's WARC pointer columns (articles and attachments name them alike)."""
        return {
            "warc_file": self.file,
            "warc_offset": self.offset,
            "warc_length": self.length,
            "warc_record_id": self.record_id,
        }


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
