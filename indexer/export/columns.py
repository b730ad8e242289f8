"""An export's data as column batches: read from the store (for a text query, the index's ids),
shaped per field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexer.export.citation import permalinks
from indexer.export.fields import Columns
from indexer.export.request import (
    BATCH_SIZE,
    STORE_COLUMNS,
    ExportRequest,
    _matching_ids,
    _store_filters,
)
from indexer.search.placeindex import stored_places
from indexer.store.archive import ArchiveStore
from indexer.text.places import article_place_summary
from indexer.text.topics import topic_for


def _normal_place(place: dict[str, Any]) -> dict[str, Any]:
    return {
        "level": place.get("level"),
        "old": place.get("old"),
        "new": place.get("new"),
        "change": place.get("change"),
        "uncertain": bool(place.get("uncertain")),
    }


def _export_columns(
    raw: Columns, found: dict[str, list[dict[str, Any]]], fields: Sequence[str], base: str
) -> Columns:
    """The export fields ``fields`` of one batch, column by column, from the store's
    columns ``raw`` and the batch's attachments ``found`` (by article id).

    Only the fields asked for are computed: places, topics and the place summary cost
    more than reading a row and are optional fields.
    """
    ids = raw["id"]
    out: Columns = {}
    stored_list: list[list[dict[str, Any]]] | None = None
    for name in fields:
        if name in raw and name not in ("places", "story_id"):
            out[name] = raw[name]
        elif name == "capture_time":
            out[name] = raw["last_changed"]
        elif name == "archive_url":
            out[name] = permalinks(raw["url"], raw["last_changed"], base)
        elif name == "attachments":
            out[name] = [found.get(i) or [] for i in ids]
        elif name == "published_precision":
            out[name] = [
                None if not p else ("minute" if "T" in p else "day") for p in raw["published"]
            ]
        elif name == "story_id":
            out[name] = [s or i for s, i in zip(raw["story_id"], ids, strict=True)]
        elif name == "topic":
            out[name] = [topic_for(c) for c in raw["category"]]
        else:  # places, province_now, commune_now: from the places stored at crawl time
            if stored_list is None:  # not computed here: `vnarchive places refresh`
                stored_list = [stored_places({"places": p}) or [] for p in raw["places"]]
            if name == "places":
                out[name] = [[_normal_place(p) for p in ps] for ps in stored_list]
            else:
                out[name] = [
                    article_place_summary(ps, province)[name]
                    for ps, province in zip(stored_list, raw["province"], strict=True)
                ]
    return out


def _rows_of(columns: Columns) -> list[dict[str, Any]]:
    """The rows (dicts) of a batch of columns."""
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


# The store columns each export field is made of (a field not named here is the column
# of its name): only those of the fields asked for are read.
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "capture_time": ("last_changed",),
    "archive_url": ("url", "last_changed"),
    "published_precision": ("published",),
    "attachments": (),
    "topic": ("category",),
    "places": ("places",),
    "province_now": ("places", "province"),
    "commune_now": ("places", "province"),
}


def _store_columns(fields: Sequence[str]) -> tuple[str, ...]:
    """The columns of :data:`STORE_COLUMNS` the export of ``fields`` reads (``id`` always)."""
    wanted = {"id"}
    for name in fields:
        wanted.update(_FIELD_COLUMNS.get(name, (name,)))
    return tuple(c for c in STORE_COLUMNS if c in wanted)


# The long texts: read as UTF-8 bytes by the renderers that can write them so (CSV,
# Parquet), never decoded nor encoded again: half the CPU time of a CSV export.
BYTES_FIELDS = ("title", "summary", "body_text")


def iter_export_columns(
    store: ArchiveStore,
    request: ExportRequest,
    *,
    index_dir: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
    text_as_bytes: bool = False,
) -> Iterator[Columns]:
    """Batches of the export for ``request`` as columns (every field of
    ``request.fields``, in order), in export order; empty batches are skipped.

    Instants are ISO 8601 UTC text (``…Z``); with ``text_as_bytes`` the fields of
    :data:`BYTES_FIELDS` are UTF-8 bytes.
    """
    read = {"as_bytes": BYTES_FIELDS if text_as_bytes else (), "instants": "text"}
    columns = _store_columns(request.fields)

    def shaped(raw: Columns) -> Columns:
        found: dict[str, list[dict[str, Any]]] = {}
        if "attachments" in request.fields:
            found = store.attachment_links(raw["id"])
        return _export_columns(raw, found, request.fields, request.archive_base)

    if not request.query:
        filters = _store_filters(store, request)
        for raw in store.iter_article_columns(columns, **filters, batch_size=batch_size, **read):
            yield shaped(raw)
        return
    pending: list[str] = []
    for article_id in _matching_ids(request, index_dir):
        pending.append(article_id)
        if len(pending) >= batch_size:
            raw = store.article_columns_by_ids(pending, columns, **read)
            if raw["id"]:
                yield shaped(raw)
            pending = []
    if pending:
        raw = store.article_columns_by_ids(pending, columns, **read)
        if raw["id"]:
            yield shaped(raw)


def iter_export_batches(
    store: ArchiveStore,
    request: ExportRequest,
    *,
    index_dir: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export rows (dicts of ``request.fields``) for ``request``, in export order
    (instants as ISO 8601 UTC text)."""
    for columns in iter_export_columns(store, request, index_dir=index_dir, batch_size=batch_size):
        yield _rows_of(columns)
