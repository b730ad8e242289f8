"""Dataset export: the articles of any query as CSV, JSONL or Parquet, streamed.

One row per article, the fields of :data:`FIELDS` (``--fields`` picks a subset).
Rows come from the archive store in batches and each format is a small
streaming renderer registered by name (:data:`RENDERERS`), so memory stays flat
whatever the size of the export:

``csv``      RFC 4180 (``,``, ``"`` quoting, CRLF records; newlines inside bodies kept
             in quoted cells); ``attachments`` is a JSON array; nulls are empty cells.
             ``excel=True`` adds a UTF-8 BOM and neutralises formula injection.
``jsonl``    one JSON object per line (UTF-8, ``\\n``); nulls are ``null``.
``parquet``  typed columns (timestamps, list<struct<url, name>>, int64), zstd, written
             one row group per ~8 MB of data with ``pyarrow.parquet.ParquetWriter``.

Types, per field:

- ``published``: one type in every format, a timestamp with its time zone: ISO 8601
  ``YYYY-MM-DDTHH:MM:SS+07:00`` in text formats, ``timestamp[ms, tz=+07:00]`` in Parquet.
  A day-only date is midnight Vietnam time; ``published_precision`` (``day`` / ``minute``,
  always exported with ``published``) tells them apart.
- ``first_seen``, ``last_seen``, ``last_changed``, ``capture_time``: UTC instants — ISO
  8601 with ``Z`` in text formats, ``timestamp[us, tz=UTC]`` in Parquet.

Where rows come from (:func:`iter_export_batches`): no query and no filter → the
whole store in ``seq`` order; filters only → a filtered SQL select, ``seq`` order;
a text query → the ids of every match from the search index, in result order, and
their rows from the store in batches.  Store exports hold every archived article,
``gone`` ones too (the optional ``status`` field tells them apart); the search
index, hence a query's export, holds live articles only.

How it stays fast (issue 14): batches travel as columns (field -> values) from the
store's cursor to the renderer, with no row objects; only the fields asked for are
computed; instants come as ISO 8601 text; the long texts (:data:`BYTES_FIELDS`) stay the
UTF-8 bytes SQLite holds, quoted for CSV and escaped for JSON as bytes, never decoded;
JSON is written by orjson (the bytes ``json.dumps`` writes).

Beside each export a Frictionless Data Package descriptor
(``<file>.datapackage.json``, :func:`datapackage`) records every field (type,
meaning), the query and filters, the row count, the export time, the file's
size and SHA-256 and the vnarchive version.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, ClassVar

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from indexer.citation import permalink
from indexer.placeindex import stored_places
from indexer.places import article_place_summary
from indexer.store import ArchiveStore
from indexer.text import fold, normalize
from indexer.topics import topic_for

__all__ = [
    "DEFAULT_FIELDS",
    "FIELDS",
    "RENDERERS",
    "ExportError",
    "ExportRequest",
    "ExportResult",
    "Renderer",
    "count_export_rows",
    "csv_quote",
    "datapackage",
    "check_export",
    "content_disposition",
    "excel_safe",
    "export_filename",
    "iter_export_batches",
    "iter_export_columns",
    "parse_fields",
    "register_renderer",
    "stream_export",
    "write_datapackage",
    "write_export",
]

VN_TZ = timezone(timedelta(hours=7))
ROW_GROUP_BYTES = 8 * 1024 * 1024  # Parquet: flush a row group at about this much data
BATCH_SIZE = 500  # rows read from the store at a time


class ExportError(ValueError):
    """An export cannot be made as asked (unknown format or field, bad filter value)."""


# -- the fields -------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One exported field: its meaning, its Frictionless type and its Arrow type."""

    name: str
    description: str
    text_type: str  # Frictionless type in CSV / JSONL
    parquet_type: str  # Frictionless type in Parquet
    arrow: pa.DataType


_ATTACHMENT = pa.struct([("url", pa.string()), ("name", pa.string())])
_UTC_TS = pa.timestamp("us", tz="UTC")
_PLACE = pa.struct(
    [
        ("level", pa.string()),
        ("old", pa.string()),
        ("new", pa.string()),
        ("change", pa.string()),
        ("uncertain", pa.bool_()),
    ]
)

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "id",
            "Stable article id: first 16 hex digits of the SHA-1 of the canonical URL.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec("url", "URL the article was captured from.", "string", "string", pa.string()),
        FieldSpec(
            "portal",
            "Id of the portal profile it was crawled with.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "province",
            "Province of the portal (pre-July-2025 name, as on the portal).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "district",
            "District of the portal, empty for province-level portals.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "category",
            "Section of the portal the article was listed in.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "published",
            "Publication date and time printed on the page, as a timestamp in Vietnam "
            "time (+07:00; ISO 8601 YYYY-MM-DDTHH:MM:SS+07:00 in CSV and JSONL). When the "
            "page gave only a day it is midnight of that day (published_precision: day). "
            "Empty when the page gave no date.",
            "datetime",
            "datetime",
            pa.timestamp("ms", tz="+07:00"),
        ),
        FieldSpec(
            "published_precision",
            "How precise 'published' is: 'day' (the page gave a date only) or 'minute'; "
            "empty when there is no date.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "title",
            "Title of the article (normalised Unicode NFC).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec("author", "Author named on the page, if any.", "string", "string", pa.string()),
        FieldSpec(
            "credit",
            "Source credit ending the article (e.g. 'Theo Báo Đắk Nông điện tử'), if any.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "summary",
            "Lead paragraph (sapo), if the page has one.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "body_text",
            "Clean main text; paragraphs separated by a blank line (newlines kept).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "attachments",
            "Files linked from the article: a list of {url, name} objects (a JSON array in "
            "CSV and JSONL; list<struct<url: string, name: string>> in Parquet).",
            "array",
            "any",  # no Table Schema type for a Parquet list<struct> (readers give arrays)
            pa.list_(_ATTACHMENT),
        ),
        FieldSpec(
            "first_seen",
            "When vnarchive first captured the article (UTC).",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "last_seen",
            "When vnarchive last saw it on the portal (UTC).",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "last_changed",
            "When its text last changed (UTC); earlier texts stay in the archive.",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "capture_time",
            "When the capture holding this text was taken (UTC): the instant in archive_url.",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "archive_url",
            "Permalink of this capture in the archive's web app, Wayback style: "
            "<app>/web/<YYYYMMDDhhmmss>/<url> (the app's address: VNARCHIVE_PUBLIC_URL "
            "for command-line exports, the serving address for web exports).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "warc_file",
            "WARC file holding the raw capture, relative to the vnarchive data directory "
            "($VNARCHIVE_DATA), e.g. warc/<portal>/<job>.warc.gz.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "warc_offset",
            "Byte offset of the capture's record in warc_file.",
            "integer",
            "integer",
            pa.int64(),
        ),
        FieldSpec(
            "story_id",
            "Id of the story this article is a copy of: the same text published on several "
            "portals shares one story_id (the id of the first copy archived); an article "
            "published once has its own id.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "status",
            "'live', or 'gone' once the portal stopped serving it (it stays archived); "
            "not exported unless asked for.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "topic",
            "Topic of the category, one list across portals (data/topics.toml); an unmapped "
            "category is its own topic.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "places",
            "Administrative units the article names, before and after the 1 July 2025 "
            "reform: a list of {level, old, new, change, uncertain} (a JSON array in CSV and "
            "JSONL, a list of structs in Parquet); change is unchanged, renamed, merged or split.",
            "array",
            "any",  # no Table Schema type for a Parquet list<struct> (readers give arrays)
            pa.list_(_PLACE),
        ),
        FieldSpec(
            "province_now",
            "Province of the portal after the 1 July 2025 reform (Đắk Nông -> Lâm Đồng).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "commune_now",
            "The commune (after the reform) the article names most, when certain.",
            "string",
            "string",
            pa.string(),
        ),
    )
}

# exported only when asked for (--fields)
OPTIONAL_FIELDS = (
    "status",
    "topic",
    "places",
    "province_now",
    "commune_now",
)
DEFAULT_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if name not in OPTIONAL_FIELDS)


def parse_fields(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """The fields to export from ``"a,b,c"`` (or a list); None/empty → the default fields.

    Raises :class:`ExportError` naming the unknown fields and listing the valid ones.
    """
    if value is None:
        return DEFAULT_FIELDS
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        return DEFAULT_FIELDS
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise ExportError(
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid fields: {', '.join(FIELDS)}"
        )
    seen: dict[str, None] = dict.fromkeys(names)  # keep order, drop repeats
    if "published" in seen and "published_precision" not in seen:
        # a day-only date and midnight look alike without it: it goes with 'published'
        at = list(seen).index("published") + 1
        return (*list(seen)[:at], "published_precision", *list(seen)[at:])
    return tuple(seen)


# -- what to export -----------------------------------------------------------


def _search_dates(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Date filter bounds as ``YYYY-MM-DD``, read exactly as the search reads them.

    ``YYYY`` and ``YYYY-MM`` cover their whole span, ``dd/mm/yyyy`` is accepted; a bad
    value or a start after the end raises :class:`ExportError`.
    """
    if not date_from and not date_to:
        return None, None
    from indexer.query import QueryError, SearchParams

    try:
        params = SearchParams(date_from=date_from, date_to=date_to).validated()
    except QueryError as exc:
        raise ExportError(exc.message) from None
    return params.date_from, params.date_to


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a text query and the search filters, which fields, Excel mode."""

    query: str = ""
    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str | None = None
    fields: tuple[str, ...] = DEFAULT_FIELDS
    excel: bool = False
    archive_base: str = ""  # the web app's address, base of each row's archive_url
    exact: bool = False  # strict accents (indexer.query.SearchParams.exact)

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", normalize(self.query or ""))
        for name in ("portal", "province", "category"):
            value = getattr(self, name)
            object.__setattr__(self, name, normalize(value) or None if value else None)
        date_from, date_to = _search_dates(self.date_from, self.date_to)
        object.__setattr__(self, "date_from", date_from)
        object.__setattr__(self, "date_to", date_to)
        object.__setattr__(self, "fields", parse_fields(list(self.fields)))

    def filters(self) -> dict[str, str]:
        """The filters that are set, by their search parameter name."""
        values = {
            "portal": self.portal,
            "province": self.province,
            "category": self.category,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
        return {k: v for k, v in values.items() if v}


def _search_params(request: ExportRequest, **extra: Any) -> Any:
    from indexer.query import SearchParams

    return SearchParams(
        q=request.query,
        portal=request.portal,
        province=request.province,
        category=request.category,
        date_from=request.date_from,
        date_to=request.date_to,
        exact=request.exact,
        **({"sort": request.sort} if request.sort else {}),
        **extra,
    )


def _index_kwargs(index_dir: str | Path | None) -> dict[str, Any]:
    return {"index_dir": Path(index_dir)} if index_dir is not None else {}


def _matching_ids(request: ExportRequest, index_dir: str | Path | None) -> Iterator[str]:
    """Every id matching the text query (and filters) from the search index, in result order."""
    try:
        from indexer import query as query_module
    except ImportError:  # pragma: no cover - only before the index module exists
        raise ExportError("text queries need the search index module (indexer.query)") from None
    iterate = getattr(query_module, "iter_matching_ids", None)
    if iterate is None:  # pragma: no cover - depends on the index module's version
        raise ExportError("this vnarchive's search index cannot list all matches of a query")
    return iter(iterate(_search_params(request), **_index_kwargs(index_dir)))


def _store_filters(store: ArchiveStore, request: ExportRequest) -> dict[str, Any]:
    """The request's filters for the store, matching values the way the search does.

    The search matches a province or category by its folded key (``dak nong`` finds
    ``Đắk Nông``), a province also by its name after the 2025 reform (``Lâm Đồng`` finds
    ``Đắk Nông``): the stored values with such a key are looked up and matched exactly.
    """
    from indexer.placeindex import province_filter_keys, province_keys
    from indexer.schema import facet_key

    filters: dict[str, Any] = request.filters()
    if "category" in filters:
        key = facet_key(filters["category"])
        filters["category"] = [v for v in store.distinct_values("category") if facet_key(v) == key]
    if "province" in filters:  # by its name before or after the 2025 reform, as the search
        wanted = set(province_filter_keys(filters["province"]))
        filters["province"] = [
            v for v in store.distinct_values("province") if wanted & set(province_keys(v))
        ]
    return filters


def count_export_rows(
    store: ArchiveStore, request: ExportRequest, *, index_dir: str | Path | None = None
) -> int | None:
    """How many rows the export will have (None when it cannot be known cheaply)."""
    if not request.query:
        return store.count_articles_matching(**_store_filters(store, request))
    try:
        from indexer.query import search

        result = search(_search_params(request, page=1, per_page=1), **_index_kwargs(index_dir))
    except Exception:  # a count is only for the progress bar; the export reports errors
        return None
    total = result.get("total") if isinstance(result, dict) else None
    return int(total) if isinstance(total, int) else None


# The store columns an export row is made of (not the images, hashes, WARC record ids or
# the stored word segmentation, which is as large as the text): reading every column
# cost ~15 % more CPU on an archive without stored words, more with them.
STORE_COLUMNS = (
    "id",
    "url",
    "portal",
    "province",
    "district",
    "category",
    "published",
    "title",
    "author",
    "credit",
    "summary",
    "body_text",
    "first_seen",
    "last_seen",
    "last_changed",
    "warc_file",
    "warc_offset",
    "status",
    "places",
    "story_id",
)

Columns = dict[str, list[Any]]  # one batch of an export: field name -> its values, in order


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
            out[name] = [
                permalink(url, captured, base) if captured else None
                for url, captured in zip(raw["url"], raw["last_changed"], strict=True)
            ]
        elif name == "attachments":
            out[name] = [
                [{"url": a["url"], "name": a["name"]} for a in found[i]] if i in found else []
                for i in ids
            ]
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

    def shaped(raw: Columns, seqs: tuple[int, int] | None = None) -> Columns:
        found: dict[str, list[dict[str, Any]]] = {}
        if "attachments" in request.fields:
            found = (
                store.attachments_in_seq_range(*seqs) if seqs else store.attachments_for(raw["id"])
            )
        return _export_columns(raw, found, request.fields, request.archive_base)

    if not request.query:
        filters = _store_filters(store, request)
        last = 0
        for raw in store.iter_article_columns(
            STORE_COLUMNS, **filters, batch_size=batch_size, **read
        ):
            # every attachment of the batch's seq span: the filtered-out articles' extra
            # ones are never looked up (found by id)
            yield shaped(raw, (last, raw["seq"][-1]))
            last = raw["seq"][-1]
        return
    pending: list[str] = []
    for article_id in _matching_ids(request, index_dir):
        pending.append(article_id)
        if len(pending) >= batch_size:
            raw = store.article_columns_by_ids(pending, STORE_COLUMNS, **read)
            if raw["id"]:
                yield shaped(raw)
            pending = []
    if pending:
        raw = store.article_columns_by_ids(pending, STORE_COLUMNS, **read)
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


# -- cell values ---------------------------------------------------------------

# OWASP CSV injection: a cell starting with one of these may run as a formula in a
# spreadsheet (tab and CR included; full-width forms are read as formulas by some
# locales of Excel too).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def excel_safe(value: str) -> str:
    """``value`` made inert for spreadsheets: prefixed with ``'`` if it could start a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is UTC:  # the store's instants: skip the conversion
        return value.isoformat()[:-6] + "Z"
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


_TIME_FIELDS = {"first_seen", "last_seen", "last_changed", "capture_time"}


def _text_column(name: str, values: list[Any]) -> list[Any]:
    """A field's values as JSON-ready data (the shape JSONL and CSV hold; instants are
    already ISO 8601 text)."""
    if name == "published":
        return [_published_text(v) for v in values]
    return values


@lru_cache(maxsize=65_536)  # dates repeat across an archive; each parse is a few µs
def _published_text(value: str | None) -> str | None:
    """``published`` as an ISO 8601 timestamp with its zone (a day: midnight Vietnam time)."""
    stamp = _published_ts(value)
    return stamp.isoformat() if stamp is not None else None


@lru_cache(maxsize=65_536)
def _published_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None  # never fail an export on one odd stored value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


# -- renderers -----------------------------------------------------------------


class Renderer:
    """A streaming writer of one export format onto a binary sink.

    Subclasses set the class attributes, and implement :meth:`write_columns` (called
    once per batch, in order, with the batch as columns: field name -> values) and
    :meth:`close` (once, at the end).  Register them with :func:`register_renderer`.
    """

    name: ClassVar[str]
    extension: ClassVar[str]
    mediatype: ClassVar[str]
    tabular: ClassVar[bool] = False  # a Frictionless tabular resource (CSV)
    # whether Frictionless reads the file as a byte stream (so it can check bytes and hash)
    byte_stream: ClassVar[bool] = True
    # how readers show a missing value beyond an empty cell (Table Schema missingValues)
    missing_values: ClassVar[tuple[str, ...]] = ("",)
    # whether write_columns takes the fields of BYTES_FIELDS as UTF-8 bytes
    text_as_bytes: ClassVar[bool] = False

    def __init__(self, sink: IO[bytes], fields: Sequence[str], *, excel: bool = False) -> None:
        self.sink = sink
        self.fields = tuple(fields)
        self.excel = excel

    def write_columns(self, columns: Columns) -> None:
        """Write one batch of export rows, given as columns (every field, in order)."""
        raise NotImplementedError

    def close(self, metadata: dict[str, Any] | None = None) -> None:
        """Finish the file (``metadata``: the export's description, for formats that hold it)."""

    @classmethod
    def encoding(cls, excel: bool) -> str:
        """The text encoding of the file, as a Data Package ``encoding``."""
        return "utf-8"


RENDERERS: dict[str, type[Renderer]] = {}


def register_renderer(cls: type[Renderer]) -> type[Renderer]:
    """Class decorator: make a renderer available under its ``name``."""
    RENDERERS[cls.name] = cls
    return cls


def _renderer(fmt: str) -> type[Renderer]:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ExportError(
            f"unknown export format {fmt!r}; valid formats: {', '.join(RENDERERS)}"
        ) from None


def csv_quote(value: str) -> str:
    """One RFC 4180 cell: quoted (inner quotes doubled) if it holds ``,`` ``"`` CR or LF.

    The same output as ``csv.writer`` with ``QUOTE_MINIMAL`` (a test holds them
    equal), at about twice its speed on long Vietnamese bodies.
    """
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


_FORMULA_START_BYTES = tuple(start.encode() for start in _FORMULA_START)


def _csv_quote_bytes(value: bytes, excel: bool) -> bytes:
    """:func:`csv_quote` (after :func:`excel_safe` with ``excel``) of UTF-8 bytes."""
    if excel and value.startswith(_FORMULA_START_BYTES):
        value = b"'" + value
    if b'"' in value:
        return b'"' + value.replace(b'"', b'""') + b'"'
    if b"," in value or b"\n" in value or b"\r" in value:
        return b'"' + value + b'"'
    return value


@register_renderer
class CsvRenderer(Renderer):
    """RFC 4180 CSV; with ``excel``: UTF-8 BOM and formula-injection guard."""

    name = "csv"
    extension = "csv"
    mediatype = "text/csv"
    tabular = True
    text_as_bytes = True
    DIALECT: ClassVar[dict[str, Any]] = {
        "delimiter": ",",
        "lineTerminator": "\r\n",
        "quoteChar": '"',
        "doubleQuote": True,
        "header": True,
    }

    def __init__(self, sink: IO[bytes], fields: Sequence[str], *, excel: bool = False) -> None:
        super().__init__(sink, fields, excel=excel)
        if excel:
            self.sink.write("\ufeff".encode())
        self.sink.write(self._record([csv_quote(name).encode() for name in self.fields]))

    def _cells(self, name: str, values: list[Any]) -> list[bytes]:
        """One field's cells: quoted as needed, nulls empty, lists as JSON arrays."""
        if name in ("attachments", "places"):
            values = [
                None if v is None else "[]" if not v else json.dumps(v, ensure_ascii=False)
                for v in values
            ]
        else:
            values = _text_column(name, values)
        kinds = set(map(type, values))
        excel = self.excel
        if kinds <= {bytes, type(None)}:
            return [b"" if v is None else _csv_quote_bytes(v, excel) for v in values]
        if values and kinds <= {str, type(None)}:
            texts = ["" if v is None else v for v in values] if type(None) in kinds else values
            if excel:
                texts = [excel_safe(v) for v in texts]
            # the whole column at once: quoted only if a cell needs it, encoded in one go
            joined = "\x00".join(texts)
            if joined.count("\x00") == len(texts) - 1:
                if '"' in joined or "," in joined or "\n" in joined or "\r" in joined:
                    joined = "\x00".join([csv_quote(v) for v in texts])
                return joined.encode("utf-8", "replace").split(b"\x00")
        cells = []  # mixed types, or a NUL inside a cell
        for value in values:
            if value is None:
                cells.append(b"")
            elif isinstance(value, bytes):
                cells.append(_csv_quote_bytes(value, excel))
            elif isinstance(value, str):
                text = csv_quote(excel_safe(value) if excel else value)
                cells.append(text.encode("utf-8", "replace"))
            else:
                cells.append(str(value).encode())
        return cells

    def _record(self, cells: list[bytes]) -> bytes:
        if cells == [b""]:  # a lone empty cell: quoted, or readers see a blank line
            cells = [b'""']
        return b",".join(cells) + b"\r\n"

    def write_columns(self, columns: Columns) -> None:
        cells = [self._cells(name, columns[name]) for name in self.fields]
        if len(cells) == 1:
            data = b"".join([self._record([cell]) for cell in cells[0]])
        else:
            data = b"\r\n".join(map(b",".join, zip(*cells, strict=True))) + b"\r\n"
        self.sink.write(data)

    @classmethod
    def encoding(cls, excel: bool) -> str:
        return "utf-8-sig" if excel else "utf-8"


_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


_LINE_BREAK_BYTES = {raw.encode(): escaped.encode() for raw, escaped in _LINE_BREAKS.items()}
# What json.dumps(ensure_ascii=False) escapes in a string
_JSON_ESCAPES = {b'"': b'\\"', b"\\": b"\\\\", b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t"}
_JSON_ESCAPES |= {b"\b": b"\\b", b"\f": b"\\f"}
_JSON_ESCAPES |= {
    bytes([n]): f"\\u{n:04x}".encode() for n in range(0x20) if bytes([n]) not in _JSON_ESCAPES
}
_JSON_RARE = re.compile(rb"[\x00-\x1f]")
_CONTROL_BYTES = bytes(range(0x20))


def _has_line_break(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds U+2028, U+2029 or U+0085.

    Each lead byte is found with a memchr: searching the 3-byte sequences directly
    is slow on Vietnamese text, full of the continuation bytes they end with.
    """
    for lead, tails in ((b"\xe2", (b"\x80\xa8", b"\x80\xa9")), (b"\xc2", (b"\x85",))):
        at = data.find(lead)
        while at >= 0:
            if data[at + 1 : at + 3] in tails or data[at + 1 : at + 2] in tails:
                return True
            at = data.find(lead, at + 1)
    return False


def _json_string_fragment(value: bytes) -> orjson.Fragment:
    """A JSON string of UTF-8 bytes, as json.dumps writes it (U+2028/2029/0085 are left
    to the renderer, as json.dumps leaves them)."""
    escaped = (
        value.replace(b"\\", b"\\\\")
        .replace(b'"', b'\\"')
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\r")
        .replace(b"\t", b"\\t")
    )
    if len(escaped.translate(None, _CONTROL_BYTES)) != len(escaped):  # one C pass
        escaped = _JSON_RARE.sub(lambda m: _JSON_ESCAPES[m.group()], escaped)
    return orjson.Fragment(b'"' + escaped + b'"')


def _json_line(values: Sequence[Any], fields: Sequence[str], plain: Sequence[Any]) -> bytes:
    """One JSON object on one line, UTF-8, no spaces (line separators: see write_columns).

    orjson gives the bytes ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    gives, ~10x faster; ``json`` writes the row (``plain``: its values without
    fragments) when orjson refuses it (a lone surrogate).
    """
    try:
        line = orjson.dumps(dict(zip(fields, values, strict=True)))
    except orjson.JSONEncodeError:
        row = {
            k: v.decode("utf-8", "replace") if type(v) is bytes else v
            for k, v in zip(fields, plain, strict=True)
        }
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    return line


@register_renderer
class JsonlRenderer(Renderer):
    """JSON Lines: one object per article per line; no raw line separator inside a line."""

    name = "jsonl"
    extension = "jsonl"
    # No JSON Lines type is registered with IANA; application/x-ndjson is the one HTTP
    # tools and servers use for newline-delimited JSON (application/jsonl is a proposal).
    mediatype = "application/x-ndjson"
    text_as_bytes = True

    def write_columns(self, columns: Columns) -> None:
        fields = self.fields
        plain = [_text_column(name, columns[name]) for name in fields]
        texts = [
            # UTF-8 bytes: escaped as they are, never decoded
            [_json_string_fragment(v) if type(v) is bytes else v for v in values]
            if name in BYTES_FIELDS
            else values
            for name, values in zip(fields, plain, strict=True)
        ]
        lines = [
            _json_line(values, fields, row)
            for values, row in zip(zip(*texts, strict=True), zip(*plain, strict=True), strict=True)
        ]
        if lines:
            data = b"\n".join(lines) + b"\n"
            # JSON leaves U+2028/2029/0085 raw; str.splitlines() would break on them.
            if _has_line_break(data):
                for raw, escaped in _LINE_BREAK_BYTES.items():
                    data = data.replace(raw, escaped)
            self.sink.write(data)


_DICTIONARY_FIELDS = {"portal", "province", "district", "category", "author", "credit"}
_DICTIONARY_FIELDS |= {"warc_file", "status", "published_precision"}
_UNIQUE_TEXT_FIELDS = {"id", "url", "archive_url", "story_id", "title", "summary", "body_text"}


def _arrow_pool() -> pa.MemoryPool:
    """jemalloc when pyarrow has it: it hands freed row groups back to the system.

    The default (mimalloc) keeps the freed memory of every row group mapped, so a
    streamed export's RSS settles at several times its real working set.
    """
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):  # pragma: no cover
        return pa.system_memory_pool()


@register_renderer
class ParquetRenderer(Renderer):
    """Typed Parquet (zstd), one row group per ~ROW_GROUP_BYTES of data."""

    name = "parquet"
    extension = "parquet"
    mediatype = "application/vnd.apache.parquet"
    byte_stream = False  # read through pyarrow: Frictionless cannot count its bytes
    text_as_bytes = True
    missing_values = ("", "nan")  # pandas shows a null int64 as NaN

    def __init__(self, sink: IO[bytes], fields: Sequence[str], *, excel: bool = False) -> None:
        super().__init__(sink, fields, excel=excel)
        self.schema = pa.schema(
            [
                pa.field(
                    name, FIELDS[name].arrow, metadata={"description": FIELDS[name].description}
                )
                for name in self.fields
            ]
        )
        self._pool = _arrow_pool()
        self._writer = pq.ParquetWriter(
            sink,
            self.schema,
            compression="zstd",
            # dictionary-encode only the columns that repeat; unique texts gain nothing
            use_dictionary=[n for n in self.fields if n in _DICTIONARY_FIELDS],
            # min/max of long unique texts help no reader and cost a pass over them
            write_statistics=[n for n in self.fields if n not in _UNIQUE_TEXT_FIELDS],
            memory_pool=self._pool,
        )
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0

    def _column(self, name: str, values: list[Any]) -> pa.Array:
        pool = self._pool
        if name == "published":
            values = [_published_ts(v) for v in values]
        elif name in _TIME_FIELDS:  # ISO 8601 UTC text -> timestamp[us, UTC]
            text = pa.array(values, type=pa.string(), memory_pool=pool)
            return text.cast(FIELDS[name].arrow, memory_pool=pool)
        elif name in BYTES_FIELDS and bytes in set(map(type, values)):
            # UTF-8 bytes: copied as binary, checked as UTF-8 once (cheaper than per value)
            array = pa.array(values, type=pa.binary(), memory_pool=pool).view(pa.string())
            array.validate(full=True)
            return array
        return pa.array(values, type=FIELDS[name].arrow, memory_pool=pool)

    def write_columns(self, columns: Columns) -> None:
        if not columns[self.fields[0]]:
            return
        batch = pa.record_batch(
            [self._column(name, columns[name]) for name in self.fields], schema=self.schema
        )
        self._pending.append(batch)
        self._pending_bytes += batch.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._write_group()

    def _write_group(self) -> None:
        if self._pending:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
        self._pending = []
        self._pending_bytes = 0

    def close(self, metadata: dict[str, Any] | None = None) -> None:
        self._write_group()
        if metadata:
            self._writer.add_key_value_metadata(
                {"vnarchive": json.dumps(metadata, ensure_ascii=False, default=str)}
            )
        self._writer.close()


# -- running an export ---------------------------------------------------------


def vnarchive_version() -> str:
    """The installed vnarchive version (the indexer does not import the CLI package)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vnarchive")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


@dataclass
class ExportResult:
    """What an export produced: format, request, row count, size, hash and times."""

    format: str
    request: ExportRequest
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0
    complete: bool = False

    def metadata(self) -> dict[str, Any]:
        """The query, filters, fields, row count and time of this export (JSON-ready)."""
        return {
            "vnarchive_version": vnarchive_version(),
            "exported_at": _utc_text(self.started),
            "format": self.format,
            "query": self.request.query,
            "filters": self.request.filters(),
            "sort": self.request.sort,
            "fields": list(self.request.fields),
            "excel": self.request.excel,
            "exact_accents": self.request.exact,
            "rows": self.rows,
        }


class _ChunkSink:
    """A write-only binary file that collects what is written until drained."""

    closed = False

    def __init__(self, result: ExportResult, digest: Any) -> None:
        self._chunks: list[bytes] = []
        self._result = result
        self._digest = digest

    def write(self, data: bytes | bytearray | memoryview) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._result.bytes += len(chunk)
        self._digest.update(chunk)
        return len(chunk)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks = []
        return data


def check_export(request: ExportRequest, fmt: str) -> type[Renderer]:
    """The renderer for ``fmt`` if ``request`` can be exported in it, else ExportError."""
    renderer_cls = _renderer(fmt)
    if request.excel and not renderer_cls.tabular:
        raise ExportError(f"excel mode applies to CSV only, not {fmt}")
    return renderer_cls


def stream_export(
    store: ArchiveStore,
    request: ExportRequest,
    fmt: str,
    *,
    result: ExportResult | None = None,
    on_progress: Callable[[int], None] | None = None,
    index_dir: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[bytes]:
    """The bytes of the export, batch after batch (for files, stdout and HTTP alike).

    Everything that can be wrong with the request (format, fields, Excel mode, the
    text query) raises here, before the first byte, so a caller can still answer
    with an error.  ``result`` (optional) is filled in as the export runs: rows,
    bytes, SHA-256, and ``complete`` once the last byte was produced.
    ``on_progress(rows_so_far)`` is called after each batch.
    """
    renderer_cls = check_export(request, fmt)
    result = result if result is not None else ExportResult(fmt, request)
    result.format, result.request = fmt, request
    batches = iter_export_columns(
        store,
        request,
        index_dir=index_dir,
        batch_size=batch_size,
        text_as_bytes=renderer_cls.text_as_bytes,
    )
    first = next(batches, None)  # runs the query now: its errors surface before streaming
    if first is not None:
        batches = itertools.chain([first], batches)
    return _generate(renderer_cls, batches, result, on_progress)


def _generate(
    renderer_cls: type[Renderer],
    batches: Iterator[Columns],
    result: ExportResult,
    on_progress: Callable[[int], None] | None,
) -> Iterator[bytes]:
    digest = hashlib.sha256()
    sink = _ChunkSink(result, digest)
    clock = time.perf_counter()
    renderer = renderer_cls(sink, result.request.fields, excel=result.request.excel)
    for columns in batches:
        renderer.write_columns(columns)
        result.rows += len(columns[result.request.fields[0]])
        if on_progress is not None:
            on_progress(result.rows)
        data = sink.drain()
        if data:
            yield data
    renderer.close(result.metadata())
    result.sha256 = digest.hexdigest()
    result.seconds = time.perf_counter() - clock
    result.complete = True
    yield sink.drain()


def write_export(
    store: ArchiveStore,
    request: ExportRequest,
    fmt: str,
    out: IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
    index_dir: str | Path | None = None,
) -> ExportResult:
    """Write the export to a binary file object; return what was written."""
    result = ExportResult(fmt, request)
    chunks = stream_export(
        store, request, fmt, result=result, on_progress=on_progress, index_dir=index_dir
    )
    for chunk in chunks:
        out.write(chunk)
    out.flush()
    return result


# -- naming and describing an export -----------------------------------------------


def _slug(text: str, limit: int = 60) -> str:
    ascii_text = fold(normalize(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def _label(request: ExportRequest) -> str:
    """What the export is of, for its name: the query, else the filters, else 'all'."""
    if request.query:
        return request.query
    parts = [request.portal, request.province, request.category]
    if request.date_from and request.date_to:
        parts.append(f"{request.date_from} to {request.date_to}")
    elif request.date_from or request.date_to:
        parts.append(f"from {request.date_from}" if request.date_from else f"to {request.date_to}")
    return " ".join(p for p in parts if p) or "all"


def export_filename(
    request: ExportRequest, fmt: str, *, day: date | None = None
) -> tuple[str, str]:
    """(ASCII file name, UTF-8 file name) for a download: ``vnarchive-<query>-<date>.<ext>``.

    The ASCII name folds Vietnamese (``ủy ban`` → ``uy-ban``); the UTF-8 one keeps the
    diacritics, for an RFC 5987 ``filename*``.
    """
    day = day or datetime.now(VN_TZ).date()
    ext = _renderer(fmt).extension
    label = _label(request)
    ascii_slug = _slug(label) or "query"
    utf8_slug = re.sub(r"[^\w]+", "-", normalize(label).lower()).strip("-")[:60].strip("-")
    return (
        f"vnarchive-{ascii_slug}-{day.isoformat()}.{ext}",
        f"vnarchive-{utf8_slug or ascii_slug}-{day.isoformat()}.{ext}",
    )


def content_disposition(request: ExportRequest, fmt: str, *, day: date | None = None) -> str:
    """A ``Content-Disposition: attachment`` value with ASCII ``filename`` and RFC 5987 ``filename*``."""
    ascii_name, utf8_name = export_filename(request, fmt, day=day)
    quoted = urllib.parse.quote(utf8_name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def datapackage(result: ExportResult, path: str | Path) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a finished export written to ``path``."""
    renderer = _renderer(result.format)
    request = result.request
    file_name = Path(path).name
    label = _label(request)
    name = _slug(f"vnarchive {label} {result.started.date().isoformat()}", limit=100) or "vnarchive"
    type_of = "text_type" if renderer.name != "parquet" else "parquet_type"
    fields = []
    for field_name in request.fields:
        spec = FIELDS[field_name]
        entry: dict[str, Any] = {
            "name": field_name,
            "type": getattr(spec, type_of),
            "description": spec.description,
        }
        fields.append(entry)
    resource: dict[str, Any] = {
        "name": _slug(Path(file_name).stem, limit=100) or "articles",
        "path": file_name,
        "profile": "tabular-data-resource" if renderer.tabular else "data-resource",
        "format": renderer.extension,
        "mediatype": renderer.mediatype,
        "encoding": renderer.encoding(request.excel),
        "bytes": result.bytes,
        "hash": f"sha256:{result.sha256}",
        "schema": {"fields": fields, "primaryKey": ["id"] if "id" in request.fields else []},
    }
    if not result.sha256 or not renderer.byte_stream:
        # described before it was written (the web app's descriptor), or a file that
        # Frictionless does not read as bytes: size and hash are under "vnarchive" only
        del resource["bytes"], resource["hash"]
    if renderer.tabular:
        resource["dialect"] = dict(CsvRenderer.DIALECT)
    resource["schema"]["missingValues"] = list(renderer.missing_values)
    if not resource["schema"]["primaryKey"]:
        del resource["schema"]["primaryKey"]
    meta = result.metadata()
    description = (
        f"Articles archived by vnarchive from Vietnamese local-government portals: "
        f"{'query ' + repr(request.query) if request.query else 'all articles'}"
        + (f", filters {meta['filters']}" if meta["filters"] else "")
        + f"; {result.rows} rows exported {meta['exported_at']}."
    )
    if request.excel:
        description += (
            " Excel mode: UTF-8 with BOM; text cells starting with = + - @ tab or CR "
            "are prefixed with an apostrophe (formula-injection guard)."
        )
    return {
        "profile": "tabular-data-package" if renderer.tabular else "data-package",
        "name": name,
        "title": f"vnarchive export: {label}",
        "description": description,
        "created": meta["exported_at"],
        "resources": [resource],
        "vnarchive": meta
        | {"complete": result.complete}
        | ({"bytes": result.bytes, "sha256": result.sha256} if result.sha256 else {}),
    }


def write_datapackage(
    result: ExportResult, export_path: str | Path, descriptor_path: str | Path | None = None
) -> Path:
    """Write the descriptor beside the export (``<file>.datapackage.json``); return its path."""
    target = Path(descriptor_path) if descriptor_path else Path(f"{export_path}.datapackage.json")
    descriptor = datapackage(result, export_path)
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def iter_rows_of(batches: Iterable[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Flatten export batches into rows (a convenience for callers and tests)."""
    for batch in batches:
        yield from batch
