"""The Whoosh schema of the search index, and how an archived article becomes a document.

Text fields come in pairs: ``title``/``body`` hold syllables with their
diacritics (exact matches, ranked first), ``title_f``/``body_f`` the folded
twins (matches for queries typed without diacritics).  ``title_bi_f`` and
``body_bi_f`` hold the neighbouring syllable pairs (folded), so phrases and
adjacency are term lookups instead of Whoosh's slow position checks: a phrase
matches where all its neighbouring pairs occur (``"a b c"``: ``a b`` and ``b c``),
and an exact phrase also needs its exact syllables.  Every posting costs indexing
time (Whoosh's posting pool is pure Python), hence no positions and no exact
bigram field.  Filters and facets use
keyword fields: ``portal``, ``province_key``/``district_key``/``category_key``
(folded, lowercase, so ``quang binh`` filters ``Quảng Bình``), ``pubday``
(``YYYYMMDD``) and ``year``; places and topics: see :mod:`indexer.search.placeindex`.  ``newest``/``oldest`` are sort keys (articles
without a date sort last either way).

``title_w``/``body_w`` hold the article's compounds as underthesea segmented
them (``indexer.text.words``, stored with the article), ``title_wf``/``body_wf`` the
same folded: a query's syllables found there as one word are a real compound
(``Bộ trưởng``), not an accidental adjacency (``cán bộ | trưởng thôn``).

``SCHEMA_VERSION`` changes whenever a field changes; the writer rebuilds an
index built with another version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from indexer.search.analysis import bigram_analyzer, exact_analyzer, folded_analyzer, word_analyzer
from indexer.search.placeindex import index_fields as place_fields
from indexer.search.placeindex import place_document
from indexer.text import fold_lower, normalize

SCHEMA_VERSION = 7
MAX_BODY_CHARS = 300_000  # crawled text is hostile: bound what one article puts in the index
MAX_TITLE_CHARS = 1_000
_NO_DATE_OLDEST = 999_999_999_999
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


def build_schema() -> Schema:
    """A new instance of the index schema."""
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        story_id=ID(stored=True),  # copies of one story on several portals share it
        url=STORED(),
        portal=ID(stored=True, sortable=True),
        province=STORED(),
        province_key=ID(),
        district=STORED(),
        district_key=ID(),
        category=ID(stored=True, sortable=True),
        category_key=ID(),
        published=STORED(),
        # signed: whoosh-reloaded 2.7.5 answers ranges on unsigned NUMERIC fields wrongly
        pubday=NUMERIC(int, bits=32, signed=True),
        year=ID(sortable=True),
        newest=NUMERIC(int, bits=64, signed=True, sortable=True),
        oldest=NUMERIC(int, bits=64, signed=True, sortable=True),
        title=TEXT(analyzer=exact_analyzer(), stored=True, phrase=False),
        title_f=TEXT(analyzer=folded_analyzer(), phrase=False),
        title_bi_f=TEXT(analyzer=bigram_analyzer(folded=True), phrase=False),
        body=TEXT(analyzer=exact_analyzer(), stored=True, phrase=False),
        body_f=TEXT(analyzer=folded_analyzer(), phrase=False),
        body_bi_f=TEXT(analyzer=bigram_analyzer(folded=True), phrase=False),
        title_w=TEXT(analyzer=word_analyzer(), phrase=False),
        title_wf=TEXT(analyzer=word_analyzer(folded=True), phrase=False),
        body_w=TEXT(analyzer=word_analyzer(), phrase=False),
        body_wf=TEXT(analyzer=word_analyzer(folded=True), phrase=False),
        **place_fields(),  # places old → new and topics (indexer.search.placeindex)
    )


def facet_key(value: str | None) -> str:
    """The key a place or category name is filtered by: normalised, folded, lowercase."""
    return fold_lower(normalize(value or ""))


def date_keys(published: str | None) -> tuple[int, int, str] | None:
    """``(pubday YYYYMMDD, sort key YYYYMMDDHHMM, year)`` of an ISO date, or None."""
    match = _ISO.match(published or "")
    if not match:
        return None
    year, month, day, hour, minute = match.groups()
    pubday = int(f"{year}{month}{day}")
    return pubday, pubday * 10_000 + int(hour or 0) * 100 + int(minute or 0), year


def _summary_indexed(summary: str, body: str) -> bool:
    return bool(summary) and summary not in body[: len(summary) + 200]


def indexed_body(article: dict[str, Any], attachment_names: Iterable[str] = ()) -> str:
    """The searchable text of an article: summary (unless the body starts with it), body, files."""
    body = normalize(article.get("body_text") or "", multiline=True)
    summary = normalize(article.get("summary") or "")
    parts = []
    if _summary_indexed(summary, body):
        parts.append(summary)
    if body:
        parts.append(body)
    names = [normalize(n) for n in attachment_names if n]
    if names:
        parts.append("Tệp đính kèm: " + "; ".join(names))
    return "\n\n".join(parts)[:MAX_BODY_CHARS]


def indexed_words(article: dict[str, Any]) -> dict[str, str]:
    """The stored segmentations the word fields read: ``{"title": …, "body": …}``.

    The body's is the summary's (when the summary is indexed) and the body's.
    """
    body_words = article.get("body_words") or ""
    summary = article.get("summary") or ""  # stored texts are normalised already
    if article.get("summary_words") and _summary_indexed(summary, article.get("body_text") or ""):
        body_words = f"{article.get('summary_words') or ''}\n{body_words}"
    return {"title": article.get("title_words") or "", "body": body_words}


def article_document(
    article: dict[str, Any], attachment_names: Iterable[str] = ()
) -> dict[str, Any]:
    """The index document of an archived article (a row of ``ArchiveStore``)."""
    title = normalize(article.get("title") or "")[:MAX_TITLE_CHARS]
    body = indexed_body(article, attachment_names)
    doc: dict[str, Any] = {
        "id": article["id"],
        "story_id": article.get("story_id") or article["id"],
        "url": article.get("url") or "",
        "portal": article.get("portal") or "",
        "province": article.get("province") or "",
        "district": article.get("district") or "",
        "published": article.get("published") or "",
        "title": title,
        "title_f": title,
        "title_bi_f": title,
        "body": body,
        "body_f": body,
        "body_bi_f": body,
    }
    words = indexed_words(article)
    for name, value in words.items():
        if value:
            doc[f"{name}_w"] = doc[f"{name}_wf"] = value
    for name in ("province", "district", "category"):
        value = normalize(article.get(name) or "")
        if value:
            doc[f"{name}_key"] = facet_key(value)
    category = normalize(article.get("category") or "")
    if category:
        doc["category"] = category
    keys = date_keys(article.get("published"))
    if keys:
        doc["pubday"], doc["newest"], doc["year"] = keys
        doc["oldest"] = doc["newest"]
    else:
        doc["newest"], doc["oldest"] = 0, _NO_DATE_OLDEST
    doc.update(place_document(article))
    return doc
